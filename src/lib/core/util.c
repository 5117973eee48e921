#include "kolm/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

int kolm_map_open(struct kolm_map *m, const char *path, struct kolm_err *err)
{
	m->data = NULL;
	m->size = 0;
	m->fd = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kolm_err_set(err, errno == ENOENT ? KOLM_E_IO : KOLM_E_IO,
				    "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", path, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return kolm_err_set(err, KOLM_E_IO, "%s: is a directory", path);
	}
	if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			close(fd);
			return kolm_err_set(err, KOLM_E_IO, "%s: mmap: %s", path, strerror(e));
		}
		m->data = p;
	}
	m->size = (uint64_t)st.st_size;
	m->fd = fd;
	return KOLM_OK;
}

void kolm_map_close(struct kolm_map *m)
{
	if (!m)
		return;
	if (m->data)
		munmap((void *)m->data, (size_t)m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->data = NULL;
	m->size = 0;
	m->fd = -1;
}

void kolm_buf_add(struct kolm_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->cap ? b->cap * 2 : 256) + n;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

int kolm_files_get(const struct kolm_files *f, const char *name, struct kolm_map *m, struct kolm_err *err)
{
	m->data = NULL;
	m->size = 0;
	m->fd = -1;
	if (!f->dir) {
		for (int i = 0; i < f->n_views; i++) {
			if (!strcmp(f->views[i].name, name)) {
				m->data = f->views[i].data;
				m->size = f->views[i].size;
				return KOLM_OK;
			}
		}
		return kolm_err_set(err, KOLM_E_IO, "%s: no member %s", f->label ? f->label : "artifact", name);
	}
	char path[4096 + 256];
	if (snprintf(path, sizeof path, "%s/%s", f->dir, name) >= (int)sizeof path)
		return kolm_err_set(err, KOLM_E_USAGE, "%s: path too long", f->dir);
	return kolm_map_open(m, path, err);
}

void kolm_files_put(const struct kolm_files *f, struct kolm_map *m)
{
	if (f->dir)
		kolm_map_close(m);
	m->data = NULL;
	m->size = 0;
	m->fd = -1;
}

int kolm_file_read_all(const char *path, uint64_t max_bytes, char **out,
		       size_t *out_len, struct kolm_err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", path, strerror(errno));
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	int rc = KOLM_OK;
	if (!buf) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max_bytes) {
				rc = kolm_err_set(err, KOLM_E_TOOBIG, "%s: larger than %llu bytes",
						  path, (unsigned long long)max_bytes);
				goto out;
			}
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				rc = kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, fp);
		len += got;
		if (got == 0) {
			if (ferror(fp))
				rc = kolm_err_set(err, KOLM_E_IO, "%s: read error", path);
			break;
		}
	}
	if (rc == KOLM_OK && len > max_bytes)
		rc = kolm_err_set(err, KOLM_E_TOOBIG, "%s: larger than %llu bytes", path,
				  (unsigned long long)max_bytes);
out:
	fclose(fp);
	if (rc != KOLM_OK) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*out = buf;
	if (out_len)
		*out_len = len;
	return KOLM_OK;
}

static atomic_uint tmp_counter;

int kolm_out_open(struct kolm_out *o, const char *path, struct kolm_err *err)
{
	memset(o, 0, sizeof *o);
	/* temp files of earlier runs of this output that were killed */
	kolm_out_clean_stale(path);
	size_t n = strlen(path) + 64;
	o->path = kolm_strdup(path);
	o->tmp_path = malloc(n);
	if (!o->path || !o->tmp_path) {
		kolm_out_abort(o);
		return kolm_err_set(err, KOLM_E_NOMEM, "%s: out of memory", path);
	}
	snprintf(o->tmp_path, n, "%s.kolm-tmp.%ld.%u", path, (long)getpid(),
		 atomic_fetch_add(&tmp_counter, 1));
	int fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		kolm_err_set(err, KOLM_E_IO, "%s: %s", path, strerror(e));
		free(o->tmp_path);
		o->tmp_path = NULL;
		kolm_out_abort(o);
		return KOLM_E_IO;
	}
	o->fp = fdopen(fd, "wb");
	if (!o->fp) {
		close(fd);
		kolm_out_abort(o);
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", path, strerror(errno));
	}
	setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
	return KOLM_OK;
}

