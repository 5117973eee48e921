/*
 * local.h - `--device local`: describe this machine and map it to the
 * nearest catalog device, or build a custom one and say which.
 *
 * Sources read: /proc/cpuinfo (CPU model, processor count), /proc/meminfo
 * (MemTotal), /proc/device-tree/model (Raspberry Pi, Jetson boards),
 * /sys/devices/virtual/dmi/id/product_name (Steam Deck), `nvidia-smi
 * --query-gpu=name,memory.total --format=csv,noheader,nounits` when it is on
 * PATH, and on macOS `sysctl -n machdep.cpu.brand_string hw.memsize`.
 * kolm_local_parse works on recorded text so each path is testable.
 */
#ifndef KOLM_LOCAL_H
#define KOLM_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"

struct kolm_ctx;
struct kolm_device;

struct kolm_local {
	char cpu_model[128];
	int cores;                 /* logical processors */
	uint64_t mem_bytes;        /* system memory */
	char board[128];           /* device-tree model or DMI product, "" if none */
	char gpu_name[128];        /* first NVIDIA GPU, "" if none */
	uint64_t gpu_mem_bytes;
	char apple_chip[64];       /* "Apple M3 Pro", "" if not a Mac */
};

/* Any input may be NULL (absent). */
int kolm_local_parse(struct kolm_local *out, const char *cpuinfo, const char *meminfo, const char *board,
		     const char *nvidia_smi_csv, const char *sysctl_out);
/* Read this machine. */
int kolm_local_detect(struct kolm_local *out, struct kolm_err *err);
/* Map to a catalog device (copied into *dev, memory set to the machine's) or
 * build a custom device.  why: one sentence saying which and how. */
int kolm_local_device(const struct kolm_ctx *ctx, const struct kolm_local *l, struct kolm_device *dev, char *why,
		      size_t cap);

/* --device local measures instead of guessing: this machine's read
 * bandwidth (every logical CPU summing its slice of a 32 MiB region of a
 * 128 MiB buffer, the regions in turn, the best pass of about 0.35 s) and fp32 FMA throughput (independent FMA
 * chains on every CPU, the best 20 ms run of about 0.2 s), under a second
 * together on an idle machine. */
struct kolm_local_probe {
	double bw_bytes_per_s;
	double flops;              /* fp32 FMA FLOP/s, every thread */
	int threads;
	double seconds;            /* what the measurement took */
	int cached;                /* read from the cache, not measured now */
	char measured_at[32];      /* UTC, ISO 8601 */
	char cache_path[512];      /* "" when there is no user data directory */
	uint64_t sink;             /* the probe's checksum (keeps its reads) */
};

/* The probe of this machine: dir/local-probe.json (dir: the user data
 * directory, NULL for none) when it was taken on the same CPU model with
 * the same thread count and holds plausible figures, else a new
 * measurement, written there atomically (a cache that cannot be written is
 * not an error).  remeasure: ignore the cache. */
int kolm_local_probe(const char *dir, const struct kolm_local *l, int remeasure, struct kolm_local_probe *out,
		     struct kolm_err *err);

#endif
