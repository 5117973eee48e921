/* artifact.c - reading and writing the .kolm tar (artifact.h): members in
 * place, the container rules, the manifest's structure, the eval pack. */
#include "artifact_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "kolm/hfdir.h"
#include "kolm/model.h"

enum { MAX_MEMBERS = 4096 };

/* Member order: the rank must never decrease; 0 is kolm.json alone. */
static int member_rank(const char *name)
{
	static const char *tok[] = {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
				    "special_tokens_map.json", "generation_config.json", "added_tokens.json"};
	size_t l = strlen(name);
	if (!strcmp(name, "kolm.json"))
		return 0;
	if (!strcmp(name, "config.json"))
		return 1;
	for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++)
		if (!strcmp(name, tok[i]))
			return 2;
	if (!strcmp(name, "evalpack.jsonl"))
		return 3;
	if (!strcmp(name, "model.safetensors.index.json") || (l > 12 && !strcmp(name + l - 12, ".safetensors")))
		return 4;
	if (!strcmp(name, "kolm.sig"))
		return 5;
	return -1;
}

static const char *rank_name(int r)
{
	static const char *n[] = {"kolm.json", "config.json", "tokenizer files", "evalpack.jsonl", "weights", "kolm.sig"};
	return r >= 0 && r < 6 ? n[r] : "?";
}

__attribute__((format(printf, 3, 4)))
static void why(char *buf, size_t cap, const char *fmt, ...)
{
	if (buf[0])
		return; /* the first problem is the one reported */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

static int safe_name(const char *p)
{
	if (!*p || p[0] == '/')
		return 0;
	for (const char *s = p; *s; s++) {
		if ((unsigned char)*s < 0x20)
			return 0;
	}
	/* no ".." component anywhere */
	const char *s = p;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return 0;
		s = e ? e + 1 : s + n;
	}
	return 1;
}

static void container_rules(struct kolm_artifact *a)
{
	char *w = a->container_why;
	size_t cap = sizeof a->container_why;
	int last = -1, have_tok = 0, have_w = 0;
	json_t *seen = json_object(); /* a hash set: linear time whatever the member count */
	for (int i = 0; i < a->n; i++) {
		const char *nm = a->m[i].name;
		if (!seen || json_object_get(seen, nm))
			why(w, cap, seen ? "member %s appears twice" : "out of memory checking member %s", nm);
		else
			json_object_set_new_nocheck(seen, nm, json_true());
		int r = member_rank(nm);
		if (r < 0) {
			why(w, cap, "unexpected member %s", nm);
			continue;
		}
		if (i == 0 && r != 0)
			why(w, cap, "first member is %s, not kolm.json", nm);
		if (r < last)
			why(w, cap, "member %s comes after %s (order: kolm.json, config.json, tokenizer files, evalpack.jsonl, "
				    "weights, kolm.sig)",
			    nm, rank_name(last));
		if (r == 0 && i != 0)
			why(w, cap, "kolm.json is not the first member");
		if (!strcmp(nm, "tokenizer.json") || !strcmp(nm, "tokenizer.model"))
			have_tok = 1;
		size_t l = strlen(nm);
		if (l > 12 && !strcmp(nm + l - 12, ".safetensors"))
			have_w = 1;
		last = r > last ? r : last;
	}
	json_decref(seen);
	static const char *req[] = {"kolm.json", "config.json", "evalpack.jsonl"};
	for (size_t k = 0; k < 3; k++)
		if (!kolm_artifact_member(a, req[k]))
			why(w, cap, "required member %s is missing", req[k]);
	if (!have_tok)
		why(w, cap, "no tokenizer (tokenizer.json or tokenizer.model)");
	if (!have_w)
		why(w, cap, "no weights (*.safetensors)");
}

/* After the last member's data (padded to a 512-byte block) only the
 * end-of-archive marker and padding may follow, all zero bytes: anything
 * else is a second archive that `tar -i` would extract and the signature
 * does not cover. */
