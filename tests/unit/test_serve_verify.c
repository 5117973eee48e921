/* test_serve_verify.c - POST /api/verify over real HTTP on loopback: the
 * uploaded artifact, export and key get exactly the six checks `kolm
 * verify` gives the same files; damage is caught; the upload limit is a
 * 413; a body that is not multipart is a 400; nothing is left in the
 * temporary directory; /verify and /verify-prod serve the page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "kolm/artifact.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/serve.h"
#include "kolm/util.h"

static struct kolm_server *srv;
static struct kolm_ctx *ctx;
static uint16_t port;
static char dir[64], tmpdir[96], art[128], exp_[128], key[128], pub[128], bad[128];

static int setup(void **s)
{
	(void)s;
	snprintf(dir, sizeof dir, "/tmp/kolm-sv-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(tmpdir, sizeof tmpdir, "%s/tmp", dir);
	mkdir(tmpdir, 0700);
	signal(SIGPIPE, SIG_IGN); /* a 413 may close the socket while we still send */
	setenv("TMPDIR", tmpdir, 1); /* the server's uploads go here: the test can see them go */
	struct kolm_ctx_opts o = {0};
	if (kolm_ctx_new(&ctx, &o, NULL))
		return -1;
	const char *sh = getenv("KOLM_FIXTURES");
	char hf[512];
	snprintf(hf, sizeof hf, "%s/models/stories260K-hf", sh ? sh : "tests/fixtures");
	snprintf(art, sizeof art, "%s/s.kolm", dir);
	snprintf(exp_, sizeof exp_, "%s/s-f16.gguf", dir);
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	snprintf(bad, sizeof bad, "%s/bad.kolm", dir);
	char fp[65];
	struct kolm_err e = {0};
	struct kolm_pack_opts po = {hf, "tests/data/evalpack-stories.jsonl", art, key, NULL, "s", 0.9, -1, 0, 0, 0, NULL, NULL};
	struct kolm_export_opts eo = {0};
	eo.artifact = art;
	eo.format = "f16";
	eo.out_path = exp_;
	eo.min_k = -1;
	eo.no_measure = 1;
	if (kolm_keygen(key, fp, &e) || kolm_pack(ctx, &po, NULL, &e) || kolm_export_gguf(ctx, &eo, NULL, &e)) {
		fprintf(stderr, "fixture: %s\n", e.msg);
		return -1;
	}
	/* a damaged copy: one byte of the weights flipped */
	struct kolm_map m;
	kolm_map_open(&m, art, NULL);
	uint8_t *b = malloc(m.size);
	memcpy(b, m.data, m.size);
	b[m.size - 2000] ^= 0x10;
	FILE *f = fopen(bad, "wb");
	fwrite(b, 1, m.size, f);
	fclose(f);
	free(b);
	kolm_map_close(&m);
	struct kolm_serve_opts so = {0};
	so.threads = 2;
	so.max_upload_bytes = 4u << 20; /* 4 MB: the fixture fits, a bigger upload does not */
	if (kolm_server_start(&so, &srv, &e)) {
		fprintf(stderr, "start: %s\n", e.msg);
		return -1;
	}
	port = kolm_server_port(srv);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	kolm_server_stop(srv);
	kolm_ctx_free(ctx);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* headers post() adds: the one the verify page sends, unless a test says otherwise */
static const char *extra_headers = "X-Kolm-Request: 1\r\n";

struct part {
	const char *field, *file; /* file NULL: value is the text */
	const char *value;
};

