/* test_serve.c - `kolm serve` over real HTTP on loopback, with plain
 * sockets: every endpoint, every error class, the forecast and matrix JSON
 * byte-equal to what `kolm plan --json` prints (the same library calls),
 * a POSTed config.json equal to `kolm plan --config config.json --json`,
 * 200 connections open at once, a malformed request line, over-long URLs,
 * over-large bodies, path traversal on static files, the idle timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/forecast.h"
#include "kolm/serve.h"

static struct kolm_server *srv;
static struct kolm_ctx *ctx;
static uint16_t port;

/* ---- a tiny HTTP client ----------------------------------------------- */

struct resp {
	int status;        /* 0: no status line came back */
	char *head;        /* status line + headers */
	char *body;
	size_t body_len;
};

static void resp_free(struct resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static int dial(uint16_t p)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

static void send_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return; /* the server may hang up on a bad request: the reply says how */
		p += w;
		n -= (size_t)w;
	}
}

/* Read until the server closes; split status, headers, body. */
static void read_resp(int fd, struct resp *r)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	memset(r, 0, sizeof *r);
	char *sep = strstr(buf, "\r\n\r\n");
	if (len >= 12 && !strncmp(buf, "HTTP/1.", 7))
		r->status = atoi(buf + 9);
	size_t hl = sep ? (size_t)(sep - buf) : len;
	r->head = strndup(buf, hl);
	size_t off = sep ? hl + 4 : len;
	r->body_len = len - off;
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, buf + off, r->body_len);
	r->body[r->body_len] = '\0';
	free(buf);
}

static void raw(const char *req, size_t n, struct resp *r)
{
	int fd = dial(port);
	send_all(fd, req, n);
	read_resp(fd, r);
	close(fd);
}

static void request(const char *method, const char *target, const char *ctype, const char *body, struct resp *r)
{
	size_t bl = body ? strlen(body) : 0;
	size_t cap = strlen(target) + bl + 512;
	char *req = malloc(cap);
	int n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, target);
	if (body)
		n += snprintf(req + n, cap - (size_t)n, "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, bl);
	n += snprintf(req + n, cap - (size_t)n, "\r\n%s", body ? body : "");
	raw(req, (size_t)n, r);
	free(req);
}

static void get(const char *target, struct resp *r)
{
	request("GET", target, NULL, NULL, r);
}

static const char *header(const struct resp *r, const char *name)
{
	static char val[512];
	size_t nl = strlen(name);
	for (const char *p = r->head; p && (p = strstr(p, "\r\n")); p += 2) {
		if (!strncasecmp(p + 2, name, nl) && p[2 + nl] == ':') {
			const char *v = p + 3 + nl;
			while (*v == ' ')
				v++;
			size_t k = strcspn(v, "\r");
			snprintf(val, sizeof val, "%.*s", (int)k, v);
			return val;
		}
	}
	return NULL;
}

/* A JSON error body with this status. */
static void assert_json_error(const struct resp *r, int status)
{
	if (r->status != status)
		fprintf(stderr, "want %d, got %d: %s\n", status, r->status, r->body);
	assert_int_equal(r->status, status);
	assert_string_equal(header(r, "Content-Type"), "application/json");
	json_t *j = json_loads(r->body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "kolm.error/1");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
	assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 0);
	json_decref(j);
}

