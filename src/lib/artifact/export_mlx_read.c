/* export_mlx_read.c - an MLX model directory (mlx-lm's layout: packed
 * uint32 weights with scales and biases per group, config.json's
 * "quantization" block) read back as an F32 Hugging Face checkpoint: every
 * quantized weight dequantized as scale * q + bias from the stored scales
 * and biases (affine.h), every other tensor widened.  The export's own
 * K-score is measured on it (export_mlx.c). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/affine.h"
#include "kolm/quant.h"
#include "kolm/safetensors.h"
#include "kolm/util.h"
#include "export_mlx_read_internal.h"

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* the scales or biases of weight tensor t ("x.weight" -> "x.<part>") */
static const struct kolm_st_tensor *sibling(const struct kolm_safetensors *w, const char *name, const char *part)
{
	char nm[600];
	size_t L = strlen(name);
	if (!ends_with(name, ".weight") || L + 1 > sizeof nm)
		return NULL;
	snprintf(nm, sizeof nm, "%.*s%s", (int)(L - 6), name, part);
	return kolm_safetensors_find(w, nm);
}

struct rd {
	const struct kolm_safetensors *w;
	int group, bits;
	float *row, *sc, *bi;
};

/* Row r of tensor t as float32; cols its (unpacked) width. */
static int read_row(struct rd *d, const struct kolm_st_tensor *t, int64_t r, int64_t cols, struct kolm_err *err)
{
	const struct kolm_st_tensor *s = t->dtype == KOLM_ST_U32 ? sibling(d->w, t->name, "scales") : NULL;
	const struct kolm_st_tensor *b = s ? sibling(d->w, t->name, "biases") : NULL;
	if (t->dtype != KOLM_ST_U32)
		return kolm_row_to_f32(kolm_st_dtype_ggml(t->dtype), t->data + (uint64_t)(r * cols) * kolm_st_dtype_size(t->dtype),
				       d->row, cols)
			       ? kolm_err_set(err, KOLM_E_FORMAT, "%s: dtype %s cannot be read", t->name,
					      kolm_st_dtype_name(t->dtype))
			       : KOLM_OK;
	if (!s || !b || s->dtype != b->dtype)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: packed weights without scales and biases", t->name);
	int64_t gpr = cols / d->group;
	int st = kolm_st_dtype_ggml(s->dtype), es = kolm_st_dtype_size(s->dtype);
	if (kolm_row_to_f32(st, s->data + (uint64_t)(r * gpr * es), d->sc, gpr) ||
	    kolm_row_to_f32(st, b->data + (uint64_t)(r * gpr * es), d->bi, gpr))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: scales of dtype %s cannot be read", t->name,
				    kolm_st_dtype_name(s->dtype));
	kolm_affine_dequantize_row(t->data + (uint64_t)(r * cols * d->bits / 8), cols, d->group, d->bits, d->sc, d->bi,
				   d->row);
	return KOLM_OK;
}

/* A tensor's unpacked shape; 0 when it is a scales/biases companion. */
static int out_shape(const struct rd *d, const struct kolm_st_tensor *t, int64_t *rows, int64_t *cols,
		     struct kolm_err *err)
{
	if ((ends_with(t->name, ".scales") || ends_with(t->name, ".biases")) && t->n_dims >= 1)
		return 0;
	int64_t c = t->n_dims ? t->shape[t->n_dims - 1] : 1, n = 1;
	for (int i = 0; i < t->n_dims; i++)
		n *= t->shape[i];
	if (t->dtype == KOLM_ST_U32) {
		if (t->n_dims != 2 || !d->bits)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: uint32 tensor outside a quantized layer", t->name);
		c = c * 32 / d->bits;
		if (c % d->group)
			return kolm_err_set(err, KOLM_E_FORMAT, "%s: %lld columns are not whole groups of %d", t->name,
					    (long long)c, d->group);
		*rows = t->shape[0];
	} else {
		*rows = c ? n / c : 0;
	}
	*cols = c;
	return 1;
}

static int copy_side_files(const char *mlx_dir, const char *out_dir, struct kolm_err *err)
{
	DIR *dd = opendir(mlx_dir);
	struct dirent *de;
	int rc = dd ? KOLM_OK : kolm_err_set(err, KOLM_E_IO, "%s: cannot be read", mlx_dir);
	while (!rc && (de = readdir(dd))) {
		const char *n = de->d_name;
		if (n[0] == '.' || ends_with(n, ".safetensors") || !strcmp(n, "model.safetensors.index.json") ||
		    !strcmp(n, "kolm.json"))
			continue;
		char a[4200], b[4200];
		struct kolm_map m;
		snprintf(a, sizeof a, "%s/%s", mlx_dir, n);
		snprintf(b, sizeof b, "%s/%s", out_dir, n);
		if (kolm_map_open(&m, a, NULL))
			continue;
		rc = kolm_file_write_atomic(b, m.data, (size_t)m.size, err);
		kolm_map_close(&m);
	}
	if (dd)
		closedir(dd);
	return rc;
}

