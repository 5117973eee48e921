/* test_eval.c - eval packs and the K-score: the pack format (good and bad
 * lines), the match rules, K of the readable tiny model on
 * tests/data/evalpack-tiny.jsonl for F32 (30 of 38: its 8 "wrong" items
 * fail) and its measured drop in Q4_0, KL divergence / top-1 agreement
 * against the F32 reference (zero against itself), and `kolm eval`
 * perplexity output in llama-perplexity's form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "kolm/bench.h"
#include "kolm/engine.h"
#include "kolm/eval.h"

static char fixtures[1024], pack_path[1024];

static struct kolm_engine *open_model(const char *file)
{
	char p[1400];
	snprintf(p, sizeof p, "%s/models/gguf/%s", fixtures, file);
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts o = {.nthreads = 2, .n_ctx = 128};
	struct kolm_err err = {0};
	assert_int_equal(kolm_engine_open(&e, p, &o, &err), 0);
	return e;
}

static void test_pack_format(void **s)
{
	(void)s;
	struct kolm_evalpack *p = NULL;
	struct kolm_err err = {0};
	const char *good = "{\"id\":\"a\",\"prompt\":\"x\",\"expected\":\"y\",\"match\":\"contains\"}\n\n"
			   "{\"id\":\"b\",\"prompt\":\"x\",\"expected\":\"y\",\"prompt_tokens\":[1,2],\"expected_tokens\":[3]}\n";
	assert_int_equal(kolm_evalpack_parse(&p, good, strlen(good), "mem", &err), 0);
	assert_int_equal(p->n, 2);
	assert_int_equal(p->items[0].match, KOLM_MATCH_CONTAINS);
	assert_int_equal(p->items[1].match, KOLM_MATCH_EXACT);
	assert_int_equal(p->items[1].n_prompt_tokens, 2);
	assert_int_equal(p->items[1].n_expected_tokens, 1);
	kolm_evalpack_free(p);
	const char *bad[] = {
		"{\"id\":\"a\",\"prompt\":\"x\"}\n",
		"{\"id\":\"a\",\"prompt\":\"x\",\"expected\":\"y\",\"match\":\"regex\"}\n",
		"not json\n",
		"{\"id\":\"a\",\"prompt\":\"x\",\"expected\":\"y\",\"prompt_tokens\":[-1]}\n",
		"\n\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = NULL;
		assert_int_equal(kolm_evalpack_parse(&p, bad[i], strlen(bad[i]), "mem", &err), KOLM_E_FORMAT);
		assert_null(p);
	}
	assert_int_equal(kolm_evalpack_load(&p, "/nonexistent/pack.jsonl", &err), KOLM_E_IO);
}

/* kolm_eval_pack_k's progress: items 1..n in order, seconds not falling */
struct calls {
	int n, last, total, bad;
	double seconds;
};

static void count_items(void *user, int done, int total, double seconds)
{
	struct calls *c = user;
	c->bad |= done != c->last + 1 || seconds < c->seconds || (c->n && total != c->total);
	c->n++;
	c->last = done;
	c->total = total;
	c->seconds = seconds;
}