/* What `kolm plan --json` prints for the pick: the same two calls. */
static char *plan_json(const struct kolm_pick *p, int matrix, int all_devices)
{
	json_t *f = NULL;
	struct kolm_err err = {0};
	int rc = matrix ? kolm_forecast_matrix_doc(ctx, p, all_devices, &f, &err) : kolm_forecast_doc(ctx, p, &f, &err);
	if (rc)
		fprintf(stderr, "plan: %s\n", err.msg);
	assert_int_equal(rc, 0);
	char *s = kolm_forecast_dumps(f);
	json_decref(f);
	size_t n = strlen(s);
	s = realloc(s, n + 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

static void assert_alive(void)
{
	struct resp r;
	get("/healthz", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/* ---- setup ------------------------------------------------------------ */

static int setup(void **state)
{
	struct kolm_ctx_opts o = {0};
	if (kolm_ctx_new(&ctx, &o, NULL))
		return -1;
	struct kolm_serve_opts so = {0};
	so.port = 0;
	so.threads = 2;
	so.per_ip_connections = 300; /* test_concurrent_200 opens 200 at once from 127.0.0.1 */
	/* its 200 requests wait for 2 worker threads; on a loaded machine the
	 * last ones were read more than the default 10 s after they connected
	 * and the header watchdog dropped them (test_hostile_clients tests the
	 * watchdog on a server of its own) */
	so.header_timeout_s = 120;
	struct kolm_err err = {0};
	if (kolm_server_start(&so, &srv, &err)) {
		fprintf(stderr, "start: %s\n", err.msg);
		return -1;
	}
	port = kolm_server_port(srv);
	return port ? 0 : -1;
}

static int teardown(void **state)
{
	kolm_server_stop(srv);
	kolm_ctx_free(ctx);
	return 0;
}

/* ---- endpoints -------------------------------------------------------- */

static void test_healthz(void **state)
{
	struct resp r;
	get("/healthz", &r);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
	json_decref(j);
	resp_free(&r);
	request("HEAD", "/healthz", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	resp_free(&r);
}

static void test_static(void **state)
{
	struct resp r;
	get("/", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "text/html; charset=utf-8");
	assert_non_null(strstr(header(&r, "Content-Security-Policy"), "default-src 'self'"));
	size_t n;
	const uint8_t *idx = kolm_embedded("web/index.html", &n);
	assert_non_null(idx);
	assert_int_equal(r.body_len, n);
	assert_memory_equal(r.body, idx, n);
	/* the page loads nothing from another origin */
	assert_null(strstr(r.body, "http://"));
	assert_null(strstr(r.body, "https://"));
	resp_free(&r);
	get("/index.html", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	get("/app.js", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "text/javascript; charset=utf-8");
	resp_free(&r);
	get("/style.css", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"), "text/css; charset=utf-8");
	resp_free(&r);
	request("HEAD", "/", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	resp_free(&r);
}

static void test_catalog(void **state)
{
	struct resp r;
	get("/api/catalog", &r);
	assert_int_equal(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "kolm.catalog/1");
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	assert_int_equal(json_array_size(json_object_get(j, "devices")), cat->n_devices);
	assert_int_equal(json_array_size(json_object_get(j, "formats")), cat->n_formats);
	assert_true(json_array_size(json_object_get(j, "bases")) > 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "tier_formats"), "int4"), "gguf")),
			    "q4_k_m");
	/* the size table agrees with the forecast for the same base and format */
	json_t *sizes = json_object_get(json_object_get(j, "reference"), "sizes");
	json_t *row = json_array_get(json_object_get(sizes, "rows"), 0);
	json_t *fmts = json_object_get(sizes, "formats");
	size_t i;
	json_t *fid;
	json_array_foreach(fmts, i, fid)
	{
		if (strcmp(json_string_value(fid), "q4_k_m"))
			continue;
		struct kolm_pick p = {0};
		p.base_id = json_string_value(json_object_get(row, "base"));
		p.quant = "q4_k_m";
		p.device_id = "rtx-4090";
		p.overhead_gb = -1;
		json_t *f = NULL;
		assert_int_equal(kolm_forecast_doc(ctx, &p, &f, NULL), 0);
		assert_int_equal(json_integer_value(json_array_get(json_object_get(row, "bytes"), i)),
				 json_integer_value(json_object_get(json_object_get(f, "size"), "bytes")));
		json_decref(f);
	}
	assert_true(json_array_size(json_object_get(json_object_get(json_object_get(j, "reference"), "seed_throughput"), "rows")) > 0);
	json_decref(j);
	resp_free(&r);
}

static void check_forecast(const char *query, const struct kolm_pick *p)
{
	char target[1024];
	snprintf(target, sizeof target, "/api/forecast?%s", query);
	char *want = plan_json(p, 0, 0);
	for (int round = 0; round < 2; round++) { /* computed, then cached */
		struct resp r;
		get(target, &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(header(&r, "Content-Type"), "application/json");
		assert_int_equal(r.body_len, strlen(want));
		assert_string_equal(r.body, want);
		resp_free(&r);
	}
	free(want);
}

static void test_forecast_equals_plan(void **state)
{
	struct kolm_pick p = {0};
	p.overhead_gb = -1;
	p.base_id = "llama-3.2-3b";
	p.quant = "int4";
	p.device_id = "rpi5-8gb";
	check_forecast("base=llama-3.2-3b&quant=int4&device=rpi5-8gb", &p);
	p.base_id = "llama-3.1-8b";
	p.quant = "q4_k_m";
	p.device_id = "rtx-4090";
	check_forecast("device=rtx-4090&base=llama-3.1-8b&quant=q4_k_m", &p);
	p.ctx = 32768;
	p.quant = "int8";
	p.device_id = "m3-pro";
	p.backend = "gguf";
	p.runtime = "llama.cpp-metal";
	check_forecast("base=llama-3.1-8b&quant=int8&device=m3-pro&ctx=32768&backend=gguf&runtime=llama.cpp-metal", &p);
	memset(&p, 0, sizeof p);
	p.overhead_gb = -1;
	p.base_id = "qwen2.5-7b";
	p.device_id = "jetson-orin-nano";
	p.ctx = KOLM_CTX_MAX;
	check_forecast("base=qwen2.5-7b&device=jetson-orin-nano&ctx=max", &p); /* no quant: int4, as plan */
	/* percent-encoding decodes to the same pick */
	p.base_id = "mistral-7b";
	p.quant = "int4";
	p.device_id = "iphone-15-pro";
	p.ctx = 0;
	check_forecast("base=mistral%2D7b&quant=int%34&device=iphone-15-pro", &p);
}

static void test_matrix_equals_plan(void **state)
{
	struct kolm_pick p = {0};
	p.overhead_gb = -1;
	p.base_id = "llama-3.2-1b";
	p.quant = "int4";
	char *want = plan_json(&p, 1, 1);
	struct resp r;
	get("/api/matrix?all=devices&base=llama-3.2-1b&quant=int4", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, want);
	resp_free(&r);
	free(want);
	p.device_id = "rpi5-8gb";
	p.quant = NULL;
	want = plan_json(&p, 1, 0);
	get("/api/matrix?all=quants&base=llama-3.2-1b&device=rpi5-8gb", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, want);
	resp_free(&r);
	free(want);
	get("/api/matrix?base=llama-3.2-1b&device=rpi5-8gb", &r);
	assert_json_error(&r, 400); /* no view */
	resp_free(&r);
	get("/api/matrix?all=everything&base=llama-3.2-1b&device=rpi5-8gb", &r);
	assert_json_error(&r, 400);
	resp_free(&r);
}

/* POST a config.json: what `kolm plan --config config.json --json` prints
 * in the directory holding the file. */
static void test_post_config_equals_plan(void **state)
{
	const struct kolm_base *b = kolm_catalog_base_find(ctx, "llama-3.2-1b");
	assert_non_null(b);
	char dir[] = "/tmp/kolm-serve-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], cwd[4096];
	snprintf(path, sizeof path, "%s/config.json", dir);
	assert_int_equal(json_dump_file(b->config, path, JSON_INDENT(2)), 0);
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	struct kolm_pick p = {0};
	p.overhead_gb = -1;
	p.config_path = "config.json";
	p.quant = "int8";
	p.device_id = "pixel-8";
	p.ctx = 2048;
	char *want = plan_json(&p, 0, 0);
	assert_int_equal(chdir(cwd), 0);
	unlink(path);
	rmdir(dir);

	char *cfg = json_dumps(b->config, JSON_COMPACT);
	size_t cap = strlen(cfg) + 256;
	char *body = malloc(cap);
	snprintf(body, cap, "{\"config\": %s, \"quant\": \"int8\", \"device\": \"pixel-8\", \"ctx\": 2048}", cfg);
	struct resp r;
	request("POST", "/api/forecast", "application/json", body, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, want);
	resp_free(&r);
	free(want);

	/* the matrix takes a config too */
	snprintf(body, cap, "{\"config\": %s, \"quant\": \"int4\", \"all\": \"devices\"}", cfg);
	request("POST", "/api/matrix", "application/json", body, &r);
	assert_int_equal(r.status, 200);
	json_t *m = json_loads(r.body, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(m, "rows")), kolm_catalog(ctx)->n_devices);
	json_decref(m);
	resp_free(&r);

	/* a base by id in the body equals the GET */
	request("POST", "/api/forecast", "application/json",
		"{\"base\": \"llama-3.2-3b\", \"quant\": \"int4\", \"device\": \"rpi5-8gb\"}", &r);
	struct resp g;
	get("/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb", &g);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, g.body);
	resp_free(&r);
	resp_free(&g);

	/* bad bodies */
	request("POST", "/api/forecast", "application/json", "{\"config\": {", &r);
	assert_json_error(&r, 400);
	resp_free(&r);
	request("POST", "/api/forecast", "application/json", "[1,2]", &r);
	assert_json_error(&r, 400);
	resp_free(&r);
	snprintf(body, cap, "{\"config\": %s, \"base\": \"llama-3.2-1b\", \"device\": \"rpi5-8gb\"}", cfg);
	request("POST", "/api/forecast", "application/json", body, &r);
	assert_json_error(&r, 400);
	resp_free(&r);
	request("POST", "/api/forecast", "application/json",
		"{\"config\": {\"model_type\": \"llama\"}, \"device\": \"rpi5-8gb\"}", &r);
	assert_json_error(&r, 400); /* a config.json without the sizes */
	resp_free(&r);
	request("POST", "/api/forecast", "application/json", "{\"config\": 7, \"device\": \"rpi5-8gb\"}", &r);
	assert_json_error(&r, 400);
	resp_free(&r);
	request("POST", "/api/forecast", "application/json", "{\"base\": \"llama-3.2-1b\", \"device\": \"rpi5-8gb\", \"x\": \"1\"}", &r);
	assert_json_error(&r, 400);
	resp_free(&r);
	free(body);
	free(cfg);
}

/* ---- error classes ---------------------------------------------------- */

static void test_errors_400(void **state)
{
	static const char *bad[] = {
		"/api/forecast?quant=int4&device=rpi5-8gb",                  /* no base */
		"/api/forecast?base=llama-3.2-3b&quant=int4",                /* no device */
		"/api/forecast?base=llama-3.2-3b&quant=int44&device=rpi5-8gb", /* not a tier */
		"/api/forecast?base=llama-3.2-3b&quant=q4_k_x&device=rpi5-8gb", /* not a format */
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&ctx=0",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&ctx=-5",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&ctx=4k",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&ctx=99999999",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&colour=red", /* unknown parameter */
		"/api/forecast?base=llama-3.2-3b&base=llama-3.2-1b&quant=int4&device=rpi5-8gb",
		"/api/forecast?base=&quant=int4&device=rpi5-8gb",
		"/api/forecast?base&quant=int4&device=rpi5-8gb",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&backend=tflite",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&runtime=vllm",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&all=devices", /* a matrix parameter */
		"/api/forecast?base=llama%003b&quant=int4&device=rpi5-8gb",
		"/api/forecast?base=llama-3.2-3b&quant=mlx-4bit&device=rpi5-8gb&backend=gguf", /* format of another backend */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp r;
		get(bad[i], &r);
		if (r.status != 400)
			fprintf(stderr, "%s\n", bad[i]);
		assert_json_error(&r, 400);
		resp_free(&r);
	}
	/* the message suggests the nearest names, like the CLI */
	struct resp r;
	get("/api/forecast?base=llama-3.2-3b&quant=int44&device=rpi5-8gb", &r);
	assert_non_null(strstr(r.body, "did you mean int4"));
	resp_free(&r);
}

static void test_errors_404(void **state)
{
	static const char *missing[] = {
		"/api/forecast?base=llama-9-9b&quant=int4&device=rpi5-8gb",
		"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi9",
		"/api/matrix?all=devices&base=nope",
		"/api/nothing",
		"/nothing.html",
		"/data/devices.json",
	};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		struct resp r;
		get(missing[i], &r);
		assert_json_error(&r, 404);
		resp_free(&r);
	}
	struct resp r;
	get("/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gbx", &r);
	assert_non_null(strstr(r.body, "did you mean rpi5-8gb"));
	resp_free(&r);
}

static void test_errors_405(void **state)
{
	static const char *cases[][3] = {
		{"DELETE", "/api/forecast", "GET, HEAD, POST"},
		{"PUT", "/api/matrix", "GET, HEAD, POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"POST", "/api/catalog", "GET, HEAD"},
		{"POST", "/", "GET, HEAD"},
		{"OPTIONS", "/index.html", "GET, HEAD"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct resp r;
		request(cases[i][0], cases[i][1], "application/json", "{}", &r);
		assert_json_error(&r, 405);
		assert_string_equal(header(&r, "Allow"), cases[i][2]);
		resp_free(&r);
	}
}

static void test_errors_413(void **state)
{
	struct resp r;
	/* declared too large: refused before the body is read */
	static const char big_decl[] = "POST /api/forecast HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
				       "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{";
	raw(big_decl, sizeof big_decl - 1, &r);
	assert_json_error(&r, 413);
	resp_free(&r);
	/* chunked, no length: refused once it passes the limit */
	size_t chunk = 64 * 1024, n = 6;
	size_t cap = 256 + n * (chunk + 16);
	char *req = malloc(cap);
	size_t len = (size_t)snprintf(req, cap, "POST /api/forecast HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
						"Transfer-Encoding: chunked\r\n\r\n");
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(req + len, cap - len, "%zx\r\n", chunk);
		memset(req + len, ' ', chunk);
		len += chunk;
		memcpy(req + len, "\r\n", 2);
		len += 2;
	}
	memcpy(req + len, "0\r\n\r\n", 5);
	len += 5;
	raw(req, len, &r);
	assert_json_error(&r, 413);
	resp_free(&r);
	free(req);
	assert_alive();
}

static void test_over_long_url(void **state)
{
	/* over the API's limit: a JSON 414 */
	size_t n = KOLM_SERVE_MAX_URL + 100;
	char *t = malloc(n + 64);
	int k = snprintf(t, n + 64, "/api/forecast?device=rpi5-8gb&base=");
	memset(t + k, 'a', n);
	t[k + n] = '\0';
	struct resp r;
	get(t, &r);
	assert_json_error(&r, 414);
	resp_free(&r);
	free(t);
	/* over the connection's memory: libmicrohttpd refuses it itself */
	n = 200 * 1024;
	t = malloc(n + 64);
	k = snprintf(t, n + 64, "/api/forecast?base=");
	memset(t + k, 'a', n);
	t[k + n] = '\0';
	get(t, &r);
	assert_true(r.status == 414 || r.status == 431 || r.status == 400 || r.status == 0);
	assert_true(r.status != 200);
	resp_free(&r);
	free(t);
	assert_alive();
}

static void test_malformed_request_line(void **state)
{
	static const char *bad[] = {
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n",
		"\x16\x03\x01\x02\x05\x01\x07\x01\xfc\x03\x03\r\n\r\n", /* a TLS hello, more or less */
		"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp r;
		raw(bad[i], strlen(bad[i]), &r);
		/* refused (4xx/5xx) or hung up on; never served */
		assert_true(r.status == 0 || r.status >= 400);
		resp_free(&r);
		assert_alive();
	}
}

static void test_path_traversal(void **state)
{
	static const char *paths[] = {
		"/../data/devices.json",
		"/%2e%2e/data/devices.json",
		"/%2E%2E/%2E%2E/etc/passwd",
		"/..%2fdata%2fdevices.json",
		"/web/../data/devices.json",
		"/./index.html",
		"//etc/passwd",
		"/.%2e/data/devices.json",
		"/..\\data\\devices.json",
		"/index.html/../../data/devices.json",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		char req[512];
		int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", paths[i]);
		struct resp r;
		raw(req, (size_t)n, &r);
		if (r.status != 404 && r.status != 400)
			fprintf(stderr, "%s -> %d\n", paths[i], r.status);
		assert_true(r.status == 404 || r.status == 400);
		assert_null(strstr(r.body, "kolm.devices/1"));
		assert_null(strstr(r.body, "root:"));
		resp_free(&r);
	}
	/* %00 decodes to NUL and ends the path: what is left names a web/
	 * file or nothing, never anything outside it */
	static const char *nul[][2] = {{"/%00../data/devices.json", "web/index.html"}, {"/app.js%00/../../x", "web/app.js"}};
	for (size_t i = 0; i < sizeof nul / sizeof nul[0]; i++) {
		char req[512];
		int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", nul[i][0]);
		struct resp r;
		raw(req, (size_t)n, &r);
		size_t len;
		const uint8_t *want = kolm_embedded(nul[i][1], &len);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body_len, len);
		assert_memory_equal(r.body, want, len);
		resp_free(&r);
	}
}

/* 200 connections open at once, each with a request in flight. */
static void test_concurrent_200(void **state)
{
	enum { N = 200 };
	static const char *q[] = {"base=llama-3.2-3b&quant=int4&device=rpi5-8gb", "base=llama-3.1-8b&quant=int8&device=m3-max",
				  "base=qwen2.5-0.5b&quant=int4&device=pixel-8", "base=phi-3-mini&quant=fp16&device=rtx-4090"};
	char *want[4];
	for (int i = 0; i < 4; i++) {
		struct resp r;
		char t[256];
		snprintf(t, sizeof t, "/api/forecast?%s", q[i]);
		get(t, &r);
		assert_int_equal(r.status, 200);
		want[i] = strdup(r.body);
		resp_free(&r);
	}
	int fds[N];
	for (int i = 0; i < N; i++)
		fds[i] = dial(port);
	for (int i = 0; i < N; i++) {
		char req[512];
		int n = snprintf(req, sizeof req, "GET /api/forecast?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
				 q[i % 4]);
		send_all(fds[i], req, (size_t)n);
	}
	int ok = 0;
	for (int i = 0; i < N; i++) {
		struct resp r;
		read_resp(fds[i], &r);
		close(fds[i]);
		if (r.status == 200 && !strcmp(r.body, want[i % 4]))
			ok++;
		resp_free(&r);
	}
	assert_int_equal(ok, N);
	for (int i = 0; i < 4; i++)
		free(want[i]);
}

/* Forecasts computed at the same time on several threads (no cache hits:
 * each pick is new) equal the library's, one by one. */
enum { MISS_THREADS = 6, MISS_EACH = 5 };
static const char *miss_devices[] = {"rpi5-8gb", "m3-pro", "rtx-4090", "pixel-8", "jetson-orin-nano", "steam-deck"};
static char *miss_body[MISS_THREADS][MISS_EACH];

static void *miss_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = 0; i < MISS_EACH; i++) {
		char target[256];
		snprintf(target, sizeof target, "/api/forecast?base=llama-3.2-1b&quant=int4&device=%s&ctx=%d", miss_devices[t],
			 1000 + i);
		struct resp r;
		get(target, &r);
		miss_body[t][i] = r.status == 200 ? strdup(r.body) : NULL;
		resp_free(&r);
	}
	return NULL;
}