int kolm_out_write(struct kolm_out *o, const void *buf, size_t n, struct kolm_err *err)
{
	if (o->failed)
		return kolm_err_set(err, KOLM_E_IO, "%s: earlier write failed", o->path);
	if (n && fwrite(buf, 1, n, o->fp) != n) {
		o->failed = 1;
		return kolm_err_set(err, KOLM_E_IO, "%s: write: %s", o->path,
				    strerror(errno ? errno : EIO));
	}
	o->written += n;
	return KOLM_OK;
}

int kolm_out_pad(struct kolm_out *o, size_t n, struct kolm_err *err)
{
	static const uint8_t zeros[256];
	while (n) {
		size_t k = n < sizeof zeros ? n : sizeof zeros;
		int rc = kolm_out_write(o, zeros, k, err);
		if (rc)
			return rc;
		n -= k;
	}
	return KOLM_OK;
}

static void out_free(struct kolm_out *o)
{
	free(o->path);
	free(o->tmp_path);
	o->path = o->tmp_path = NULL;
	o->fp = NULL;
}

int kolm_out_commit(struct kolm_out *o, struct kolm_err *err)
{
	int rc = KOLM_OK;
	if (o->failed) {
		rc = kolm_err_set(err, KOLM_E_IO, "%s: earlier write failed", o->path);
		goto fail;
	}
	if (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0) {
		rc = kolm_err_set(err, KOLM_E_IO, "%s: %s", o->path, strerror(errno));
		goto fail;
	}
	if (fclose(o->fp) != 0) {
		o->fp = NULL;
		rc = kolm_err_set(err, KOLM_E_IO, "%s: %s", o->path, strerror(errno));
		goto fail;
	}
	o->fp = NULL;
	if (rename(o->tmp_path, o->path) != 0) {
		rc = kolm_err_set(err, KOLM_E_IO, "%s: rename: %s", o->path, strerror(errno));
		goto fail;
	}
	{
		char *dup = kolm_strdup(o->path);
		if (dup) {
			int dfd = open(dirname(dup), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				fsync(dfd);
				close(dfd);
			}
			free(dup);
		}
	}
	out_free(o);
	return KOLM_OK;
fail:
	kolm_out_abort(o);
	return rc;
}

void kolm_out_abort(struct kolm_out *o)
{
	if (!o)
		return;
	if (o->fp)
		fclose(o->fp);
	if (o->tmp_path)
		unlink(o->tmp_path);
	out_free(o);
}

int kolm_file_write_atomic(const char *path, const void *buf, size_t n, struct kolm_err *err)
{
	struct kolm_out o;
	int rc = kolm_out_open(&o, path, err);
	if (rc)
		return rc;
	rc = kolm_out_write(&o, buf, n, err);
	if (rc) {
		kolm_out_abort(&o);
		return rc;
	}
	return kolm_out_commit(&o, err);
}

int kolm_out_clean_stale(const char *path)
{
	char *d1 = kolm_strdup(path), *d2 = kolm_strdup(path);
	int removed = 0;
	if (!d1 || !d2)
		goto out;
	const char *dir = dirname(d1), *base = basename(d2);
	size_t blen = strlen(base);
	DIR *dp = opendir(dir);
	if (!dp)
		goto out;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    strncmp(de->d_name + blen, ".kolm-tmp.", 10) != 0)
			continue;
		long pid = strtol(de->d_name + blen + 10, NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue; /* still running */
		char full[4096];
		if (snprintf(full, sizeof full, "%s/%s", dir, de->d_name) < (int)sizeof full &&
		    unlink(full) == 0)
			removed++;
	}
	closedir(dp);
out:
	free(d1);
	free(d2);
	return removed;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

