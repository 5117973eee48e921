/* toolchain.c - spawn the upstream exporters (toolchain.h). */
#include "kolm/toolchain.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "kolm/util.h"

extern char **environ;

/* Split a rendered command line into words (single/double quotes and
 * backslashes as the shell treats them).  *argv is one allocation; free it. */
static int shell_split(const char *line, char ***argv_out, int *argc_out, struct kolm_err *err)
{
	size_t len = strlen(line);
	/* words never outnumber len/2+1; strings never outgrow the line */
	size_t nmax = len / 2 + 2;
	char **argv = malloc(sizeof *argv * nmax + len + nmax);
	if (!argv)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	char *buf = (char *)(argv + nmax);
	int argc = 0;
	const char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		argv[argc++] = buf;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');
				if (!e) {
					free(argv);
					return kolm_err_set(err, KOLM_E_USAGE, "unterminated quote in: %s", line);
				}
				memcpy(buf, p + 1, (size_t)(e - p - 1));
				buf += e - p - 1;
				p = e + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1])
						p++;
					*buf++ = *p++;
				}
				if (*p != '"') {
					free(argv);
					return kolm_err_set(err, KOLM_E_USAGE, "unterminated quote in: %s", line);
				}
				p++;
			} else if (*p == '\\' && p[1]) {
				*buf++ = p[1];
				p += 2;
			} else {
				*buf++ = *p++;
			}
		}
		*buf++ = '\0';
	}
	argv[argc] = NULL;
	*argv_out = argv;
	*argc_out = argc;
	return KOLM_OK;
}

