/*
 * fp16.h - IEEE half (F16) and bfloat16 (BF16) scalars to and from float,
 * exactly as ggml converts them: F16 rounds to nearest even (ggml's
 * fp32_to_fp16, after Maratyszcza's FP16), BF16 as
 * ggml_compute_fp32_to_bf16 (nearest even, NaN kept quiet).  Every block
 * format stores its scales in one of these, so the quantizers, the
 * engine's kernels and the readers all go through here.
 */
#ifndef KOLM_FP16_H
#define KOLM_FP16_H

#include <stdint.h>

float kolm_fp16_to_fp32(uint16_t h);
uint16_t kolm_fp32_to_fp16(float f);
float kolm_bf16_to_fp32(uint16_t h);
uint16_t kolm_fp32_to_bf16(float f);

#endif