/* POST /api/verify as multipart/form-data; returns the status, *body malloc'd */
static int post(const struct part *parts, int n, const char *ctype_override, char **body)
{
	struct kolm_buf b = {0};
	const char *bd = "kolmTestBoundary7MA4YWxkTrZu0gW";
	for (int i = 0; i < n; i++) {
		char h[512];
		if (parts[i].file) {
			const char *nm = strrchr(parts[i].file, '/');
			snprintf(h, sizeof h,
				 "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
				 "Content-Type: application/octet-stream\r\n\r\n",
				 bd, parts[i].field, nm ? nm + 1 : parts[i].file);
			kolm_buf_add(&b, h, strlen(h));
			struct kolm_map m;
			assert_int_equal(kolm_map_open(&m, parts[i].file, NULL), 0);
			kolm_buf_add(&b, (const char *)m.data, m.size);
			kolm_map_close(&m);
		} else {
			snprintf(h, sizeof h, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s", bd, parts[i].field,
				 parts[i].value);
			kolm_buf_add(&b, h, strlen(h));
		}
		kolm_buf_add(&b, "\r\n", 2);
	}
	char tail[96];
	snprintf(tail, sizeof tail, "--%s--\r\n", bd);
	kolm_buf_add(&b, tail, strlen(tail));
	char hdr[1024];
	char ct[160];
	if (ctype_override)
		snprintf(ct, sizeof ct, "%s", ctype_override);
	else
		snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", bd);
	snprintf(hdr, sizeof hdr,
		 "POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "%sConnection: close\r\n\r\n",
		 ct, b.len, extra_headers);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_true(write(fd, hdr, strlen(hdr)) == (ssize_t)strlen(hdr));
	size_t off = 0;
	while (off < b.len) {
		ssize_t w = write(fd, b.p + off, b.len - off);
		if (w <= 0)
			break; /* the server may answer 413 and close early */
		off += (size_t)w;
	}
	free(b.p);
	struct kolm_buf r = {0};
	char buf[8192];
	ssize_t k;
	while ((k = read(fd, buf, sizeof buf)) > 0)
		kolm_buf_add(&r, buf, (size_t)k);
	close(fd);
	assert_non_null(r.p);
	int status = 0;
	sscanf(r.p, "HTTP/1.1 %d", &status);
	char *sep = strstr(r.p, "\r\n\r\n");
	*body = strdup(sep ? sep + 4 : "");
	free(r.p);
	return status;
}

static json_t *local_verify(const char *a, const char *e, const char *pk, int req)
{
	struct kolm_verify_opts o = {.artifact = a, .export_path = e, .pubkey = pk, .require_signature = req, .max_k_loss = -1};
	json_t *rep = NULL;
	kolm_verify(ctx, &o, &rep, NULL);
	return rep;
}

/* entries left in the server's temp directory: $TMPDIR/kolm-<uid>/ (the
 * per-user directory itself stays) */
