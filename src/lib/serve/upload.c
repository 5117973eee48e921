/* upload.c - POST /api/verify's files: the multipart body parsed by
 * libmicrohttpd's post processor as it arrives and written to one file
 * per field (artifact, export, pubkey) in a directory of its own, within a
 * size limit; the client's file names kept for the report. */
#include "upload_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kolm/util.h"

static const char *const up_fields[UP_FILES] = {"artifact", "export", "pubkey"};

/* A write failed: no space is the server's (507), other errors too (500). */
static void up_store_failed(struct upload *u)
{
	int e = errno;
	u->bad = 1;
	u->status = e == ENOSPC || e == EDQUOT ? 507 : 500;
	snprintf(u->why, sizeof u->why, "the server cannot store the upload: %s", strerror(e));
}

static void up_close_file(struct upload *u)
{
	if (u->fp && fclose(u->fp) != 0 && !u->bad)
		up_store_failed(u);
	u->fp = NULL;
	u->cur = -1;
}

static void up_value(char *dst, size_t cap, const char *data, uint64_t off, size_t size)
{
	if (off >= cap - 1)
		return;
	size_t n = size < cap - 1 - off ? size : (size_t)(cap - 1 - off);
	memcpy(dst + off, data, n);
	dst[off + n] = '\0';
}

static enum MHD_Result up_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
			       const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct upload *u = cls;
	if (u->bad || u->too_big)
		return MHD_NO;
	int f = -1;
	for (int i = 0; i < UP_FILES; i++)
		if (key && !strcmp(key, up_fields[i]))
			f = i;
	if (f < 0) {
		if (key && !strcmp(key, "require_signature"))
			up_value(u->require_sig, sizeof u->require_sig, data, off, size);
		else if (key && !strcmp(key, "max_k_loss"))
			up_value(u->max_k_loss, sizeof u->max_k_loss, data, off, size);
		return MHD_YES; /* other fields are dropped */
	}
	if (u->cur != f) {
		up_close_file(u);
		if (u->have[f]) {
			u->bad = 1;
			snprintf(u->why, sizeof u->why, "field '%s' given twice", key);
			return MHD_NO;
		}
		char path[sizeof u->path[f]];
		snprintf(path, sizeof path, "%s/%s", u->dir, up_fields[f]);
		memcpy(u->path[f], path, sizeof path);
		u->fp = fopen(u->path[f], "wbx");
		if (!u->fp) {
			up_store_failed(u);
			return MHD_NO;
		}
		u->cur = f;
		u->have[f] = 1;
		/* the client's name for the report: its last path component, printable only */
		const char *b = filename ? strrchr(filename, '/') : NULL;
		b = b ? b + 1 : filename ? filename : up_fields[f];
		size_t k = 0;
		for (; *b && k + 1 < sizeof u->name[f]; b++)
			u->name[f][k++] = (*b >= 0x20 && *b != 0x7f && *b != '"' && *b != '\\') ? *b : '_';
		u->name[f][k] = '\0';
	}
	if (size && fwrite(data, 1, size, u->fp) != size) {
		up_store_failed(u);
		return MHD_NO;
	}
	return MHD_YES;
}

struct upload *up_new(struct MHD_Connection *c, _Atomic uint64_t *disk_used, uint64_t disk_budget)
{
	struct upload *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->cur = -1;
	u->status = 400;
	u->disk_used = disk_used;
	u->disk_budget = disk_budget;
	struct kolm_err e = {0};
	/* a server killed mid-upload leaves this directory; the next start's
	 * first upload removes it (kolm_tmpdir_make) */
	if (kolm_tmpdir_make(u->dir, sizeof u->dir, "kolm-verify", &e)) {
		u->dir[0] = '\0';
		u->bad = 1;
		u->status = 500;
		snprintf(u->why, sizeof u->why, "cannot make a temporary directory: %.160s", e.msg);
		return u;
	}
	u->pp = MHD_create_post_processor(c, 64 * 1024, up_iter, u);
	if (!u->pp) {
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "send the files as multipart/form-data (fields artifact, export, pubkey)");
	}
	return u;
}

void up_free(struct upload *u)
{
	if (!u)
		return;
	if (u->pp)
		MHD_destroy_post_processor(u->pp);
	if (u->fp)
		fclose(u->fp);
	for (int i = 0; i < UP_FILES; i++)
		if (u->have[i])
			unlink(u->path[i]);
	if (u->dir[0])
		kolm_tmpdir_remove(u->dir);
	if (u->disk_used)
		atomic_fetch_sub(u->disk_used, u->reserved);
	free(u);
}

char *up_unpath(const struct upload *u, const char *s)
{
	struct kolm_buf b = {0};
	size_t dl = strlen(u->dir);
	while (*s) {
		const char *hit = strstr(s, u->dir);
		if (!hit) {
			kolm_buf_add(&b, s, strlen(s));
			break;
		}
		kolm_buf_add(&b, s, (size_t)(hit - s));
		s = hit + dl;
		int f = -1;
		for (int i = 0; i < UP_FILES; i++) {
			size_t fl = strlen(up_fields[i]);
			if (s[0] == '/' && !strncmp(s + 1, up_fields[i], fl))
				f = i, s += 1 + fl;
		}
		if (f >= 0)
			kolm_buf_add(&b, u->name[f], strlen(u->name[f]));
	}
	if (!b.p && !b.oom)
		kolm_buf_add(&b, "", 0);
	return b.p;
}

enum MHD_Result up_feed(struct upload *u, const char *data, size_t n, uint64_t limit)
{
	u->total += n;
	if (u->total > limit)
		u->too_big = 1;
	/* the disk all uploads in flight may use together: reserved before
	 * anything is written, so two big uploads cannot fill the disk */
	if (!u->too_big && !u->disk_full && u->disk_used) {
		if (atomic_fetch_add(u->disk_used, n) + n > u->disk_budget) {
			atomic_fetch_sub(u->disk_used, n);
			u->disk_full = 1;
		} else {
			u->reserved += n;
		}
	}
	if (!u->too_big && !u->disk_full && !u->bad && u->pp && MHD_post_process(u->pp, data, n) != MHD_YES && !u->bad) {
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "malformed multipart body");
	}
	return u->total > limit + (64u << 20) ? MHD_NO : MHD_YES;
}

int up_finish(struct upload *u)
{
	if (u->pp && MHD_destroy_post_processor(u->pp) != MHD_YES && !u->bad) {
		u->bad = 1;
		snprintf(u->why, sizeof u->why, "malformed multipart body");
	}
	u->pp = NULL;
	up_close_file(u);
	return u->bad ? -1 : 0;
}