static int write_f32(struct rd *d, const char *path, struct kolm_err *err)
{
	int64_t n = kolm_safetensors_count(d->w), maxc = 1, rows, cols;
	json_t *hdr = json_object();
	uint64_t off = 0;
	int rc = KOLM_OK, k;
	for (int64_t i = 0; !rc && hdr && i < n; i++) {
		const struct kolm_st_tensor *t = kolm_safetensors_at(d->w, i);
		if ((k = out_shape(d, t, &rows, &cols, err)) <= 0) {
			rc = k < 0 ? k : KOLM_OK;
			continue;
		}
		json_t *shape = json_array();
		for (int j = 0; j < t->n_dims; j++)
			json_array_append_new(shape, json_integer(j == t->n_dims - 1 ? cols : t->shape[j]));
		json_object_set_new(hdr, t->name, json_pack("{s:s,s:o,s:[I,I]}", "dtype", "F32", "shape", shape, "data_offsets",
							     (json_int_t)off, (json_int_t)(off + (uint64_t)(rows * cols) * 4)));
		off += (uint64_t)(rows * cols) * 4;
		maxc = cols > maxc ? cols : maxc;
	}
	char *hs = !rc && hdr ? json_dumps(hdr, JSON_COMPACT) : NULL;
	json_decref(hdr);
	d->row = malloc(sizeof(float) * (size_t)maxc);
	d->sc = malloc(sizeof(float) * (size_t)maxc);
	d->bi = malloc(sizeof(float) * (size_t)maxc);
	if (!rc && (!hs || !d->row || !d->sc || !d->bi))
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	struct kolm_out o;
	if (!rc && !(rc = kolm_out_open(&o, path, err))) {
		size_t hl = strlen(hs), pad = (8 - hl % 8) % 8;
		uint8_t n8[8];
		for (int i = 0; i < 8; i++)
			n8[i] = (uint8_t)((uint64_t)(hl + pad) >> (8 * i));
		rc = kolm_out_write(&o, n8, 8, err);
		rc = rc ? rc : kolm_out_write(&o, hs, hl, err);
		rc = rc ? rc : kolm_out_write(&o, "        ", pad, err);
		for (int64_t i = 0; !rc && i < n; i++) {
			const struct kolm_st_tensor *t = kolm_safetensors_at(d->w, i);
			if (out_shape(d, t, &rows, &cols, err) <= 0)
				continue;
			for (int64_t r = 0; !rc && r < rows; r++)
				if (!(rc = read_row(d, t, r, cols, err)))
					rc = kolm_out_write(&o, d->row, (size_t)cols * 4, err);
		}
		rc = rc ? rc : kolm_out_commit(&o, err);
		if (rc)
			kolm_out_abort(&o);
	}
	free(hs);
	free(d->row);
	free(d->sc);
	free(d->bi);
	return rc;
}

int kolm_mlx_to_f32_checkpoint(const char *mlx_dir, const char *out_dir, struct kolm_err *err)
{
	char p[4200];
	struct rd d = {0};
	snprintf(p, sizeof p, "%s/config.json", mlx_dir);
	json_error_t je;
	json_t *cfg = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	if (!cfg)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: %s", p, je.text);
	json_t *q = json_object_get(cfg, "quantization");
	d.group = (int)json_integer_value(json_object_get(q, "group_size"));
	d.bits = (int)json_integer_value(json_object_get(q, "bits"));
	json_decref(cfg);
	if (q && (d.bits < 2 || d.bits > 8 || d.group < 8 || d.group % 8))
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: quantization bits %d, group %d: not mlx's affine layout", p, d.bits,
				    d.group);
	struct kolm_safetensors *w;
	int rc = kolm_safetensors_open(&w, mlx_dir, err);
	if (rc)
		return rc;
	d.w = w;
	if (!(rc = copy_side_files(mlx_dir, out_dir, err))) {
		snprintf(p, sizeof p, "%s/model.safetensors", out_dir);
		rc = write_f32(&d, p, err);
	}
	kolm_safetensors_close(w);
	return rc;
}
