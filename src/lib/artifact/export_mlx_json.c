/* export_mlx_json.c - JSON text as Python's json.dump(obj, f, indent=4)
 * writes it (mlx-lm's config.json and model.safetensors.index.json), so a
 * native MLX export's JSON files are the bytes mlx_lm.convert writes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kolm/util.h"
#include "export_mlx_json_internal.h"

static void add(struct kolm_buf *b, const char *s)
{
	kolm_buf_add(b, s, strlen(s));
}

/* repr(float): the shortest digits that read back to v; fixed notation for
 * decimal exponents -4 .. 15 (with ".0" when integral), else d.ddde+XX. */
void kolm_mlx_py_float(struct kolm_buf *b, double v)
{
	char s[64];
	if (isnan(v)) {
		add(b, "NaN");
		return;
	}
	if (isinf(v)) {
		add(b, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (v == 0) {
		add(b, signbit(v) ? "-0.0" : "0.0");
		return;
	}
	int p;
	for (p = 1; p < 17; p++) {
		snprintf(s, sizeof s, "%.*e", p - 1, v);
		if (strtod(s, NULL) == v)
			break;
	}
	snprintf(s, sizeof s, "%.*e", p - 1, v);
	char dig[32];
	int nd = 0, neg = s[0] == '-';
	const char *q = s + neg;
	for (; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			dig[nd++] = *q;
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = '\0';
	int e = atoi(q + 1);
	char out[96];
	int n = 0;
	if (neg)
		out[n++] = '-';
	if (e >= -4 && e < 16) {
		if (e < 0) {
			out[n++] = '0';
			out[n++] = '.';
			for (int i = 0; i < -e - 1; i++)
				out[n++] = '0';
			for (int i = 0; i < nd; i++)
				out[n++] = dig[i];
		} else {
			for (int i = 0; i <= e; i++)
				out[n++] = i < nd ? dig[i] : '0';
			out[n++] = '.';
			if (nd > e + 1)
				for (int i = e + 1; i < nd; i++)
					out[n++] = dig[i];
			else
				out[n++] = '0';
		}
		out[n] = '\0';
	} else {
		out[n++] = dig[0];
		if (nd > 1) {
			out[n++] = '.';
			for (int i = 1; i < nd; i++)
				out[n++] = dig[i];
		}
		snprintf(out + n, sizeof out - (size_t)n, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	add(b, out);
}

/* A JSON string with ensure_ascii: non-ASCII as \uXXXX (surrogate pairs
 * above U+FFFF), lowercase hex. */
static void py_string(struct kolm_buf *b, const char *s, size_t n)
{
	char u[16];
	kolm_buf_add(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned c = (unsigned char)s[i];
		uint32_t cp = c;
		size_t len = 1;
		if (c >= 0x80) {
			len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0f : 0x1f);
			for (size_t k = 1; k < len && i + k < n; k++)
				cp = cp << 6 | ((unsigned char)s[i + k] & 0x3f);
		}
		i += len;
		switch (cp) {
		case '"': add(b, "\\\""); continue;
		case '\\': add(b, "\\\\"); continue;
		case '\n': add(b, "\\n"); continue;
		case '\r': add(b, "\\r"); continue;
		case '\t': add(b, "\\t"); continue;
		case '\b': add(b, "\\b"); continue;
		case '\f': add(b, "\\f"); continue;
		}
		if (cp < 0x20 || (cp > 0x7e && cp != 0x7f)) {
			if (cp >= 0x10000) {
				uint32_t v = cp - 0x10000;
				snprintf(u, sizeof u, "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
			} else {
				snprintf(u, sizeof u, "\\u%04x", cp);
			}
			add(b, u);
		} else {
			char ch = (char)cp;
			kolm_buf_add(b, &ch, 1);
		}
	}
	kolm_buf_add(b, "\"", 1);
}

static void indent(struct kolm_buf *b, int level)
{
	kolm_buf_add(b, "\n", 1);
	for (int i = 0; i < level; i++)
		add(b, "    ");
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void py_value(struct kolm_buf *b, json_t *v, int level, int sort);

static void py_object(struct kolm_buf *b, json_t *v, int level, int sort)
{
	size_t n = json_object_size(v), i = 0;
	if (!n) {
		add(b, "{}");
		return;
	}
	const char **keys = malloc(n * sizeof *keys);
	if (!keys) {
		b->oom = 1;
		return;
	}
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x) keys[i++] = k;
	if (sort)
		qsort(keys, n, sizeof *keys, key_cmp);
	add(b, "{");
	for (i = 0; i < n; i++) {
		if (i)
			add(b, ",");
		indent(b, level + 1);
		py_string(b, keys[i], strlen(keys[i]));
		add(b, ": ");
		py_value(b, json_object_get(v, keys[i]), level + 1, 0);
	}
	indent(b, level);
	add(b, "}");
	free(keys);
}

static void py_value(struct kolm_buf *b, json_t *v, int level, int sort)
{
	char num[32];
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		py_object(b, v, level, sort);
		break;
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if (!n) {
			add(b, "[]");
			break;
		}
		add(b, "[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				add(b, ",");
			indent(b, level + 1);
			py_value(b, json_array_get(v, i), level + 1, 0);
		}
		indent(b, level);
		add(b, "]");
		break;
	}
	case JSON_STRING:
		py_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		add(b, num);
		break;
	case JSON_REAL:
		kolm_mlx_py_float(b, json_real_value(v));
		break;
	case JSON_TRUE:
		add(b, "true");
		break;
	case JSON_FALSE:
		add(b, "false");
		break;
	default:
		add(b, "null");
		break;
	}
}

char *kolm_mlx_py_dumps(json_t *v, int sort_top)
{
	struct kolm_buf b = {0};
	py_value(&b, v, 0, sort_top);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p ? b.p : kolm_strdup("");
}
