/* upload_internal.h - POST /api/verify's upload (upload.c):
 * multipart/form-data streamed to files in a private temporary directory
 * (never held in memory), removed when the request ends. */
#ifndef KOLM_UPLOAD_INTERNAL_H
#define KOLM_UPLOAD_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <microhttpd.h>

enum { UP_ARTIFACT, UP_EXPORT, UP_PUBKEY, UP_FILES };

struct upload {
	char dir[1024];              /* under the per-user temp directory (kolm_tmpdir_make) */
	struct MHD_PostProcessor *pp;
	FILE *fp;
	int cur;                     /* field being written, -1 none */
	char path[UP_FILES][1100];
	char name[UP_FILES][128];    /* the client's file name, for the report */
	int have[UP_FILES];
	char require_sig[8], max_k_loss[32];
	uint64_t total;
	int too_big, bad;
	unsigned status;             /* with bad: 400 (the client's fault), 507 (no disk), 500 */
	char why[200];
	/* the server's disk budget for all uploads together: this upload's
	 * share is reserved as it arrives and given back by up_free */
	_Atomic uint64_t *disk_used;
	uint64_t disk_budget, reserved;
	int disk_full;
};

/* A new upload for the request on c (its directory made, its parser
 * started; what failed is in bad and why); NULL when out of memory. */
struct upload *up_new(struct MHD_Connection *c, _Atomic uint64_t *disk_used, uint64_t disk_budget);
/* n more bytes of the body: parsed into the files while the total stays
 * within limit; over it, dropped (too_big), and MHD_NO once well past. */
enum MHD_Result up_feed(struct upload *u, const char *data, size_t n, uint64_t limit);
/* The body is complete: the parser and the last file closed (0), or bad. */
int up_finish(struct upload *u);
/* The files and the directory removed, u freed (NULL ok). */
void up_free(struct upload *u);
/* s with every "<tmpdir>/<field>" replaced by the client's file name
 * (malloc'd; NULL when out of memory). */
char *up_unpath(const struct upload *u, const char *s);

#endif
