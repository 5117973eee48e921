/* pick.h - the options the forecasting verbs share (plan, export,
 * quickstart; bench and quantize take some of them): each defined once, as
 * option-table rows (cli.h), and read into a struct kolm_pick by
 * cli_pick_opt(). */
#ifndef KOLM_CLI_PICK_H
#define KOLM_CLI_PICK_H

#include "cli.h"
#include "kolm/forecast.h"
#include "kolm/quantplan.h"

enum { CLI_MAX_OVERRIDES = 64, CLI_MAX_GATES = 8 };

/* The ids of the shared rows; a verb's own ids are small numbers (below
 * 'A') or the option's character. */
enum cli_pick_id {
	CLI_O_BASE = 1000, CLI_O_CONFIG, CLI_O_MODEL, CLI_O_QUANT, CLI_O_DEVICE, CLI_O_MEM, CLI_O_BW, CLI_O_TFLOPS,
	CLI_O_BACKEND, CLI_O_RUNTIME, CLI_O_CTX, CLI_O_ATCTX, CLI_O_MMPROJ, CLI_O_DRAFT, CLI_O_OVERHEAD, CLI_O_KV, CLI_O_OFFLOAD, CLI_O_HOSTMEM, CLI_O_TT,
	CLI_O_JSON, CLI_O_ALLQ, CLI_O_ALLD, CLI_O_BEST, CLI_O_BESTBASE, CLI_O_MINTPS, CLI_O_MAXMEM, CLI_O_MAXK,
	CLI_O_MAXSIZE, CLI_O_PREVIEW, CLI_O_REMEASURE, CLI_O_SSH,
	CLI_O_OUT = 'o',
};

/* Rows a verb lists one by one. */
#define OPT_PICK_BASE OPT_VALUE(0, "base", "ID", CLI_O_BASE, "a catalog base model (kolm bases)")
#define OPT_PICK_QUANT                                                                                            \
	OPT_VALUE(0, "quant", "TIER|FORMAT", CLI_O_QUANT,                                                         \
		  "fp16 int8 int6 int5 int4 int3 int2, or a format (kolm quants)")
#define OPT_PICK_DEVICE OPT_VALUE(0, "device", "ID", CLI_O_DEVICE, "a catalog device (kolm devices), or 'local'")
#define OPT_TENSOR_TYPE                                                                                           \
	OPT_VALUE(0, "tensor-type", "NAME=TYPE", CLI_O_TT,                                                        \
		  "TYPE for the tensors whose name matches the regex NAME, as\n"                                   \
		  "llama-quantize --tensor-type (repeatable)")
#define OPT_PREVIEW                                                                                               \
	OPT_FLAG(0, "preview", CLI_O_PREVIEW, "print what 'kolm plan' prints for the pick and touch nothing")

/* Tables a verb includes (OPT_INCLUDE), each under its heading. */
extern const struct cli_opt cli_pick_source_opts[]; /* source (one of): --base --config --model */
extern const struct cli_opt cli_pick_opts[];        /* pick: --quant --device ... -o */
extern const struct cli_opt cli_pick_view_opts[];   /* --all-quants --all-devices --best --best-base --json */
extern const struct cli_opt cli_pick_gate_opts[];   /* --min-tps --max-mem-frac --max-k-loss --max-size-gb */

struct cli_pick {
	struct kolm_pick p;
	struct kolm_tensor_override ov[CLI_MAX_OVERRIDES];
	struct kolm_gate gates[CLI_MAX_GATES];
	int json, all_quants, all_devices, best, best_base;
};

/* A struct cli_pick before its options are read. */
#define CLI_PICK_INIT {.p.overhead_gb = -1}

/* Read one shared option (a CLI_O_* id) into cp; 0 or an exit code after
 * printing the error. */
int cli_pick_opt(struct cli *cli, struct cli_pick *cp, int id, const char *val);

#endif
