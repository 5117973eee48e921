/* test_galloc.c - llama.cpp's compute buffer placed by ggml-alloc's rules
 * (src/lib/forecast/galloc.c) against the figures the reference llama.cpp
 * (0c1e57098) printed on this project's machine: the "CPU compute buffer
 * size is X MiB" line of `llama-completion -m M -c CTX -ctk T -ctv T
 * [-fa off] -n 1 -p hello -t 1 --no-warmup -v` (4 decimals), without the
 * output buffer.  The models are llama-architecture files:
 *   synth  tests/fixtures/models/kquant/synth-q4_0.gguf (256 wide, n_ff 768,
 *          4 heads of 64, 2 KV, 4 layers, vocab 512);
 *   the others written by tests/interop/gen_shape.py:
 *   wide   512 2048 8 2 2 2048    h128  768 2048 6 2 2 8192
 *   b1     2048 8192 32 8 2 8192  deep  512 1536 8 8 12 2048
 *   l1b    2048 8192 32 8 2 128256 (Llama-3.2-1B's shape, 2 layers)
 *   moe8   512 768 8 2 2 2048 8 2  moe16 512 384 8 2 2 2048 16 4
 * (EMBD FF HEADS KV_HEADS LAYERS VOCAB [EXPERTS USED]).  A quantized cache (q8_0, q4_0)
 * rotates K by the largest power of two from 64 dividing the head size and
 * V by 64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "forecast/galloc_internal.h"

struct probe {
	const char *what;
	int64_t embd, ff, heads, kv_heads, layers, vocab;
	int64_t experts, used;
	int64_t ctx;     /* -c: padded to 256 cells, the ubatch is min(ctx, 512) */
	int quant_kv;    /* q8_0 / q4_0 cache */
	int fa;          /* flash attention (llama.cpp's auto: on for the CPU) */
	double mib;      /* llama.cpp's figure */
};

static uint64_t bytes(const struct probe *p)
{
	int64_t hd = p->embd / p->heads;
	struct kolm_galloc_shape s = {
		.n_embd = p->embd,
		.n_ff = p->ff,
		.n_vocab = p->vocab,
		.n_layer = p->layers,
		.n_head = p->heads,
		.n_head_kv = p->kv_heads,
		.head_dim = hd,
		.n_expert = p->experts,
		.n_expert_used = p->used,
		.n_ff_exp = p->ff,
		.n_kv = (p->ctx + 255) / 256 * 256,
		.ubatch = p->ctx < 512 ? p->ctx : 512,
		.flash_attn = p->fa,
		.rot_k = p->quant_kv ? (hd % 128 == 0 ? 128 : 64) : 0,
		.rot_v = p->quant_kv ? 64 : 0,
	};
	return kolm_galloc_compute_bytes(&s);
}

static void test_against_llama_cpp(void **state)
{
	(void)state;
	static const struct probe probes[] = {
		{"synth f16 512", 256, 768, 4, 2, 4, 512, 0, 0, 512, 0, 1, 7.0137},
		{"synth f16 4096", 256, 768, 4, 2, 4, 512, 0, 0, 4096, 0, 1, 10.5137},
		{"synth f16 32768", 256, 768, 4, 2, 4, 512, 0, 0, 32768, 0, 1, 38.5137},
		{"synth q8_0 512", 256, 768, 4, 2, 4, 512, 0, 0, 512, 1, 1, 6.5449},
		{"synth q4_0 4096", 256, 768, 4, 2, 4, 512, 0, 0, 4096, 1, 1, 10.0449},
		{"synth q8_0 32768", 256, 768, 4, 2, 4, 512, 0, 0, 32768, 1, 1, 38.0449},
		{"synth -c 128", 256, 768, 4, 2, 4, 512, 0, 0, 128, 0, 1, 1.6909},
		{"synth -c 256", 256, 768, 4, 2, 4, 512, 0, 0, 256, 0, 1, 3.3818},
		{"synth -c 1000", 256, 768, 4, 2, 4, 512, 0, 0, 1000, 0, 1, 7.5137},
		{"synth -fa off 512", 256, 768, 4, 2, 4, 512, 0, 0, 512, 0, 0, 8.0098},
		{"synth -fa off 4096", 256, 768, 4, 2, 4, 512, 0, 0, 4096, 0, 0, 43.0098},
		{"wide f16 512", 512, 2048, 8, 2, 2, 2048, 0, 0, 512, 0, 1, 16.5137},
		{"wide q8_0 4096", 512, 2048, 8, 2, 2, 2048, 0, 0, 4096, 1, 1, 19.0449},
		{"h128 f16 512", 768, 2048, 6, 2, 2, 8192, 0, 0, 512, 0, 1, 19.0020},
		{"h128 q4_0 4096", 768, 2048, 6, 2, 2, 8192, 0, 0, 4096, 1, 1, 20.5918},
		{"h128 -fa off 4096", 768, 2048, 6, 2, 2, 8192, 0, 0, 4096, 0, 0, 64.5098},
		{"b1 q8_0 4096", 2048, 8192, 32, 8, 2, 8192, 0, 0, 4096, 1, 1, 64.0449},
		{"deep f16 512", 512, 1536, 8, 8, 12, 2048, 0, 0, 512, 0, 1, 13.5137},
		{"deep f16 4096", 512, 1536, 8, 8, 12, 2048, 0, 0, 4096, 0, 1, 17.0137},
		{"l1b f16 4096", 2048, 8192, 32, 8, 2, 128256, 0, 0, 4096, 0, 1, 258.5020},
		{"moe8 f16 512", 512, 768, 8, 2, 2, 2048, 8, 2, 512, 0, 1, 13.5137},
		{"moe16 q8_0 4096", 512, 384, 8, 2, 2, 2048, 16, 4, 4096, 1, 1, 16.1074},
	};
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		double mib = (double)bytes(&probes[i]) / 1048576.0;
		if (fabs(mib - probes[i].mib) > 0.00006)
			fail_msg("%s: %.4f MiB, llama.cpp %.4f", probes[i].what, mib, probes[i].mib);
	}
}

