/* quant_simd_internal.h - the fast row conversions this machine has
 * (quant_simd.c): AVX2 chosen at run time on x86-64, NEON on AArch64, for
 * Q8_0 and Q4_0 both ways.  Each gives exactly the bytes / floats of the
 * reference (quant_ref.c) it replaces; quant.c asks here first and falls
 * back to the type traits table's reference kernels. */
#ifndef KOLM_QUANT_SIMD_INTERNAL_H
#define KOLM_QUANT_SIMD_INTERNAL_H

#include "kolm/types.h"

/* NULL when this machine has no fast kernel for type */
kolm_from_float_fn kq_simd_from_float(int type);
kolm_to_float_fn kq_simd_to_float(int type);
/* "avx2", "neon" or "scalar" */
const char *kq_simd_name(void);

#endif
