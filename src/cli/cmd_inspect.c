/* kolm inspect - what a model file holds, read from its own bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/ctx.h"
#include "kolm/inspect.h"
#include "kolm/util.h"

/* The tar's members: the manifest (kolm.json), the members it hashes, the
 * signature; with --sha256 each hashed member's SHA-256 as the manifest
 * states it (kolm verify recomputes them). */
static void render_members(const json_t *mem, const json_t *hashed, int is_signed, int sha256)
{
	printf("  members         %zu in the tar: kolm.json%s and the %zu it hashes (%s)%s\n", json_array_size(mem),
	       is_signed ? ", kolm.sig" : "", json_array_size(hashed), is_signed ? "signed" : "unsigned",
	       sha256 ? "; SHA-256 as kolm.json states it (kolm verify recomputes it)" : "");
	size_t i, k;
	json_t *x, *h;
	json_array_foreach(mem, i, x)
	{
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *hex = NULL;
		json_array_foreach(hashed, k, h)
		{
			const char *hn = json_string_value(json_object_get(h, "name"));
			if (name && hn && !hex && !strcmp(name, hn))
				hex = json_string_value(json_object_get(h, "sha256"));
		}
		printf("    %-34s %12lld bytes at %lld", name ? name : "?", (long long)json_integer_value(json_object_get(x, "size")),
		       (long long)json_integer_value(json_object_get(x, "offset")));
		if (sha256)
			printf("  %s", hex ? hex : "(not hashed)");
		putchar('\n');
	}
}

static void render(const json_t *j, int color, int sha256)
{
	const char *B = color ? "\033[1m" : "", *R = color ? "\033[0m" : "";
	const char *fmt = json_string_value(json_object_get(j, "format"));
	printf("%s%s%s  (%s)\n", B, json_string_value(json_object_get(j, "path")), R, fmt);
	const char *arch = json_string_value(json_object_get(j, "architecture"));
	if (arch)
		printf("  architecture    %s\n", arch);
	printf("  parameters      %lld\n", (long long)json_integer_value(json_object_get(j, "params")));
	if (json_object_get(j, "file_type_name"))
		printf("  file type       %s\n", json_string_value(json_object_get(j, "file_type_name")));
	char hb[32];
	double fb = (double)json_integer_value(json_object_get(j, "file_bytes"));
	if (json_object_get(j, "file_bytes") && json_object_get(j, "data_offset"))
		printf("  file            %.0f bytes (%s), data section at %lld\n", fb, kolm_fmt_bytes(hb, sizeof hb, fb),
		       (long long)json_integer_value(json_object_get(j, "data_offset")));
	else if (json_object_get(j, "file_bytes"))
		printf("  file            %.0f bytes (%s)\n", fb, kolm_fmt_bytes(hb, sizeof hb, fb));
	if (json_is_string(json_object_get(j, "tensor_data_sha256")))
		printf("  tensor data     sha256 %s\n", json_string_value(json_object_get(j, "tensor_data_sha256")));
	if (json_object_get(j, "bits_per_weight"))
		printf("  bits per weight %.3f\n", json_number_value(json_object_get(j, "bits_per_weight")));
	const char *k;
	json_t *v;
	json_t *types = json_object_get(j, "tensor_types");
	if (types) {
		printf("  tensor types   ");
		json_object_foreach(types, k, v)
			printf(" %s x%lld (%lld B)", k, (long long)json_integer_value(json_object_get(v, "tensors")),
			       (long long)json_integer_value(json_object_get(v, "bytes")));
		putchar('\n');
	}
	json_t *man = json_object_get(j, "kolm_manifest");
	if (json_is_object(man) && json_object_get(man, "schema")) {
		json_t *ks = json_object_get(man, "k_score");
		printf("  kolm manifest   %s (%s), base %s, %zu members hashed, eval pack %lld items, K %s%.3f%s, gate %.2f, %s\n",
		       json_string_value(json_object_get(man, "name")), json_string_value(json_object_get(man, "schema")),
		       json_string_value(json_object_get(man, "base")), json_array_size(json_object_get(man, "members")),
		       (long long)json_integer_value(json_object_get(json_object_get(man, "evalpack"), "items")),
		       json_is_object(ks) ? "" : "none ", json_is_object(ks) ? json_number_value(json_object_get(ks, "value")) : 0.0,
		       json_is_object(ks) ? (!strcmp(json_string_value(json_object_get(ks, "source")), "declared") ? " (declared)" : " (measured)") : "",
		       json_number_value(json_object_get(man, "gate")), json_string_value(json_object_get(man, "created")));
	}
	json_t *mem = json_object_get(j, "members");
	if (mem)
		render_members(mem, json_is_object(man) ? json_object_get(man, "members") : NULL,
			       json_is_true(json_object_get(j, "signed")), sha256);
	json_t *tok = json_object_get(j, "tokenizer");
	if (tok)
		printf("  tokenizer       %s, %lld tokens, %lld merges\n", json_string_value(json_object_get(tok, "model")),
		       (long long)json_integer_value(json_object_get(tok, "tokens")),
		       (long long)json_integer_value(json_object_get(tok, "merges")));
	json_t *kv = json_object_get(j, "kv");
	if (kv) {
		puts("  metadata");
		json_object_foreach(kv, k, v)
		{
			char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			printf("    %-42s %s\n", k, s ? s : "?");
			free(s);
		}
	}
	json_t *ts = json_object_get(j, "tensors");
	if (ts) {
		printf("  %-36s %-8s %-22s %12s %12s\n", "tensor", "type", "shape", "offset", "bytes");
		size_t i;
		json_array_foreach(ts, i, v)
		{
			char shape[64] = "";
			size_t d, len = 0;
			json_t *x;
			json_array_foreach(json_object_get(v, "shape"), d, x)
				len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%lld", d ? "x" : "",
						       (long long)json_integer_value(x));
			json_t *off = json_object_get(v, "offset");
			char offs[32] = "-";
			if (off)
				snprintf(offs, sizeof offs, "%lld", (long long)json_integer_value(off));
			printf("  %-36s %-8s %-22s %12s %12lld%s%s\n", json_string_value(json_object_get(v, "name")),
			       json_string_value(json_object_get(v, "type")), shape, offs,
			       (long long)json_integer_value(json_object_get(v, "bytes")),
			       json_is_string(json_object_get(v, "sha256")) ? "  " : "",
			       json_is_string(json_object_get(v, "sha256")) ? json_string_value(json_object_get(v, "sha256")) : "");
		}
	}
}