static void trailing_bytes(struct kolm_artifact *a)
{
	uint64_t end = 0;
	for (int i = 0; i < a->n; i++) {
		uint64_t e = a->m[i].offset + ((a->m[i].size + 511) / 512) * 512;
		if (e > end)
			end = e;
	}
	if (a->n == 0 || end > a->map.size)
		return;
	for (uint64_t k = end; k < a->map.size; k++)
		if (a->map.data[k]) {
			why(a->container_why, sizeof a->container_why,
			    "%llu bytes after the tar's end-of-archive marker are not zero padding (data at offset %llu)",
			    (unsigned long long)(a->map.size - end), (unsigned long long)k);
			return;
		}
}

int kolm_artifact_scan(struct kolm_artifact **out, const char *path, struct kolm_err *err)
{
	struct kolm_artifact *a = calloc(1, sizeof *a);
	if (!a)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	a->map.fd = -1;
	a->path = kolm_strdup(path);
	int rc = kolm_map_open(&a->map, path, err);
	if (rc || !a->path) {
		kolm_artifact_close(a);
		return rc ? rc : kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	if (!ar) {
		kolm_artifact_close(a);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	archive_read_support_format_tar(ar); /* tar only: no compression filters, no other formats */
	if (!a->map.data) {
		why(a->container_why, sizeof a->container_why, "empty file");
	} else if (archive_read_open_memory(ar, a->map.data, (size_t)a->map.size) != ARCHIVE_OK) {
		why(a->container_why, sizeof a->container_why, "not an uncompressed tar: %s", archive_error_string(ar));
	} else {
		for (;;) {
			int r = archive_read_next_header(ar, &e);
			if (r == ARCHIVE_EOF)
				break;
			if (r != ARCHIVE_OK) {
				why(a->container_why, sizeof a->container_why, "not a well-formed tar: %s",
				    archive_error_string(ar) ? archive_error_string(ar) : "bad header");
				if (r == ARCHIVE_FATAL || r == ARCHIVE_FAILED)
					break;
			}
			const char *nm = archive_entry_pathname(e);
			if (!nm)
				nm = "";
			if (a->n >= MAX_MEMBERS) {
				why(a->container_why, sizeof a->container_why, "more than %d members", MAX_MEMBERS);
				break;
			}
			mode_t ft = archive_entry_filetype(e);
			if (ft != AE_IFREG || archive_entry_hardlink(e))
				why(a->container_why, sizeof a->container_why, "member %s is not a regular file (%s)", nm,
				    ft == AE_IFLNK ? "symlink" : archive_entry_hardlink(e) ? "hard link" : ft == AE_IFDIR ? "directory"
															    : "device or special");
			if (!safe_name(nm))
				why(a->container_why, sizeof a->container_why, "member '%s' has an unsafe path (%s)", nm,
				    nm[0] == '/' ? "absolute" : "'..' or control characters");
			else if (strchr(nm, '/'))
				why(a->container_why, sizeof a->container_why, "member %s is in a subdirectory (kolm/1 is flat)", nm);
			if (archive_entry_sparse_count(e) > 0)
				why(a->container_why, sizeof a->container_why, "member %s is sparse", nm);
			int64_t size = archive_entry_size(e);
			int64_t off = archive_filter_bytes(ar, -1);
			struct kolm_member *nmv = realloc(a->m, sizeof *nmv * (size_t)(a->n + 1));
			if (!nmv) {
				archive_read_free(ar);
				kolm_artifact_close(a);
				return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			}
			a->m = nmv;
			struct kolm_member *m = &a->m[a->n++];
			m->name = kolm_strdup(nm);
			m->size = size > 0 ? (uint64_t)size : 0;
			m->offset = off > 0 ? (uint64_t)off : 0;
			m->data = NULL;
			if (!m->name) {
				archive_read_free(ar);
				kolm_artifact_close(a);
				return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
			}
			if (size < 0 || off < 0 || m->offset > a->map.size || m->size > a->map.size - m->offset) {
				why(a->container_why, sizeof a->container_why, "member %s runs past the end of the file (truncated)",
				    nm);
			} else {
				m->data = a->map.data + m->offset;
				/* the data really is where the offset says: libarchive's first block agrees */
				const void *blk;
				size_t bl;
				la_int64_t bo;
				if (m->size > 0) {
					int dr = archive_read_data_block(ar, &blk, &bl, &bo);
					if (dr != ARCHIVE_OK && dr != ARCHIVE_EOF)
						why(a->container_why, sizeof a->container_why, "member %s: %s", nm,
						    archive_error_string(ar) ? archive_error_string(ar) : "unreadable data");
					else if (dr == ARCHIVE_OK && (bo != 0 || bl > m->size || memcmp(blk, m->data, bl)))
						why(a->container_why, sizeof a->container_why, "member %s is not stored contiguously", nm);
				}
			}
			if (archive_read_data_skip(ar) != ARCHIVE_OK) {
				why(a->container_why, sizeof a->container_why, "not a well-formed tar: %s",
				    archive_error_string(ar) ? archive_error_string(ar) : "truncated member");
				break;
			}
		}
	}
	archive_read_free(ar);
	if (!a->container_why[0])
		trailing_bytes(a);
	if (!a->container_why[0])
		container_rules(a);
	a->views = calloc((size_t)a->n + 1, sizeof *a->views);
	if (!a->views) {
		kolm_artifact_close(a);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	for (int i = 0; i < a->n; i++) {
		a->views[i].name = a->m[i].name;
		a->views[i].data = a->m[i].data;
		a->views[i].size = a->m[i].data ? a->m[i].size : 0;
	}
	const struct kolm_member *km = kolm_artifact_member(a, "kolm.json");
	if (!km || !km->data) {
		why(a->manifest_why, sizeof a->manifest_why, "no kolm.json member");
	} else {
		json_error_t je;
		a->manifest = json_loadb((const char *)km->data, (size_t)km->size, JSON_REJECT_DUPLICATES, &je);
		if (!a->manifest)
			why(a->manifest_why, sizeof a->manifest_why, "kolm.json: line %d: %s", je.line, je.text);
		else
			kolm_manifest_check(a->manifest, a->manifest_why, sizeof a->manifest_why);
	}
	*out = a;
	return KOLM_OK;
}

int kolm_artifact_open(struct kolm_artifact **out, const char *path, struct kolm_err *err)
{
	struct kolm_artifact *a;
	int rc = kolm_artifact_scan(&a, path, err);
	if (rc)
		return rc;
	if (a->container_why[0] || a->manifest_why[0]) {
		rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: %s", path, a->container_why[0] ? a->container_why : a->manifest_why);
		kolm_artifact_close(a);
		return rc;
	}
	*out = a;
	return KOLM_OK;
}

void kolm_artifact_close(struct kolm_artifact *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->n; i++)
		free(a->m[i].name);
	free(a->m);
	free(a->views);
	json_decref(a->manifest);
	kolm_map_close(&a->map);
	free(a->path);
	free(a);
}

const struct kolm_member *kolm_artifact_member(const struct kolm_artifact *a, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->m[i].name, name))
			return &a->m[i];
	return NULL;
}

