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

#endif
