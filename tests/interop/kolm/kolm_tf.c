/* kolm_tf.c - kolm's engine against llama.cpp's teacher-forced logits, for
 * tests/interop/arch.sh (which builds it against $BUILD/libkolm.a; it lives
 * outside the tests/interop/ C files, which scripts/ref-toolchain.sh links against
 * libllama).
 *
 *   kolm-tf MODEL.gguf LLAMA.bin TEXT N_CTX [THREADS [MIN_MARGIN]]
 *
 * LLAMA.bin is tests/interop/llama_logits.c's output (int32 n, int32 n_vocab,
 * int32 ids[n], float32 logits[n][n_vocab]).  kolm tokenizes TEXT the same
 * way (final newline dropped, BOS as the vocabulary says) and must give the
 * same first n ids; it then decodes those ids as one batch in a context of
 * N_CTX and compares its logits with llama.cpp's at every position:
 *   top-1 agreement: kolm's argmax equals llama.cpp's, counted over the
 *   positions where llama.cpp's top-2 logits differ by at least MIN_MARGIN
 *   (default 1e-3); the others are excluded and counted.
 * Prints one line of key=value pairs; exit 0 when it could compare (the
 * caller judges the numbers), 1 when it could not (I/O, tokens differ). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kolm/engine.h"
#include "kolm/err.h"
#include "kolm/tokenizer.h"
#include "kolm/util.h"

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "kolm: %s: %s\n", what, why);
	return 1;
}

static int fail_err(const struct kolm_err *err)
{
	fprintf(stderr, "kolm: %s\n", err->msg);
	return 1;
}

/* lowest index of the largest value, and the gap to the second largest */
static int top2(const float *l, int n, float *margin)
{
	int a = 0;
	for (int i = 1; i < n; i++)
		if (l[i] > l[a])
			a = i;
	float second = -INFINITY;
	for (int i = 0; i < n; i++)
		if (i != a && l[i] > second)
			second = l[i];
	*margin = l[a] - second;
	return a;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: kolm-tf MODEL.gguf LLAMA.bin TEXT N_CTX [THREADS [MIN_MARGIN]]\n");
		return 2;
	}
	const int n_ctx = atoi(argv[4]), nth = argc > 5 ? atoi(argv[5]) : 2;
	const double min_margin = argc > 6 ? atof(argv[6]) : 1e-3;

	FILE *f = fopen(argv[2], "rb");
	int32_t head[2];
	if (!f || fread(head, sizeof head, 1, f) != 1 || head[0] < 1 || head[1] < 2)
		return fail(argv[2], "cannot read llama-logits output");
	const int n = head[0], nv = head[1];
	int32_t *ids = malloc(sizeof *ids * (size_t)n);
	float *ref = malloc(sizeof *ref * (size_t)n * (size_t)nv);
	float *got = malloc(sizeof *got * (size_t)n * (size_t)nv);
	if (!ids || !ref || !got)
		return fail("kolm-tf", "out of memory");
	if (fread(ids, sizeof *ids, (size_t)n, f) != (size_t)n ||
	    fread(ref, sizeof *ref * (size_t)nv, (size_t)n, f) != (size_t)n)
		return fail(argv[2], "truncated");
	fclose(f);

	struct kolm_err err = {0};
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts o = {.nthreads = nth, .n_ctx = n_ctx};
	if (kolm_engine_open(&e, argv[1], &o, &err) != 0)
		return fail_err(&err);
	if (kolm_engine_info(e)->n_vocab != nv)
		return fail(argv[1], "vocabulary size differs from llama.cpp's");

	/* the same tokens as llama.cpp */
	char *text = NULL;
	size_t len = 0;
	if (kolm_file_read_all(argv[3], 1u << 26, &text, &len, &err) != 0)
		return fail_err(&err);
	if (len && text[len - 1] == '\n')
		len--;
	const struct kolm_tokenizer *t = kolm_engine_tokenizer(e);
	int32_t *mine = NULL;
	int nm = 0;
	if (!t || kolm_tokenize(t, text, len, kolm_tokenizer_add_bos(t), 0, &mine, &nm, &err) != 0)
		return t ? fail_err(&err) : fail(argv[1], "the model has no tokenizer");
	int same = nm >= n;
	for (int i = 0; same && i < n; i++)
		same = mine[i] == ids[i];
	if (!same) {
		int i = 0;
		while (i < n && i < nm && mine[i] == ids[i])
			i++;
		fprintf(stderr, "kolm: %s: kolm's token %d is %d, llama.cpp's %d\n", argv[3], i, i < nm ? mine[i] : -1,
			ids[i]);
		return 1;
	}

	if (kolm_engine_decode(e, ids, n, got, 1, &err) != 0)
		return fail_err(&err);
	int excluded = 0, agree = 0, kolm_ties = 0;
	char where[256] = "-";
	size_t wl = 0;
	double maxd = 0;
	for (int p = 0; p < n; p++) {
		const float *r = ref + (size_t)p * nv, *g = got + (size_t)p * nv;
		float mr, mg;
		const int tr = top2(r, nv, &mr), tg = top2(g, nv, &mg);
		for (int i = 0; i < nv; i++)
			if (fabs((double)r[i] - g[i]) > maxd)
				maxd = fabs((double)r[i] - g[i]);
		if (mg < min_margin)
			kolm_ties++;
		if (mr < min_margin) {
			excluded++;
			if (wl + 16 < sizeof where)
				wl += (size_t)snprintf(where + wl, sizeof where - wl, "%s%d", wl ? "," : "", p);
			continue;
		}
		agree += tr == tg;
	}
	const int considered = n - excluded;
	printf("positions=%d excluded=%d excluded_at=%s agree=%d considered=%d pct=%.2f max_dlogit=%.3g "
	       "kolm_near_ties=%d\n",
	       n, excluded, where, agree, considered, considered ? 100.0 * agree / considered : 0.0, maxd, kolm_ties);
	kolm_engine_close(e);
	free(mine);
	free(text);
	free(ids);
	free(ref);
	free(got);
	return 0;
}
