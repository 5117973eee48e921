/* tree.c - every regular file under a directory with its size and SHA-256
 * (util.h kolm_tree_files): what an upstream export's receipt lists and
 * what kolm verify hashes again.  Nothing is followed: a symlink, device,
 * FIFO or socket anywhere in the tree refuses it, so what is hashed is
 * exactly what lies under the root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "kolm/util.h"

#define TREE_MAX_FILES 100000
#define TREE_MAX_DEPTH 32

struct entry {
	char *path;
	uint64_t size;
	char sha[65];
};

struct walk {
	struct entry *e;
	size_t n, cap;
	char *why;
	size_t why_cap;
	struct kolm_err *err;
};

/* A name is kept as it is written into JSON and into the signed statement
 * ("<sha> <size> <path>" a line): no control characters. */
static int name_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int hash_fd(int fd, char hex[65], uint64_t *size, struct kolm_err *err)
{
	struct kolm_sha256 s;
	int rc = kolm_sha256_init(&s, err);
	if (rc)
		return rc;
	enum { BUF = 1 << 20 };
	char *buf = malloc(BUF);
	if (!buf) {
		kolm_sha256_release(&s);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	uint64_t total = 0;
	for (;;) {
		ssize_t r = read(fd, buf, BUF);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = kolm_err_set(err, KOLM_E_IO, "read: %s", strerror(errno));
			break;
		}
		if (r == 0)
			break;
		kolm_sha256_update(&s, buf, (size_t)r);
		total += (uint64_t)r;
	}
	free(buf);
	uint8_t md[32];
	if (rc) {
		kolm_sha256_release(&s);
		return rc;
	}
	if ((rc = kolm_sha256_final(&s, md, err)))
		return rc;
	kolm_hex(md, 32, hex);
	*size = total;
	return KOLM_OK;
}

static int add_file(struct walk *w, int dfd, const char *name, const char *rel)
{
	if (w->n == TREE_MAX_FILES) {
		snprintf(w->why, w->why_cap, "more than %d files", TREE_MAX_FILES);
		return KOLM_E_NO;
	}
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 64;
		struct entry *ne = realloc(w->e, nc * sizeof *ne);
		if (!ne)
			return kolm_err_set(w->err, KOLM_E_NOMEM, "out of memory");
		w->e = ne;
		w->cap = nc;
	}
	/* O_NONBLOCK: a FIFO swapped in after the listing fails fstat's check
	 * below instead of blocking the open */
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return kolm_err_set(w->err, KOLM_E_IO, "%s: %s", rel, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) { /* swapped in between the listing and here */
		close(fd);
		snprintf(w->why, w->why_cap, "%s is not a regular file", rel);
		return KOLM_E_NO;
	}
	struct entry *x = &w->e[w->n];
	int rc = hash_fd(fd, x->sha, &x->size, w->err);
	close(fd);
	if (rc)
		return kolm_err_prefix(w->err, "%s", rel);
	if (!(x->path = kolm_strdup(rel)))
		return kolm_err_set(w->err, KOLM_E_NOMEM, "out of memory");
	w->n++;
	return KOLM_OK;
}

static int walk_dir(struct walk *w, int dfd, const char *prefix, int depth)
{
	if (depth > TREE_MAX_DEPTH) {
		snprintf(w->why, w->why_cap, "%s is nested deeper than %d directories", prefix, TREE_MAX_DEPTH);
		return KOLM_E_NO;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return kolm_err_set(w->err, KOLM_E_IO, "%s: %s", *prefix ? prefix : ".", strerror(e));
	}
	int rc = KOLM_OK;
	struct dirent *de;
	while (!rc && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char rel[4096];
		if (snprintf(rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", de->d_name) >= (int)sizeof rel) {
			snprintf(w->why, w->why_cap, "a path under %s is too long", *prefix ? prefix : ".");
			rc = KOLM_E_NO;
			break;
		}
		if (!name_ok(de->d_name)) {
			snprintf(w->why, w->why_cap, "a file name under %s has a control character", *prefix ? prefix : ".");
			rc = KOLM_E_NO;
			break;
		}
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = kolm_err_set(w->err, KOLM_E_IO, "%s: %s", rel, strerror(errno));
		} else if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			rc = sub < 0 ? kolm_err_set(w->err, KOLM_E_IO, "%s: %s", rel, strerror(errno))
				     : walk_dir(w, sub, rel, depth + 1);
		} else if (S_ISREG(sb.st_mode)) {
			rc = add_file(w, dirfd(d), de->d_name, rel);
		} else {
			snprintf(w->why, w->why_cap, "%s is a %s, not a regular file", rel,
				 S_ISLNK(sb.st_mode) ? "symbolic link" : "device, FIFO or socket");
			rc = KOLM_E_NO;
		}
	}
	if (!rc && errno)
		rc = kolm_err_set(w->err, KOLM_E_IO, "%s: %s", *prefix ? prefix : ".", strerror(errno));
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

int kolm_tree_files(const char *root, json_t **files, char *why, size_t cap, struct kolm_err *err)
{
	*files = NULL;
	struct walk w = {NULL, 0, 0, why, cap, err};
	struct stat sb;
	if (lstat(root, &sb) != 0)
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", root, strerror(errno));
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(why, cap, "%s is not a directory", root);
		return KOLM_E_NO;
	}
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = fd < 0 ? kolm_err_set(err, KOLM_E_IO, "%s: %s", root, strerror(errno)) : walk_dir(&w, fd, "", 0);
	json_t *arr = rc ? NULL : json_array();
	if (!rc && !arr)
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	if (!rc)
		qsort(w.e, w.n, sizeof *w.e, by_path);
	for (size_t i = 0; !rc && i < w.n; i++)
		if (json_array_append_new(arr, json_pack("{s:s,s:I,s:s}", "path", w.e[i].path, "size",
							 (json_int_t)w.e[i].size, "sha256", w.e[i].sha)))
			rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (size_t i = 0; i < w.n; i++)
		free(w.e[i].path);
	free(w.e);
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*files = arr;
	return KOLM_OK;
}
