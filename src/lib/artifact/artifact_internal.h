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

#endif
