/* test_inspect.c - `kolm inspect --json --tensors --sha256` (the real
 * binary, $KOLM_BIN) agrees with llama.cpp's goldens for every tensor of
 * every GGUF in tests/fixtures/models/gguf (golden/tensors.tsv, gguf-files.tsv);
 * and a corrupt file is exit 3 with one line. */
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

#include <jansson.h>

static char fixtures[1024], bin[1024];

static json_t *run_inspect(const char *file, int *status)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "'%s' inspect --json --tensors --sha256 '%s' 2>/dev/null", bin, file);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	json_error_t je;
	json_t *j = json_loadf(p, 0, &je);
	int st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return j;
}

static void test_goldens(void **s)
{
	(void)s;
	char p[1200];
	snprintf(p, sizeof p, "%s/models/golden/tensors.tsv", fixtures);
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	char line[1024], cur[256] = "";
	json_t *j = NULL;
	int rows = 0;
	fgets(line, sizeof line, fp);
	while (fgets(line, sizeof line, fp)) {
		char *f[8] = {0};
		int n = 0;
		for (char *t = strtok(line, "\t\n"); t && n < 8; t = strtok(NULL, "\t\n"))
			f[n++] = t;
		if (n < 7)
			continue;
		if (strcmp(cur, f[0])) {
			json_decref(j);
			snprintf(cur, sizeof cur, "%s", f[0]);
			char gf[1300];
			snprintf(gf, sizeof gf, "%s/models/gguf/%s", fixtures, f[0]);
			int st;
			j = run_inspect(gf, &st);
			assert_int_equal(st, 0);
			assert_non_null(j);
		}
		json_t *hit = NULL, *t;
		size_t i;
		json_array_foreach(json_object_get(j, "tensors"), i, t)
			if (!strcmp(json_string_value(json_object_get(t, "name")), f[1]))
				hit = t;
		assert_non_null(hit);
		assert_string_equal(json_string_value(json_object_get(hit, "type")), f[2]);
		char shape[64] = "";
		size_t len = 0, d;
		json_t *x;
		json_array_foreach(json_object_get(hit, "shape"), d, x)
			len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%lld", d ? "x" : "", (long long)json_integer_value(x));
		assert_string_equal(shape, f[3]);
		assert_true((long long)json_integer_value(json_object_get(hit, "offset")) == atoll(f[4]));
		assert_true((long long)json_integer_value(json_object_get(hit, "bytes")) == atoll(f[5]));
		assert_string_equal(json_string_value(json_object_get(hit, "sha256")), f[6]);
		rows++;
	}
	json_decref(j);
	fclose(fp);
	printf("%d tensors: name, type, shape, offset, bytes and sha256 agree\n", rows);
	assert_true(rows >= 348);
	/* whole-file figures: bytes, data offset, data-section sha256 */
	snprintf(p, sizeof p, "%s/models/golden/gguf-files.tsv", fixtures);
	fp = fopen(p, "r");
	assert_non_null(fp);
	fgets(line, sizeof line, fp);
	int files = 0;
	while (fgets(line, sizeof line, fp)) {
		char name[256], sha[80];
		long long bytes, off;
		if (sscanf(line, "%255s %lld %lld %79s", name, &bytes, &off, sha) != 4)
			continue;
		char gf[1300];
		snprintf(gf, sizeof gf, "%s/models/gguf/%s", fixtures, name);
		int st;
		j = run_inspect(gf, &st);
		assert_non_null(j);
		assert_true(json_integer_value(json_object_get(j, "file_bytes")) == bytes);
		assert_true(json_integer_value(json_object_get(j, "data_offset")) == off);
		assert_string_equal(json_string_value(json_object_get(j, "tensor_data_sha256")), sha);
		json_decref(j);
		files++;
	}
	fclose(fp);
	assert_int_equal(files, 8);
}

static void test_bad_file(void **s)
{
	(void)s;
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "head -c 3000 '%s/models/gguf/stories260K-f32.gguf' > /tmp/kolm-cut-%d.gguf; "
				  "'%s' inspect /tmp/kolm-cut-%d.gguf 2>/tmp/kolm-cut-%d.err; echo $?", fixtures, (int)getpid(), bin,
		 (int)getpid(), (int)getpid());
	FILE *p = popen(cmd, "r");
	char out[64] = "";
	fgets(out, sizeof out, p);
	pclose(p);
	assert_int_equal(atoi(out), 3);
	char errf[64];
	snprintf(errf, sizeof errf, "/tmp/kolm-cut-%d.err", (int)getpid());
	FILE *e = fopen(errf, "r");
	char msg[512] = "", more[8] = "";
	fgets(msg, sizeof msg, e);
	assert_null(fgets(more, sizeof more, e)); /* one line */
	fclose(e);
	assert_non_null(strstr(msg, "kolm: /tmp/kolm-cut-"));
	assert_true(strstr(msg, "truncated") || strstr(msg, "exceeds the file") || strstr(msg, "past the end"));
	snprintf(cmd, sizeof cmd, "rm -f /tmp/kolm-cut-%d.gguf /tmp/kolm-cut-%d.err", (int)getpid(), (int)getpid());
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const char *sh = getenv("KOLM_FIXTURES"), *b = getenv("KOLM_BIN");
	snprintf(fixtures, sizeof fixtures, "%s", sh ? sh : "tests/fixtures");
	snprintf(bin, sizeof bin, "%s", b ? b : "build/kolm");
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_goldens), cmocka_unit_test(test_bad_file)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
