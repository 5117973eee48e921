/* kolm export - preview the plan, or do the export: natively for GGUF, and
 * for MLX from an artifact or a checkpoint directory; through the upstream
 * toolchain for MLX from a catalog base, ONNX, Core ML and TensorRT-LLM. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/artifact.h"
#include "kolm/catalog.h"
#include "kolm/commands.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/forecast.h"
#include "kolm/hfdir.h"
#include "kolm/toolchain.h"
#include "kolm/util.h"
#include "pick.h"
#include "render.h"

struct bar {
	int tty;
};

static void progress(void *user, const struct kolm_export_progress *p)
{
	struct bar *b = user;
	if (!b->tty)
		return;
	double rate = p->seconds > 0 ? (double)p->in_done / p->seconds : 0;
	double eta = rate > 0 ? (double)(p->in_total - p->in_done) / rate : 0;
	int width = 30, fill = p->in_total ? (int)(width * (double)p->in_done / (double)p->in_total) : width;
	fprintf(stderr, "\r[%-*.*s] %lld/%lld %-28.28s %7.1f MB/s  ETA %4.0f s", width, fill,
		"##############################", (long long)p->tensor + 1, (long long)p->n_tensors, p->name, rate / 1e6, eta);
	if (p->tensor + 1 == p->n_tensors)
		fputc('\n', stderr);
}

/* The file, and the K-score the export measured against its artifact's:
 * a drop is said, and loudly one that kolm verify's quality check fails
 * (more than its default --max-k-loss): one rule for both. */
static void print_written(const char *out, const json_t *receipt)
{
	if (json_object_get(receipt, "signature"))
		printf("wrote %s (receipt: %s.receipt.json, signed by key %.16s…)\n", out, out,
		       json_string_value(json_object_get(json_object_get(receipt, "signature"), "signer")));
	else
		printf("wrote %s (receipt: %s.receipt.json)\n", out, out);
	json_t *ek = json_object_get(receipt, "export_k_score"), *ak = json_object_get(receipt, "k_score");
	const char *src = json_string_value(json_object_get(receipt, "export_k_source"));
	if (!json_is_number(ek) || !json_is_number(ak) || !src || strcmp(src, "measured"))
		return;
	double e = json_number_value(ek), k = json_number_value(ak), drop = 100 * (k - e);
	printf("K-score %.3f measured on the artifact's eval pack (the .kolm's %.3f: %s%.1f points)\n", e, k,
	       drop > 0 ? "-" : "+", fabs(drop));
	if (drop > KOLM_DEFAULT_MAX_K_LOSS)
		printf("warning: the export loses %.1f K-score points against its artifact, more than the %.0f kolm verify "
		       "allows by default (--max-k-loss): a higher-bit format keeps more (kolm plan --best shows the ranking)\n",
		       drop, KOLM_DEFAULT_MAX_K_LOSS);
}

struct args {
	struct cli_pick cp;
	const char *artifact;   /* the operand, ARTIFACT.kolm */
	const char *from_dir;   /* --from-dir HF_DIR */
	const char *sign_key;   /* --sign KEY */
	int threads, no_measure, preview, group_size;
};

enum { O_FROMDIR = 1, O_NOMEASURE, O_GROUP, O_SIGN };

