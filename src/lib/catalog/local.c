/* local.c - describe this machine (local.h). */
#include "kolm/local.h"

#include <ctype.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kolm/catalog.h"
#include "kolm/ctx.h"
#include "kolm/util.h"

extern char **environ;

static void trim_copy(char *dst, size_t cap, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int kolm_local_parse(struct kolm_local *out, const char *cpuinfo, const char *meminfo, const char *board,
		     const char *nvsmi, const char *sysctl_out)
{
	memset(out, 0, sizeof *out);
	for (const char *l = cpuinfo; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (!strncmp(l, "processor", 9) && memchr(l, ':', n))
			out->cores++;
		if ((!strncmp(l, "model name", 10) || !strncmp(l, "Model", 5) || !strncmp(l, "Hardware", 8)) &&
		    !out->cpu_model[0]) {
			const char *c = memchr(l, ':', n);
			if (c)
				trim_copy(out->cpu_model, sizeof out->cpu_model, c + 1, n - (size_t)(c + 1 - l));
		}
		l = nl ? nl + 1 : l + n;
	}
	if (meminfo) {
		const char *m = strstr(meminfo, "MemTotal:");
		if (m)
			out->mem_bytes = strtoull(m + 9, NULL, 10) * 1024ULL;
	}
	if (board)
		trim_copy(out->board, sizeof out->board, board, strlen(board));
	if (nvsmi && *nvsmi) {
		/* "NVIDIA GeForce RTX 4090, 24564" (MiB) */
		const char *comma = strchr(nvsmi, ',');
		const char *nl = strchr(nvsmi, '\n');
		if (comma && (!nl || comma < nl)) {
			trim_copy(out->gpu_name, sizeof out->gpu_name, nvsmi, (size_t)(comma - nvsmi));
			out->gpu_mem_bytes = strtoull(comma + 1, NULL, 10) * 1024ULL * 1024ULL;
		}
	}
	if (sysctl_out && *sysctl_out) {
		/* two lines: brand string, hw.memsize */
		const char *nl = strchr(sysctl_out, '\n');
		size_t n = nl ? (size_t)(nl - sysctl_out) : strlen(sysctl_out);
		trim_copy(out->apple_chip, sizeof out->apple_chip, sysctl_out, n);
		if (strncmp(out->apple_chip, "Apple ", 6) != 0)
			out->apple_chip[0] = '\0';
		else if (!out->cpu_model[0])
			kolm_strlcpy(out->cpu_model, out->apple_chip, sizeof out->cpu_model);
		if (nl)
			out->mem_bytes = strtoull(nl + 1, NULL, 10);
	}
	return KOLM_OK;
}

static char *run_capture(char *const argv[])
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", 1, 0);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		return NULL;
	}
	char *buf = malloc(4096);
	size_t len = 0;
	ssize_t got;
	while (buf && len < 4095 && (got = read(pfd[0], buf + len, 4095 - len)) > 0)
		len += (size_t)got;
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	if (!buf || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static char *slurp(const char *path)
{
	char *s = NULL;
	size_t n;
	if (kolm_file_read_all(path, 1 << 20, &s, &n, NULL) != KOLM_OK)
		return NULL;
	return s;
}

int kolm_local_detect(struct kolm_local *out, struct kolm_err *err)
{
	char *cpu = slurp("/proc/cpuinfo"), *mem = slurp("/proc/meminfo");
	char *board = slurp("/proc/device-tree/model");
	if (!board)
		board = slurp("/sys/devices/virtual/dmi/id/product_name");
	char *nv = NULL, *sc = NULL;
	char *nvargv[] = {"nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits", NULL};
	nv = run_capture(nvargv);
#ifdef __APPLE__
	char *scargv[] = {"sysctl", "-n", "machdep.cpu.brand_string", "hw.memsize", NULL};
	sc = run_capture(scargv);
#endif
	kolm_local_parse(out, cpu, mem, board, nv, sc);
	free(cpu);
	free(mem);
	free(board);
	free(nv);
	free(sc);
	if (!out->mem_bytes)
		return kolm_err_set(err, KOLM_E_IO, "--device local: cannot read this machine's memory size");
	if (!out->cores)
		out->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return KOLM_OK;
}

/* Lower-case, alphanumerics only: "GeForce RTX 4090" -> "geforcertx4090". */
static void squash(const char *s, char *out, size_t cap)
{
	size_t k = 0;
	for (; *s && k + 1 < cap; s++)
		if (isalnum((unsigned char)*s))
			out[k++] = (char)tolower((unsigned char)*s);
	out[k] = '\0';
}

int kolm_local_device(const struct kolm_ctx *ctx, const struct kolm_local *l, struct kolm_device *dev, char *why,
		      size_t cap)
{
	const struct kolm_catalog *cat = kolm_catalog(ctx);
	const struct kolm_device *hit = NULL;
	char key[160], id[64];
	uint64_t mem = l->mem_bytes;
	const char *how = "";
	if (l->gpu_name[0]) {
		/* NVIDIA: match "RTX 4090" etc. against catalog ids ("rtx-4090") */
		squash(l->gpu_name, key, sizeof key);
		size_t best = 0;
		for (int i = 0; i < cat->n_devices; i++) {
			squash(cat->devices[i].id, id, sizeof id);
			if (strstr(key, id) && strlen(id) > best) {
				best = strlen(id);
				hit = &cat->devices[i];
			}
		}
		mem = l->gpu_mem_bytes;
		how = "the NVIDIA GPU named by nvidia-smi";
	}
	if (!hit && l->apple_chip[0]) {
		squash(l->apple_chip + 6, key, sizeof key); /* "M3 Pro" -> "m3pro" */
		for (int i = 0; i < cat->n_devices; i++) {
			squash(cat->devices[i].id, id, sizeof id);
			if (!strcmp(key, id))
				hit = &cat->devices[i];
		}
		mem = l->mem_bytes;
		how = "the Apple chip named by sysctl";
	}
	if (!hit && l->board[0]) {
		static const struct { const char *pat, *id; } boards[] = {
			{"Raspberry Pi 5", "rpi5-8gb"}, {"Raspberry Pi 4", "rpi4-8gb"},
			{"Jetson AGX Orin", "jetson-agx-orin"}, {"Orin Nano", "jetson-orin-nano"},
			{"Jupiter", "steam-deck"}, {"Galileo", "steam-deck-oled"},
		};
		for (size_t i = 0; i < sizeof boards / sizeof boards[0] && !hit; i++)
			if (strstr(l->board, boards[i].pat))
				hit = kolm_catalog_device_find(ctx, boards[i].id);
		if (hit && !strcmp(hit->id, "rpi5-8gb") && l->mem_bytes > 9000000000ULL)
			hit = kolm_catalog_device_find(ctx, "rpi5-16gb");
		mem = l->mem_bytes;
		how = "the board model";
	}
	if (hit) {
		*dev = *hit;
		dev->mem_bytes = mem ? mem : hit->mem_bytes;
		snprintf(why, cap, "matched catalog device %s from %s ('%s'); memory %.2f GB as detected", hit->id, how,
			 l->gpu_name[0] ? l->gpu_name : l->apple_chip[0] ? l->apple_chip : l->board, (double)dev->mem_bytes / 1e9);
		return KOLM_OK;
	}
	/* a custom CPU device: bandwidth cannot be read, so it is estimated */
	const struct kolm_device *ref = kolm_catalog_device_find(ctx, "laptop-x86");
	memset(dev, 0, sizeof *dev);
	if (ref)
		*dev = *ref;
	/* the laptop's int8 and tensor figures are not this CPU's: prefill
	 * runs on the probed fp32 FMA rate (or --tflops) */
	dev->cpu_tops_int8 = dev->tops_int8 = dev->flops_tensor_fp16 = dev->flops_tensor_bf16 = 0;
	dev->id = "local";
	dev->name = "this machine";
	dev->klass = "custom";
	dev->mem_bytes = l->mem_bytes;
	dev->mem_kind = "ram";
	dev->cpu_cores = l->cores;
	dev->backend = "gguf";
	dev->backend_reason = "GGUF / llama.cpp on this machine's CPU";
	dev->runtimes[0] = "llama.cpp-cpu";
	dev->n_runtimes = 1;
	dev->json = NULL;
	if (!(dev->bw_bytes_per_s > 0))
		dev->bw_bytes_per_s = 89.6e9;
	if (!(dev->flops_fp16 > 0))
		dev->flops_fp16 = 1e12;
	dev->transfer = "local";
	snprintf(why, cap,
		 "no catalog match for '%s' (%d cores, %.2f GB): custom device; bandwidth estimated as %.1f GB/s "
		 "(dual-channel DDR5-5600, the laptop-x86 figure) - pass --bw-gbs with your memory's figure",
		 l->cpu_model[0] ? l->cpu_model : "this CPU", l->cores, (double)l->mem_bytes / 1e9, dev->bw_bytes_per_s / 1e9);
	return KOLM_OK;
}
