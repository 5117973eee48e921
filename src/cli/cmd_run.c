/* kolm run - generate text from a GGUF with the built-in engine, streaming
 * each token's text to stdout as it is produced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kolm/engine.h"
#include "kolm/tokenizer.h"

struct args {
	const char *path, *prompt;
	long long n_predict, threads, n_ctx, top_k, seed;
	double temp, top_p;
	int show_prompt, verbose;
};

enum { O_TEMP = 1, O_TOPP, O_TOPK, O_SEED, O_SHOW };

static const struct cli_opt opts[] = {
	OPT_VALUE('p', "prompt", "TEXT", 'p', "the prompt (raw text, no chat template; BOS as the model says)"),
	OPT_VALUE('n', "n-predict", "N", 'n', "tokens to generate (default 128; stops early at end of text)"),
	OPT_VALUE(0, "temp", "T", O_TEMP, "temperature (default 0.8; 0 = greedy)"),
	OPT_VALUE(0, "top-p", "P", O_TOPP, "nucleus sampling threshold (default 0.95)"),
	OPT_VALUE(0, "top-k", "K", O_TOPK, "keep the K most likely tokens (default 40; 0 = all)"),
	OPT_VALUE(0, "seed", "S", O_SEED, "random seed (default: time)"),
	OPT_VALUE('t', "threads", "N", 't', "threads (default 2)"),
	OPT_VALUE('c', "ctx-size", "N", 'c', "context positions (default: the model's, at most 4096)"),
	OPT_FLAG(0, "show-prompt", O_SHOW, "print the prompt before the generated text"),
	OPT_FLAG('v', "verbose", 'v', "token ids and speed on stderr"),
	OPT_END(),
};

static int opt(struct cli *cli, void *args, int id, const char *val)
{
	struct args *a = args;
	switch (id) {
	case 'p': a->prompt = val; break;
	case 'n':
		if (cli_parse_i64(val, &a->n_predict) != 0 || a->n_predict > 1 << 20)
			return cli_usage_error("run: -n needs a token count, not '%s'", val);
		break;
	case O_TEMP:
		if (cli_parse_double(val, &a->temp) != 0)
			return cli_usage_error("run: --temp needs a number >= 0, not '%s'", val);
		break;
	case O_TOPP:
		if (cli_parse_double(val, &a->top_p) != 0 || a->top_p <= 0 || a->top_p > 1)
			return cli_usage_error("run: --top-p needs a number in (0, 1], not '%s'", val);
		break;
	case O_TOPK:
		if (cli_parse_i64(val, &a->top_k) != 0)
			return cli_usage_error("run: --top-k needs a count, not '%s'", val);
		break;
	case O_SEED:
		if (cli_parse_i64(val, &a->seed) != 0)
			return cli_usage_error("run: --seed needs a non-negative number, not '%s'", val);
		break;
	case 't':
		return cli_threads(cli, val, &a->threads);
	case 'c':
		if (cli_parse_i64(val, &a->n_ctx) != 0 || a->n_ctx < 1 || a->n_ctx > 1 << 20)
			return cli_usage_error("run: -c needs a context size, not '%s'", val);
		break;
	case O_SHOW: a->show_prompt = 1; break;
	case 'v': a->verbose = 1; break;
	}
	return 0;
}

static int check(struct cli *cli, void *args, int argc, char **argv)
{
	struct args *a = args;
	if (argc != 1)
		return cli_usage_error("run: expected one MODEL.gguf or MLX_DIR (see 'kolm run --help')");
	if (!a->prompt)
		return cli_usage_error("run: -p TEXT is required");
	a->path = argv[0];
	return 0;
}

static int run(struct cli *cli, void *args)
{
	const struct args *a = args;
	const char *path = a->path, *prompt = a->prompt;
	const long long n_predict = a->n_predict;
	const int verbose = a->verbose;
	struct kolm_err err = {0};
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts eo = {.nthreads = (int)a->threads, .n_ctx = (int)a->n_ctx};
	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (kolm_engine_open(&e, path, &eo, &err) != 0)
		return cli_fail(&err);
	const struct kolm_tokenizer *tok = kolm_engine_tokenizer(e);
	if (!tok) {
		kolm_engine_close(e);
		kolm_err_set(&err, KOLM_E_FORMAT, "'%s': the file has no tokenizer", path);
		return cli_fail(&err);
	}
	const struct kolm_engine_info *in = kolm_engine_info(e);
	int32_t *ids = NULL;
	int n = 0, rc = 0;
	float *logits = malloc((size_t)in->n_vocab * sizeof *logits);
	if (!logits) {
		kolm_err_set(&err, KOLM_E_NOMEM, "out of memory");
		rc = cli_fail(&err);
		goto out;
	}
	if (kolm_tokenize(tok, prompt, strlen(prompt), kolm_tokenizer_add_bos(tok), 1, &ids, &n, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (n == 0) {
		rc = cli_usage_error("run: the prompt has no tokens");
		goto out;
	}
	if (verbose) {
		fprintf(stderr, "prompt tokens (%d):", n);
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %d", (int)ids[i]);
		fprintf(stderr, "\n");
	}
	if (a->show_prompt) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
	if (kolm_engine_decode(e, ids, n, logits, 0, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct kolm_sample_opts so = {.temp = (float)a->temp, .top_p = (float)a->top_p, .top_k = (int)a->top_k};
	uint64_t rng = kolm_sample_seed(a->seed >= 0 ? (uint64_t)a->seed : (uint64_t)time(NULL));
	int gen = 0;
	char piece[256];
	for (; gen < n_predict; gen++) {
		int32_t id = kolm_sample(logits, in->n_vocab, &so, &rng);
		if (verbose)
			fprintf(stderr, "[%d]", (int)id);
		if (kolm_tokenizer_is_eog(tok, id))
			break;
		size_t pl = kolm_token_to_piece(tok, id, piece, sizeof piece);
		fwrite(piece, 1, pl < sizeof piece ? pl : sizeof piece, stdout);
		fflush(stdout);
		if (gen + 1 == n_predict)
			break;
		if (kolm_engine_pos(e) >= in->n_ctx) {
			gen++;
			break;
		}
		if (kolm_engine_decode(e, &id, 1, logits, 0, &err) != 0) {
			rc = cli_fail(&err);
			goto out;
		}
	}
	fputc('\n', stdout);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (verbose) {
		double pp = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		double tg = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
		fprintf(stderr, "\nload+prompt %.3f s (%d tokens), generation %d tokens in %.3f s (%.1f tok/s), %s\n",
			pp, n, gen, tg, tg > 0 ? gen / tg : 0.0, in->simd);
	}
out:
	free(ids);
	free(logits);
	kolm_engine_close(e);
	return rc;
}

static const struct args defaults = {.n_predict = 128, .threads = 2, .top_k = 40, .seed = -1, .temp = 0.8, .top_p = 0.95};

const struct cli_cmd cmd_run = {
	.usage = "usage: kolm run MODEL.gguf|MLX_DIR -p TEXT [options]\n"
		 "Generate text with kolm's built-in CPU engine (llama, mistral, qwen2, qwen3, phi3, gemma2),\n"
		 "from a GGUF or an MLX model directory (mlx-lm's layout, 2..8-bit affine groups).\n",
	.opts = opts,
	.flags = CLI_SEE_HELP | CLI_DASH_H,
	CLI_ARGS(defaults),
	.opt = opt,
	.check = check,
	.run = run,
};