static void test_concurrent_misses(void **state)
{
	pthread_t th[MISS_THREADS];
	for (int t = 0; t < MISS_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, miss_worker, (void *)(intptr_t)t), 0);
	for (int t = 0; t < MISS_THREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < MISS_THREADS; t++) {
		for (int i = 0; i < MISS_EACH; i++) {
			struct kolm_pick p = {0};
			p.overhead_gb = -1;
			p.base_id = "llama-3.2-1b";
			p.quant = "int4";
			p.device_id = miss_devices[t];
			p.ctx = 1000 + i;
			char *want = plan_json(&p, 0, 0);
			assert_non_null(miss_body[t][i]);
			assert_string_equal(miss_body[t][i], want);
			free(want);
			free(miss_body[t][i]);
		}
	}
}

/* Keep-alive: several requests on one connection. */
static void test_keep_alive(void **state)
{
	int fd = dial(port);
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	for (int i = 0; i < 3; i++)
		send_all(fd, req, sizeof req - 1);
	static const char last[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	send_all(fd, last, sizeof last - 1);
	struct resp r;
	read_resp(fd, &r);
	close(fd);
	/* four answers on the one connection */
	int n = 0;
	for (const char *p = r.head; (p = strstr(p, "HTTP/1.1 200")); p++)
		n++;
	for (const char *p = r.body; (p = strstr(p, "HTTP/1.1 200")); p++)
		n++;
	assert_int_equal(n, 4);
	resp_free(&r);
}

static void test_idle_timeout_and_busy_port(void **state)
{
	struct kolm_serve_opts so = {0};
	so.timeout_s = 1;
	so.threads = 1;
	struct kolm_server *s2 = NULL;
	struct kolm_err err = {0};
	assert_int_equal(kolm_server_start(&so, &s2, &err), 0);
	int fd = dial(kolm_server_port(s2));
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof buf, 0); /* says nothing: the server hangs up */
	gettimeofday(&t1, NULL);
	double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	assert_true(n <= 0);
	assert_true(dt < 8.0);
	close(fd);
	/* the same port again: an I/O error naming the address */
	struct kolm_serve_opts so3 = {0};
	so3.port = kolm_server_port(s2);
	struct kolm_server *s3 = NULL;
	assert_int_equal(kolm_server_start(&so3, &s3, &err), KOLM_E_IO);
	assert_null(s3);
	assert_non_null(strstr(err.msg, "cannot listen on 127.0.0.1"));
	so3.host = "not a host name!";
	so3.port = 0;
	assert_int_not_equal(kolm_server_start(&so3, &s3, &err), 0);
	kolm_server_stop(s2);
	kolm_server_stop(NULL);
}