static void test_k_tiny(void **s)
{
	(void)s;
	struct kolm_evalpack *p = NULL;
	struct kolm_err err = {0};
	assert_int_equal(kolm_evalpack_load(&p, pack_path, &err), 0);
	assert_int_equal(p->n, 38);
	struct kolm_engine *f32 = open_model("aidreams260K-f32.gguf"), *q4 = open_model("aidreams260K-q4_0.gguf");
	struct kolm_eval_result a = {0}, b = {0}, c = {0};
	assert_int_equal(kolm_eval_pack(f32, NULL, p, &a, &err), 0);
	assert_int_equal(kolm_eval_pack(q4, f32, p, &b, &err), 0);
	/* against itself (the same engine as model and reference): 4 items */
	struct kolm_evalpack small = {p->items, 4};
	assert_int_equal(kolm_eval_pack(f32, f32, &small, &c, &err), 0);
	printf("K F32 %.4f (%d/%d), K Q4_0 %.4f (%d/%d): drop %.4f; Q4_0 vs F32 mean KL %.6f, top-1 %.2f%% over "
	       "%lld positions\n", a.k, a.n_pass, a.n_items, b.k, b.n_pass, b.n_items, a.k - b.k, b.mean_kl,
	       100 * b.top1, (long long)b.n_positions);
	/* F32 passes its own 30 items and fails the 8 "wrong" ones */
	assert_int_equal(a.n_pass, 30);
	for (int i = 0; i < p->n; i++)
		assert_int_equal(a.items[i].pass, strncmp(p->items[i].id, "own-", 4) == 0);
	/* Q4_0 loses a measured amount (16 of 38 when this was written) */
	assert_true(b.k < a.k - 0.2);
	assert_true(b.mean_kl > 0.001 && b.mean_kl < 0.1);
	assert_true(b.top1 > 0.85 && b.top1 < 0.99);
	assert_true(c.mean_kl < 1e-9);
	assert_true(c.top1 == 1.0);
	assert_int_equal(c.n_pass, 4);
	/* the K alone (kolm pack / export): each item stopped once its match is
	 * decided; the same passes, in fewer tokens */
	struct kolm_engine *engines[2] = {f32, q4};
	const struct kolm_eval_result *full[2] = {&a, &b};
	struct calls calls = {0};
	for (int m = 0; m < 2; m++) {
		struct kolm_eval_result d = {0};
		assert_int_equal(kolm_eval_pack_k(engines[m], p, m ? NULL : count_items, &calls, &d, &err), 0);
		long tok_full = 0, tok_k = 0;
		for (int i = 0; i < p->n; i++) {
			assert_int_equal(d.items[i].pass, full[m]->items[i].pass);
			assert_true(d.items[i].n_gen <= full[m]->items[i].n_gen);
			tok_full += full[m]->items[i].n_gen;
			tok_k += d.items[i].n_gen;
		}
		assert_int_equal(d.n_pass, full[m]->n_pass);
		assert_true(d.k == full[m]->k);
		printf("K %s with early stop: %d/%d, %ld tokens generated (%ld without)\n", m ? "Q4_0" : "F32", d.n_pass,
		       d.n_items, tok_k, tok_full);
		assert_true(tok_k < tok_full);
		kolm_eval_result_release(&d);
	}
	assert_int_equal(calls.n, p->n);
	assert_int_equal(calls.total, p->n);
	assert_false(calls.bad);
	kolm_eval_result_release(&a);
	kolm_eval_result_release(&b);
	kolm_eval_result_release(&c);
	kolm_engine_close(f32);
	kolm_engine_close(q4);
	kolm_evalpack_free(p);
}

