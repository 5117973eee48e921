/*
 * toolchain.h - run an upstream exporter (mlx_lm.convert, the ONNX Runtime
 * GenAI model builder, coremltools, TensorRT-LLM) for the non-GGUF
 * backends: each command of the forecast's commands.export_upstream is split
 * into an argument vector (the renderer's quoting undone, no shell) and
 * spawned with posix_spawnp; a failed exit status stops the run; the output
 * is hashed into a receipt.  When a tool is not installed: KOLM_E_MISSING
 * with the install line and the commands in the message.
 */
#ifndef KOLM_TOOLCHAIN_H
#define KOLM_TOOLCHAIN_H

#include "kolm/err.h"

typedef struct json_t json_t;
struct kolm_format;

/* Run a forecast's upstream export commands (newline-separated: its
 * commands.export_upstream) for format fmt; out_path: what the last
 * command writes (a file or directory). */
int kolm_toolchain_export(const char *commands, const struct kolm_format *fmt, const char *out_path,
			  json_t **receipt, struct kolm_err *err);

#endif
