/* quant_ref_internal.h - the scalar reference row conversions of the plain
 * and 32-element block formats (quant_ref.c).  Each converts n elements, n a
 * multiple of the block (32 for the Q types), between floats and whole
 * blocks; the signatures are the type traits table's to_float and
 * from_float_ref (kolm/types.h).  quant_simd.c hands a block it cannot do
 * (a NaN, a subnormal scale) to these. */
#ifndef KOLM_QUANT_REF_INTERNAL_H
#define KOLM_QUANT_REF_INTERNAL_H

#include <stdint.h>

void kq_quant_f32(const float *x, void *y, int64_t n);
void kq_quant_f16(const float *x, void *y, int64_t n);
void kq_quant_bf16(const float *x, void *y, int64_t n);
void kq_deq_f32(const void *x, float *y, int64_t n);
void kq_deq_f16(const void *x, float *y, int64_t n);
void kq_deq_bf16(const void *x, float *y, int64_t n);

void kq_quant_q4_0(const float *x, void *y, int64_t n);
void kq_quant_q4_1(const float *x, void *y, int64_t n);
void kq_quant_q5_0(const float *x, void *y, int64_t n);
void kq_quant_q5_1(const float *x, void *y, int64_t n);
void kq_quant_q8_0(const float *x, void *y, int64_t n);
void kq_deq_q4_0(const void *x, float *y, int64_t n);
void kq_deq_q4_1(const void *x, float *y, int64_t n);
void kq_deq_q5_0(const void *x, float *y, int64_t n);
void kq_deq_q5_1(const void *x, float *y, int64_t n);
void kq_deq_q8_0(const void *x, float *y, int64_t n);

#endif
