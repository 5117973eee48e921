/* pick.h - the options every forecasting verb shares (plan, export
 * --preview): source, quant, device, backend/runtime, context, overrides,
 * gates.  cli_pick_parse consumes them with getopt_long and leaves the rest. */
#ifndef KOLM_CLI_PICK_H
#define KOLM_CLI_PICK_H

#include <stdio.h>

#include "kolm/forecast.h"
#include "kolm/quantplan.h"

enum { CLI_MAX_OVERRIDES = 64, CLI_MAX_GATES = 8 };

struct cli_pick {
	struct kolm_pick p;
	struct kolm_tensor_override ov[CLI_MAX_OVERRIDES];
	struct kolm_gate gates[CLI_MAX_GATES];
	int json, all_quants, all_devices, best, best_base, help, preview;
	int no_measure;             /* export: do not measure the export's K */
	const char *from_dir;       /* export --from-dir HF_DIR */
	int threads;                /* export -t N */
	const char *positional;     /* first non-option argument (export: ARTIFACT.kolm) */
};

/* Parse argv (argv[0] is the verb).  extra_opts/extra_fn let a verb add its
 * own long options; returns 0, or an exit code after printing the error. */
int cli_pick_parse(int argc, char **argv, struct cli_pick *cp, const char *verb);
/* The option help shared by plan and export. */
void cli_pick_usage(FILE *fp);

#endif
