/* bench.c - pp/tg speed runs with the built-in engine, llama-bench JSON
 * parsing, and the user's measurements file.  See include/kolm/bench.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/bench.h"
#include "kolm/util.h"
#include "kolm/engine.h"
#include "kolm/types.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* this machine: CPU model, cores, memory (the result's `machine`) */
static void machine_probe(struct kolm_machine *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->cpu_model, sizeof m->cpu_model, "unknown");
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	m->cores = n > 0 ? (int)n : 1;
	FILE *fp = fopen("/proc/cpuinfo", "r");
	char line[512];
	if (fp) {
		while (fgets(line, sizeof line, fp)) {
			if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Model", 5) == 0) {
				char *c = strchr(line, ':');
				if (c) {
					c++;
					while (*c == ' ' || *c == '\t')
						c++;
					c[strcspn(c, "\n")] = 0;
					snprintf(m->cpu_model, sizeof m->cpu_model, "%s", c);
					break;
				}
			}
		}
		fclose(fp);
	}
	fp = fopen("/proc/meminfo", "r");
	if (fp) {
		while (fgets(line, sizeof line, fp)) {
			unsigned long long kb;
			if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
				m->mem_gb = (double)kb * 1024 / 1e9;
				break;
			}
		}
		fclose(fp);
	}
}

static void stats(const double *v, int n, double *mean, double *sd)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	*mean = n ? s / n : 0;
	double q = 0;
	for (int i = 0; i < n; i++)
		q += (v[i] - *mean) * (v[i] - *mean);
	*sd = n > 1 ? sqrt(q / (n - 1)) : 0;
}

static void lower_copy(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = 0;
}

int kolm_bench_run(const char *path, const struct kolm_bench_opts *o, struct kolm_bench_result *r,
		   struct kolm_err *err)
{
	if (o->reps < 1 || o->reps > KOLM_BENCH_MAX_REPS || o->n_prompt < 0 || o->n_gen < 0 ||
	    (o->n_prompt == 0 && o->n_gen == 0))
		return kolm_err_set(err, KOLM_E_USAGE, "bench needs 1..%d repetitions and a pp or tg size",
				    KOLM_BENCH_MAX_REPS);
	memset(r, 0, sizeof *r);
	machine_probe(&r->machine);
	snprintf(r->model, sizeof r->model, "%s", path);
	snprintf(r->runtime, sizeof r->runtime, "kolm-cpu");
	r->n_prompt = o->n_prompt;
	r->n_gen = o->n_gen;
	r->reps = o->reps;
	r->nthreads = o->nthreads > 0 ? o->nthreads : 1;
	const int n_ctx = (o->n_prompt > o->n_gen ? o->n_prompt : o->n_gen) + 1;
	struct kolm_engine_opts eo = {.nthreads = r->nthreads, .n_ctx = n_ctx};
	struct kolm_engine *e = NULL;
	double t0 = now_s();
	int rc = kolm_engine_open(&e, path, &eo, err);
	if (rc)
		return rc;
	const struct kolm_engine_info *in = kolm_engine_info(e);
	r->model_bytes = in->weight_bytes;
	r->n_params = in->n_params;
	r->n_layer = in->n_layer;
	const struct kolm_ftype_info *fi = in->file_type >= 0 ? kolm_ftype_info(in->file_type) : NULL;
	/* an MLX directory is recorded as its own format, not as the F32 its
	 * metadata GGUF states */
	const char *fname = in->format[0] ? in->format : fi ? fi->name : "F32";
	lower_copy(r->format, sizeof r->format, fname);
	snprintf(r->model_type, sizeof r->model_type, "%s %.2fM %s", in->arch, (double)in->n_params / 1e6, fname);
	int32_t *tok = malloc((size_t)(n_ctx + 1) * sizeof *tok);
	float *lg = malloc((size_t)in->n_vocab * sizeof *lg);
	if (!tok || !lg) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto out;
	}
	uint64_t st = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < n_ctx; i++) {
		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		tok[i] = (int32_t)(st % (uint64_t)in->n_vocab);
	}
	/* warm-up: touches every weight once (what "load" costs for an mmap) */
	kolm_engine_seek(e, 0);
	if ((rc = kolm_engine_decode(e, tok, 1, lg, 0, err)))
		goto out;
	r->load_s = now_s() - t0;
	if (o->n_prompt) {
		kolm_engine_seek(e, 0);
		if ((rc = kolm_engine_decode(e, tok, o->n_prompt < 16 ? o->n_prompt : 16, lg, 0, err)))
			goto out;
	}
	for (int rep = 0; rep < o->reps; rep++) {
		if (o->n_prompt) {
			kolm_engine_seek(e, 0);
			double a = now_s();
			if ((rc = kolm_engine_decode(e, tok, o->n_prompt, lg, 0, err)))
				goto out;
			double dt = now_s() - a;
			r->pp_samples[rep] = dt > 0 ? o->n_prompt / dt : 0;
		}
		if (o->n_gen) {
			kolm_engine_seek(e, 0);
			double a = now_s();
			for (int i = 0; i < o->n_gen; i++)
				if ((rc = kolm_engine_decode(e, &tok[i], 1, lg, 0, err)))
					goto out;
			double dt = now_s() - a;
			r->tg_samples[rep] = dt > 0 ? o->n_gen / dt : 0;
		}
	}
	if (o->n_prompt)
		stats(r->pp_samples, o->reps, &r->pp_tps, &r->pp_sd);
	if (o->n_gen)
		stats(r->tg_samples, o->reps, &r->tg_tps, &r->tg_sd);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		r->peak_rss = (uint64_t)ru.ru_maxrss * 1024;
