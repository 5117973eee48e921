/* matrix.c - many forecasts of one pick (forecast.h): a row per catalog
 * device (--all-devices) or per format of the pick's backend
 * (--all-quants, GET /api/matrix).  A row that cannot be forecast says why
 * instead of failing the table. */
#include "kolm/forecast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/util.h"

static void row_skip(struct kolm_matrix_row *row, const struct kolm_err *err)
{
	row->skipped = 1;
	/* the list of exportable formats is the matrix's other rows */
	const char *cut = strstr(err->msg, "; the GGUF formats it exports");
	snprintf(row->why, sizeof row->why, "%.*s", cut ? (int)(cut - err->msg) : (int)strlen(err->msg), err->msg);
}

/* A tier maps per device backend; an exact format keeps its backend. */
static int matrix_devices(struct kolm_ctx *ctx, const struct kolm_pick *pick, struct kolm_forecast_matrix *m,
			  struct kolm_err *err)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	for (int i = 0; i < cat->n_devices; i++) {
		struct kolm_pick p = *pick;
		p.device_id = cat->devices[i].id;
		p.mem_gb = 0;
		p.bw_gbs = 0;
		p.tflops = 0;
		struct kolm_matrix_row *row = &m->rows[m->n_rows];
		row->id = cat->devices[i].id;
		int rc = kolm_forecast(ctx, &p, &row->f, err);
		if (rc == KOLM_E_USAGE && pick->quant)
			row_skip(row, err); /* the device's backend has no such tier */
		else if (rc)
			return rc;
		m->n_rows++;
	}
	return KOLM_OK;
}

/* Every format of the backend the pick resolves to (at int4 when it names
 * no format). */
static int matrix_formats(struct kolm_ctx *ctx, const struct kolm_pick *pick, struct kolm_forecast_matrix *m,
			  struct kolm_err *err)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	struct kolm_pick p0 = *pick;
	p0.quant = pick->quant ? pick->quant : "int4";
	struct kolm_forecast first;
	int rc = kolm_forecast(ctx, &p0, &first, err);
	if (rc)
		return rc;
	char backend[16];
	kolm_strlcpy(backend, first.backend.id ? first.backend.id : "gguf", sizeof backend);
	kolm_forecast_release(&first);
	for (int i = 0; i < cat->n_formats; i++) {
		const struct kolm_format *f = &cat->formats[i];
		if (strcmp(f->backend, backend))
			continue;
		struct kolm_pick p = *pick;
		p.quant = f->id;
		/* the format brings its backend; --backend stays what the user
		 * gave, so no row claims "chosen with --backend" */
		struct kolm_matrix_row *row = &m->rows[m->n_rows];
		row->id = f->id;
		rc = kolm_forecast(ctx, &p, &row->f, err);
		/* e.g. a row length no fallback can take, or a format kolm
		 * cannot export (it needs an importance matrix) */
		if (rc == KOLM_E_FORMAT || rc == KOLM_E_USAGE)
			row_skip(row, err);
		else if (rc)
			return rc;
		m->n_rows++;
	}
	return KOLM_OK;
}

int kolm_forecast_matrix(struct kolm_ctx *ctx, const struct kolm_pick *pick, int all_devices,
			 struct kolm_forecast_matrix *out, struct kolm_err *err)
{
	memset(out, 0, sizeof *out);
	out->all_devices = all_devices;
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	struct kolm_err local = {0};
	if (!err)
		err = &local; /* skipped rows keep the message */
	int cap = all_devices ? cat->n_devices : cat->n_formats;
	out->rows = calloc((size_t)cap + 1, sizeof *out->rows);
	if (!out->rows)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	int rc = all_devices ? matrix_devices(ctx, pick, out, err) : matrix_formats(ctx, pick, out, err);
	if (rc)
		kolm_forecast_matrix_release(out);
	return rc;
}

void kolm_forecast_matrix_release(struct kolm_forecast_matrix *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n_rows; i++)
		kolm_forecast_release(&m->rows[i].f);
	free(m->rows);
	memset(m, 0, sizeof *m);
}
