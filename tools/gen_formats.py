#!/usr/bin/env python3
"""Generate data/formats.json: quantization tiers and every format kolm can
size, with its layout and source.  Run by hand; the JSON is committed."""
import json, sys

KLD_SRC = "llama.cpp examples/perplexity/README.md, LLaMA-3-8B scoreboard (mean KLD vs FP16, Wikitext-2, no imatrix unless noted)"
# (id, ftype, label, tier, kld, kld_note)
gguf = [
    ("f32", 0, "F32", None, 0.0, "lossless"),
    ("f16", 1, "F16", "fp16", 0.0, "reference (the scoreboard's f16 row only reflects 16-bit logit storage)"),
    ("bf16", 32, "BF16", None, 0.0000252, "BF16 vs FP16 on LLaMA-3-8B (CPU): mean KLD 0.0000252"),
    ("q8_0", 7, "Q8_0", "int8", 0.001355, None),
    ("q6_k", 18, "Q6_K", "int6", 0.005452, None),
    ("q5_k_m", 17, "Q5_K - Medium", "int5", 0.010762, None),
    ("q5_k_s", 16, "Q5_K - Small", None, 0.016595, None),
    ("q5_1", 9, "Q5_1", None, 0.018045, None),
    ("q5_0", 8, "Q5_0", None, 0.022239, None),
    ("q4_k_m", 15, "Q4_K - Medium", "int4", 0.031273, None),
    ("q4_k_s", 14, "Q4_K - Small", None, 0.043136, None),
    ("q4_1", 3, "Q4_1", None, 0.071683, None),
    ("q4_0", 2, "Q4_0", None, 0.071940, None),
    ("iq4_nl", 25, "IQ4_NL - 4.5 bpw", None, 0.035742, "with imatrix (WT 10m); no imatrix-free figure published"),
    ("iq4_xs", 30, "IQ4_XS - 4.25 bpw", None, 0.036334, "with imatrix (WT 10m)"),
    ("q3_k_l", 13, "Q3_K - Large", None, 0.087176, None),
    ("q3_k_m", 12, "Q3_K - Medium", None, 0.101913, None),
    ("q3_k_s", 11, "Q3_K - Small", "int3", 0.228217, None),
    ("iq3_m", 27, "IQ3_S mix - 3.66 bpw", None, 0.102534, "with imatrix (WT 10m)"),
    ("iq3_s", 26, "IQ3_S - 3.4375 bpw", None, 0.111278, "with imatrix (WT 10m)"),
    ("iq3_xs", 22, "IQ3_XS - 3.3 bpw", None, 0.138693, "with imatrix (WT 10m)"),
    ("iq3_xxs", 23, "IQ3_XXS - 3.0625 bpw", None, 0.183625, "with imatrix (WT 10m)"),
    ("q2_k", 10, "Q2_K - Medium", "int2", 0.445132, None),
    ("q2_k_s", 21, "Q2_K - Small", None, 0.403360, "with imatrix (WT 10m); requires an imatrix"),
    ("iq2_m", 29, "IQ2_M - 2.7 bpw", None, 0.325989, "with imatrix (WT 10m)"),
    ("iq2_s", 28, "IQ2_S - 2.5 bpw", None, 0.439197, "with imatrix (WT 10m)"),
    ("iq2_xs", 20, "IQ2_XS - 2.3125 bpw", None, 0.546290, "with imatrix (WT 10m)"),
    ("iq2_xxs", 19, "IQ2_XXS - 2.0625 bpw", None, 0.812022, "with imatrix (WT 10m)"),
    ("iq1_m", 31, "IQ1_M - 1.75 bpw", None, 1.393084, "with imatrix (WT 10m)"),
    ("iq1_s", 24, "IQ1_S - 1.5625 bpw", None, 2.211278, "with imatrix (WT 1m)"),
]
fmts = []
for fid, ft, label, tier, kld, note in gguf:
    f = {"id": fid, "backend": "gguf", "ftype": ft, "label": label, "ext": "gguf", "kld": kld,
         "kld_source": KLD_SRC + (("; " + note) if note else "")}
    if tier:
        f["tier"] = tier
    fmts.append(f)

MLX_SRC = "mlx-lm convert --q-bits/--q-group-size (default group 64): affine quantization with an fp16 scale and bias per group; embeddings and lm_head quantized too, norms kept (ml-explore/mlx-examples llms/mlx_lm convert.py; mlx.nn.quantize)"
for bits, tier, kld in [(8, "int8", 0.001355), (6, "int6", 0.005452), (5, "int5", 0.016595), (4, "int4", 0.071683),
                        (3, "int3", 0.228217), (2, "int2", 0.445132)]:
    fmts.append({"id": f"mlx-{bits}bit", "backend": "mlx", "tier": tier, "label": f"MLX {bits}-bit (group 64)",
                 "bits": bits, "group": 64, "scale_bytes": 2, "zero_bytes": 2, "quantize_embeddings": True,
                 "ext": "mlx", "layout_source": MLX_SRC, "kld": kld,
                 "kld_source": "no published MLX KLD: taken as the GGUF type of the same affine block layout (4-bit g64 ~ Q4_1, 8-bit ~ Q8_0, 6-bit ~ Q6_K, 5-bit ~ Q5_K_S, 3-bit ~ Q3_K_S, 2-bit ~ Q2_K)"})
