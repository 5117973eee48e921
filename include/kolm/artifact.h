/*
 * artifact.h - the .kolm artifact (format kolm/1, docs/ARTIFACT.md): an
 * uncompressed POSIX tar whose members are, in order,
 *
 *   kolm.json                  the manifest (schema docs/kolm-manifest.schema.json)
 *   config.json                the Hugging Face config
 *   tokenizer files            tokenizer.json / tokenizer.model, tokenizer_config.json, ...
 *   evalpack.jsonl             the eval pack
 *   weights                    model.safetensors.index.json and *.safetensors
 *   kolm.sig                   optional: Ed25519 signature over the bytes of kolm.json
 *
 * Members are read in place: the file is mapped and each member is a view
 * at its data offset, never extracted.  Pack, sign and verify live here
 * too; the library never prints, so verify returns its six checks as JSON.
 */
#ifndef KOLM_ARTIFACT_H
#define KOLM_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "kolm/err.h"
#include "kolm/util.h"

struct kolm_ctx;
struct kolm_export_progress;
typedef struct json_t json_t;

#define KOLM_ARTIFACT_SCHEMA "kolm/1"
#define KOLM_DEFAULT_GATE 0.85
/* The eval pack kolm pack uses when none is given: 106 general-knowledge,
 * language and arithmetic completions written for kolm (tools/make-evalpack.py),
 * embedded in the binary.  With it the compile gate is off unless min_k is set. */
#define KOLM_BUILTIN_EVALPACK "data/evalpack.jsonl"
#define KOLM_DEFAULT_MAX_K_LOSS 3.0

struct kolm_member {
	char *name;
	uint64_t offset;           /* of the data in the file */
	uint64_t size;
	const uint8_t *data;       /* view into the mapping */
};

struct kolm_artifact {
	char *path;
	struct kolm_map map;
	struct kolm_member *m;
	int n;
	char container_why[512];   /* "" when the container is well-formed */
	json_t *manifest;          /* parsed kolm.json (NULL if absent or not JSON) */
	char manifest_why[512];    /* "" when valid against the schema */
	struct kolm_file_view *views;
};

/* Map and scan: every member with its offset; container and manifest
 * problems are recorded (container_why, manifest_why), not returned.  Only
 * an unreadable file fails. */
int kolm_artifact_scan(struct kolm_artifact **out, const char *path, struct kolm_err *err);
/* Scan and require a well-formed container and a valid manifest
 * (KOLM_E_FORMAT with the reason otherwise).  Integrity is verify's job. */
int kolm_artifact_open(struct kolm_artifact **out, const char *path, struct kolm_err *err);
void kolm_artifact_close(struct kolm_artifact *a);
const struct kolm_member *kolm_artifact_member(const struct kolm_artifact *a, const char *name);

/* A model from what the user has on disk (model_file.c): a .gguf (its
 * tensors as stored), a config.json, a .safetensors (with the config.json
 * beside it), a Hugging Face directory, or a .kolm artifact. */
struct kolm_model;
int kolm_model_from_path(struct kolm_model *m, const char *path, struct kolm_err *err);
/* The model inside an artifact: its config.json and checkpoint tensors. */
int kolm_model_from_artifact(struct kolm_model *m, const char *path, struct kolm_err *err);

/* The manifest's structure, as docs/kolm-manifest.schema.json states it.
 * 0 if valid; else non-zero and why says which field and why. */
int kolm_manifest_check(const json_t *m, char *why, size_t cap);

/* Eval pack: JSONL, one object per line with "id", "prompt", "expected",
 * "match" (exact | prefix | contains) and optional "prompt_tokens" /
 * "expected_tokens" (arrays of token ids); ids unique.  *items = lines. */
int kolm_evalpack_check(const uint8_t *buf, uint64_t n, const char *label, int64_t *items, struct kolm_err *err);

