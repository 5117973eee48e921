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

#endif