out:
	free(tok);
	free(lg);
	kolm_engine_close(e);
	return rc;
}

/* llama-bench's model_type is "<arch> <size> <llama_ftype_name>", e.g.
 * "llama 8B Q4_K - Medium" or "llama ?B all F32": the format is the file
 * type whose display name ends it (the longest such), else the last word. */
static void format_of_model_type(const char *mt, char *out, size_t cap)
{
	int n = 0;
	const struct kolm_ftype_info *all = kolm_ftype_all(&n);
	size_t ml = strlen(mt), best = 0;
	const char *name = NULL;
	for (int i = 0; i < n; i++) {
		size_t dl = strlen(all[i].display);
		if (dl > best && dl < ml && mt[ml - dl - 1] == ' ' && !strcmp(mt + ml - dl, all[i].display)) {
			best = dl;
			name = all[i].name;
		}
	}
	if (!name) {
		const char *sp = strrchr(mt, ' ');
		name = sp ? sp + 1 : mt;
	}
	lower_copy(out, cap, name);
}

int kolm_bench_parse_llama_bench(const char *json, size_t len, struct kolm_bench_result *r, struct kolm_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(json, len, 0, &je);
	if (!j || !json_is_array(j) || json_array_size(j) == 0) {
		json_decref(j);
		return kolm_err_set(err, KOLM_E_FORMAT, "not llama-bench JSON output (expected a non-empty array)");
	}
	memset(r, 0, sizeof *r);
	machine_probe(&r->machine);
	snprintf(r->runtime, sizeof r->runtime, "llama.cpp-cpu");
	int got = 0;
	for (size_t i = 0; i < json_array_size(j); i++) {
		const json_t *o = json_array_get(j, i);
		const json_t *np = json_object_get(o, "n_prompt"), *ng = json_object_get(o, "n_gen");
		const json_t *avg = json_object_get(o, "avg_ts"), *sd = json_object_get(o, "stddev_ts");
		if (!json_is_integer(np) || !json_is_integer(ng) || !json_is_number(avg)) {
			json_decref(j);
			return kolm_err_set(err, KOLM_E_FORMAT, "llama-bench JSON entry %zu lacks n_prompt/n_gen/avg_ts", i);
		}
		const char *fn = json_string_value(json_object_get(o, "model_filename"));
		const char *mt = json_string_value(json_object_get(o, "model_type"));
		const char *cpu = json_string_value(json_object_get(o, "cpu_info"));
		if (fn)
			snprintf(r->model, sizeof r->model, "%s", fn);
		if (mt) {
			snprintf(r->model_type, sizeof r->model_type, "%s", mt);
			format_of_model_type(mt, r->format, sizeof r->format);
		}
		if (cpu)
			snprintf(r->machine.cpu_model, sizeof r->machine.cpu_model, "%s", cpu);
		r->model_bytes = (uint64_t)json_integer_value(json_object_get(o, "model_size"));
		r->n_params = json_integer_value(json_object_get(o, "model_n_params"));
		r->nthreads = (int)json_integer_value(json_object_get(o, "n_threads"));
		const json_t *samples = json_object_get(o, "samples_ts");
		int n = 0;
		double *dst = json_integer_value(ng) == 0 ? r->pp_samples : r->tg_samples;
		for (size_t k = 0; json_is_array(samples) && k < json_array_size(samples) && n < KOLM_BENCH_MAX_REPS; k++)
			dst[n++] = json_number_value(json_array_get(samples, k));
		if (json_integer_value(ng) == 0 && json_integer_value(np) > 0 && r->pp_tps == 0) {
			r->n_prompt = (int)json_integer_value(np);
			r->pp_tps = json_number_value(avg);
			r->pp_sd = json_number_value(sd);
			r->reps = n;
			got++;
		} else if (json_integer_value(np) == 0 && json_integer_value(ng) > 0 && r->tg_tps == 0) {
			r->n_gen = (int)json_integer_value(ng);
			r->tg_tps = json_number_value(avg);
			r->tg_sd = json_number_value(sd);
			r->reps = n;
			got++;
		}
	}
	json_decref(j);
	if (!got)
		return kolm_err_set(err, KOLM_E_FORMAT, "llama-bench JSON has no pp or tg test");
	return 0;
}

static int mkdir_p(const char *dir)
{
	char p[4096];
	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = 0;
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	}
	return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static const char *const cols[] = {"device", "runtime", "base", "format", "tg_tps", "pp_tps", "source", "date",
				   "notes", "cpu_model", "cores", "mem_gb", "n_prompt", "n_gen", "threads",
				   "model_bytes", "n_params", "n_layer"};