fmts.append({"id": "mlx-fp16", "backend": "mlx", "tier": "fp16", "label": "MLX float16", "bits": 16, "group": 0,
             "scale_bytes": 0, "zero_bytes": 0, "quantize_embeddings": True, "ext": "mlx", "layout_source": MLX_SRC,
             "kld": 0.0, "kld_source": "reference"})
ORT_SRC = "onnxruntime-genai model builder (-p int4/int8/fp16): MatMulNBits with block_size 32, an fp16 scale per block and a packed 4-bit zero point; embeddings and lm_head stay fp16 unless tied/shared (microsoft/onnxruntime-genai src/python/py/models/builder.py)"
fmts.append({"id": "onnx-int4", "backend": "onnx", "tier": "int4", "label": "ONNX int4 (MatMulNBits, block 32)", "bits": 4,
             "group": 32, "scale_bytes": 2, "zero_bytes": 0.5, "quantize_embeddings": False, "ext": "onnx",
             "layout_source": ORT_SRC, "kld": 0.071940,
             "kld_source": "no published ORT KLD: taken as GGUF Q4_0 (same 4-bit, block-32 layout)"})
fmts.append({"id": "onnx-int8", "backend": "onnx", "tier": "int8", "label": "ONNX int8 (MatMulNBits 8-bit)", "bits": 8,
             "group": 32, "scale_bytes": 2, "zero_bytes": 1, "quantize_embeddings": False, "ext": "onnx",
             "layout_source": ORT_SRC, "kld": 0.001355, "kld_source": "taken as GGUF Q8_0 (same 8-bit, block-32 layout)"})
fmts.append({"id": "onnx-fp16", "backend": "onnx", "tier": "fp16", "label": "ONNX fp16", "bits": 16, "group": 0,
             "scale_bytes": 0, "zero_bytes": 0, "quantize_embeddings": True, "ext": "onnx", "layout_source": ORT_SRC,
             "kld": 0.0, "kld_source": "reference"})
CML_SRC = "coremltools.optimize.coreml: linear_quantize_weights (int8, per-channel), OpLinearQuantizerConfig(dtype='int4', granularity='per_block', block_size=32) and palettize_weights (nbits 3/6, per-tensor LUT) (apple/coremltools docs, opt-quantization / opt-palettization)"
for fid, tier, label, bits, group, sb, zb, kld, ks in [
        ("coreml-fp16", "fp16", "Core ML float16", 16, 0, 0, 0, 0.0, "reference"),
        ("coreml-int8", "int8", "Core ML int8 linear (per-channel)", 8, 0, 2, 0, 0.001355, "taken as GGUF Q8_0"),
        ("coreml-6bit", "int6", "Core ML 6-bit palettized", 6, 0, 0, 0, 0.005452, "taken as GGUF Q6_K"),
        ("coreml-int4", "int4", "Core ML int4 blockwise (block 32)", 4, 32, 2, 0, 0.071940, "taken as GGUF Q4_0 (4-bit, block 32, symmetric)"),
        ("coreml-3bit", "int3", "Core ML 3-bit palettized", 3, 0, 0, 0, 0.228217, "taken as GGUF Q3_K_S")]:
    f = {"id": fid, "backend": "coreml", "tier": tier, "label": label, "bits": bits, "group": group,
         "scale_bytes": sb, "zero_bytes": zb, "quantize_embeddings": False, "ext": "mlpackage",
         "layout_source": CML_SRC, "kld": kld, "kld_source": ks}
    if bits in (6, 3):
        f["lut_entries"] = 2 ** bits
    fmts.append(f)
TRT_SRC = "TensorRT-LLM quantize.py --qformat int4_awq (group 128, fp16 scales), int8_wo (per-channel), fp8 (per-tensor scale); embeddings and lm_head stay fp16 (NVIDIA/TensorRT-LLM examples/quantization)"
for fid, tier, label, bits, group, sb, kld, ks in [
        ("trt-fp16", "fp16", "TensorRT-LLM fp16", 16, 0, 0, 0.0, "reference"),
        ("trt-int8", "int8", "TensorRT-LLM int8 weight-only", 8, 0, 2, 0.001355, "taken as GGUF Q8_0"),
        ("trt-fp8", None, "TensorRT-LLM FP8", 8, 0, 0, 0.001355, "taken as GGUF Q8_0 (8-bit)"),
        ("trt-int4-awq", "int4", "TensorRT-LLM int4 AWQ (group 128)", 4, 128, 2, 0.031273, "AWQ is activation-aware: taken as GGUF Q4_K_M, not Q4_0")]:
    f = {"id": fid, "backend": "tensorrt", "label": label, "bits": bits, "group": group, "scale_bytes": sb,
         "zero_bytes": 0, "quantize_embeddings": False, "ext": "engine", "layout_source": TRT_SRC,
         "kld": kld, "kld_source": ks}
    if tier:
        f["tier"] = tier
    fmts.append(f)

doc = {"schema": "kolm.formats/1",
       "about": "Quantization tiers mapped per backend (shared/ESTIMATOR.md §2) and every format kolm can size. GGUF formats are llama-quantize file types (ftype = llama_ftype id); their per-tensor types follow llama-quantize's rules (src/lib/quantplan.c). Non-GGUF formats are sized from their layouts (bits, group size, scale/zero bytes per group, which tensors stay unquantized). kld = mean KL divergence vs FP16 on Llama-3-8B, the basis of the K-score loss forecast.",
       "tiers": ["fp16", "int8", "int6", "int5", "int4", "int3", "int2"],
       "formats": fmts}
json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
print()