/* the holes: on the synthetic model the largest set of tensors alive at
 * once is 6.0 MiB (the residual, gate, up and their product, 5.0; the KQ
 * mask and the unused float-embedding input, 0.5 each; a few KiB of
 * indices), yet placement reaches 7.01: a 1 MiB hole the 1.5 MiB
 * feed-forward tensors do not fit */
static void test_holes_counted(void **state)
{
	(void)state;
	const struct probe p = {"synth", 256, 768, 4, 2, 4, 512, 0, 0, 512, 0, 1, 0};
	uint64_t live = 512 * 4 * (256 + 3 * 768) + 512 * 512 * 2 + 512 * 256 * 4;
	assert_true(bytes(&p) > live + (uint64_t)900 * 1024);
}

/* placement repeats from the second layer: more layers, the same buffer */
static void test_layers(void **state)
{
	(void)state;
	struct probe p = {"wide", 512, 2048, 8, 2, 2, 2048, 0, 0, 4096, 0, 1, 0};
	uint64_t two = bytes(&p);
	p.layers = 80;
	assert_int_equal(bytes(&p), two);
}

/* the largest graph kolm builds (experts, per-head norms, rotations, no
 * flash attention) fits its tensor table: a full one would read 0 */
static void test_largest_graph(void **state)
{
	(void)state;
	struct kolm_galloc_shape s = {
		.n_embd = 4096, .n_ff = 12288, .n_vocab = 151936, .n_layer = 94,
		.n_head = 64, .n_head_kv = 4, .head_dim = 128,
		.n_expert = 128, .n_expert_used = 8, .n_ff_exp = 1536,
		.n_kv = 32768, .n_kv_swa = 4608, .swa_pattern = 2, .ubatch = 512,
		.flash_attn = 0, .rot_k = 128, .rot_v = 64, .qk_norm = 1,
	};
	/* at least the logits and the KQ scores [32768, 512, 64] f32 */
	assert_true(kolm_galloc_compute_bytes(&s) >= (uint64_t)151936 * 512 * 4);
	assert_true(kolm_galloc_compute_bytes(&s) >= (uint64_t)32768 * 512 * 64 * 4);
}

/* a shape past the limits (a vocabulary of 2^62 would wrap the logits'
 * size to 0) forecasts more than any device has, never 0 or a wrapped sum */
static void test_out_of_range(void **state)
{
	(void)state;
	struct kolm_galloc_shape s = {
		.n_embd = 256, .n_ff = 768, .n_vocab = (int64_t)1 << 62, .n_layer = 4,
		.n_head = 4, .n_head_kv = 4, .head_dim = 64, .n_kv = 512, .ubatch = 512, .flash_attn = 1,
	};
	const uint64_t big = kolm_galloc_compute_bytes(&s);
	assert_true(big >= (uint64_t)1 << 60);
	assert_true(big + big + big < UINT64_MAX - big); /* a few such terms still sum */
	s.n_vocab = 512;
	assert_true(kolm_galloc_compute_bytes(&s) < (uint64_t)1 << 30);
	s.n_kv = (int64_t)1 << 40;
	assert_true(kolm_galloc_compute_bytes(&s) >= (uint64_t)1 << 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_llama_cpp),
		cmocka_unit_test(test_holes_counted),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_largest_graph),
		cmocka_unit_test(test_out_of_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