void kolm_artifact_files(const struct kolm_artifact *a, struct kolm_files *f)
{
	f->dir = NULL;
	f->views = a->views;
	f->n_views = a->n;
	f->label = a->path;
}

/* ---- manifest structure (docs/kolm-manifest.schema.json) -------------- */

static int is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int only_keys(const json_t *o, const char *const *keys, char *w, size_t cap, const char *where)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		int ok = 0;
		for (const char *const *p = keys; *p; p++)
			if (!strcmp(*p, k))
				ok = 1;
		if (!ok) {
			snprintf(w, cap, "manifest: %s has an unknown field '%s'", where, k);
			return 1;
		}
	}
	return 0;
}

static int nonempty_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s;
}

/* RFC 3339 date-time, UTC: 2026-11-27T01:23:45Z (the pattern in the schema) */
static int is_datetime(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	if (!s || strlen(s) != sizeof pat - 1)
		return 0;
	for (size_t i = 0; i < sizeof pat - 1; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	}
	return 1;
}

int kolm_manifest_check(const json_t *m, char *w, size_t cap)
{
	w[0] = '\0';
	static const char *const top[] = {"schema", "name", "base", "architecture", "members", "evalpack",
					  "k_score", "gate", "created", "tool", NULL};
	if (!json_is_object(m))
		return snprintf(w, cap, "manifest: not a JSON object"), 1;
	for (const char *const *p = top; *p; p++)
		if (!json_object_get(m, *p))
			return snprintf(w, cap, "manifest: required field '%s' is missing", *p), 1;
	if (only_keys(m, top, w, cap, "the manifest"))
		return 1;
	const char *sc = json_string_value(json_object_get(m, "schema"));
	if (!sc || strcmp(sc, KOLM_ARTIFACT_SCHEMA))
		return snprintf(w, cap, "manifest: schema is not \"%s\"", KOLM_ARTIFACT_SCHEMA), 1;
	static const char *const strs[] = {"name", "base", "architecture", "tool", NULL};
	for (const char *const *p = strs; *p; p++)
		if (!nonempty_str(m, *p))
			return snprintf(w, cap, "manifest: '%s' must be a non-empty string", *p), 1;
	if (!is_datetime(json_string_value(json_object_get(m, "created"))))
		return snprintf(w, cap, "manifest: 'created' must be a UTC date-time like 2026-11-27T01:23:45Z"), 1;
	json_t *g = json_object_get(m, "gate");
	if (!json_is_number(g) || json_number_value(g) < 0 || json_number_value(g) > 1)
		return snprintf(w, cap, "manifest: 'gate' must be a number in [0, 1]"), 1;
	json_t *mem = json_object_get(m, "members");
	if (!json_is_array(mem) || json_array_size(mem) < 3)
		return snprintf(w, cap, "manifest: 'members' must be an array of at least 3 members"), 1;
	size_t i;
	json_t *x;
	static const char *const mk[] = {"name", "size", "sha256", NULL};
	json_t *seen = json_object(); /* names seen: a hash set, linear time */
	if (!seen)
		return snprintf(w, cap, "manifest: out of memory"), 1;
	json_array_foreach(mem, i, x)
	{
		char where[48];
		snprintf(where, sizeof where, "members[%zu]", i);
		if (!json_is_object(x))
			return json_decref(seen), snprintf(w, cap, "manifest: %s is not an object", where), 1;
		if (only_keys(x, mk, w, cap, where))
			return json_decref(seen), 1;
		const char *nm = json_string_value(json_object_get(x, "name"));
		if (!nm || member_rank(nm) <= 0 || !strcmp(nm, "kolm.sig") || strchr(nm, '/'))
			return json_decref(seen), snprintf(w, cap, "manifest: %s.name is not a kolm/1 member name", where), 1;
		json_t *sz = json_object_get(x, "size");
		if (!json_is_integer(sz) || json_integer_value(sz) < 0)
			return json_decref(seen), snprintf(w, cap, "manifest: %s.size must be a non-negative integer", where), 1;
		if (!is_hex64(json_string_value(json_object_get(x, "sha256"))))
			return json_decref(seen), snprintf(w, cap, "manifest: %s.sha256 must be 64 lowercase hex digits", where), 1;
		if (json_object_get(seen, nm))
			return json_decref(seen), snprintf(w, cap, "manifest: member %s is listed twice", nm), 1;
		json_object_set_new(seen, nm, json_true());
	}
	json_decref(seen);
	json_t *ep = json_object_get(m, "evalpack");
	static const char *const ek[] = {"member", "sha256", "items", NULL};
	if (!json_is_object(ep))
		return snprintf(w, cap, "manifest: 'evalpack' must be an object"), 1;
	if (only_keys(ep, ek, w, cap, "evalpack"))
		return 1;
	const char *em = json_string_value(json_object_get(ep, "member"));
	if (!em || strcmp(em, "evalpack.jsonl"))
		return snprintf(w, cap, "manifest: evalpack.member must be \"evalpack.jsonl\""), 1;
	if (!is_hex64(json_string_value(json_object_get(ep, "sha256"))))
		return snprintf(w, cap, "manifest: evalpack.sha256 must be 64 lowercase hex digits"), 1;
	json_t *it = json_object_get(ep, "items");
	if (!json_is_integer(it) || json_integer_value(it) < 1)
		return snprintf(w, cap, "manifest: evalpack.items must be an integer >= 1"), 1;
	json_t *k = json_object_get(m, "k_score");
	if (!json_is_null(k)) {
		static const char *const kk[] = {"value", "source", "method", NULL};
		if (!json_is_object(k))
			return snprintf(w, cap, "manifest: 'k_score' must be null or an object"), 1;
		if (only_keys(k, kk, w, cap, "k_score"))
			return 1;
		json_t *v = json_object_get(k, "value");
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
			return snprintf(w, cap, "manifest: k_score.value must be a number in [0, 1]"), 1;
		const char *src = json_string_value(json_object_get(k, "source"));
		if (!src || (strcmp(src, "measured") && strcmp(src, "declared")))
			return snprintf(w, cap, "manifest: k_score.source must be \"measured\" or \"declared\""), 1;
		if (!nonempty_str(k, "method"))
			return snprintf(w, cap, "manifest: k_score.method must be a non-empty string"), 1;
	}
	return 0;
}

