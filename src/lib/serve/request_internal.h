/* request_internal.h - an API request's pick, read from the query string
 * or a JSON body and checked before any catalog lookup (request.c).  Errors
 * are a status and a message for the client. */
#ifndef KOLM_REQUEST_INTERNAL_H
#define KOLM_REQUEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

struct kolm_ctx;

struct api_pick {
	const char *base, *quant, *device, *backend, *runtime, *all;
	const char *kv_type, *offload; /* as kolm plan --kv-type, --offload */
	int64_t ctx;
	int has_ctx;
	const json_t *config;   /* POST only; borrowed from the parsed body */
};

struct perr {
	unsigned status;
	char msg[512];
};

/* The query string's arguments, walked by MHD_get_connection_values_n with
 * query_arg: the pick, the first error, and the bytes seen (for the 414
 * check, which counts past an error). */
struct query_walk {
	struct api_pick *p;
	struct perr *e;
	int matrix, n;
	size_t bytes;
};

enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
			  size_t value_size);
/* A POST body: {"config": {...} | "base": ID, "quant", "device", "ctx", "backend", "runtime", "kv_type",
 * "offload"[, "all"]}. */
int pick_from_body(struct api_pick *p, const json_t *body, int matrix, struct perr *e);
/* Checks shared by GET and POST, before any catalog lookup. */
int pick_check(const struct api_pick *p, int matrix, int *all_devices, struct perr *e);
/* A tier name (some catalog format has it) or an exact format id. */
int quant_known(const struct kolm_ctx *ctx, const char *q);
/* Cache key: the parsed pick, each field length-prefixed so no two picks
 * share a key; 0 if it does not fit. */
size_t pick_key(const struct api_pick *p, int matrix, char *buf, size_t cap);

#endif