struct args {
	int json;
	struct kolm_inspect_opts io;
	const char *path;
};

enum { O_JSON, O_TENSORS, O_SHA256 };

static const struct cli_opt opts[] = {
	OPT_FLAG(0, "json", O_JSON, "the description as JSON"),
	OPT_FLAG(0, "tensors", O_TENSORS, "list every tensor: name, type, shape, offset, bytes"),
	OPT_FLAG(0, "sha256", O_SHA256, "hash each tensor's bytes (a .kolm: each member's SHA-256 as kolm.json states it)"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	if (id == O_JSON)
		a->json = 1;
	else if (id == O_TENSORS)
		a->io.tensors = 1;
	else
		a->io.sha256 = 1;
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	if (argc != 1)
		return cli_usage_error("inspect: give one FILE or DIR (see 'kolm inspect --help')");
	((struct args *)args)->path = argv[0];
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	json_t *j = NULL;
	struct kolm_err err = {0};
	int rc = 0;
	if (kolm_inspect_path(cli->ctx, a->path, &a->io, &j, &err))
		rc = cli_fail(&err);
	else if (a->json)
		rc = cli_print_json(j);
	else
		render(j, cli_color(), a->io.sha256);
	json_decref(j);
	return rc;
}

static const struct args defaults;

const struct cli_cmd cmd_inspect = {
	.usage = "usage: kolm inspect FILE|DIR [--json] [--tensors] [--sha256]\n"
		 "Describe a .gguf, .safetensors (or sharded index), Hugging Face directory, config.json or\n"
		 ".kolm: architecture, parameters, file type, tensor types and bytes, bits per weight, metadata,\n"
		 "tokenizer; for a kolm export or artifact, its manifest and members.\n",
	.opts = opts,
	.tail = "Exit: 0 ok, 2 usage, 3 bad input file, 4 I/O.\n",
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