static void test_match_rules(void **s)
{
	(void)s;
	/* aidreams F32 continues "Vectors" with " unfold, pixels unfolding like petals." */
	const char *pack = "{\"id\":\"p\",\"prompt\":\"Vectors\",\"expected\":\"  unfold, pixels \",\"match\":\"prefix\"}\n"
			   "{\"id\":\"c\",\"prompt\":\"Vectors\",\"expected\":\"petals\",\"match\":\"contains\"}\n"
			   "{\"id\":\"e\",\"prompt\":\"Vectors\",\"expected\":\"unfold\",\"match\":\"exact\"}\n"
			   "{\"id\":\"t\",\"prompt\":\"x\",\"prompt_tokens\":[1,480],\"expected\":\"\",\"match\":\"contains\"}\n"
			   /* early stop's cases: a longer text exact, a prefix of it as
			    * exact (fails only at the end), a prefix off in its last byte,
			    * an empty expected text, surrounding spaces */
			   "{\"id\":\"E\",\"prompt\":\"Vectors\",\"expected\":\"unfold, pixels unfolding like petals.\",\"match\":\"exact\"}\n"
			   "{\"id\":\"e2\",\"prompt\":\"Vectors\",\"expected\":\" unfold, pixels\",\"match\":\"exact\"}\n"
			   "{\"id\":\"p2\",\"prompt\":\"Vectors\",\"expected\":\"unfold, pixelz\",\"match\":\"prefix\"}\n"
			   "{\"id\":\"p3\",\"prompt\":\"Vectors\",\"expected\":\"\",\"match\":\"prefix\"}\n"
			   "{\"id\":\"e3\",\"prompt\":\"Vectors\",\"expected\":\"\",\"match\":\"exact\"}\n"
			   "{\"id\":\"c2\",\"prompt\":\"Vectors\",\"expected\":\"  pixels unfolding \",\"match\":\"contains\"}\n";
	struct kolm_evalpack *p = NULL;
	struct kolm_err err = {0};
	assert_int_equal(kolm_evalpack_parse(&p, pack, strlen(pack), "mem", &err), 0);
	struct kolm_engine *e = open_model("aidreams260K-f32.gguf");
	struct kolm_eval_result r = {0};
	assert_int_equal(kolm_eval_pack(e, NULL, p, &r, &err), 0);
	assert_true(r.items[0].pass);
	assert_true(r.items[1].pass);
	assert_false(r.items[2].pass);
	assert_true(r.items[3].pass);
	assert_int_equal(r.items[3].n_gen <= 16, 1);
	/* with early stop each item passes or fails as above; the exact and
	 * prefix ones that fail stop before the end */
	struct kolm_eval_result k = {0};
	assert_int_equal(kolm_eval_pack_k(e, p, NULL, NULL, &k, &err), 0);
	for (int i = 0; i < p->n; i++) {
		printf("%s: pass %d/%d, %d/%d tokens, '%s'\n", p->items[i].id, r.items[i].pass, k.items[i].pass,
		       k.items[i].n_gen, r.items[i].n_gen, k.items[i].output);
		assert_int_equal(k.items[i].pass, r.items[i].pass);
	}
	assert_false(r.items[4].pass); /* the model goes on past "petals." */
	assert_true(k.items[4].n_gen < r.items[4].n_gen);
	assert_false(r.items[5].pass);
	assert_false(r.items[6].pass);
	assert_true(k.items[6].n_gen < r.items[6].n_gen);
	assert_true(k.items[2].n_gen < r.items[2].n_gen);
	assert_true(r.items[7].pass);
	assert_false(r.items[8].pass);
	assert_true(r.items[9].pass);
	kolm_eval_result_release(&k);
	kolm_eval_result_release(&r);
	kolm_engine_close(e);
	kolm_evalpack_free(p);
}

static void test_cli(void **s)
{
	(void)s;
	const char *bin = getenv("KOLM_BIN");
	if (!bin)
		bin = "build/kolm";
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "'%s' eval '%s/models/gguf/aidreams260K-f32.gguf' --perplexity '%s/models/golden/ppl-input.txt' -c 64",
		 bin, fixtures, fixtures);
	FILE *fp = popen(cmd, "r");
	assert_non_null(fp);
	char out[4096];
	size_t n = fread(out, 1, sizeof out - 1, fp);
	out[n] = 0;
	int st = pclose(fp);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_non_null(strstr(out, "Final estimate: PPL = 245.9"));
	snprintf(cmd, sizeof cmd, "'%s' eval '%s/models/gguf/aidreams260K-f32.gguf' >/dev/null 2>&1", bin, fixtures);
	st = system(cmd);
	assert_int_equal(WEXITSTATUS(st), 2);
	snprintf(cmd, sizeof cmd, "'%s' eval /nonexistent.gguf --evalpack '%s' >/dev/null 2>&1", bin, pack_path);
	st = system(cmd);
	assert_int_equal(WEXITSTATUS(st), 4);
}

/* The llama-bench -o json parser on the eight real outputs in
 * golden/llama-bench (kolm bench --via llama-bench reads the same), and
 * --record's row in a fresh measurements file. */
