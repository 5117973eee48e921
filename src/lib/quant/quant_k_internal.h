/* quant_k_internal.h - the reference k-quants (Q2_K .. Q6_K) and 4-bit
 * non-linear formats (IQ4_NL, IQ4_XS) of quant_k.c: row conversions of n
 * elements (a multiple of the block: 256, or 32 for IQ4_NL) with the type
 * traits table's to_float / from_float_ref signatures (kolm/types.h). */
#ifndef KOLM_QUANT_K_INTERNAL_H
#define KOLM_QUANT_K_INTERNAL_H

#include <stdint.h>

void kq_quant_q2_k(const float *x, void *y, int64_t n);
void kq_quant_q3_k(const float *x, void *y, int64_t n);
void kq_quant_q4_k(const float *x, void *y, int64_t n);
void kq_quant_q5_k(const float *x, void *y, int64_t n);
void kq_quant_q6_k(const float *x, void *y, int64_t n);
void kq_quant_iq4_nl(const float *x, void *y, int64_t n);
void kq_quant_iq4_xs(const float *x, void *y, int64_t n);

void kq_deq_q2_k(const void *x, float *y, int64_t n);
void kq_deq_q3_k(const void *x, float *y, int64_t n);
void kq_deq_q4_k(const void *x, float *y, int64_t n);
void kq_deq_q5_k(const void *x, float *y, int64_t n);
void kq_deq_q6_k(const void *x, float *y, int64_t n);
void kq_deq_iq4_nl(const void *x, float *y, int64_t n);
void kq_deq_iq4_xs(const void *x, float *y, int64_t n);

#endif
