/* quantplan_internal.h - quantplan.c's reading of tensor names, shared with
 * quantize.c (which builds the model view it plans for). */
#ifndef KOLM_QUANTPLAN_INTERNAL_H
#define KOLM_QUANTPLAN_INTERNAL_H

#include "kolm/quantplan.h"

/* The block of a tensor name ("blk.12.attn_q.weight" -> 12); -1 for a
 * global tensor. */
int kolm_tensor_layer(const char *name);

#endif
