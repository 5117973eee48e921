/* kscore.c - the K-score of a GGUF file on an eval pack held in memory:
 * what `kolm pack` measures on the F16 checkpoint and `kolm export` on the
 * file it wrote (eval.h). */
#include <string.h>

#include "kolm/engine.h"
#include "kolm/eval.h"

int kolm_eval_k_file(const char *gguf, const char *pack, size_t len, int threads, double *k, int *n_items,
		     struct kolm_err *err)
{
	return kolm_eval_k_file_progress(gguf, pack, len, threads, k, n_items, NULL, NULL, err);
}

int kolm_eval_k_file_progress(const char *gguf, const char *pack, size_t len, int threads, double *k, int *n_items,
			      kolm_eval_progress_fn progress, void *user, struct kolm_err *err)
{
	struct kolm_evalpack *p = NULL;
	int rc = kolm_evalpack_parse(&p, pack, len, "evalpack.jsonl", err);
	if (rc)
		return rc;
	struct kolm_engine *e = NULL;
	struct kolm_engine_opts o = {.nthreads = threads > 0 ? threads : 1};
	if ((rc = kolm_engine_open(&e, gguf, &o, err))) {
		kolm_evalpack_free(p);
		return rc;
	}
	struct kolm_eval_result r = {0};
	rc = kolm_eval_pack_k(e, p, progress, user, &r, err); /* stops each item once decided */
	if (!rc) {
		*k = r.k;
		if (n_items)
			*n_items = r.n_items;
	}
	kolm_eval_result_release(&r);
	kolm_engine_close(e);
	kolm_evalpack_free(p);
	return rc;
}