/* ---- integrity (verify's check 3, export's first step) ---------------- */

/* Every member's size and SHA-256 as the manifest says, nothing extra,
 * the eval pack well-formed with the stated item count.  KOLM_OK; KOLM_E_NO
 * with why set when something differs; another code (err) when a digest
 * cannot be computed at all: never a pass on a hash that was not made.
 * Linear time: the tar's members are looked up in a hash set. */
int kolm_artifact_integrity(const struct kolm_artifact *a, char *why, size_t cap, uint64_t *total, struct kolm_err *err)
{
	json_t *mem = json_object_get(a->manifest, "members");
	json_t *idx = json_object(); /* tar member name -> index */
	size_t i;
	json_t *x;
	uint64_t bytes = 0;
	int rc = KOLM_OK;
	char hex[65];
	if (!idx)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	for (int k = 0; k < a->n; k++)
		json_object_set_new_nocheck(idx, a->m[k].name, json_integer(k));
	json_t *listed = json_object();
	if (!listed) {
		json_decref(idx);
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	}
	json_array_foreach(mem, i, x)
	{
		const char *nm = json_string_value(json_object_get(x, "name"));
		json_t *at = json_object_get(idx, nm);
		const struct kolm_member *m = at ? &a->m[json_integer_value(at)] : NULL;
		json_object_set_new(listed, nm, json_true());
		if (!m) {
			snprintf(why, cap, "%s is in the manifest but not in the tar", nm);
			rc = KOLM_E_NO;
			goto out;
		}
		if ((json_int_t)m->size != json_integer_value(json_object_get(x, "size"))) {
			snprintf(why, cap, "%s is %llu bytes; the manifest says %lld", nm, (unsigned long long)m->size,
				 (long long)json_integer_value(json_object_get(x, "size")));
			rc = KOLM_E_NO;
			goto out;
		}
		if ((rc = kolm_sha256_hex_range(m->data, m->size, hex, err))) {
			kolm_err_prefix(err, "%s", nm);
			goto out;
		}
		if (strcmp(hex, json_string_value(json_object_get(x, "sha256")))) {
			snprintf(why, cap, "%s: SHA-256 %.12s… does not match the manifest's %.12s…", nm, hex,
				 json_string_value(json_object_get(x, "sha256")));
			rc = KOLM_E_NO;
			goto out;
		}
		bytes += m->size;
	}
	for (int k = 0; k < a->n; k++) {
		const char *nm = a->m[k].name;
		if (strcmp(nm, "kolm.json") && strcmp(nm, "kolm.sig") && !json_object_get(listed, nm)) {
			snprintf(why, cap, "member %s is not in the manifest", nm);
			rc = KOLM_E_NO;
			goto out;
		}
	}
	json_t *ep = json_object_get(a->manifest, "evalpack");
	const struct kolm_member *ev = kolm_artifact_member(a, "evalpack.jsonl");
	if ((rc = kolm_sha256_hex_range(ev->data, ev->size, hex, err)))
		goto out;
	if (strcmp(hex, json_string_value(json_object_get(ep, "sha256")))) {
		snprintf(why, cap, "evalpack.jsonl does not match the manifest's eval pack digest");
		rc = KOLM_E_NO;
		goto out;
	}
	int64_t items = 0;
	struct kolm_err e = {0};
	if (kolm_evalpack_check(ev->data ? ev->data : (const uint8_t *)"", ev->size, "evalpack.jsonl", &items, &e)) {
		snprintf(why, cap, "%s", e.msg);
		rc = KOLM_E_NO;
		goto out;
	}
	if (items != json_integer_value(json_object_get(ep, "items"))) {
		snprintf(why, cap, "evalpack.jsonl has %lld items; the manifest says %lld", (long long)items,
			 (long long)json_integer_value(json_object_get(ep, "items")));
		rc = KOLM_E_NO;
		goto out;
	}
	if (total)
		*total = bytes;
out:
	json_decref(listed);
	json_decref(idx);
	return rc;
}