static const struct cli_opt opts[] = {
	OPT_INCLUDE(cli_pick_source_opts),
	OPT_VALUE(0, "from-dir", "HF_DIR", O_FROMDIR, "a Hugging Face checkpoint directory (safetensors F32/F16/BF16)"),
	OPT_INCLUDE(cli_pick_opts),
	OPT_GROUP("export:"),
	OPT_VALUE('t', "threads", "N", 't', "threads for quantizing and measuring K (1..512, default: online CPUs)"),
	OPT_FLAG(0, "no-measure", O_NOMEASURE, "do not measure the export's K-score"),
	OPT_VALUE(0, "sign", "KEY", O_SIGN, "from X.kolm: sign the receipt with the artifact's Ed25519 key (GGUF: embedded in the file; ONNX, Core ML, TensorRT-LLM: NAME.receipt.json), so kolm verify --pubkey binds the export by hashing"),
	OPT_VALUE(0, "group-size", "N", O_GROUP, "MLX formats: the affine group size, 32, 64 or 128 (default: the format's, 64)"),
	OPT_PREVIEW,
	OPT_FLAG(0, "json", CLI_O_JSON, "the receipt as JSON (with --preview: the kolm.forecast/1 document)"),
	OPT_GROUP("gates (--preview shows them; they do not stop an export):"),
	OPT_INCLUDE(cli_pick_gate_opts),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	switch (id) {
	case O_FROMDIR: a->from_dir = val; return 0;
	case O_NOMEASURE: a->no_measure = 1; return 0;
	case O_SIGN: a->sign_key = val; return 0;
	case CLI_O_PREVIEW: a->preview = 1; return 0;
	case O_GROUP: {
		long long n;
		if (cli_parse_i64(val, &n) || (n != 32 && n != 64 && n != 128))
			return cli_usage_error("export: --group-size: '%s' is not 32, 64 or 128", val);
		a->group_size = (int)n;
		return 0;
	}
	case 't': {
		long long n;
		if (cli_parse_i64(val, &n) || n < 1 || n > 512)
			return cli_usage_error("export: -t: '%s' is not a thread count (1..512)", val);
		a->threads = (int)n;
		return 0;
	}
	}
	return cli_pick_opt(cli, &a->cp, id, val);
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	struct kolm_pick *p = &a->cp.p;
	int rc = cli_operands_at_most(cli, argc, argv, 1);
	if (rc)
		return rc;
	if (argc == 1) {
		size_t n = strlen(argv[0]);
		if (n > 5 && !strcasecmp(argv[0] + n - 5, ".gguf"))
			return cli_usage_error("export: %s is a GGUF; export reads a .kolm or --from-dir HF_DIR (to "
					       "re-quantize a GGUF: kolm quantize IN.gguf OUT.gguf TYPE)",
					       argv[0]);
		a->artifact = argv[0];
		p->model_path = argv[0];
		p->artifact = argv[0];
	}
	if (a->from_dir) {
		if (p->model_path || p->base_id || p->config_path)
			return cli_usage_error("export: --from-dir replaces the other sources");
		p->model_path = a->from_dir;
	}
	if (!p->base_id && !p->config_path && !p->model_path)
		return cli_usage_error("export: give ARTIFACT.kolm, --base ID, --config FILE or --from-dir HF_DIR");
	if (!p->device_id && !(p->mem_gb > 0 && p->bw_gbs > 0))
		return cli_usage_error("export: give --device ID");
	return 0;
}

/* An upstream toolchain's export (ONNX, Core ML, TensorRT-LLM; MLX from a
 * catalog base): from X.kolm, its checkpoint unpacked (hash-checked) into a
 * private temporary directory that the commands read, forecast again with
 * it (kolm_pick.ckpt_dir) so they are the plan's with that directory; then
 * the receipt listing every file written (signed with --sign).  An output
 * this run made is removed when a later step fails. */
static int export_upstream(struct cli *cli, struct args *a, const struct kolm_forecast *f, const char *out,
			   json_t **receipt)
{
	struct kolm_err err = {0};
	struct kolm_upstream *up = NULL;
	struct kolm_forecast f2;
	int have_f2 = 0, made = 0, rc;
	const char *cmds = f->commands.export_upstream;
	if ((rc = kolm_out_dir_free(out, &err)))
		return cli_fail(&err);
	if (a->artifact && !a->from_dir) {
		if ((rc = kolm_upstream_open(&up, a->artifact, a->sign_key, &err)))
			goto out;
		a->cp.p.ckpt_dir = kolm_upstream_dir(up);
		if ((rc = kolm_forecast(cli->ctx, &a->cp.p, &f2, &err)))
			goto out;
		have_f2 = 1;
		cmds = f2.commands.export_upstream;
	}
	made = 1;
	/* after installing a missing tool the user runs the commands, or this
	 * export again when they cannot be: from a .kolm they read a temporary
	 * directory that is gone by then, and some (the coremltools script) are
	 * too long for one message */
	char rerun[1200];
	snprintf(rerun, sizeof rerun, "run this kolm export%s%s again", up ? " of " : "", up ? a->artifact : "");
	int say_lines = !up && cmds && strlen(cmds) < 240;
	if (!(rc = kolm_toolchain_export(cmds, say_lines ? NULL : rerun, f->format.fmt, out, receipt, &err)))
		rc = kolm_upstream_seal(up, *receipt, out, &err);
out:
	if (rc && made && kolm_out_dir_free(out, NULL)) {
		json_decref(*receipt);
		*receipt = NULL;
		kolm_tmpdir_remove(out);
	}
	a->cp.p.ckpt_dir = NULL;
	if (have_f2)
		kolm_forecast_release(&f2);
	kolm_upstream_close(up);
	return rc ? cli_fail(&err) : 0;
}