static int tmp_entries(void)
{
	char p[160];
	snprintf(p, sizeof p, "%s/kolm-%lu", tmpdir, (unsigned long)getuid());
	DIR *d = opendir(p);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

/* the checks (status and reason) equal kolm verify's on the same files */
static void assert_same_checks(const char *body, json_t *local)
{
	json_t *j = json_loads(body, 0, NULL);
	if (!j)
		fail_msg("not JSON: %s", body);
	json_t *a = json_object_get(j, "checks"), *b = json_object_get(local, "checks");
	assert_int_equal(json_array_size(a), 6);
	for (size_t i = 0; i < 6; i++) {
		const char *sa = json_string_value(json_object_get(json_array_get(a, i), "status"));
		const char *sb = json_string_value(json_object_get(json_array_get(b, i), "status"));
		if (strcmp(sa, sb))
			fail_msg("check %zu: server %s, kolm verify %s", i + 1, sa, sb);
	}
	assert_int_equal(json_is_true(json_object_get(j, "ok")), json_is_true(json_object_get(local, "ok")));
	/* no server path leaks into the report */
	assert_null(strstr(body, tmpdir));
	json_decref(j);
}

static void test_signed_artifact_and_export(void **s)
{
	(void)s;
	struct part p[] = {{"artifact", art, NULL}, {"export", exp_, NULL}, {"pubkey", pub, NULL}, {"require_signature", NULL, "1"}};
	char *body;
	assert_int_equal(post(p, 4, NULL, &body), 200);
	json_t *local = local_verify(art, exp_, pub, 1);
	assert_same_checks(body, local);
	assert_true(json_is_true(json_object_get(local, "ok")));
	assert_non_null(strstr(body, "\"artifact\": \"s.kolm\""));
	json_decref(local);
	free(body);
	assert_int_equal(tmp_entries(), 0);
}

static void test_damaged_and_unsigned(void **s)
{
	(void)s;
	struct part p[] = {{"artifact", bad, NULL}, {"pubkey", pub, NULL}};
	char *body;
	assert_int_equal(post(p, 2, NULL, &body), 200);
	json_t *local = local_verify(bad, NULL, pub, 0);
	assert_same_checks(body, local);
	assert_non_null(strstr(body, "\"status\": \"FAIL\""));
	json_decref(local);
	free(body);
	/* no key but --require-signature: the signature check fails */
	struct part q[] = {{"artifact", art, NULL}, {"require_signature", NULL, "1"}};
	assert_int_equal(post(q, 2, NULL, &body), 200);
	local = local_verify(art, NULL, NULL, 1);
	assert_same_checks(body, local);
	assert_false(json_is_true(json_object_get(local, "ok")));
	json_decref(local);
	free(body);
	assert_int_equal(tmp_entries(), 0);
}

static void test_limits_and_errors(void **s)
{
	(void)s;
	char *body;
	/* over the 4 MB limit: the export counted twice is still small, so send the artifact 5 times */
	struct part big[] = {{"artifact", art, NULL}, {"export", art, NULL}, {"pubkey", art, NULL}, {"x", art, NULL}, {"y", art, NULL}};
	assert_int_equal(post(big, 5, NULL, &body), 413);
	assert_non_null(strstr(body, "\"status\": 413"));
	free(body);
	/* not multipart */
	struct part one[] = {{"artifact", NULL, "hello"}};
	assert_int_equal(post(one, 1, "application/octet-stream", &body), 400);
	free(body);
	/* no artifact field */
	struct part none[] = {{"export", exp_, NULL}};
	assert_int_equal(post(none, 1, NULL, &body), 400);
	assert_non_null(strstr(body, "artifact"));
	free(body);
	/* a bad max_k_loss */
	struct part kl[] = {{"artifact", art, NULL}, {"max_k_loss", NULL, "lots"}};
	assert_int_equal(post(kl, 2, NULL, &body), 400);
	free(body);
	assert_int_equal(tmp_entries(), 0);
}

/* Only the server's own page may upload: a cross-origin multipart POST
 * (a "simple" request any web page can make) and one without the page's
 * X-Kolm-Request header get 403, and nothing is stored. */
static void test_cross_origin_upload(void **s)
{
	(void)s;
	struct part p[] = {{"artifact", art, NULL}};
	char *body;
	extra_headers = "Origin: http://evil.example\r\nX-Kolm-Request: 1\r\n";
	assert_int_equal(post(p, 1, NULL, &body), 403);
	assert_non_null(strstr(body, "cross-origin"));
	free(body);
	extra_headers = "";
	assert_int_equal(post(p, 1, NULL, &body), 403);
	assert_non_null(strstr(body, "X-Kolm-Request"));
	free(body);
	char own[128];
	snprintf(own, sizeof own, "Origin: http://127.0.0.1\r\nX-Kolm-Request: 1\r\n");
	extra_headers = own;
	assert_int_equal(post(p, 1, NULL, &body), 200);
	free(body);
	extra_headers = "X-Kolm-Request: 1\r\n";
	assert_int_equal(tmp_entries(), 0);
}

/* The server's limits answer as server conditions: uploads past the
 * temporary-disk budget get 507, a verify past the slots 503 with
 * Retry-After (not a 400 for the client's request). */
static void test_disk_budget_and_slots(void **s)
{
	(void)s;
	struct kolm_serve_opts so = {0};
	so.threads = 2;
	so.max_upload_bytes = 4u << 20;
	so.upload_disk_bytes = 100000; /* less than the fixture artifact */
	so.verify_slots = 1;
	struct kolm_server *s2 = NULL;
	assert_int_equal(kolm_server_start(&so, &s2, NULL), 0);
	uint16_t saved = port;
	port = kolm_server_port(s2);
	struct part p[] = {{"artifact", art, NULL}};
	char *body;
	assert_int_equal(post(p, 1, NULL, &body), 507);
	assert_non_null(strstr(body, "\"status\": 507"));
	free(body);
	/* one verify in flight (its body still arriving) holds the only slot */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	static const char slow[] = "POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Kolm-Request: 1\r\n"
				   "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n";
	assert_true(write(fd, slow, sizeof slow - 1) == (ssize_t)(sizeof slow - 1));
	usleep(300000);
	assert_int_equal(post(p, 1, NULL, &body), 503);
	assert_non_null(strstr(body, "try again"));
	free(body);
	close(fd);
	port = saved;
	kolm_server_stop(s2);
	assert_int_equal(tmp_entries(), 0);
}

static void test_pages(void **s)
{
	(void)s;
	static const char *paths[] = {"/verify", "/verify-prod", "/verify.js"};
	for (size_t i = 0; i < 3; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {0};
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
		char req[200];
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", paths[i]);
		assert_true(write(fd, req, strlen(req)) > 0);
		char buf[512] = "";
		assert_true(read(fd, buf, sizeof buf - 1) > 0);
		close(fd);
		if (strncmp(buf, "HTTP/1.1 200", 12))
			fail_msg("%s: %.40s", paths[i], buf);
	}
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_signed_artifact_and_export),
		cmocka_unit_test(test_damaged_and_unsigned),
		cmocka_unit_test(test_limits_and_errors),
		cmocka_unit_test(test_cross_origin_upload),
		cmocka_unit_test(test_disk_budget_and_slots),
		cmocka_unit_test(test_pages),
	};
	return cmocka_run_group_tests(t, setup, teardown);
}