/* ---- eval pack --------------------------------------------------------- */

static int token_array(const json_t *a)
{
	if (!json_is_array(a))
		return 0;
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x) if (!json_is_integer(x) || json_integer_value(x) < 0) return 0;
	return 1;
}

int kolm_evalpack_check(const uint8_t *buf, uint64_t n, const char *label, int64_t *items, struct kolm_err *err)
{
	int64_t line = 0, count = 0;
	json_t *ids = json_object();
	if (!ids)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	const char *p = (const char *)buf, *end = p + n;
	int rc = KOLM_OK;
	static const char *const keys[] = {"id", "prompt", "expected", "match", "prompt_tokens", "expected_tokens", NULL};
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		const char *q = p;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == le) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: empty line", label, (long long)line);
			break;
		}
		json_error_t je;
		json_t *o = json_loadb(p, (size_t)(le - p), JSON_REJECT_DUPLICATES, &je);
		char w[200];
		if (!o) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: %s", label, (long long)line, je.text);
		} else if (!json_is_object(o)) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: not a JSON object", label, (long long)line);
		} else if (only_keys(o, keys, w, sizeof w, "the item")) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: %s", label, (long long)line, w + 10);
		} else if (!nonempty_str(o, "id") || !json_is_string(json_object_get(o, "prompt")) ||
			   !json_is_string(json_object_get(o, "expected"))) {
			rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: needs string fields id, prompt and expected", label,
					  (long long)line);
		} else {
			const char *mt = json_string_value(json_object_get(o, "match"));
			const char *id = json_string_value(json_object_get(o, "id"));
			json_t *pt = json_object_get(o, "prompt_tokens"), *et = json_object_get(o, "expected_tokens");
			if (!mt || (strcmp(mt, "exact") && strcmp(mt, "prefix") && strcmp(mt, "contains")))
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: match must be exact, prefix or contains", label,
						  (long long)line);
			else if ((pt && !token_array(pt)) || (et && !token_array(et)))
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: prompt_tokens/expected_tokens must be arrays of token ids",
						  label, (long long)line);
			else if (json_object_get(ids, id))
				rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: line %lld: id '%s' repeats an earlier item", label,
						  (long long)line, id);
			else
				json_object_set_new(ids, id, json_true());
			count++;
		}
		json_decref(o);
		p = nl ? nl + 1 : end;
	}
	json_decref(ids);
	if (!rc && count == 0)
		rc = kolm_err_set(err, KOLM_E_FORMAT, "%s: no items", label);
	if (!rc && items)
		*items = count;
	return rc;
}

