/* bench_verify: SHA-256 throughput of kolm's hashing (OpenSSL EVP over the
 * mapped file) against `openssl dgst -sha256` on the same ~1 GB artifact in
 * the same run, and the memory `kolm verify` needs for it (its anonymous
 * RSS beyond the mapped file; target < 64 MB).
 * usage: bench_verify [layers]   (12 layers: ~1.06 GB of F16 weights)
 *
 * bench_verify regen [layers] [threads]: what the export binding costs, on
 * the TinyLlama-shaped checkpoint bench_export uses (22 layers: ~1.1 B
 * params), same run: `kolm export --sign` to Q4_K_M from a signed artifact,
 * then `kolm verify --pubkey` of it (bound by the signed receipt: hashing
 * only) and `kolm verify --regenerate` (the export made again and
 * compared, about one export), with the ratio to the export.
 * Needs tests/fixtures (KOLM_FIXTURES) for the tokenizer; writes under /tmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kolm/artifact.h"
#include "kolm/ctx.h"
#include "kolm/export.h"
#include "kolm/util.h"
#include "synth_hf.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long status_kb(const char *field)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	while (fp && fgets(line, sizeof line, fp))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = atol(line + n + 1);
	if (fp)
		fclose(fp);
	return v;
}

/* The synthetic checkpoint (layers deep, the tokenizer from the fixtures)
 * and a one-item eval pack in the temp directory dir (a mkdtemp template,
 * made here): hf, evp and the artifact path art (named name) filled.
 * Returns its weight bytes, 0 on failure (said on stderr). */
static uint64_t checkpoint(char *dir, int layers, const char *name, char hf[300], char evp[300], char art[300])
{
	const char *fixtures = getenv("KOLM_FIXTURES") ? getenv("KOLM_FIXTURES") : "tests/fixtures";
	if (!mkdtemp(dir))
		return 0;
	snprintf(hf, 300, "%s/hf", dir);
	snprintf(evp, 300, "%s/evalpack.jsonl", dir);
	snprintf(art, 300, "%s/%s", dir, name);
	uint64_t wbytes = synth_hf(hf, fixtures, 2048, layers, 5632, 32, 4);
	FILE *fp = wbytes ? fopen(evp, "w") : NULL;
	if (!fp) {
		fprintf(stderr, "bench_verify: cannot build the checkpoint (KOLM_FIXTURES=%s)\n", fixtures);
		return 0;
	}
	fputs("{\"id\": \"1\", \"prompt\": \"a\", \"expected\": \"b\", \"match\": \"exact\"}\n", fp);
	fclose(fp);
	return wbytes;
}

/* One verify of art and out, timed; the binding check's status and line. */
static int timed_verify(struct kolm_ctx *ctx, const struct kolm_verify_opts *vo, double *t, char st[8], char why[600],
			struct kolm_err *err)
{
	json_t *rep = NULL;
	double t0 = now();
	int rc = kolm_verify(ctx, vo, &rep, err);
	*t = now() - t0;
	json_t *ch = json_array_get(json_object_get(rep, "checks"), 4);
	snprintf(st, 8, "%s", ch ? json_string_value(json_object_get(ch, "status")) : "?");
	snprintf(why, 600, "%s", ch ? json_string_value(json_object_get(ch, "why")) : "");
	json_decref(rep);
	if (rc == KOLM_E_NO && !strcmp(st, "OK"))
		rc = KOLM_OK; /* another check (the K-loss forecast of a synthetic model) may fail */
	else if (rc == KOLM_E_NO)
		snprintf(err->msg, sizeof err->msg, "the binding failed: %s", why);
	return rc;
}

