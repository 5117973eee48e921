/* llama_logits.c - llama.cpp's teacher-forced logits at every position of a
 * text, for tests/interop/arch.sh.  scripts/ref-toolchain.sh builds it
 * against the reference libllama as `llama-logits`.
 *
 *   llama-logits MODEL.gguf TEXT N_TOKENS N_CTX OUT.bin [THREADS]
 *
 * TEXT is read as llama.cpp's -f reads a prompt (one final newline
 * dropped), tokenized with BOS as the model's vocabulary says (no special
 * token parsing), and cut to its first N_TOKENS ids, which are decoded as ONE
 * batch with logits at every position, in a context of N_CTX cells with
 * llama.cpp's defaults otherwise (n_batch 2048, n_ubatch 512, flash
 * attention auto, F16 K/V cache, swa_full off as common_params has it).
 *
 * OUT.bin, little-endian: int32 n, int32 n_vocab, int32 ids[n],
 * float32 logits[n][n_vocab].  Prints one line: tokens, vocab, n_ctx_seq.
 * Exit 1 on any failure. */
#include "llama.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet(enum ggml_log_level level, const char *text, void *ud)
{
	(void)ud;
	if (level == GGML_LOG_LEVEL_ERROR)
		fputs(text, stderr);
}

static char *read_text(const char *path, int *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *b = NULL;
	long n = -1;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n) {
		if (n > 0 && b[n - 1] == '\n')
			n--;
		b[n] = 0;
		*len = (int)n;
	} else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: llama-logits MODEL.gguf TEXT N_TOKENS N_CTX OUT.bin [THREADS]\n");
		return 2;
	}
	const int n_want = atoi(argv[3]), n_ctx = atoi(argv[4]), nth = argc == 7 ? atoi(argv[6]) : 2;
	if (n_want < 2 || n_ctx < n_want || nth < 1) {
		fprintf(stderr, "llama-logits: need 2 <= N_TOKENS <= N_CTX and THREADS >= 1\n");
		return 2;
	}
	int len = 0;
	char *text = read_text(argv[2], &len);
	if (!text) {
		fprintf(stderr, "llama-logits: %s: cannot read\n", argv[2]);
		return 1;
	}
	llama_log_set(quiet, NULL);
	llama_backend_init();
	struct llama_model_params mp = llama_model_default_params();
	struct llama_model *model = llama_model_load_from_file(argv[1], mp);
	if (!model) {
		fprintf(stderr, "llama-logits: %s: cannot load\n", argv[1]);
		return 1;
	}
	const struct llama_vocab *vocab = llama_model_get_vocab(model);
	const int n_vocab = llama_vocab_n_tokens(vocab);

	int cap = len + 16;
	llama_token *ids = malloc(sizeof *ids * (size_t)cap);
	int n = ids ? llama_tokenize(vocab, text, len, ids, cap, true, false) : -1;
	if (n < n_want) {
		fprintf(stderr, "llama-logits: %s has %d tokens, fewer than %d\n", argv[2], n, n_want);
		return 1;
	}
	n = n_want;

	struct llama_context_params cp = llama_context_default_params();
	cp.n_ctx = (uint32_t)n_ctx;
	cp.n_batch = 2048;
	cp.n_ubatch = 512;
	cp.n_seq_max = 1;
	cp.swa_full = false;
	cp.n_threads = nth;
	cp.n_threads_batch = nth;
	cp.no_perf = true;
	struct llama_context *ctx = llama_init_from_model(model, cp);
	if (!ctx) {
		fprintf(stderr, "llama-logits: cannot create a context of %d\n", n_ctx);
		return 1;
	}
	struct llama_batch b = llama_batch_init(n, 0, 1);
	for (int i = 0; i < n; i++) {
		b.token[i] = ids[i];
		b.pos[i] = i;
		b.n_seq_id[i] = 1;
		b.seq_id[i][0] = 0;
		b.logits[i] = 1;
	}
	b.n_tokens = n;
	if (llama_decode(ctx, b) != 0) {
		fprintf(stderr, "llama-logits: llama_decode failed\n");
		return 1;
	}
	FILE *out = fopen(argv[5], "wb");
	int32_t head[2] = {n, n_vocab};
	int ok = out && fwrite(head, sizeof head, 1, out) == 1;
	for (int i = 0; ok && i < n; i++) {
		int32_t id = ids[i];
		ok = fwrite(&id, sizeof id, 1, out) == 1;
	}
	for (int i = 0; ok && i < n; i++) {
		const float *l = llama_get_logits_ith(ctx, i);
		ok = l && fwrite(l, sizeof *l, (size_t)n_vocab, out) == (size_t)n_vocab;
	}
	if (!out || fclose(out) != 0 || !ok) {
		fprintf(stderr, "llama-logits: %s: cannot write\n", argv[5]);
		return 1;
	}
	printf("llama-logits: %d tokens, vocabulary %d, n_ctx_seq %u\n", n, n_vocab, llama_n_ctx_seq(ctx));
	llama_batch_free(b);
	llama_free(ctx);
	llama_model_free(model);
	llama_backend_free();
	free(ids);
	free(text);
	return 0;
}