/* ---- writing ----------------------------------------------------------- */

struct wctx {
	struct kolm_out out;
	struct kolm_err *err;
	int rc;
};

static la_ssize_t wcb(struct archive *ar, void *u, const void *buf, size_t n)
{
	(void)ar;
	struct wctx *w = u;
	if (w->rc)
		return -1;
	w->rc = kolm_out_write(&w->out, buf, n, w->err);
	return w->rc ? -1 : (la_ssize_t)n;
}

int kolm_artifact_write(const char *path, const struct kolm_file_view *mem, int n, int64_t mtime, struct kolm_err *err)
{
	struct wctx w = {.err = err};
	int rc = kolm_out_open(&w.out, path, err);
	if (rc)
		return rc;
	struct archive *ar = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	if (!ar || !e) {
		rc = kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		goto fail;
	}
	/* POSIX ustar, with pax extended headers only when a member needs them (> 8 GiB) */
	archive_write_set_format_pax_restricted(ar);
	archive_write_add_filter_none(ar);
	archive_write_set_bytes_in_last_block(ar, 1);
	if (archive_write_open2(ar, &w, NULL, wcb, NULL, NULL) != ARCHIVE_OK) {
		rc = kolm_err_set(err, KOLM_E_IO, "%s: %s", path, archive_error_string(ar));
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, mem[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)mem[i].size);
		archive_entry_set_mtime(e, (time_t)mtime, 0);
		if (archive_write_header(ar, e) != ARCHIVE_OK) {
			rc = w.rc ? w.rc : kolm_err_set(err, KOLM_E_IO, "%s: %s: %s", path, mem[i].name, archive_error_string(ar));
			goto fail;
		}
		uint64_t done = 0;
		while (done < mem[i].size) {
			size_t chunk = mem[i].size - done > (8u << 20) ? (8u << 20) : (size_t)(mem[i].size - done);
			la_ssize_t wr = archive_write_data(ar, mem[i].data + done, chunk);
			if (wr <= 0) {
				rc = w.rc ? w.rc : kolm_err_set(err, KOLM_E_IO, "%s: %s", path, archive_error_string(ar));
				goto fail;
			}
			done += (uint64_t)wr;
		}
	}
	if (archive_write_close(ar) != ARCHIVE_OK) {
		rc = w.rc ? w.rc : kolm_err_set(err, KOLM_E_IO, "%s: %s", path, archive_error_string(ar));
		goto fail;
	}
	archive_write_free(ar);
	archive_entry_free(e);
	return kolm_out_commit(&w.out, err);
