/* kolm run - generate text from a GGUF with the built-in engine, streaming
 * each token's text to stdout as it is produced. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kolm/engine.h"
#include "kolm/tokenizer.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: kolm run MODEL.gguf -p TEXT [options]\n"
		"Generate text with kolm's built-in CPU engine (llama, mistral, qwen2, qwen3, phi3, gemma2).\n\n"
		"  -p, --prompt TEXT    the prompt (raw text, no chat template; BOS as the model says)\n"
		"  -n, --n-predict N    tokens to generate (default 128; stops early at end of text)\n"
		"  --temp T             temperature (default 0.8; 0 = greedy)\n"
		"  --top-p P            nucleus sampling threshold (default 0.95)\n"
		"  --top-k K            keep the K most likely tokens (default 40; 0 = all)\n"
		"  --seed S             random seed (default: time)\n"
		"  -t, --threads N      threads (default 2)\n"
		"  -c, --ctx-size N     context positions (default: the model's, at most 4096)\n"
		"  --show-prompt        print the prompt before the generated text\n"
		"  -v, --verbose        token ids and speed on stderr\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"prompt", required_argument, 0, 'p'}, {"n-predict", required_argument, 0, 'n'},
		{"temp", required_argument, 0, 'T'},   {"top-p", required_argument, 0, 'P'},
		{"top-k", required_argument, 0, 'K'},  {"seed", required_argument, 0, 'S'},
		{"threads", required_argument, 0, 't'}, {"ctx-size", required_argument, 0, 'c'},
		{"show-prompt", no_argument, 0, 'D'},  {"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
	};
	const char *prompt = NULL;
	long long n_predict = 128, threads = 2, n_ctx = 0, top_k = 40, seed = -1;
	double temp = 0.8, top_p = 0.95;
	int show_prompt = 0, verbose = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:n:t:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': prompt = optarg; break;
		case 'n':
			if (cli_parse_i64(optarg, &n_predict) != 0 || n_predict > 1 << 20)
				return cli_usage_error("run: -n needs a token count, not '%s'", optarg);
			break;
		case 'T':
			if (cli_parse_double(optarg, &temp) != 0)
				return cli_usage_error("run: --temp needs a number >= 0, not '%s'", optarg);
			break;
		case 'P':
			if (cli_parse_double(optarg, &top_p) != 0 || top_p <= 0 || top_p > 1)
				return cli_usage_error("run: --top-p needs a number in (0, 1], not '%s'", optarg);
			break;
		case 'K':
			if (cli_parse_i64(optarg, &top_k) != 0)
				return cli_usage_error("run: --top-k needs a count, not '%s'", optarg);
			break;
		case 'S':
			if (cli_parse_i64(optarg, &seed) != 0)
				return cli_usage_error("run: --seed needs a non-negative number, not '%s'", optarg);
			break;
		case 't':
			if (cli_parse_i64(optarg, &threads) != 0 || threads < 1 || threads > 256)
				return cli_usage_error("run: -t needs a thread count from 1 to 256, not '%s'", optarg);
			break;
		case 'c':
			if (cli_parse_i64(optarg, &n_ctx) != 0 || n_ctx < 1 || n_ctx > 1 << 20)
				return cli_usage_error("run: -c needs a context size, not '%s'", optarg);
			break;
		case 'D': show_prompt = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			return cli_usage_error("run: unknown option '%s' (see 'kolm run --help')", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("run: expected one MODEL.gguf (see 'kolm run --help')");
	if (!prompt)
		return cli_usage_error("run: -p TEXT is required");
	const char *path = argv[optind];
	struct kolm_err err = {0};
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts eo = {.nthreads = (int)threads, .n_ctx = (int)n_ctx};
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
	if (show_prompt) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
	if (kolm_engine_decode(e, ids, n, logits, 0, &err) != 0) {
		rc = cli_fail(&err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct kolm_sample_opts so = {.temp = (float)temp, .top_p = (float)top_p, .top_k = (int)top_k};
	uint64_t rng = kolm_sample_seed(seed >= 0 ? (uint64_t)seed : (uint64_t)time(NULL));
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