#define NCOLS (sizeof cols / sizeof cols[0])

static void value_for(const char *col, const struct kolm_bench_result *r, const char *device, const char *base,
		      char *out, size_t cap)
{
	out[0] = 0;
	char date[32] = "";
	time_t t = time(NULL);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!strcmp(col, "device")) snprintf(out, cap, "%s", device ? device : "");
	else if (!strcmp(col, "runtime")) snprintf(out, cap, "%s", r->runtime);
	else if (!strcmp(col, "base")) snprintf(out, cap, "%s", base ? base : "");
	else if (!strcmp(col, "format")) snprintf(out, cap, "%s", r->format);
	else if (!strcmp(col, "tg_tps") || !strcmp(col, "decode_tps")) { if (r->tg_tps > 0) snprintf(out, cap, "%.3f", r->tg_tps); }
	else if (!strcmp(col, "pp_tps") || !strcmp(col, "prefill_tps")) { if (r->pp_tps > 0) snprintf(out, cap, "%.3f", r->pp_tps); }
	else if (!strcmp(col, "source")) snprintf(out, cap, "kolm-bench %s", r->runtime);
	else if (!strcmp(col, "date")) snprintf(out, cap, "%s", date);
	else if (!strcmp(col, "notes")) snprintf(out, cap, "%s, %d threads", r->model_type, r->nthreads);
	else if (!strcmp(col, "cpu_model")) snprintf(out, cap, "%s", r->machine.cpu_model);
	else if (!strcmp(col, "cores")) snprintf(out, cap, "%d", r->machine.cores);
	else if (!strcmp(col, "mem_gb")) snprintf(out, cap, "%.1f", r->machine.mem_gb);
	else if (!strcmp(col, "n_prompt")) snprintf(out, cap, "%d", r->n_prompt);
	else if (!strcmp(col, "n_gen")) snprintf(out, cap, "%d", r->n_gen);
	else if (!strcmp(col, "threads")) snprintf(out, cap, "%d", r->nthreads);
	else if (!strcmp(col, "model_bytes")) { if (r->model_bytes) snprintf(out, cap, "%llu", (unsigned long long)r->model_bytes); }
	else if (!strcmp(col, "n_params")) { if (r->n_params > 0) snprintf(out, cap, "%lld", (long long)r->n_params); }
	else if (!strcmp(col, "n_layer")) { if (r->n_layer > 0) snprintf(out, cap, "%d", r->n_layer); }
	for (char *c = out; *c; c++)
		if (*c == '\t' || *c == '\n' || *c == '\r')
			*c = ' ';
}

int kolm_bench_record(const char *path, const struct kolm_bench_result *r, const char *device, const char *base,
		      struct kolm_err *err)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir) != 0)
			return kolm_err_set(err, KOLM_E_IO, "cannot create '%s': %s", dir, strerror(errno));
	}
	/* the file so far (it is rewritten whole, atomically: a killed run never
	 * leaves half a row), and the header in force: its own, or ours */
	char *old = NULL;
	size_t old_len = 0;
	if (kolm_file_read_all(path, 64u << 20, &old, &old_len, NULL) != 0) {
		old = NULL;
		old_len = 0;
	}
	struct kolm_buf b = {0};
	char header[4096] = "";
	if (old) {
		kolm_buf_add(&b, old, old_len);
		if (old_len && old[old_len - 1] != '\n')
			kolm_buf_add(&b, "\n", 1);
		for (const char *l = old; l && *l;) {
			const char *nl = strchr(l, '\n');
			size_t n = nl ? (size_t)(nl - l) : strlen(l);
			if (n && l[0] != '#') {
				snprintf(header, sizeof header, "%.*s", (int)(n < sizeof header ? n : sizeof header - 1), l);
				break;
			}
			l = nl ? nl + 1 : NULL;
		}
	}
	free(old);
	if (!header[0]) {
		char *h = header;
		for (size_t i = 0; i < NCOLS; i++)
			h += snprintf(h, sizeof header - (size_t)(h - header), "%s%s", i ? "\t" : "", cols[i]);
		kolm_buf_add(&b, header, strlen(header));
		kolm_buf_add(&b, "\n", 1);
	}
	header[strcspn(header, "\r\n")] = 0;
	int first = 1;
	char *save = NULL;
	for (char *c = strtok_r(header, "\t", &save); c; c = strtok_r(NULL, "\t", &save)) {
		char v[512];
		value_for(c, r, device, base, v, sizeof v);
		if (!first)
			kolm_buf_add(&b, "\t", 1);
		kolm_buf_add(&b, v, strlen(v));
		first = 0;
	}
	kolm_buf_add(&b, "\n", 1);
	int rc = b.oom ? kolm_err_set(err, KOLM_E_NOMEM, "out of memory") : kolm_file_write_atomic(path, b.p, b.len, err);
	free(b.p);
	return rc;
}