/* A connection from a chosen loopback source address (127.0.0.0/8 is all
 * local on Linux), non-blocking once connected; -1 when refused. */
static int dial_from(uint16_t p, const char *src)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in s = {0}, a = {0};
	s.sin_family = AF_INET;
	inet_pton(AF_INET, src, &s.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&s, sizeof s), 0);
	a.sin_family = AF_INET;
	a.sin_port = htons(p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* The server has hung up on fd (EOF or reset); 0 while it is open. */
static int hung_up(int fd)
{
	char b[256];
	ssize_t n = recv(fd, b, sizeof b, 0);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Slow-header clients (slowloris): 600 connections from one address that
 * send a request line and then one header line a second, forever.  The
 * per-address cap admits 64 of them, so /healthz from another address
 * answers within 1 s; and the header deadline (2 s here) drops the
 * admitted ones although they keep sending, which the idle timeout (reset
 * by every byte) never did. */
static void test_hostile_clients(void **state)
{
	struct kolm_serve_opts so = {0};
	so.timeout_s = 10;
	so.header_timeout_s = 2;
	so.threads = 2;
	struct kolm_server *s2 = NULL;
	assert_int_equal(kolm_server_start(&so, &s2, NULL), 0);
	uint16_t p2 = kolm_server_port(s2);
	enum { SLOW = 600 };
	static int fds[SLOW];
	for (int i = 0; i < SLOW; i++) {
		fds[i] = dial_from(p2, "127.0.0.2");
		if (fds[i] >= 0)
			send(fds[i], "GET /healthz HTTP/1.1\r\n", 23, MSG_NOSIGNAL);
	}
	/* a well-behaved client still gets its answer promptly */
	struct timeval t0, t1;
	gettimeofday(&t0, NULL);
	int fd = dial(p2);
	const char *req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	send_all(fd, req, strlen(req));
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	gettimeofday(&t1, NULL);
	close(fd);
	assert_true(n > 12);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, "HTTP/1.1 200", 12), 0);
	double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	printf("  600 slow-header clients: /healthz answered in %.3f s\n", dt);
	assert_true(dt < 1.0);
	/* every slow one is dropped within the deadline plus slack, header lines
	 * still arriving every 0.5 s */
	int closed = 0;
	static int gone[SLOW];
	memset(gone, 0, sizeof gone);
	for (int i = 0; i < SLOW; i++)
		if (fds[i] < 0)
			gone[i] = 1, closed++;
	gettimeofday(&t0, NULL);
	for (int round = 0; round < 16 && closed < SLOW; round++) {
		for (int i = 0; i < SLOW; i++) {
			if (gone[i])
				continue;
			if (hung_up(fds[i])) {
				gone[i] = 1;
				closed++;
			} else {
				send(fds[i], "X-Slow: 1\r\n", 11, MSG_NOSIGNAL | MSG_DONTWAIT);
			}
		}
		usleep(500000);
	}
	gettimeofday(&t1, NULL);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	printf("  %d of %d slow connections dropped in %.1f s (header deadline 2 s, idle timeout 10 s)\n", closed, SLOW, dt);
	for (int i = 0; i < SLOW; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	assert_int_equal(closed, SLOW);
	assert_true(dt < 7.0);
	assert_alive();
	kolm_server_stop(s2);
}

/* Only this server's own names, and its own pages, may ask: a foreign
 * Host (DNS rebinding) and a cross-origin request get 403; HTTP/1.1
 * without Host and a doubled Content-Length get 400. */
static void test_host_and_origin(void **state)
{
	char req[512];
	struct resp r;
	static const struct {
		const char *host;
		int status;
	} hosts[] = {{"attacker.example", 403}, {"attacker.example:%u", 403}, {"127.0.0.1:1", 403},
		     {"localhost.evil.example:%u", 403}, {"127.0.0.1:%u", 200}, {"localhost:%u", 200},
		     {"[::1]:%u", 200}, {"LOCALHOST", 200}, {"127.0.0.1", 200}};
	/* the rebinding page's target: the local machine's CPU, cores and RAM */
	int n0 = snprintf(req, sizeof req, "GET /api/forecast?base=llama-3.2-3b&quant=int4&device=local HTTP/1.1\r\nHost: attacker.example:%u\r\nConnection: close\r\n\r\n", (unsigned)port);
	raw(req, (size_t)n0, &r);
	assert_json_error(&r, 403);
	resp_free(&r);
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		char h[128];
		snprintf(h, sizeof h, hosts[i].host, (unsigned)port);
		int n = snprintf(req, sizeof req, "GET /api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", h);
		raw(req, (size_t)n, &r);
		if (r.status != hosts[i].status)
			fail_msg("Host %s: %d, expected %d: [%s] [%s]", h, r.status, hosts[i].status, r.head, r.body);
		if (r.status == 403)
			assert_json_error(&r, 403);
		resp_free(&r);
	}
	/* cross-origin POST (a "simple" request any page can send): 403; the
	 * server's own origin: 200 */
	static const char body[] = "{\"base\": \"llama-3.2-3b\", \"quant\": \"int4\", \"device\": \"rpi5-8gb\"}";
	static const struct {
		const char *origin;
		int status;
	} origins[] = {{"http://evil.example", 403}, {"null", 403}, {"http://127.0.0.1:%u.evil", 403}, {"http://127.0.0.1:%u", 200}};
	for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
		char o[128];
		snprintf(o, sizeof o, origins[i].origin, (unsigned)port);
		int n = snprintf(req, sizeof req,
				 "POST /api/forecast HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nOrigin: %s\r\nContent-Type: text/plain\r\n"
				 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				 (unsigned)port, o, strlen(body), body);
		raw(req, (size_t)n, &r);
		if (r.status != origins[i].status)
			fail_msg("Origin %s: %d, expected %d", o, r.status, origins[i].status);
		if (r.status == 403)
			assert_json_error(&r, 403);
		resp_free(&r);
	}
	static const char nohost[] = "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n";
	raw(nohost, sizeof nohost - 1, &r);
	assert_json_error(&r, 400);
	resp_free(&r);
	static const char http10[] = "GET /healthz HTTP/1.0\r\n\r\n";
	raw(http10, sizeof http10 - 1, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	int n = snprintf(req, sizeof req,
			 "POST /api/forecast HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 strlen(body), strlen(body), body);
	raw(req, (size_t)n, &r);
	assert_json_error(&r, 400);
	resp_free(&r);
	assert_alive();
}

/* Invalid UTF-8 anywhere in the request target, a value cut mid-character
 * by the error message's buffer, 500 parameters: each gets a JSON error,
 * never a dropped connection. */
static void test_invalid_utf8(void **state)
{
	static const struct {
		const char *target;
		int status;
	} t[] = {
		{"/api/forecast?base=llama-3.2-3b&quant=int4&device=%ff", 404},
		{"/api/forecast?base=%ff&quant=int4&device=rpi5-8gb", 404},
		{"/api/forecast?base=llama-3.2-3b&quant=%ff&device=rpi5-8gb", 400},
		{"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&ctx=%ff", 400},
		{"/api/forecast?base=llama-3.2-3b&quant=int4&device=rpi5-8gb&backend=%c3", 400},
		{"/api/forecast?%ff=1", 400},
		{"/api/matrix?all=%ff&base=llama-3.2-3b", 400},
		{"/api/%ff", 404},
		{"/api/%ed%a0%80", 404},
	};
	struct resp r;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		get(t[i].target, &r);
		if (r.status != t[i].status || !strstr(r.body, "kolm.error/1"))
			fail_msg("%s: status %d, body '%s'", t[i].target, r.status, r.body);
		json_t *j = json_loads(r.body, 0, NULL);
		assert_non_null(j);
		json_decref(j);
		resp_free(&r);
	}
	/* 248 x "é" (2 bytes each): the message is cut inside a character */
	char target[2048] = "/api/forecast?base=llama-3.2-3b&quant=int4&device=";
	for (int i = 0; i < 248; i++)
		strcat(target, "%c3%a9");
	get(target, &r);
	assert_json_error(&r, 404);
	resp_free(&r);
	/* ~500 parameters */
	char many[4096] = "/api/forecast?base=llama-3.2-3b";
	for (int i = 0; i < 500 && strlen(many) < sizeof many - 8; i++)
		strcat(many, "&a=1");
	get(many, &r);
	if (!r.status || !strstr(r.body, "kolm.error/1"))
		fail_msg("500 parameters: status %d", r.status);
	resp_free(&r);
	/* 2000 (a whole 4096-byte target of them): the arguments fit the
	 * connection's memory, so the error reply does too */
	strcpy(many, "/api/forecast?a");
	for (int i = 0; i < 1999; i++)
		strcat(many, "&a");
	get(many, &r);
	if (!r.status || !strstr(r.body, "kolm.error/1"))
		fail_msg("2000 parameters: status %d", r.status);
	resp_free(&r);
	assert_alive();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_forecast_equals_plan),
		cmocka_unit_test(test_matrix_equals_plan),
		cmocka_unit_test(test_post_config_equals_plan),
		cmocka_unit_test(test_errors_400),
		cmocka_unit_test(test_errors_404),
		cmocka_unit_test(test_errors_405),
		cmocka_unit_test(test_errors_413),
		cmocka_unit_test(test_over_long_url),
		cmocka_unit_test(test_malformed_request_line),
		cmocka_unit_test(test_path_traversal),
		cmocka_unit_test(test_concurrent_200),
		cmocka_unit_test(test_concurrent_misses),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_idle_timeout_and_busy_port),
		cmocka_unit_test(test_hostile_clients),
		cmocka_unit_test(test_host_and_origin),
		cmocka_unit_test(test_invalid_utf8),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