static int on_path(const char *exe)
{
	if (strchr(exe, '/'))
		return access(exe, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		return 0;
	char dir[4096];
	for (const char *s = path; *s;) {
		const char *c = strchr(s, ':');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		if (n < sizeof dir - 256) {
			memcpy(dir, s, n);
			snprintf(dir + n, sizeof dir - n, "/%s", exe);
			if (access(dir, X_OK) == 0)
				return 1;
		}
		s += n + (c ? 1 : 0);
	}
	return 0;
}

static const char *install_line(const char *exe, const char *line)
{
	/* each a line that runs as printed: MLX on a Linux CPU is mlx-cpu's
	 * build; coremltools' k-means palettization (coreml-6bit, -3bit)
	 * imports scikit-learn */
	if (strstr(exe, "mlx_lm"))
#ifdef __APPLE__
		return "pip install mlx-lm";
#else
		return "pip install mlx-lm mlx-cpu";
#endif
	if (strstr(line, "onnxruntime_genai"))
		return "pip install onnxruntime-genai";
	if (strstr(line, "exporters.coreml") || strstr(line, "coremltools"))
		return "pip install coremltools scikit-learn git+https://github.com/huggingface/exporters";
	if (strstr(exe, "trtllm") || strstr(line, "quantize.py"))
		return "pip install tensorrt_llm==0.18.2 && git clone --depth 1 --branch v0.18.2 "
		       "https://github.com/NVIDIA/TensorRT-LLM";
	if (!strcmp(exe, "hf") || strstr(exe, "huggingface-cli"))
		return "pip install huggingface_hub";
	return "install the tool named above";
}

/* The Python module a "python3 -m MODULE" or "python3 -c SCRIPT" line
 * needs (coremltools for the Core ML scripts), or NULL. */
static const char *py_module(char **argv, int argc)
{
	if (argc < 3 || strncmp(argv[0], "python", 6))
		return NULL;
	if (!strcmp(argv[1], "-m"))
		return argv[2];
	if (!strcmp(argv[1], "-c") && strstr(argv[2], "coremltools"))
		return "coremltools";
	return NULL;
}

/* "python3 SCRIPT.py ...": a script run from a checkout, not installed */
static int ends_with_py(const char *a)
{
	size_t n = strlen(a);
	return a[0] != '-' && n > 3 && !strcmp(a + n - 3, ".py");
}

/* Whether PY can import MODULE, asked quietly (a missing module is said in
 * one line by the caller, not as Python's traceback). */
static int py_has(const char *py, const char *module)
{
	char *const argv[] = {(char *)py, "-c",
			      "import importlib.util as u, sys\n"
			      "try:\n    sys.exit(0 if u.find_spec(sys.argv[1]) else 1)\n"
			      "except Exception:\n    sys.exit(1)\n",
			      (char *)module, NULL};
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa))
		return 0;
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int st = 1, ok = posix_spawnp(&pid, py, &fa, NULL, argv, environ) == 0;
	posix_spawn_file_actions_destroy(&fa);
	while (ok && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The last non-empty line of what a failed step wrote to stderr (a Python
 * exception's "Type: message"), control characters made spaces, into
 * line; shortened at a word with an ellipsis to fit cap.  "" if none. */
static void last_line(FILE *f, char *line, size_t cap)
{
	char buf[8192];
	line[0] = '\0';
	if (!f || fseek(f, 0, SEEK_END) != 0)
		return;
	long end = ftell(f);
	long at = end > (long)sizeof buf - 1 ? end - (long)sizeof buf + 1 : 0;
	if (end <= 0 || fseek(f, at, SEEK_SET) != 0)
		return;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	while (n && (unsigned char)buf[n - 1] <= ' ')
		n--;
	buf[n] = '\0';
	char *b = strrchr(buf, '\n');
	b = b ? b + 1 : buf;
	while (*b == ' ' || *b == '\t' || *b == '\r')
		b++;
	for (char *q = b; *q; q++)
		if ((unsigned char)*q < ' ' || *q == 0x7f)
			*q = ' ';
	size_t len = strlen(b);
	if (len < cap) {
		memcpy(line, b, len + 1);
		return;
	}
	/* room for " …" (4 bytes) and the NUL; cut at the last space before */
	size_t keep = cap > 5 ? cap - 5 : 0;
	while (keep && b[keep] != ' ')
		keep--;
	while (keep && b[keep - 1] == ' ')
		keep--;
	snprintf(line, cap, "%.*s …", (int)keep, b);
}

/* Run one command line's argv; its stderr kept in an unlinked temporary
 * file (a failing converter's traceback is not the user's message), the
 * last line of it said on failure. */
static int run_step(char **argv, const char *mod, struct kolm_err *err)
{
	FILE *tf = tmpfile();
	posix_spawn_file_actions_t fa;
	int have_fa = tf && posix_spawn_file_actions_init(&fa) == 0;
	if (have_fa)
		posix_spawn_file_actions_adddup2(&fa, fileno(tf), 2);
	pid_t pid;
	int rc = KOLM_OK, sr = posix_spawnp(&pid, argv[0], have_fa ? &fa : NULL, NULL, argv, environ);
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (sr != 0) {
		rc = kolm_err_set(err, KOLM_E_MISSING, "export: cannot start '%s': %s", argv[0], strerror(sr));
	} else {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			char what[160], why[sizeof err->msg];
			int ex = WIFEXITED(st);
			if (mod)
				snprintf(what, sizeof what, "'%s' (%s) failed (%s %d)", argv[0], mod,
					 ex ? "exit status" : "signal", ex ? WEXITSTATUS(st) : WTERMSIG(st));
			else
				snprintf(what, sizeof what, "'%s' failed (%s %d)", argv[0], ex ? "exit status" : "signal",
					 ex ? WEXITSTATUS(st) : WTERMSIG(st));
			size_t used = strlen("export: ") + strlen(what) + 2;
			last_line(tf, why, used < sizeof why ? sizeof why - used : 1);
			rc = kolm_err_set(err, KOLM_E_IO, "export: %s%s%s", what, why[0] ? ": " : "", why);
		}
	}
	if (tf)
		fclose(tf);
	return rc;
}

int kolm_toolchain_export(const char *cmds, const char *rerun, const struct kolm_format *fmt, const char *out_path,
			  json_t **receipt, struct kolm_err *err)
{
	if (!cmds)
		return kolm_err_set(err, KOLM_E_USAGE, "export: no upstream toolchain command for this pick");
	char *copy = kolm_strdup(cmds);
	if (!copy)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	/* the commands as one line for the messages ("a && b") */
	struct kolm_buf one = {0};
	for (const char *c = cmds; *c; c++) {
		if (*c == '\n')
			kolm_buf_add(&one, " && ", 4);
		else
			kolm_buf_add(&one, c, 1);
	}
	const char *all = rerun ? rerun : one.p && !one.oom ? one.p : cmds;
	int rc = KOLM_OK;
	json_t *ran = json_array();
	/* every tool must exist before anything runs */
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		char **argv;
		int argc;
		if (line[0] == '#') /* a note (what kolm runs for you), not a command */
			continue;
		if ((rc = shell_split(line, &argv, &argc, err)))
			break;
		const char *mod = argc ? py_module(argv, argc) : NULL;
		if (argc && !on_path(argv[0]))
			rc = kolm_err_set(err, KOLM_E_MISSING, "export: '%s' is not installed; install it with: %s; then %s%s",
					  argv[0], install_line(argv[0], cmds), rerun ? "" : "run: ", all);
		else if (argc > 1 && !strncmp(argv[0], "python", 6) && ends_with_py(argv[1]) && access(argv[1], R_OK) != 0)
			rc = kolm_err_set(err, KOLM_E_MISSING, "export: %s: %s; get it with: %s; then %s%s", argv[1],
					  strerror(errno), install_line(argv[0], line), rerun ? "" : "run: ", all);
		else if (mod && !py_has(argv[0], mod))
			rc = kolm_err_set(err, KOLM_E_MISSING,
					  "export: %s cannot import the Python module '%s'; install it with: %s; then %s%s",
					  argv[0], mod, install_line(argv[0], line), rerun ? "" : "run: ", all);
		free(argv);
	}
	free(copy);
	free(one.p);
	copy = rc ? NULL : kolm_strdup(cmds);
	for (char *save = NULL, *line = copy ? strtok_r(copy, "\n", &save) : NULL; line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char **argv;
		int argc;
		if (line[0] == '#')
			continue;
		if ((rc = shell_split(line, &argv, &argc, err)))
			break;
		if (!(rc = run_step(argv, argc ? py_module(argv, argc) : NULL, err)))
			json_array_append_new(ran, json_string(line));
		free(argv);
	}
	free(copy);
	/* every regular file it wrote, hashed; a symlink or device refuses it */
	json_t *files = NULL;
	char why[600];
	struct stat sb;
	if (!rc && stat(out_path, &sb) != 0)
		rc = kolm_err_set(err, KOLM_E_IO, "export: the toolchain finished but %s was not written", out_path);
	else if (!rc && (rc = kolm_tree_files(out_path, &files, why, sizeof why, err)) == KOLM_E_NO)
		rc = kolm_err_set(err, KOLM_E_IO, "export: %s as the toolchain wrote it: %s", out_path, why);
	if (rc) {
		json_decref(ran);
		return rc;
	}
	*receipt = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "schema", "kolm.receipt/1", "output", out_path, "quant", fmt->id,
			     "backend", fmt->backend, "commands", ran, "files", files);
	return *receipt ? KOLM_OK : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
}