static int run(struct cli *cli, void *args)
{
	struct args *a = args;
	struct cli_pick *cp = &a->cp;
	struct kolm_ctx *ctx = cli->ctx;
	struct kolm_err err = {0};
	struct kolm_forecast f;
	json_t *receipt = NULL;
	int exit_code = 0;
	if (kolm_forecast(ctx, &cp->p, &f, &err)) {
		exit_code = cli_fail(&err);
		goto done;
	}
	if (a->preview) {
		if (cp->json) {
			json_t *doc = kolm_forecast_json(&f);
			char *s = doc ? kolm_forecast_dumps(doc) : NULL;
			json_decref(doc);
			fputs(s ? s : "", stdout);
			fputc('\n', stdout);
			free(s);
		} else {
			cli_render_forecast(stdout, &f, cli_color());
		}
		goto done;
	}
	const char *be = f.backend.id;
	const struct kolm_format *fmt = f.format.fmt;
	char name[256], out[4096];
	struct kolm_cmd_vars v = {0};
	v.base_id = f.source.id;
	v.format = fmt;
	const char *od = cp->p.out_dir ? cp->p.out_dir : ".";
	size_t odl = strlen(od);
	while (odl > 1 && od[odl - 1] == '/')
		odl--; /* -o out/ writes out/NAME, not out//NAME */
	if (kolm_commands_file_name(&v, name, sizeof name) ||
	    snprintf(out, sizeof out, "%.*s%s%s", (int)odl, od, strcmp(od, "/") ? "/" : "", name) >= (int)sizeof out) {
		exit_code = cli_usage_error("export: output path too long");
		goto done;
	}
	if (a->sign_key && (!strcmp(be, "mlx") || !a->artifact || a->from_dir)) {
		exit_code = cli_usage_error("export: --sign signs the receipt of an export made from X.kolm (GGUF: embedded; "
					    "ONNX, Core ML, TensorRT-LLM: NAME.receipt.json); %s%s",
					    !strcmp(be, "mlx") ? "an MLX export is bound by re-deriving it" : "",
					    a->artifact && !a->from_dir ? "" : "no X.kolm was given");
		goto done;
	}
	if (a->group_size && strcmp(be, "mlx")) {
		exit_code = cli_usage_error("export: --group-size applies to MLX formats; %s is a %s format", fmt->id, be);
		goto done;
	}
	/* --base: the checkpoint step 0 downloaded (its --local-dir) or the
	 * Hugging Face cache already holds */
	char found[4096];
	const char *searched = NULL, *local = NULL;
	const struct kolm_base *base = cp->p.base_id ? kolm_catalog_base_find(ctx, cp->p.base_id) : NULL;
	if (!a->from_dir && !a->artifact && base && base->hf_repo && (!strcmp(be, "gguf") || !strcmp(be, "mlx"))) {
		const char *ld = strrchr(base->hf_repo, '/');
		local = ld ? ld + 1 : base->hf_repo;
		if (kolm_hfdir_find(base->hf_repo, local, found, sizeof found) == 0) {
			a->from_dir = found;
			if (!cp->json)
				fprintf(stderr, "export: %s's checkpoint: %s\n", base->hf_repo, found);
		} else {
			searched = found;
		}
	}
	/* the native exports' options (GGUF and MLX) */
	struct bar b = {isatty(STDERR_FILENO)};
	struct kolm_export_opts o = {0};
	o.hf_dir = a->from_dir;
	o.artifact = a->from_dir ? NULL : a->artifact;
	o.format = fmt->id;
	o.out_path = out;
	o.threads = a->threads > 0 ? a->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	o.min_k = -1;
	o.no_measure = a->no_measure;
	o.progress = progress;
	o.progress_user = &b;
	/* -o DIR is made once the export can start, not for a refusal */
	int sourceless = !strcmp(be, "gguf") && !a->from_dir && !a->artifact;
	if (!sourceless && cp->p.out_dir && mkdir(cp->p.out_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "kolm: %s: %s\n", cp->p.out_dir, strerror(errno));
		exit_code = 4;
		goto done;
	}
	if (!strcmp(be, "mlx") && (a->from_dir || a->artifact)) {
		/* native: the directory mlx_lm.convert writes, no Python */
		o.group_size = a->group_size;
		if (kolm_export_mlx(ctx, &o, &receipt, &err)) {
			exit_code = cli_fail(&err);
			goto done;
		}
	} else if (!strcmp(be, "gguf")) {
		if (!a->from_dir && !a->artifact) {
			/* the printed journey's steps 0 and 1a, as kolm plan prints them */
			char steps[4096] = "";
			const char *parts[] = {f.commands.download, f.commands.pack};
			for (size_t i = 0; i < 2; i++) {
				for (const char *s = parts[i]; s && *s;) {
					size_t n = strcspn(s, "\n"), at = strlen(steps);
					snprintf(steps + at, sizeof steps - at, "%s%.*s", at ? " && " : "", (int)n, s);
					s += n + (s[n] == '\n');
				}
			}
			if (searched)
				exit_code = cli_usage_error("export: --base %s: its checkpoint is neither in ./%s nor in the Hugging "
							    "Face cache (%s); get it and pack it: %s",
							    cp->p.base_id, local, *searched ? searched : "none set",
							    steps[0] ? steps : "kolm pack HF_DIR -o X.kolm");
			else
				exit_code = cli_usage_error("export: the native GGUF export reads an artifact (X.kolm) or a Hugging "
							    "Face directory: give X.kolm or --from-dir HF_DIR; to make the .kolm: %s",
							    steps[0] ? steps : "kolm pack HF_DIR -o X.kolm");
			goto done;
		}
		o.overrides = cp->ov;
		o.n_overrides = cp->p.n_overrides;
		o.sign_key = a->sign_key;
		if (kolm_export_gguf(ctx, &o, &receipt, &err)) {
			exit_code = cli_fail(&err);
			goto done;
		}
	} else if ((exit_code = export_upstream(cli, a, &f, out, &receipt))) {
		goto done;
	}
	if (cp->json)
		exit_code = cli_print_json(receipt);
	else
		print_written(out, receipt);
done:
	json_decref(receipt);
	kolm_forecast_release(&f);
	return exit_code;
}