static int bench_regen(int layers, int threads)
{
	char dir[] = "/tmp/kolm-bench-regen-XXXXXX";
	char hf[300], evp[300], art[300], out[300], key[320], pub[330], cmd[400], fp[65];
	uint64_t wbytes = checkpoint(dir, layers, "m.kolm", hf, evp, art);
	if (!wbytes)
		return 4;
	snprintf(out, sizeof out, "%s/m-q4_k_m.gguf", dir);
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	struct kolm_ctx *ctx;
	struct kolm_ctx_opts o = {0};
	struct kolm_err err = {0};
	if (kolm_ctx_new(&ctx, &o, &err))
		return 4;
	/* a signed artifact, and its export with the receipt signed (kolm export --sign) */
	struct kolm_pack_opts po = {hf, evp, art, key, NULL, "bench", 0.9, -1, 0, 0, 0, NULL, NULL};
	int rc = kolm_keygen(key, fp, &err);
	if (!rc)
		rc = kolm_pack(ctx, &po, NULL, &err);
	struct kolm_export_opts eo = {0};
	eo.artifact = art;
	eo.format = "q4_k_m";
	eo.out_path = out;
	eo.threads = threads;
	eo.min_k = -1;
	eo.no_measure = 1;
	eo.sign_key = key;
	double t0 = now(), te = 0, ts = 0, tr = 0;
	if (!rc)
		rc = kolm_export_gguf(ctx, &eo, NULL, &err);
	te = now() - t0;
	char st1[8] = "", st2[8] = "", why1[600] = "", why2[600] = "";
	struct kolm_verify_opts vo = {.artifact = art, .export_path = out, .pubkey = pub, .max_k_loss = -1, .threads = threads};
	if (!rc) /* bound by the signed receipt: hashes only */
		rc = timed_verify(ctx, &vo, &ts, st1, why1, &err);
	vo.regenerate = 1;
	if (!rc) /* --regenerate: the export made again and compared */
		rc = timed_verify(ctx, &vo, &tr, st2, why2, &err);
	if (rc) {
		fprintf(stderr, "bench_verify: %s\n", err.msg);
	} else {
		printf("%.2f B params (%d layers), Q4_K_M, %d threads:\n"
		       "  kolm export --sign                    %7.2f s\n"
		       "  kolm verify --pubkey (signed receipt) %7.2f s  (binding %s)\n"
		       "  kolm verify --regenerate              %7.2f s  (binding %s)  ratio to export %.2f\n",
		       (double)wbytes / 2e9, layers, threads, te, ts, st1, tr, st2, tr / te);
	}
	kolm_ctx_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 && !rc ? 0 : 4;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "regen"))
		return bench_regen(argc > 2 ? atoi(argv[2]) : 22,
				   argc > 3 ? atoi(argv[3]) : (int)sysconf(_SC_NPROCESSORS_ONLN));
	int layers = argc > 1 ? atoi(argv[1]) : 12;
	char dir[] = "/tmp/kolm-bench-verify-XXXXXX";
	char hf[300], evp[300], art[300], cmd[1200];
	uint64_t wbytes = checkpoint(dir, layers, "big.kolm", hf, evp, art);
	if (!wbytes)
		return 4;
	struct kolm_ctx *ctx;
	struct kolm_ctx_opts o = {0};
	struct kolm_err err = {0};
	if (kolm_ctx_new(&ctx, &o, &err))
		return 4;
	struct kolm_pack_opts po = {hf, evp, art, NULL, NULL, "bench", 0.9, -1, 0, 0, 0, NULL, NULL};
	double t0 = now();
	if (kolm_pack(ctx, &po, NULL, &err)) {
		fprintf(stderr, "bench_verify: pack: %s\n", err.msg);
		return 4;
	}
	double tpack = now() - t0;
	struct kolm_map m;
	kolm_map_open(&m, art, NULL);
	double gb = (double)m.size / 1e9;
	printf("artifact: %.3f GB (%d layers), packed in %.2f s (%.2f GB/s incl. hashing)\n", gb, layers, tpack, gb / tpack);
	/* both hash the same warm file, best of 3 */
	double tk = 1e30, to = 1e30;
	char hex[65];
	for (int r = 0; r < 3; r++) {
		t0 = now();
		kolm_sha256_hex_range(m.data, m.size, hex, NULL);
		double t = now() - t0;
		tk = t < tk ? t : tk;
		snprintf(cmd, sizeof cmd, "openssl dgst -sha256 '%s' >/dev/null", art);
		t0 = now();
		if (system(cmd) != 0) {
			fprintf(stderr, "bench_verify: openssl dgst failed (is the openssl package installed?)\n");
			return 4;
		}
		t = now() - t0;
		to = t < to ? t : to;
	}
	kolm_map_close(&m);
	printf("sha256: kolm %.3f GB/s, openssl dgst %.3f GB/s, ratio %.3f (target >= 0.95)\n", gb / tk, gb / to, to / tk);
	/* verify in a child: its RSS beyond the mapped file */
	int pfd[2];
	if (pipe(pfd))
		return 4;
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		struct kolm_verify_opts vo = {.artifact = art, .max_k_loss = -1};
		json_t *rep = NULL;
		long anon0 = status_kb("RssAnon");
		t0 = now();
		int rc = kolm_verify(ctx, &vo, &rep, &err);
		double tv = now() - t0;
		char out[256];
		snprintf(out, sizeof out, "%d %.3f %ld %ld %ld %ld\n", rc, tv, anon0, status_kb("RssAnon"), status_kb("RssFile"),
			 status_kb("VmHWM"));
		if (write(pfd[1], out, strlen(out)) < 0)
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	char buf[256] = "";
	ssize_t n = read(pfd[0], buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	waitpid(pid, NULL, 0);
	int rc;
	double tv;
	long a0, a1, f1, hwm;
	if (sscanf(buf, "%d %lf %ld %ld %ld %ld", &rc, &tv, &a0, &a1, &f1, &hwm) == 6)
		printf("verify: rc %d in %.2f s (%.2f GB/s); anonymous RSS %.1f MB (%.1f MB of it before verify), file-backed "
		       "RSS %.1f MB, peak RSS %.1f MB: %.1f MB beyond the mapped file (target < 64 MB)\n",
		       rc, tv, gb / tv, a1 / 1024.0, a0 / 1024.0, f1 / 1024.0, hwm / 1024.0, a1 / 1024.0);
	kolm_ctx_free(ctx);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 4;
}
