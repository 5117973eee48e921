/* signed_fixture.h - the fixture test_artifact and test_dir_receipt share:
 * a private temporary directory, the catalogs, two Ed25519 key pairs (key
 * signs, key2 is "another key") and the paths of stories260K's checkpoint,
 * the eval pack and the signed artifact (art) each program packs.  Included
 * once, by a test program's main file. */
#ifndef KOLM_TEST_SIGNED_FIXTURE_H
#define KOLM_TEST_SIGNED_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "kolm/artifact.h"
#include "kolm/ctx.h"

static struct kolm_ctx *ctx;
static char dir[256], hf[1024], evp[1024], key[300], pub[300], key2[300], pub2[300], art[300];

/* NAME inside the fixture's directory (eight live at a time) */
static const char *path(const char *name)
{
	static char p[8][400];
	static int k;
	k = (k + 1) % 8;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

/* mkdtemp(TMPL), the catalogs, both key pairs; 0 or -1 */
static int fixture_open(const char *tmpl)
{
	const char *fx = getenv("KOLM_FIXTURES");
	snprintf(hf, sizeof hf, "%s/models/stories260K-hf", fx ? fx : "tests/fixtures");
	snprintf(evp, sizeof evp, "%s/tests/data/evalpack-stories.jsonl", getenv("KOLM_SRC") ? getenv("KOLM_SRC") : ".");
	snprintf(dir, sizeof dir, "%s", tmpl);
	if (!mkdtemp(dir))
		return -1;
	struct kolm_ctx_opts o = {0};
	if (kolm_ctx_new(&ctx, &o, NULL))
		return -1;
	snprintf(key, sizeof key, "%s/k.key", dir);
	snprintf(pub, sizeof pub, "%s/k.key.pub", dir);
	snprintf(key2, sizeof key2, "%s/other.key", dir);
	snprintf(pub2, sizeof pub2, "%s/other.key.pub", dir);
	snprintf(art, sizeof art, "%s/s.kolm", dir);
	char fp[65];
	struct kolm_err e = {0};
	if (kolm_keygen(key, fp, &e) || kolm_keygen(key2, fp, &e)) {
		fprintf(stderr, "keygen: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int fixture_close(void)
{
	kolm_ctx_free(ctx);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
