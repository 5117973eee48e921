/* artifact_internal.h - helpers of artifact.c that the rest of the artifact
 * folder (export.c, inspect.c) uses on an artifact it already has open;
 * not API. */
#ifndef KOLM_ARTIFACT_INTERNAL_H
#define KOLM_ARTIFACT_INTERNAL_H

#include "kolm/artifact.h"

struct kolm_files;
struct kolm_model;

/* The members as a file set for the checkpoint/tokenizer readers. */
void kolm_artifact_files(const struct kolm_artifact *a, struct kolm_files *f);
/* kolm_model_from_artifact on an artifact already open (no second scan of
 * the tar). */
int kolm_model_of_artifact(struct kolm_model *m, const struct kolm_artifact *a,
			   struct kolm_err *err);

/* Check 3 of verify, also run by export before it converts anything:
 * every member's size and SHA-256 as the manifest states, nothing
 * unlisted, the eval pack well-formed.  KOLM_OK; KOLM_E_NO with why (cap
 * bytes) naming the member; another code (err) when SHA-256 cannot be
 * computed.  *total (may be NULL): the listed members' bytes. */
int kolm_artifact_integrity(const struct kolm_artifact *a, char *why, size_t cap, uint64_t *total,
			    struct kolm_err *err);

/* The source of an export (GGUF or MLX) when it is a .kolm: the artifact,
 * its kolm.json as stored, its base, K-score and compile gate.  Before
 * kolm_export_source_open: KOLM_EXPORT_SOURCE_INIT (a directory's values). */
struct kolm_export_source {
	struct kolm_artifact *art;
	char *manifest;
	const char *base_id, *k_source;
	double k_value, gate;
};
#define KOLM_EXPORT_SOURCE_INIT {.base_id = "custom", .k_source = "none", .k_value = -1, .gate = KOLM_DEFAULT_GATE}
/* Opens path into s and its members into files: nothing is converted that
 * is not what the manifest states, so the members' hashes come first
 * (kolm_artifact_integrity; KOLM_E_NO names the member); min_k >= 0
 * overrides the manifest's gate; KOLM_E_NO when the K-score is below the
 * gate.  s->art and s->manifest are the caller's to free, also on error. */
int kolm_export_source_open(struct kolm_export_source *s, const char *path, double min_k, struct kolm_files *files,
			    struct kolm_err *err);

#endif
