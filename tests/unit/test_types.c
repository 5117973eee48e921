/* test_types.c - the C block-layout table against the sourced facts
 * (tests/fixtures/data/gguf-facts.md §2.1 restates ggml's type_traits), the
 * llama_ftype table (§2.2), and fp16/bf16 conversions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kolm/types.h"
#include "kolm/util.h"

static char *facts(void)
{
	const char *sh = getenv("KOLM_FIXTURES");
	char path[1024];
	snprintf(path, sizeof path, "%s/data/gguf-facts.md", sh ? sh : "tests/fixtures");
	char *buf = NULL;
	size_t n;
	if (kolm_file_read_all(path, 1 << 22, &buf, &n, NULL) != KOLM_OK)
		return NULL;
	return buf;
}

static void test_block_table(void **s)
{
	(void)s;
	char *f = facts();
	assert_non_null(f);
	char *sec = strstr(f, "### 2.1 ggml_type");
	assert_non_null(sec);
	char *end = strstr(sec, "### 2.2");
	int checked = 0;
	for (char *l = sec; l && l < end; l = strchr(l + 1, '\n')) {
		int id, blck, bytes;
		char name[32];
		/* | 12 | q4_K | 256 | 144 | ... */
		if (sscanf(l, "\n| %d | %31s | %d | %d |", &id, name, &blck, &bytes) != 4)
			continue;
		const struct kolm_type_traits *ti = kolm_type_traits(id);
		assert_non_null(ti);
		if (strcasecmp(ti->name, name) != 0)
			fprintf(stderr, "id %d: %s vs %s\n", id, ti->name, name);
		assert_int_equal(strcasecmp(ti->name, name), 0);
		assert_int_equal(ti->blck, blck);
		assert_int_equal(ti->type_size, bytes);
		checked++;
	}
	free(f);
	assert_true(checked >= 30);
	/* removed ids stay invalid */
	assert_null(kolm_type_traits(4));
	assert_null(kolm_type_traits(31));
	assert_null(kolm_type_traits(KOLM_T_COUNT));
}

static void test_ftype_table(void **s)
{
	(void)s;
	char *f = facts();
	assert_non_null(f);
	char *sec = strstr(f, "### 2.2 llama_ftype");
	assert_non_null(sec);
	int checked = 0;
	for (char *l = sec; l && strncmp(l, "\n## 3", 5) != 0; l = strchr(l + 1, '\n')) {
		int id;
		char en[64], qn[64];
		if (sscanf(l, "\n| %d | %63s | %63s |", &id, en, qn) != 3 || en[0] == '(')
			continue;
		const struct kolm_ftype_info *fi = kolm_ftype_info(id);
		if (!fi)
			continue; /* newer ids kolm does not produce (MXFP4_MOE, NVFP4, Q1_0, Q2_0) */
		assert_string_equal(fi->name, qn);
		checked++;
	}
	free(f);
	assert_true(checked >= 30);
	assert_int_equal(kolm_ftype_from_name("q4_k")->id, KOLM_FT_Q4_K_M);
	assert_null(kolm_ftype_from_name("q4_k_x"));
}

static void test_half_conversions(void **s)
{
	(void)s;
	/* IEEE 754 binary16 reference values */
	assert_true(kolm_fp16_to_fp32(0x3c00) == 1.0f);
	assert_true(kolm_fp16_to_fp32(0xc000) == -2.0f);
	assert_true(kolm_fp16_to_fp32(0x7bff) == 65504.0f);
	assert_true(kolm_fp16_to_fp32(0x0001) == ldexpf(1, -24));
	assert_true(isinf(kolm_fp16_to_fp32(0x7c00)));
	assert_int_equal(kolm_fp32_to_fp16(1.0f), 0x3c00);
	assert_int_equal(kolm_fp32_to_fp16(65504.0f), 0x7bff);
	assert_int_equal(kolm_fp32_to_fp16(1e6f), 0x7c00);
	assert_int_equal(kolm_fp32_to_fp16(ldexpf(1, -24)), 0x0001);
	/* round to nearest even: 1 + 2^-11 is halfway between 1 and 1+2^-10 */
	assert_int_equal(kolm_fp32_to_fp16(1.0f + ldexpf(1, -11)), 0x3c00);
	assert_int_equal(kolm_fp32_to_fp16(1.0f + 3 * ldexpf(1, -11)), 0x3c02);
	/* every finite half round-trips */
	for (uint32_t h = 0; h < 0x10000; h++) {
		if ((h & 0x7c00) == 0x7c00)
			continue;
		assert_int_equal(kolm_fp32_to_fp16(kolm_fp16_to_fp32((uint16_t)h)), h);
	}
	assert_int_equal(kolm_fp32_to_bf16(1.0f), 0x3f80);
	assert_true(kolm_bf16_to_fp32(0x3f80) == 1.0f);
	assert_int_equal(kolm_fp32_to_bf16(1.0f + ldexpf(1, -8)), 0x3f80); /* tie to even */
}

static void test_tensor_bytes(void **s)
{
	(void)s;
	int64_t ne[4] = {4096, 14336, 1, 1};
	assert_true(kolm_type_tensor_bytes(KOLM_T_Q4_K, ne, 2) == 4096ULL / 256 * 144 * 14336);
	ne[0] = 172;
	assert_true(kolm_type_tensor_bytes(KOLM_T_Q8_0, ne, 2) == UINT64_MAX); /* not a multiple of 32 */
	int64_t huge[4] = {INT64_MAX / 2, INT64_MAX / 2, 1, 1};
	assert_true(kolm_type_tensor_bytes(KOLM_T_F32, huge, 2) == UINT64_MAX); /* overflow caught */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_table),
		cmocka_unit_test(test_ftype_table),
		cmocka_unit_test(test_half_conversions),
		cmocka_unit_test(test_tensor_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
