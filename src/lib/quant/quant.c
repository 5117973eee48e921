/* quant.c - the row conversions by type (quant.h): each call takes its
 * kernel from the type traits table (types.c), or this machine's faster
 * kernel for the type when SIMD is on (quant_simd.c), and the threaded
 * tensor helper splits whole rows over pthreads.  No kernel lives here. */
#include "kolm/quant.h"

#include <pthread.h>
#include <stdlib.h>

#include "kolm/err.h"
#include "kolm/types.h"
#include "quant_simd_internal.h"

static int force_scalar;

void kolm_quant_force_scalar(int on)
{
	__atomic_store_n(&force_scalar, on ? 1 : 0, __ATOMIC_RELAXED);
}

static int use_simd(void)
{
	return !__atomic_load_n(&force_scalar, __ATOMIC_RELAXED);
}

const char *kolm_quant_simd_name(void)
{
	return use_simd() ? kq_simd_name() : "scalar";
}

/* The kernel for a type: this machine's fast one when there is one and
 * SIMD is on, else the table's reference.  NULL: kolm has none. */
static kolm_from_float_fn from_float_for(int type)
{
	const struct kolm_type_traits *tt = kolm_type_traits(type);
	if (!tt || !tt->from_float_ref)
		return NULL;
	kolm_from_float_fn fast = use_simd() ? kq_simd_from_float(type) : NULL;
	return fast ? fast : tt->from_float_ref;
}

static kolm_to_float_fn to_float_for(int type)
{
	const struct kolm_type_traits *tt = kolm_type_traits(type);
	if (!tt || !tt->to_float)
		return NULL;
	kolm_to_float_fn fast = use_simd() ? kq_simd_to_float(type) : NULL;
	return fast ? fast : tt->to_float;
}

int kolm_quant_can_quantize(int type)
{
	return from_float_for(type) != NULL;
}

int kolm_quant_can_dequantize(int type)
{
	return to_float_for(type) != NULL;
}

int kolm_quantize_rows(int type, const float *src, void *dst, int64_t nrows, int64_t ne0)
{
	kolm_from_float_fn f = from_float_for(type);
	if (!f || nrows < 0 || ne0 <= 0 || kolm_type_row_bytes(type, ne0) == 0)
		return KOLM_E_USAGE;
	const uint64_t rb = kolm_type_row_bytes(type, ne0);
	uint8_t *out = dst;
	/* Rows are independent and blocks never straddle rows, so a run of
	 * whole rows is one flat call, as in ggml_quantize_chunk. */
	for (int64_t r = 0; r < nrows; r++)
		f(src + r * ne0, out + (uint64_t)r * rb, ne0);
	return 0;
}

int kolm_dequantize_row(int type, const void *src, float *dst, int64_t ne0)
{
	kolm_to_float_fn f = to_float_for(type);
	if (!f || ne0 < 0 || (ne0 > 0 && kolm_type_row_bytes(type, ne0) == 0))
		return KOLM_E_USAGE;
	f(src, dst, ne0);
	return 0;
}

int kolm_row_to_f32(int src_type, const void *src, float *dst, int64_t n)
{
	return kolm_dequantize_row(src_type, src, dst, n);
}

/* ---- threads ----------------------------------------------------------- */
struct qjob {
	int type;
	const float *src;
	uint8_t *dst;
	int64_t r0, r1, ne0;
	int rc;
};

static void *qjob_run(void *arg)
{
	struct qjob *j = arg;
	const uint64_t rb = kolm_type_row_bytes(j->type, j->ne0);
	j->rc = kolm_quantize_rows(j->type, j->src + j->r0 * j->ne0, j->dst + (uint64_t)j->r0 * rb,
				   j->r1 - j->r0, j->ne0);
	return NULL;
}

int kolm_quantize_tensor_mt(int type, const float *src, void *dst, int64_t nrows, int64_t ne0,
			    int nthreads)
{
	if (!from_float_for(type) || nrows < 0 || ne0 <= 0 || kolm_type_row_bytes(type, ne0) == 0)
		return KOLM_E_USAGE;
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > 256)
		nthreads = 256;
	if (nthreads > nrows)
		nthreads = nrows > 0 ? (int)nrows : 1;
	if (nthreads == 1)
		return kolm_quantize_rows(type, src, dst, nrows, ne0);
	struct qjob *jobs = calloc((size_t)nthreads, sizeof *jobs);
	pthread_t *th = calloc((size_t)nthreads, sizeof *th);
	if (!jobs || !th) {
		free(jobs);
		free(th);
		return KOLM_E_NOMEM;
	}
	int started = 0, rc = 0;
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (struct qjob){type, src, dst, nrows * t / nthreads, nrows * (t + 1) / nthreads, ne0, 0};
		if (t == 0)
			continue; /* run on this thread below */
		if (pthread_create(&th[t], NULL, qjob_run, &jobs[t]) != 0) {
			/* do the remaining ranges here instead */
			for (int u = t; u < nthreads; u++) {
				jobs[u] = (struct qjob){type, src, dst, nrows * u / nthreads,
							nrows * (u + 1) / nthreads, ne0, 0};
				qjob_run(&jobs[u]);
			}
			break;
		}
		started = t;
	}
	qjob_run(&jobs[0]);
	for (int t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < nthreads; t++)
		if (jobs[t].rc && !rc)
			rc = jobs[t].rc;
	free(jobs);
	free(th);
	return rc;
}
