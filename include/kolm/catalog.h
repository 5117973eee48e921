/*
 * catalog.h - devices, base models and quantization formats, read from the
 * JSON catalogs in data/ (see data/README.md for each field and its sources).
 *
 * Units: memory in bytes (the catalogs say GB = 1e9 bytes), bandwidth in
 * bytes/s, compute in FLOP/s, storage read speed in bytes/s.
 * A context loads the catalogs once; kolm_catalog(ctx) and the lookups by
 * id are in ctx.h.  Everything is borrowed from the context and lives until
 * kolm_ctx_free.
 */
#ifndef KOLM_CATALOG_H
#define KOLM_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

typedef struct json_t json_t;

enum { KOLM_MAX_RUNTIMES = 8, KOLM_MAX_MEM_OPTIONS = 8 };

struct kolm_device {
	const char *id;            /* "rpi5-8gb" */
	const char *name;          /* "Raspberry Pi 5 (8 GB)" */
	const char *klass;         /* sbc | jetson | mac | phone | handheld | laptop | gpu | server */
	uint64_t mem_bytes;        /* default memory variant */
	double mem_options_gb[KOLM_MAX_MEM_OPTIONS];
	int n_mem_options;
	const char *mem_kind;      /* ram | unified | vram */
	double bw_bytes_per_s;     /* theoretical memory bandwidth */
	double flops_fp16;         /* fp16 FLOP/s of the unit that runs the model */
	double tops_int8;          /* NVIDIA: dense int8 tensor OP/s (llama.cpp's MMQ); 0 = not given */
	double flops_tensor_fp16;  /* NVIDIA: dense fp16 tensor FLOP/s, fp16 accumulate (cuBLAS, F16) */
	double flops_tensor_bf16;  /* NVIDIA: dense bf16 tensor FLOP/s, fp32 accumulate */
	double cpu_tops_int8;      /* CPU: int8 dot-product/matrix OP/s (dotprod, i8mm, AVX2, VNNI) */
	const char *compute_unit;  /* "4x Cortex-A76", "Ampere GPU 1024 CUDA cores" */
	const char *variant_of;    /* the same chip and memory bus with another memory size
				      ("rpi5-16gb" -> "rpi5-8gb"): their measurements are one
				      device's; NULL = none */
	double storage_bytes_per_s;/* sequential read of the usual storage */
	const char *storage_kind;  /* microSD, NVMe, UFS 4.0 */
	double cap_frac;           /* platform cap as a fraction of memory (0 = none) */
	uint64_t cap_bytes;        /* platform cap in bytes (0 = none); min of both applies */
	const char *cap_note;      /* what the cap is, with its source */
	const char *runtimes[KOLM_MAX_RUNTIMES]; /* in order of preference */
	int n_runtimes;
	const char *backend;       /* recommended backend: gguf | mlx | coreml | onnx | tensorrt */
	const char *backend_reason;
	int cpu_cores;
	double host_bw_bytes_per_s;/* discrete GPUs: host RAM bandwidth for offload */
	uint64_t host_mem_bytes;   /* discrete GPUs: typical host RAM */
	const char *power_mode;    /* the power/clock mode the figures assume */
	const char *transfer;      /* scp | adb | ios | local */
	const char *user;          /* default login user for scp/ssh ("pi") */
	const char *host;          /* default hostname ("raspberrypi.local") */
	json_t *json;              /* the catalog object (sources, notes) */
};

struct kolm_base {
	const char *id;            /* "llama-3.1-8b" */
	const char *name;          /* "Llama-3.1-8B" */
	const char *hf_repo;       /* the exact Hugging Face repo id (hf download takes it) */
	int gated;                 /* the repo asks for a login and a licence before download */
	json_t *config;            /* HF config.json as published */
	const char *tokenizer;     /* tokenizer family id (data/tokenizers.json) */
	int64_t published_params;  /* from the model card, 0 if none */
	int calibration_only;      /* from data/bases-calibration.json: usable by id, not listed */
	json_t *json;
};

struct kolm_format {
	const char *id;            /* "q4_k_m", "mlx-4bit", "onnx-int4", ... */
	const char *backend;       /* gguf | mlx | onnx | coreml | tensorrt */
	const char *tier;          /* fp16 | int8 | int6 | int5 | int4 | int3 | int2 | NULL */
	const char *label;         /* human name */
	int ftype;                 /* gguf: llama_ftype id; -1 otherwise */
	int bits;                  /* non-gguf: weight bits */
	int group;                 /* non-gguf: group size (0 = per-channel) */
	double scale_bytes;        /* non-gguf: bytes of scale per group */
	double zero_bytes;         /* non-gguf: bytes of zero-point/bias per group */
	double kld_equiv;          /* mean KLD vs F16 on Llama-3-8B (or equivalent) */
	const char *ext;           /* file extension / directory suffix of an export */
	json_t *json;
};

/* The device's name, with the memory of the variant --mem-gb picked in
 * place of the catalog default's (in buf) when they differ. */
const char *kolm_device_name(const struct kolm_device *d, char *buf, size_t cap);

struct kolm_catalog {
	struct kolm_device *devices;
	int n_devices;
	struct kolm_base *bases;
	int n_bases;
	struct kolm_format *formats;
	int n_formats;
};

#endif