/* Write members, in the order given, as an uncompressed POSIX (pax) tar,
 * atomically (temp file, fsync, rename). */
int kolm_artifact_write(const char *path, const struct kolm_file_view *members, int n, int64_t mtime, struct kolm_err *err);

struct kolm_pack_opts {
	const char *hf_dir;        /* config.json, tokenizer, safetensors */
	const char *evalpack;      /* the eval pack JSONL; NULL: KOLM_BUILTIN_EVALPACK */
	const char *out_path;      /* X.kolm */
	const char *sign_key;      /* PEM Ed25519 private key, or NULL */
	const char *base;          /* catalog id, or NULL: matched from config.json, else "custom" */
	const char *name;          /* NULL: the directory's name */
	double k_score;            /* declared K in [0,1]; < 0: measure it (or none) */
	double min_k;              /* the gate; < 0: KOLM_DEFAULT_GATE (0 with the built-in pack) */
	int no_measure;            /* 1: do not measure K (it stays null unless declared) */
	int threads;               /* for the measurement; 0: 1 */
	int64_t created;           /* the manifest's "created" and the members' mtime, seconds
	                            * since the epoch; 0: now (the CLI passes SOURCE_DATE_EPOCH,
	                            * so a pack can be reproduced byte for byte) */
	/* the measurement's eval pack, after each item (kolm_eval_progress_fn; may be NULL) */
	void (*k_progress)(void *user, int done, int total, double seconds);
	void *k_progress_user;
};

/* Pack.  Without a declared K, the fp16 reference K is measured: the
 * checkpoint is exported to a temporary F16 GGUF (under $TMPDIR, removed
 * after) and the eval pack run on it with kolm's engine.  KOLM_E_NO when
 * the K (declared or measured) is below the gate.  *manifest (may be
 * NULL) gets a new reference to what was written. */
int kolm_pack(struct kolm_ctx *ctx, const struct kolm_pack_opts *o, json_t **manifest, struct kolm_err *err);

/* Ed25519 key pair: key_path (PKCS#8 PEM, mode 0600) and key_path.pub
 * (SubjectPublicKeyInfo PEM), both created with O_EXCL (KOLM_E_USAGE when
 * either exists: a key is never overwritten).  fingerprint: SHA-256 of the
 * public key DER, hex. */
int kolm_keygen(const char *key_path, char fingerprint[65], struct kolm_err *err);
/* Sign the artifact's kolm.json; replaces any kolm.sig (atomically).  A
 * symlink's target is signed (the link stays); a private key readable by
 * group or others is refused (KOLM_E_FORMAT) unless force, as is any key
 * that is not Ed25519.  The key's PEM is wiped from memory after use. */
int kolm_sign(const char *artifact, const char *key_path, int force, struct kolm_err *err);

struct kolm_verify_opts {
	const char *artifact;
	const char *export_path;   /* the export to bind, or NULL */
	const char *pubkey;        /* PEM public key, or NULL */
	int require_signature;
	double max_k_loss;         /* points; < 0: KOLM_DEFAULT_MAX_K_LOSS */
	/* 1: re-derive the export even when its signed receipt binds it (an
	 * unsigned export, or one without pubkey, is always re-derived) */
	int regenerate;
	int threads;               /* for re-deriving the export (0: online CPUs) */
	/* progress of the re-derived export (kolm_export_progress), or NULL */
	void (*progress)(void *user, const struct kolm_export_progress *p);
	void *progress_user;
};

/* The six checks.  *report: {"schema": "kolm.verify/1", "artifact",
 * "export", "checks": [{"name", "status": "OK"|"FAIL"|"SKIP", "why"}], "ok"}.
 * Returns KOLM_OK when no check failed, KOLM_E_NO when one did (report
 * set), another code when the artifact cannot be read at all. */
int kolm_verify(struct kolm_ctx *ctx, const struct kolm_verify_opts *o, json_t **report, struct kolm_err *err);

#endif
