/* kolm - the command table and the one place that runs a verb (cli.h):
 * its options, its operands, what its row says it needs, its work.  Verbs
 * are alphabetical; each is cmd_<verb> in src/cli/cmd_<verb>.c. */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kolm/ctx.h"
#include "kolm/util.h"
#include "kolm/version.h"

/* The command table: each verb, what main opens for it, its summary line.
 * NEEDS_CTX opens the catalogs (--data-dir / KOLM_DATA_DIR, the XDG
 * directories) after the verb's check(); bench's check() waives it for
 * --from-json.  serve starts workers that open their own. */
static const struct verb {
	const char *name;
	const struct cli_cmd *cmd;
	unsigned needs;
	const char *summary;
} verbs[] = {
	{"bases", &cmd_bases, NEEDS_CTX, "list catalog base models"},
	{"bench", &cmd_bench, NEEDS_CTX, "measure prompt and generation speed on this machine"},
	{"calibrate", &cmd_calibrate, NEEDS_CTX, "speed-model accuracy report over all measurements"},
	{"devices", &cmd_devices, NEEDS_CTX, "list catalog devices"},
	{"eval", &cmd_eval, 0, "K-score on an eval pack, KL divergence, perplexity"},
	{"export", &cmd_export, NEEDS_CTX, "convert and quantize to GGUF (or preview the plan)"},
	{"inspect", &cmd_inspect, NEEDS_CTX, "describe a GGUF, safetensors, .kolm, HF directory or config.json"},
	{"keygen", &cmd_keygen, 0, "make an Ed25519 signing key"},
	{"pack", &cmd_pack, NEEDS_CTX, "pack a Hugging Face directory into a .kolm artifact"},
	{"plan", &cmd_plan, NEEDS_CTX, "forecast size, fit, speed and K-score loss"},
	{"quantize", &cmd_quantize, 0, "re-quantize an F32/F16/BF16 GGUF (llama-quantize order)"},
	{"quants", &cmd_quants, NEEDS_CTX, "list quantization tiers and formats"},
	{"quickstart", &cmd_quickstart, NEEDS_CTX, "per-device Markdown quickstart"},
	{"run", &cmd_run, 0, "generate text with the built-in engine"},
	{"serve", &cmd_serve, NEEDS_CTX_OPTS, "the picker page and JSON API"},
	{"sign", &cmd_sign, 0, "sign a .kolm artifact"},
	{"verify", &cmd_verify, NEEDS_CTX, "the six checks on an artifact and its export"},
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: kolm [--data-dir DIR] <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(fp, "  %-11s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(fp, "\n'kolm <command> --help' shows a command's options.  Exit codes:\n"
		    "0 ok, 1 a gate or check said no, 2 usage, 3 bad input file, 4 I/O or missing tool.\n");
}

/* Inputs are memory-mapped: a file that shrinks while it is read (another
 * process truncates it, a network file system drops it) raises SIGBUS at
 * the first missing page.  Report it as the I/O error it is instead of
 * dying silently; temp outputs are left to the next run's cleanup. */
static void on_sigbus(int sig)
{
	static const char msg[] = "kolm: input file: it shrank or became unreadable while being read (SIGBUS)\n";
	(void)sig;
	if (write(2, msg, sizeof msg - 1) < 0)
		_exit(4);
	_exit(4);
}

/* One run of a verb: its options, its operands, then what its row says it
 * needs, then the work (cli.h). */
static int run_verb(const struct verb *v, int argc, char **argv)
{
	const struct cli_cmd *cmd = v->cmd;
	struct cli cli = {.verb = v->name, .cmd = cmd};
	struct kolm_ctx_opts co;
	char buf[8192];
	void *args = malloc(cmd->size);
	if (!args) {
		fprintf(stderr, "kolm: out of memory\n");
		return 4;
	}
	memcpy(args, cmd->defaults, cmd->size);
	int nops = 0, rc;
	char **ops = NULL;
	rc = cli_parse(&cli, args, argc, argv, &nops, &ops);
	if (!rc)
		rc = cmd->check(&cli, args, nops, ops);
	if (!rc && (v->needs & (NEEDS_CTX | NEEDS_CTX_OPTS))) {
		kolm_ctx_opts_from_env(&co, buf, sizeof buf);
		cli.ctx_opts = &co;
	}
	if (!rc && (v->needs & NEEDS_CTX) && !cli.no_ctx) {
		struct kolm_err err = {0};
		if (kolm_ctx_new(&cli.ctx, &co, &err) != KOLM_OK)
			rc = cli_fail(&err);
	}
	if (!rc)
		rc = cmd->run(&cli, args);
	kolm_ctx_free(cli.ctx);
	free(args);
	return rc == CLI_HELPED ? 0 : rc;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	/* --data-dir is global: accept it anywhere and pass it on through the
	 * environment so every verb's context sees it. */
	int w = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data-dir") == 0) {
			if (i + 1 >= argc)
				return cli_usage_error("--data-dir needs a directory");
			setenv("KOLM_DATA_DIR", argv[++i], 1);
			continue;
		}
		if (strncmp(argv[i], "--data-dir=", 11) == 0) {
			setenv("KOLM_DATA_DIR", argv[i] + 11, 1);
			continue;
		}
		argv[w++] = argv[i];
	}
	argc = w;
	argv[argc] = NULL;
	/* a data directory that is not there is an error, not the embedded
	 * catalog in disguise */
	const char *dd = getenv("KOLM_DATA_DIR");
	struct stat dsb;
	if (dd && *dd && (stat(dd, &dsb) != 0 || !S_ISDIR(dsb.st_mode)))
		return cli_usage_error("--data-dir %s: %s", dd, stat(dd, &dsb) != 0 ? strerror(errno) : "not a directory");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("kolm %s\n", KOLM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(argv[1], verbs[i].name) == 0)
			return run_verb(&verbs[i], argc - 1, argv + 1);
	}
	const char *best = NULL;
	int bd = 1000;
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		int d = kolm_edit_distance(argv[1], verbs[i].name);
		if (d < bd) {
			bd = d;
			best = verbs[i].name;
		}
	}
	if (best && bd <= 3)
		return cli_usage_error("'%s' is not a command; did you mean '%s'?", argv[1], best);
	return cli_usage_error("'%s' is not a command (see 'kolm --help')", argv[1]);
}