static const struct args defaults = {.cp = CLI_PICK_INIT};

const struct cli_cmd cmd_export = {
	.usage = "usage: kolm export (ARTIFACT.kolm | --base ID | --config FILE | --model PATH | --from-dir HF_DIR)\n"
		 "                   --quant Q --device ID [-o DIR] [-t N] [--tensor-type P=T]... [--no-measure]\n"
		 "                   [--sign KEY] [--preview] [--json]\n"
		 "--preview prints exactly what 'kolm plan' prints for the same pick (with --json: the kolm.forecast/1\n"
		 "document) and touches no file and no toolchain.  Without it: GGUF formats are converted and\n"
		 "quantized natively from ARTIFACT.kolm (its members read in place) or --from-dir (safetensors\n"
		 "F32/F16/BF16), written atomically as DIR/<base>-<format>.gguf with the kolm.* metadata and a\n"
		 ".receipt.json beside it (docs/ARTIFACT.md); the artifact's compile gate applies.  MLX formats\n"
		 "from ARTIFACT.kolm or --from-dir are written natively too: DIR/<base>-<format>/, the directory\n"
		 "mlx_lm.convert writes (same tensors bit for bit; --group-size 32|64|128), with kolm.json.  Other\n"
		 "backends run their upstream toolchain when it is installed: from ARTIFACT.kolm on its checkpoint,\n"
		 "unpacked (each member hash-checked) into a private temporary directory that the commands read\n"
		 "and that is removed after; DIR/<base>-<format>.receipt.json then lists every file written with its\n"
		 "size and SHA-256, the artifact's manifest hash and the commands run.  From an artifact the\n"
		 "GGUF and MLX export's own K-score is measured on its eval pack with kolm's engine and stamped in\n"
		 "(--no-measure skips it).  --sign KEY (from a signed X.kolm, KEY its private key): the receipt is\n"
		 "signed (GGUF: embedded as kolm.export_signer, kolm.export_signature), so 'kolm verify X.kolm OUT\n"
		 "--pubkey KEY.pub' binds the export by its signature, without re-deriving it.\n",
	.opts = opts,
	.tail = "Exit: 0 done, 1 the compile gate refused or --sign's key does not sign the artifact, 2 usage, 3 bad input, 4 I/O or toolchain missing.\n",
	.flags = CLI_SEE_HELP | CLI_NEEDS_OPTION,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
