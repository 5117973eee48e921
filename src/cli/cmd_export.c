/* kolm export - preview the plan, or do the export: natively for GGUF,
 * through the upstream toolchain for MLX / ONNX / Core ML / TensorRT-LLM. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/catalog.h"
#include "kolm/commands.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/forecast.h"
#include "kolm/toolchain.h"
#include "kolm/util.h"
#include "pick.h"
#include "render.h"

static void usage(FILE *fp)
{
	fputs("usage: kolm export (ARTIFACT.kolm | --base ID | --config FILE | --from-dir HF_DIR) --quant Q --device ID\n"
	      "                   [-o DIR] [-t N] [--tensor-type P=T]... [--no-measure] [--preview] [--json]\n"
	      "--preview prints exactly what 'kolm plan' prints for the same pick (with --json: the kolm.forecast/1\n"
	      "document) and touches no file and no toolchain.  Without it: GGUF formats are converted and\n"
	      "quantized natively from ARTIFACT.kolm (its members read in place) or --from-dir (safetensors\n"
	      "F32/F16/BF16), written atomically as DIR/<base>-<format>.gguf with the kolm.* metadata and a\n"
	      ".receipt.json beside it (docs/ARTIFACT.md); the artifact's compile gate applies.  Other\n"
	      "backends run their upstream toolchain when it is installed.  From an artifact the export's own\n"
	      "K-score is measured on its eval pack with kolm's engine and stamped in (--no-measure skips it).\n\n",
	      fp);
	cli_pick_usage(fp);
	fputs("\nExit: 0 done, 1 the compile gate refused, 2 usage, 3 bad input, 4 I/O or toolchain missing.\n", fp);
}

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

int cmd_export(int argc, char **argv)
{
	struct cli_pick cp;
	int rc = cli_pick_parse(argc, argv, &cp, "export");
	if (rc)
		return rc;
	if (cp.help) {
		usage(stdout);
		return 0;
	}
	if (cp.positional) {
		cp.p.model_path = cp.positional;
		cp.p.artifact = cp.positional;
	}
	if (cp.from_dir) {
		if (cp.p.model_path || cp.p.base_id || cp.p.config_path)
			return cli_usage_error("export: --from-dir replaces the other sources");
		cp.p.model_path = cp.from_dir;
	}
	if (!cp.p.base_id && !cp.p.config_path && !cp.p.model_path)
		return cli_usage_error("export: give ARTIFACT.kolm, --base ID, --config FILE or --from-dir HF_DIR");
	if (!cp.p.device_id && !(cp.p.mem_gb > 0 && cp.p.bw_gbs > 0))
		return cli_usage_error("export: give --device ID");
	struct kolm_ctx *ctx;
	if ((rc = cli_ctx_open(&ctx)))
		return rc;
	struct kolm_err err = {0};
	json_t *f = NULL, *receipt = NULL;
	int exit_code = 0;
	if (kolm_forecast_doc(ctx, &cp.p, &f, &err)) {
		exit_code = cli_fail(&err);
		goto done;
	}
	if (cp.preview) {
		if (cp.json) {
			char *s = kolm_forecast_dumps(f);
			fputs(s ? s : "", stdout);
			fputc('\n', stdout);
			free(s);
		} else {
			cli_render_forecast(stdout, f, cli_color());
		}
		goto done;
	}
	const char *be = json_string_value(json_object_get(json_object_get(f, "backend"), "id"));
	const struct kolm_format *fmt = kolm_catalog_format_find(ctx, json_string_value(json_object_get(json_object_get(f, "format"), "id")));
	const char *base = json_string_value(json_object_get(json_object_get(f, "source"), "id"));
	char name[256], out[4096];
	struct kolm_cmd_vars v = {0};
	v.base_id = base;
	v.format = fmt;
	if (!fmt || kolm_commands_file_name(&v, name, sizeof name) ||
	    snprintf(out, sizeof out, "%s/%s", cp.p.out_dir ? cp.p.out_dir : ".", name) >= (int)sizeof out) {
		exit_code = cli_usage_error("export: output path too long");
		goto done;
	}
	if (cp.p.out_dir && mkdir(cp.p.out_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "kolm: %s: %s\n", cp.p.out_dir, strerror(errno));
		exit_code = 4;
		goto done;
	}
	if (!strcmp(be, "gguf")) {
		if (!cp.from_dir && !cp.positional) {
			exit_code = cli_usage_error("export: the native GGUF export reads an artifact (X.kolm) or a Hugging Face "
						    "directory: give X.kolm or --from-dir HF_DIR (for --base, download it first: %s)",
						    json_string_value(json_object_get(json_object_get(f, "commands"), "export_upstream"))
							    ? "see commands.export_upstream in 'kolm plan'" : "huggingface-cli download");
			goto done;
		}
		struct bar b = {isatty(STDERR_FILENO)};
		struct kolm_export_opts o = {0};
		o.hf_dir = cp.from_dir;
		o.artifact = cp.from_dir ? NULL : cp.positional;
		o.format = fmt->id;
		o.out_path = out;
		o.threads = cp.threads > 0 ? cp.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
		o.overrides = cp.ov;
		o.n_overrides = cp.p.n_overrides;
		o.min_k = -1;
		o.no_measure = cp.no_measure;
		o.progress = progress;
		o.progress_user = &b;
		if (kolm_export_gguf(ctx, &o, &receipt, &err)) {
			exit_code = cli_fail(&err);
			goto done;
		}
	} else {
		if (kolm_toolchain_export(f, out, &receipt, &err)) {
			exit_code = cli_fail(&err);
			goto done;
		}
		char rpath[4200];
		snprintf(rpath, sizeof rpath, "%s.receipt.json", out);
		char *s = json_dumps(receipt, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!s || kolm_file_write_atomic(rpath, s, strlen(s), &err)) {
			free(s);
			exit_code = cli_fail(&err);
			goto done;
		}
		free(s);
	}
	if (cp.json)
		exit_code = cli_print_json(receipt);
	else
		printf("wrote %s (receipt: %s.receipt.json)\n", out, out);
done:
	json_decref(receipt);
	json_decref(f);
	kolm_ctx_free(ctx);
	return exit_code;
}
