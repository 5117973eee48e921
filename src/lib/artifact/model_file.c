/* model_file.c - kolm_model_from_path (artifact.h): a model from what the
 * user has on disk: a .gguf (tensors as stored), a config.json, a Hugging
 * Face directory (config.json; the checkpoint's own tensors when its
 * safetensors can be read), or a .kolm artifact.  It sits with the artifacts
 * because a .kolm is one of the things it opens. */
#include "kolm/artifact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "kolm/gguf.h"
#include "kolm/hfdir.h"
#include "kolm/model.h"
#include "kolm/types.h"
#include "kolm/util.h"

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static int from_config_file(struct kolm_model *m, const char *path, struct kolm_err *err)
{
	char *buf;
	size_t n;
	int rc = kolm_file_read_all(path, 16u << 20, &buf, &n, err);
	if (rc)
		return rc;
	json_error_t je;
	json_t *cfg = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (!cfg)
		return kolm_err_set(err, KOLM_E_FORMAT, "%s: line %d: %s", path, je.line, je.text);
	rc = kolm_model_from_config(m, cfg, NULL, err);
	json_decref(cfg);
	if (rc)
		return kolm_err_prefix(err, "%s", path);
	return KOLM_OK;
}

int kolm_model_from_path(struct kolm_model *m, const char *path, struct kolm_err *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return kolm_err_set(err, KOLM_E_IO, "%s: no such file or directory", path);
	if (S_ISDIR(st.st_mode)) {
		char cfg[4096];
		if (snprintf(cfg, sizeof cfg, "%s/config.json", path) >= (int)sizeof cfg)
			return kolm_err_set(err, KOLM_E_USAGE, "%s: path too long", path);
		int rc = from_config_file(m, cfg, err);
		if (rc)
			return rc;
		m->source = "hf-dir";
		rc = kolm_model_use_checkpoint(m, path, err);
		if (rc) {
			kolm_model_release(m);
			return rc;
		}
		return KOLM_OK;
	}
	if (ends_with(path, ".kolm")) {
		return kolm_model_from_artifact(m, path, err);
	}
	if (ends_with(path, ".json"))
		return from_config_file(m, path, err);
	if (ends_with(path, ".safetensors")) {
		/* a checkpoint file: its config.json sits beside it */
		char *dir = kolm_strdup(path);
		if (!dir)
			return kolm_err_set(err, KOLM_E_NOMEM, "out of memory");
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
		int rc = kolm_model_from_path(m, dir, err);
		free(dir);
		return rc;
	}
	struct kolm_gguf *g;
	int rc = kolm_gguf_open(&g, path, err);
	if (rc)
		return rc;
	rc = kolm_model_from_gguf(m, g, err);
	kolm_gguf_close(g);
	if (rc)
		return kolm_err_prefix(err, "%s", path);
	return KOLM_OK;
}
