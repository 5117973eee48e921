/* kolm eval - K-score on an eval pack (optionally KL divergence and top-1
 * agreement against a reference model), or perplexity of a text file the
 * way llama-perplexity computes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kolm/engine.h"
#include "kolm/eval.h"
#include "kolm/util.h"

static int open_engine(const char *path, int threads, int n_ctx, struct kolm_engine **e)
{
	struct kolm_err err = {0};
	struct kolm_engine_opts o = {.nthreads = threads, .n_ctx = n_ctx};
	if (kolm_engine_open(e, path, &o, &err) != 0)
		return cli_fail(&err);
	return 0;
}

static int do_ppl(const char *model, const char *file, int threads, int n_ctx, int n_batch, int json)
{
	struct kolm_err err = {0};
	char *text = NULL;
	size_t len = 0;
	if (kolm_file_read_all(file, 1u << 30, &text, &len, &err) != 0)
		return cli_fail(&err);
	if (len && text[len - 1] == '\n')
		len--;
	struct kolm_engine *e = NULL;
	int rc = open_engine(model, threads, n_ctx, &e);
	if (rc) {
		free(text);
		return rc;
	}
	struct kolm_ppl_result r = {0};
	if (kolm_eval_perplexity(e, text, len, n_ctx, n_batch, &r, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f}", "model", model, "text", file, "n_ctx",
				      r.n_ctx, "n_tokens", r.n_tokens, "n_chunks", r.n_chunks, "scored", r.scored,
				      "perplexity", r.ppl, "stderr", r.ppl_stderr);
		json_t *run = json_array();
		for (int i = 0; i < r.n_chunks; i++)
			json_array_append_new(run, json_real(r.running[i]));
		json_object_set_new(j, "running", run);
		cli_print_json(j);
		json_decref(j);
	} else {
		printf("perplexity: %d tokens, %d chunks of %d, %d predictions scored\n", r.n_tokens, r.n_chunks,
		       r.n_ctx, r.scored);
		for (int i = 0; i < r.n_chunks; i++)
			printf("[%d]%.4f%s", i + 1, r.running[i], i + 1 < r.n_chunks ? "," : "\n");
		printf("Final estimate: PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_stderr);
	}
out:
	kolm_ppl_result_release(&r);
	kolm_engine_close(e);
	free(text);
	return rc;
}

static int do_pack(const char *model, const char *pack_path, const char *ref_path, int threads, int n_ctx,
		   int json)
{
	struct kolm_err err = {0};
	struct kolm_evalpack *pack = NULL;
	if (kolm_evalpack_load(&pack, pack_path, &err) != 0)
		return cli_fail(&err);
	struct kolm_engine *e = NULL, *ref = NULL;
	int rc = open_engine(model, threads, n_ctx, &e);
	if (!rc && ref_path)
		rc = open_engine(ref_path, threads, n_ctx, &ref);
	if (rc)
		goto out;
	struct kolm_eval_result r = {0};
	if (kolm_eval_pack(e, ref, pack, &r, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (json) {
		json_t *items = json_array();
		for (int i = 0; i < r.n_items; i++) {
			json_t *it = json_pack("{s:s, s:b, s:s, s:s, s:s, s:i, s:b}", "id", pack->items[i].id, "pass",
					       r.items[i].pass, "match", kolm_match_name(pack->items[i].match), "expected",
					       pack->items[i].expected, "output", r.items[i].output, "n_gen",
					       r.items[i].n_gen, "eos", r.items[i].ended_eos);
			if (r.has_ref) {
				json_object_set_new(it, "kl", json_real(r.items[i].kl));
				json_object_set_new(it, "top1", json_real(r.items[i].top1));
			}
			json_array_append_new(items, it);
		}
		json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:f, s:o}", "model", model, "evalpack", pack_path, "items_total",
				      r.n_items, "passed", r.n_pass, "k", r.k, "items", items);
		if (r.has_ref) {
			json_object_set_new(j, "ref", json_string(ref_path));
			json_object_set_new(j, "mean_kl", json_real(r.mean_kl));
			json_object_set_new(j, "max_kl", json_real(r.max_kl));
			json_object_set_new(j, "top1_agreement", json_real(r.top1));
			json_object_set_new(j, "positions", json_integer(r.n_positions));
		}
		cli_print_json(j);
		json_decref(j);
	} else {
		for (int i = 0; i < r.n_items; i++) {
			const char *o = r.items[i].output;
			printf("%-4s %-20s %-8s ", r.items[i].pass ? "pass" : "FAIL", pack->items[i].id,
			       kolm_match_name(pack->items[i].match));
			for (int k = 0; o[k] && k < 60; k++)
				putchar(o[k] == '\n' ? ' ' : o[k]);
			if (r.has_ref)
				printf("  (KL %.4f, top-1 %.0f%%)", r.items[i].kl, 100 * r.items[i].top1);
			putchar('\n');
		}
		printf("K = %.4f (%d of %d items passed)\n", r.k, r.n_pass, r.n_items);
		if (r.has_ref)
			printf("vs %s: mean KL divergence %.6f (max %.6f), top-1 agreement %.2f%% over %lld positions\n",
			       ref_path, r.mean_kl, r.max_kl, 100 * r.top1, (long long)r.n_positions);
	}
	kolm_eval_result_release(&r);
out:
	kolm_engine_close(e);
	kolm_engine_close(ref);
	kolm_evalpack_free(pack);
	return rc;
}

struct args {
	const char *model, *pack, *ref, *ppl;
	long long n_ctx, threads, n_batch;
	int json;
};

enum { O_EVALPACK = 1, O_REF, O_PPL, O_JSON };

static const struct cli_opt opts[] = {
	OPT_VALUE(0, "evalpack", "FILE", O_EVALPACK, "JSONL items {id, prompt, expected, match}"),
	OPT_VALUE(0, "ref", "REF.gguf", O_REF, "reference model (same vocabulary) for KL / top-1"),
	OPT_VALUE(0, "perplexity", "FILE", O_PPL, "text file (a final newline is dropped, as llama-perplexity -f does)"),
	OPT_VALUE('c', "ctx-size", "N", 'c', "perplexity: the chunk size (default 512; must fit the model's context);\n"
		  "--evalpack: context positions (default: the model's, at most 4096)"),
	OPT_VALUE('b', "batch-size", "N", 'b', "perplexity: tokens per engine call (default: the whole chunk; 1 runs\n"
		  "the one-token decode kernels, as llama-perplexity -b does)"),
	OPT_VALUE('t', "threads", "N", 't', "threads (default 2)"),
	OPT_FLAG(0, "json", O_JSON, "machine-readable output"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	switch (id) {
	case O_EVALPACK: a->pack = val; break;
	case O_REF: a->ref = val; break;
	case O_PPL: a->ppl = val; break;
	case 'c':
		if (cli_parse_i64(val, &a->n_ctx) != 0 || a->n_ctx < 8 || a->n_ctx > 1 << 20)
			return cli_usage_error("eval: -c needs a chunk size of at least 8, not '%s'", val);
		break;
	case 'b':
		if (cli_parse_i64(val, &a->n_batch) != 0 || a->n_batch < 1 || a->n_batch > 1 << 20)
			return cli_usage_error("eval: -b needs a batch size of at least 1, not '%s'", val);
		break;
	case 't':
		return cli_threads(cli, val, &a->threads);
	case O_JSON: a->json = 1; break;
	}
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	if (argc != 1)
		return cli_usage_error("eval: expected one MODEL.gguf or MLX_DIR (see 'kolm eval --help')");
	if (!!a->pack + !!a->ppl != 1)
		return cli_usage_error("eval: give exactly one of --evalpack FILE and --perplexity FILE");
	if (a->ref && !a->pack)
		return cli_usage_error("eval: --ref goes with --evalpack");
	a->model = argv[0];
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	if (a->ppl)
		return do_ppl(a->model, a->ppl, (int)a->threads, a->n_ctx > 0 ? (int)a->n_ctx : 512, (int)a->n_batch, a->json);
	return do_pack(a->model, a->pack, a->ref, (int)a->threads, a->n_ctx > 0 ? (int)a->n_ctx : 0, a->json);
}

static const struct args defaults = {.n_ctx = -1, .threads = 2};

const struct cli_cmd cmd_eval = {
	.usage = "usage: kolm eval MODEL.gguf|MLX_DIR --evalpack FILE.jsonl [--ref REF.gguf] [options]\n"
		 "       kolm eval MODEL.gguf|MLX_DIR --perplexity TEXT.txt [-c N] [options]\n"
		 "K-score: the share of eval-pack items whose greedy answer matches (exact, prefix or\n"
		 "contains, trimmed); with --ref also the mean KL divergence and top-1 agreement.\n"
		 "Perplexity: non-overlapping chunks of N tokens with BOS, second half scored.\n",
	.opts = opts,
	.flags = CLI_SEE_HELP | CLI_DASH_H,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
