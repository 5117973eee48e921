/*
 * inspect.h - describe a model file as JSON: a GGUF (architecture,
 * parameters, file type, per-type tensor counts and bytes, bits per weight,
 * metadata with long arrays summarised, tokenizer, tensors), a safetensors
 * checkpoint or HF directory, or a config.json.  Everything here is read
 * from the file: nothing is a forecast.
 *
 * Fixed keys: "tensors" is an array of {name, type, shape (ne0 first),
 * offset (relative to the data section), bytes}; with sha256 set each also
 * has "sha256" and the top level "tensor_data_sha256".
 */
#ifndef KOLM_INSPECT_H
#define KOLM_INSPECT_H

#include "kolm/err.h"

struct kolm_ctx;
typedef struct json_t json_t;

struct kolm_inspect_opts {
	int tensors;   /* list every tensor */
	int sha256;    /* hash tensor data (and the data section) */
};

int kolm_inspect_path(struct kolm_ctx *ctx, const char *path, const struct kolm_inspect_opts *o, json_t **out,
		      struct kolm_err *err);

#endif
