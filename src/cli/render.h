/* render.h - a kolm.forecast/1 document and a kolm.matrix/1 document as
 * text for a terminal (kolm plan, kolm export --preview). */
#ifndef KOLM_CLI_RENDER_H
#define KOLM_CLI_RENDER_H

#include <stdio.h>

typedef struct json_t json_t;

/* Human-readable forecast; colour escapes when color is set. */
void cli_render_forecast(FILE *fp, const json_t *f, int color);
/* A row per format (all_devices 0) or per device (1). */
void cli_render_matrix(FILE *fp, const json_t *m, int all_devices, int color);

#endif
