/*
 * commands.h - the exact shell commands of the journey (get the checkpoint,
 * pack, export, move, run, verify) plus the benchmark, rendered from the templates in data/commands.json.  Every flag
 * in a template exists in the named tool's real CLI (docs/COMMANDS.md cites
 * each); every substituted value is shell-quoted.
 */
#ifndef KOLM_COMMANDS_H
#define KOLM_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_device;
struct kolm_format;
struct kolm_tensor_override;

struct kolm_cmd_vars {
	const struct kolm_device *device;
	const struct kolm_format *format;
	const char *base_id;        /* catalog id or "custom" */
	const char *hf_repo;        /* may be NULL */
	int hf_gated;               /* the repo needs a login first (hf auth login) */
	const char *ssh;            /* USER@HOST[:PORT] the device is reached at, or NULL:
	                             * the catalog's user and host (kolm plan --ssh) */
	const char *backend;        /* gguf | mlx | onnx | coreml | tensorrt */
	const char *runtime;        /* llama.cpp-cpu, llama.cpp-cuda, mlx, ... */
	const char *source_kind;    /* "base" | "config" | "artifact" | "model" */
	const char *source;         /* the value the user gave (id or path) */
	const char *out_dir;        /* export -o DIR (default ".") */
	const char *ckpt_dir;       /* the checkpoint directory the upstream export lines read
	                             * ({hf_dir}): kolm export X.kolm sets it to the private
	                             * directory it unpacks the .kolm's checkpoint into; NULL:
	                             * as the source says (then, for a .kolm, a note line says
	                             * that kolm export runs them itself) */
	int64_t ctx;                /* context length for run commands */
	const char *kv_type;        /* NULL/"f16", "q8_0", "q4_0" */
	int gpu_layers;             /* -ngl value; -1 = all (99) */
	uint64_t file_bytes;        /* forecast size (rsync for multi-GB files) */
	const struct kolm_tensor_override *overrides; /* --tensor-type, repeated on the export line */
	int n_overrides;
	int gguf_as_stored;         /* source_kind "model" is a GGUF used as it is: no export step,
	                             * the file moved is the user's own */
	int gguf_quantized;         /* that GGUF holds quantized tensors (kolm quantize needs
	                             * --allow-requantize to re-quantize it) */
};

/* Exported file name: "<base>-<format>.<ext>" (e.g. llama-3.2-3b-q4_k_m.gguf);
 * for a GGUF used as stored, the user's own file name. */
int kolm_commands_file_name(const struct kolm_cmd_vars *v, char *buf, size_t cap);

/* The commands of each step, malloc'd; NULL when the step has none for this
 * pick.  Multi-command steps are newline-joined.  airgap_* is the signed
 * removable-media alternative to transfer (data/commands.json "airgap").
 * The order of the fields is the order of the steps (and of the keys of a
 * forecast's "commands" object). */
struct kolm_commands {
	char *download;             /* 0 get the checkpoint (hf download); only from --base */
	char *pack;                 /* 1a pack it into the .kolm the rest reads */
	char *export;               /* 1b on the source machine: kolm export X.kolm (or kolm quantize) */
	int requantize;             /* export is kolm quantize of the user's GGUF */
	char *export_upstream;      /* the same with the upstream toolchain */
	char *transfer;             /* 2 move it to the device */
	char *run;                  /* 3 run on the device */
	char *verify;               /* 4 check the export against the .kolm it came from */
	char *bench;                /* measure on the device */
	char *airgap_source, *airgap_target;
};

/* Check a --ssh target: USER@HOST or USER@HOST:PORT, USER and HOST of
 * letters, digits, '.', '_' and '-' (not first), PORT 1..65535.  0 if valid;
 * else KOLM_E_USAGE with the reason in err. */
int kolm_commands_ssh_check(const char *target, struct kolm_err *err);

/* Fill *out (zeroed first; on error it holds nothing). */
int kolm_commands_render(struct kolm_ctx *ctx, const struct kolm_cmd_vars *v, struct kolm_commands *out,
			 struct kolm_err *err);
void kolm_commands_release(struct kolm_commands *c);

#endif
