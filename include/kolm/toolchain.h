/*
 * toolchain.h - run an upstream exporter (mlx_lm.convert, the ONNX Runtime
 * GenAI model builder, coremltools, TensorRT-LLM) for the non-GGUF
 * backends: each command of the forecast's commands.export_upstream is split
 * into an argument vector (the renderer's quoting undone, no shell) and
 * spawned with posix_spawnp (a line starting with '#' is a note and is
 * skipped); a failed exit status stops the run; every regular file of the
 * output directory is hashed into the receipt (kolm_tree_files: a symlink
 * or device in it fails the export).  When a tool is not installed: KOLM_E_MISSING
 * with the install line and what to run then in the message.
 */
#ifndef KOLM_TOOLCHAIN_H
#define KOLM_TOOLCHAIN_H

#include "kolm/err.h"

typedef struct json_t json_t;
struct kolm_format;

/* Run a forecast's upstream export commands (newline-separated: its
 * commands.export_upstream) for format fmt; out_path: the directory the
 * last command writes.  *receipt: {"schema": "kolm.receipt/1", "output",
 * "quant", "backend", "commands": [the lines run], "files": [{"path",
 * "size", "sha256"}, ...]}. */
/* rerun: what a "missing tool" message tells the user to do after
 * installing it ("then " RERUN; NULL: "then run: " the commands, which must
 * then name only paths that outlive kolm: not a temporary directory).  A failing
 * step's stderr is not passed on: its last line (a Python exception's
 * "Type: message") ends the error. */
int kolm_toolchain_export(const char *commands, const char *rerun, const struct kolm_format *fmt,
			  const char *out_path, json_t **receipt, struct kolm_err *err);

#endif
