/* quant_internal.h - transitional: what engine/engine_kernels.c included
 * before the block layouts moved to block_internal.h and the kernels to
 * quant/kernels_*.c; removed once they have landed. */
#ifndef KOLM_QUANT_INTERNAL_H
#define KOLM_QUANT_INTERNAL_H

#include "block_internal.h"
#include "kolm/types.h"

#endif