int kolm_out_dir_free(const char *path, struct kolm_err *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return KOLM_OK;
	DIR *d = S_ISDIR(sb.st_mode) ? opendir(path) : NULL;
	int empty = d != NULL;
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	if (d)
		closedir(d);
	return empty ? KOLM_OK : kolm_err_set(err, KOLM_E_IO, "%s: exists and is not an empty directory (remove it first)", path);
}

void kolm_tmpdir_remove(const char *dir)
{
	if (dir && *dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* "$TMPDIR/kolm-<uid>", made 0700 and checked to be the user's own. */
static int tmp_root(char *root, size_t cap, struct kolm_err *err)
{
	const char *t = getenv("TMPDIR");
	if (!t || !*t)
		t = "/tmp";
	if (snprintf(root, cap, "%s/kolm-%lu", t, (unsigned long)getuid()) >= (int)cap)
		return kolm_err_set(err, KOLM_E_IO, "TMPDIR: path too long");
	if (mkdir(root, 0700) != 0 && errno != EEXIST)
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", root, strerror(errno));
	struct stat sb;
	if (lstat(root, &sb) != 0)
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", root, strerror(errno));
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != getuid() || (sb.st_mode & 077))
		return kolm_err_set(err, KOLM_E_IO, "%s: not a private directory of this user (mode 0700, owned by uid %lu)",
				    root, (unsigned long)getuid());
	return KOLM_OK;
}

int kolm_tmpdir_make(char *dir, size_t cap, const char *what, struct kolm_err *err)
{
	char root[4096];
	int rc = tmp_root(root, sizeof root, err);
	if (rc)
		return rc;
	DIR *dp = opendir(root);
	struct dirent *de;
	size_t wl = strlen(what);
	while (dp && (de = readdir(dp))) {
		/* "<what>-<pid>-XXXXXX" of a process that is gone: a killed run's */
		const char *dash = strchr(de->d_name, '-');
		if (!dash || de->d_name[0] == '.')
			continue;
		const char *pp = strrchr(de->d_name, '-');
		if (pp == dash)
			continue;
		const char *ps = pp - 1;
		while (ps > de->d_name && ps[-1] != '-')
			ps--;
		long pid = strtol(ps, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue;
		char full[4200];
		if (snprintf(full, sizeof full, "%s/%s", root, de->d_name) < (int)sizeof full)
			kolm_tmpdir_remove(full);
	}
	if (dp)
		closedir(dp);
	if (snprintf(dir, cap, "%s/%.*s-%ld-XXXXXX", root, (int)wl, what, (long)getpid()) >= (int)cap)
		return kolm_err_set(err, KOLM_E_IO, "TMPDIR: path too long");
	if (!mkdtemp(dir))
		return kolm_err_set(err, KOLM_E_IO, "%s: %s", root, strerror(errno));
	return KOLM_OK;
}

/* OpenSSL's reason for the last failure, for the one-line error. */
static int sha_fail(struct kolm_err *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char r[256] = "no reason given";
	if (e)
		ERR_error_string_n(e, r, sizeof r);
	ERR_clear_error();
	return kolm_err_set(err, KOLM_E_IO, "SHA-256 unavailable: OpenSSL %s failed (%s)", what, r);
}

int kolm_sha256_init(struct kolm_sha256 *s, struct kolm_err *err)
{
	s->bad = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		s->ctx = NULL;
		return sha_fail(err, "EVP_DigestInit_ex");
	}
	s->ctx = c;
	return KOLM_OK;
}

void kolm_sha256_update(struct kolm_sha256 *s, const void *buf, size_t n)
{
	if (!s->ctx)
		s->bad = 1;
	else if (n && EVP_DigestUpdate((EVP_MD_CTX *)s->ctx, buf, n) != 1)
		s->bad = 1;
}

int kolm_sha256_final(struct kolm_sha256 *s, uint8_t out[32], struct kolm_err *err)
{
	unsigned int len = 0;
	int rc = KOLM_OK;
	if (!s->ctx || s->bad || EVP_DigestFinal_ex((EVP_MD_CTX *)s->ctx, out, &len) != 1 || len != 32) {
		memset(out, 0, 32);
		rc = sha_fail(err, s->ctx && !s->bad ? "EVP_DigestFinal_ex" : "EVP_DigestUpdate");
	}
	kolm_sha256_release(s);
	return rc;
}

void kolm_sha256_release(struct kolm_sha256 *s)
{
	if (s->ctx)
		EVP_MD_CTX_free((EVP_MD_CTX *)s->ctx);
	s->ctx = NULL;
}

int kolm_sha256_buf(const void *buf, size_t n, uint8_t out[32], struct kolm_err *err)
{
	unsigned int len = 0;
	if (EVP_Digest(buf, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32) {
		memset(out, 0, 32);
		return sha_fail(err, "EVP_Digest");
	}
	return KOLM_OK;
}

void kolm_hex(const uint8_t *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int kolm_sha256_hex_range(const uint8_t *p, uint64_t n, char out[65], struct kolm_err *err)
{
	struct kolm_sha256 s;
	uint8_t d[32];
	int rc = kolm_sha256_init(&s, err);
	if (!rc) {
		const uint64_t chunk = 8u << 20;
		for (uint64_t off = 0; off < n; off += chunk) {
			uint64_t k = n - off < chunk ? n - off : chunk;
			kolm_sha256_update(&s, p + off, (size_t)k);
		}
		rc = kolm_sha256_final(&s, d, err);
	}
	if (rc) {
		memset(out, '0', 64);
		out[64] = '\0';
		return rc;
	}
	kolm_hex(d, 32, out);
	return KOLM_OK;
}

int kolm_strlcpy(char *dst, const char *src, size_t cap)
{
	if (!cap)
		return -1;
	size_t n = strlen(src);
	if (n >= cap) {
		memcpy(dst, src, cap - 1);
		dst[cap - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

char *kolm_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int kolm_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 1000;
	int prev[65], cur[65];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = (a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1;
			int v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			cur[j] = v;
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

char *kolm_shell_quote(const char *s)
{
	int safe = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@,+%~", *p) ||
		    (p == s && *p == '~'))
			safe = 0;
	if (safe)
		return strdup(s);
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *out = malloc(n), *q = out;
	if (!out)
		return NULL;
	*q++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else {
			*q++ = *p;
		}
	}
	*q++ = '\'';
	*q = '\0';
	return out;
}

/* v in units of 1, 10^3, 10^6 and 10^9, each with its suffix and digits */
static const char *fmt_scaled(char *buf, size_t cap, double v, const char *const unit[4], const int prec[4])
{
	static const double div[4] = {1, 1e3, 1e6, 1e9};
	int k = !(v >= 1e3) ? 0 : v < 1e6 ? 1 : v < 1e9 ? 2 : 3;
	snprintf(buf, cap, "%.*f%s", prec[k], k ? v / div[k] : v > 0 ? v : 0, unit[k]);
	return buf;
}

const char *kolm_fmt_bytes(char *buf, size_t cap, double b)
{
	static const char *const unit[4] = {" B", " kB", " MB", " GB"};
	static const int prec[4] = {0, 1, 1, 2};
	return fmt_scaled(buf, cap, b, unit, prec);
}

const char *kolm_fmt_count(char *buf, size_t cap, double n)
{
	static const char *const unit[4] = {"", "K", "M", "B"};
	static const int prec[4] = {0, 0, 1, 2};
	return fmt_scaled(buf, cap, n, unit, prec);
}

const char *kolm_fmt_rate(char *buf, size_t cap, double v)
{
	if (!isfinite(v))
		snprintf(buf, cap, "-");
	else if (v >= 100)
		snprintf(buf, cap, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, cap, "%.1f", v);
	else if (v >= 0.1 || v <= 0)
		snprintf(buf, cap, "%.2f", v);
	else /* two significant digits, in plain notation: 0.0012 */
		snprintf(buf, cap, "%.*f", (int)fmin(12, 1 - floor(log10(v))), v);
	return buf;
}
