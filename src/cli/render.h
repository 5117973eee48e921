/* render.h - a forecast, a matrix of forecasts and a ranking as text for a
 * terminal (kolm plan, kolm export --preview).  They read the typed
 * results of kolm/forecast.h, the figures the JSON renders. */
#ifndef KOLM_CLI_RENDER_H
#define KOLM_CLI_RENDER_H

#include <stdio.h>

struct kolm_forecast;
struct kolm_forecast_matrix;
struct kolm_forecast_best;

/* Human-readable forecast; colour escapes when color is set. */
void cli_render_forecast(FILE *fp, const struct kolm_forecast *f, int color);
/* A row per format or per device (m->all_devices). */
void cli_render_matrix(FILE *fp, const struct kolm_forecast_matrix *m, int color);
/* The rule, the ranking, why the winner won, then the winner's forecast. */
void cli_render_best(FILE *fp, const struct kolm_forecast_best *b, int color);

#endif