static void test_llama_bench_json(void **s)
{
	(void)s;
	const char *files[] = {"aidreams260K-f16", "aidreams260K-f32", "aidreams260K-q4_0", "aidreams260K-q8_0",
			       "stories260K-f16",  "stories260K-f32",  "stories260K-q4_0",  "stories260K-q8_0"};
	for (size_t i = 0; i < 8; i++) {
		char p[1400];
		snprintf(p, sizeof p, "%s/models/golden/llama-bench/bench-%s.json", fixtures, files[i]);
		FILE *fp = fopen(p, "rb");
		assert_non_null(fp);
		static char buf[1 << 16];
		size_t n = fread(buf, 1, sizeof buf, fp);
		fclose(fp);
		struct kolm_bench_result r;
		struct kolm_err err = {0};
		assert_int_equal(kolm_bench_parse_llama_bench(buf, n, &r, &err), 0);
		assert_int_equal(r.n_prompt, 64);
		assert_int_equal(r.n_gen, 32);
		assert_int_equal(r.nthreads, 2);
		assert_int_equal(r.reps, 5);
		assert_true(r.pp_tps > 1000 && r.tg_tps > 1000);
		assert_true(r.pp_sd > 0 && r.tg_sd > 0);
		assert_string_equal(r.runtime, "llama.cpp-cpu");
		assert_non_null(strstr(r.model, files[i]));
		const char *ty = strrchr(files[i], '-') + 1;
		assert_string_equal(r.format, ty);
		double m = 0;
		for (int k = 0; k < 5; k++)
			m += r.pp_samples[k] / 5;
		assert_true(m > r.pp_tps * 0.999 && m < r.pp_tps * 1.001);
		if (i == 2) {
			char tsv[] = "/tmp/kolm-test-eval-XXXXXX";
			assert_non_null(mkdtemp(tsv));
			char path[256];
			snprintf(path, sizeof path, "%s/sub/measurements.tsv", tsv);
			assert_int_equal(kolm_bench_record(path, &r, "rpi5-8gb", "aidreams260k", &err), 0);
			assert_int_equal(kolm_bench_record(path, &r, "rpi5-8gb", "aidreams260k", &err), 0);
			fp = fopen(path, "r");
			assert_non_null(fp);
			char line[2048];
			assert_non_null(fgets(line, sizeof line, fp));
			assert_int_equal(strncmp(line, "device\truntime\tbase\tformat\ttg_tps\tpp_tps", 40), 0);
			assert_non_null(fgets(line, sizeof line, fp));
			assert_int_equal(strncmp(line, "rpi5-8gb\tllama.cpp-cpu\taidreams260k\tq4_0\t", 40), 0);
			assert_non_null(fgets(line, sizeof line, fp));
			assert_null(fgets(line, sizeof line, fp));
			fclose(fp);
			unlink(path);
			snprintf(path, sizeof path, "%s/sub", tsv);
			rmdir(path);
			rmdir(tsv);
		}
	}
	struct kolm_bench_result r;
	/* model_type strings as llama-bench (llama.cpp 0c1e57098) prints them for
	 * a Q4_K_M, an IQ4_NL and an F32 file: the format is the whole file type
	 * name, not its last word ("medium", "bpw") */
	const char *mts[][2] = {{"llama ?B Q4_K - Medium", "q4_k_m"},
				{"llama ?B IQ4_NL - 4.5 bpw", "iq4_nl"},
				{"llama ?B all F32", "f32"},
				{"qwen2 7B Q2_K - Small", "q2_k_s"}};
	for (size_t i = 0; i < sizeof mts / sizeof mts[0]; i++) {
		char js[256];
		int n = snprintf(js, sizeof js, "[{\"n_prompt\":8,\"n_gen\":0,\"avg_ts\":1.5,\"model_type\":\"%s\"}]",
				 mts[i][0]);
		assert_int_equal(kolm_bench_parse_llama_bench(js, (size_t)n, &r, NULL), 0);
		assert_string_equal(r.format, mts[i][1]);
		assert_string_equal(r.model_type, mts[i][0]);
	}
	assert_int_equal(kolm_bench_parse_llama_bench("{}", 2, &r, NULL), KOLM_E_FORMAT);
	assert_int_equal(kolm_bench_parse_llama_bench("[{\"n_prompt\":1}]", 16, &r, NULL), KOLM_E_FORMAT);
}

int main(void)
{
	const char *sh = getenv("KOLM_FIXTURES");
	snprintf(fixtures, sizeof fixtures, "%s", sh ? sh : "tests/fixtures");
	snprintf(pack_path, sizeof pack_path, "tests/data/evalpack-tiny.jsonl");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_format),
		cmocka_unit_test(test_k_tiny),
		cmocka_unit_test(test_match_rules),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_llama_bench_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