fail:
	if (ar)
		archive_write_free(ar);
	archive_entry_free(e);
	kolm_out_abort(&w.out);
	return rc;
}

/* ---- the model inside an artifact (kolm_model_from_path, model_file.c) -- */

int kolm_model_of_artifact(struct kolm_model *m, const struct kolm_artifact *a,
			   struct kolm_err *err)
{
	const struct kolm_member *c = kolm_artifact_member(a, "config.json");
	json_error_t je;
	json_t *cfg = json_loadb((const char *)c->data, (size_t)c->size, JSON_REJECT_DUPLICATES, &je);
	if (!cfg)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: config.json: line %d: %s", a->path, je.line, je.text);
	int rc = kolm_model_from_config(m, cfg, NULL, err);
	json_decref(cfg);
	if (rc)
		return kolm_err_prefix(err, "%s: config.json", a->path);
	struct kolm_files f;
	kolm_artifact_files(a, &f);
	m->source = "kolm";
	rc = kolm_model_use_checkpoint_files(m, &f, err);
	if (rc)
		kolm_model_release(m);
	return rc;
}

int kolm_model_from_artifact(struct kolm_model *m, const char *path, struct kolm_err *err)
{
	struct kolm_artifact *a;
	int rc = kolm_artifact_open(&a, path, err);
	if (rc)
		return rc;
	rc = kolm_model_of_artifact(m, a, err);
	kolm_artifact_close(a);
	return rc;
}

int kolm_export_source_open(struct kolm_export_source *s, const char *path, double min_k, struct kolm_files *files,
			    struct kolm_err *err)
{
	int rc;
	/* members are read in place from the mapped tar */
	if ((rc = kolm_artifact_open(&s->art, path, err)))
		return rc;
	char why[600] = "";
	if ((rc = kolm_artifact_integrity(s->art, why, sizeof why, NULL, err)) == KOLM_E_NO)
		return kolm_err_set(err, KOLM_E_NO, "export: %s fails its integrity check: %s; nothing exported", path,
				    why);
	if (rc)
		return kolm_err_prefix(err, "export: %s", path);
	kolm_artifact_files(s->art, files);
	const struct kolm_member *km = kolm_artifact_member(s->art, "kolm.json");
	s->manifest = malloc((size_t)km->size + 1);
	if (!s->manifest)
		return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
	memcpy(s->manifest, km->data, (size_t)km->size);
	s->manifest[km->size] = '\0';
	s->base_id = json_string_value(json_object_get(s->art->manifest, "base"));
	s->gate = json_number_value(json_object_get(s->art->manifest, "gate"));
	json_t *k = json_object_get(s->art->manifest, "k_score");
	if (json_is_object(k)) {
		s->k_value = json_number_value(json_object_get(k, "value"));
		s->k_source = json_string_value(json_object_get(k, "source"));
	}
	if (min_k >= 0)
		s->gate = min_k;
	if (s->k_value >= 0 && s->k_value < s->gate)
		return kolm_err_set(err, KOLM_E_NO,
				    "export: the compile gate refuses %s: K-score %.3f (%s) is below the gate %.2f (--min-k lowers it)",
				    path, s->k_value, s->k_source, s->gate);
	return KOLM_OK;
}
