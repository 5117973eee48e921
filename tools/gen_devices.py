#!/usr/bin/env python3
"""Generate data/devices.json (the device catalog) from the sourced figures
in shared/data/device-specs*.tsv, restated here with the choice made where
sources conflict.  Run by hand; the JSON is the committed artifact."""
import json, sys

S_HWTABLE = "indexed 'Supported Hardware' table (vendor spec pages, June 2026)"
S_HFJS = "huggingface/huggingface.js hardware*.ts (approx FP16, techpowerup-derived)"
S_4167 = "ggml-org/llama.cpp discussion #4167 summary table (BW column)"
NVME = (2500, "NVMe SSD", "ESTIMATOR.md §4: NVMe ~2-3 GB/s sequential read")
MAC_SSD = (3000, "internal NVMe SSD", "ESTIMATOR.md §4: NVMe ~2-3 GB/s (Apple internal SSDs read faster; 3 GB/s used)")
METAL_CAP = {"rule": "apple-metal", "note": "Metal recommendedMaxWorkingSetSize: 2/3 of unified memory up to 36 GB, 3/4 above (llama.cpp ggml_metal_init logs: 10922.67 MB on 16 GB, 21845.34 MB on 32 GB, 49152 MiB on 64 GB, 73728 MB on 96 GB; abetlen/llama-cpp-python #687, ollama/ollama #434, llama.cpp #1870, #3213); applies to GPU runtimes (Metal, MLX), raisable with sysctl iogpu.wired_limit_mb"}
HOST = {"host_memory_gb": 32, "host_bandwidth_gbs": 89.6, "host_note": "typical desktop host: dual-channel DDR5-5600, 89.6 GB/s theoretical (calculator-cloud.com memory-bandwidth; shared/data/device-specs-extra.tsv)"}

def dev(id, name, klass, mem, opts, kind, bw, bw_src, tf, tf_src, unit, storage, runtimes, backend, reason, **kw):
    d = {"id": id, "name": name, "class": klass, "memory_gb": mem, "memory_options_gb": opts,
         "memory_kind": kind, "bandwidth_gbs": bw, "bandwidth_source": bw_src, "tflops_fp16": tf,
         "tflops_source": tf_src, "compute_unit": unit, "storage_read_mbs": storage[0],
         "storage_kind": storage[1], "storage_source": storage[2], "runtimes": runtimes,
         "backend": backend, "backend_reason": reason}
    d.update(kw)
    return d

GGUF_CPU = "GGUF for llama.cpp targets (seed: Pi, x86 laptops, Snapdragon); CPU-only box"
GGUF_CUDA = "GGUF for llama.cpp targets (seed: Jetson, RTX); CUDA build"
MLX = "MLX for Apple Silicon (seed)"
devs = []
pi_src = "hellomatik.com/research/hitting-the-memory-wall-30b-moe-raspberry-pi ('vendor ceiling 17 GB/s', LPDDR4X-4267 x 32-bit; 11.4 GB/s sustained)"
pi_tf = "derived: 4 x Cortex-A76 @ 2.4 GHz x 32 fp16 FLOP/cycle (2 x 128-bit NEON FMA pipes); no usable GPU compute"
sd = (90, "microSD", "ESTIMATOR.md §4: microSD ~90 MB/s")
devs.append(dev("rpi5-8gb", "Raspberry Pi 5 (8 GB)", "sbc", 8, [2, 4, 8, 16], "ram", 17, pi_src, 0.31, pi_tf,
                "4x Cortex-A76 @ 2.4 GHz", sd, ["llama.cpp-cpu"], "gguf", GGUF_CPU, cpu_cores=4,
                transfer="scp", ssh_user="pi", ssh_host="raspberrypi.local",
                power_mode="stock clocks, active cooler (throttles without one)"))
devs.append(dev("rpi5-16gb", "Raspberry Pi 5 (16 GB, D0 stepping)", "sbc", 16, [16], "ram", 17, pi_src, 0.31, pi_tf,
                "4x Cortex-A76 @ 2.4 GHz", sd, ["llama.cpp-cpu"], "gguf", GGUF_CPU, cpu_cores=4,
                transfer="scp", ssh_user="pi", ssh_host="raspberrypi.local",
                power_mode="stock clocks, active cooler"))
devs.append(dev("rpi4-8gb", "Raspberry Pi 4 Model B (8 GB)", "sbc", 8, [1, 2, 4, 8], "ram", 12.8,
                "derived: LPDDR4-3200 x 32-bit = 12.8 GB/s (current spec 'LPDDR4-3200'; launch spec said LPDDR4-2400 = 9.6 GB/s; bus width assumed) - shared/data/device-specs-extra.tsv",
                0.12, "derived: 4 x Cortex-A72 @ 1.8 GHz x 16 FLOP/cycle (fp32 NEON; ARMv8.0 has no fp16 arithmetic)",
                "4x Cortex-A72 @ 1.8 GHz", (46, "microSD", "SanDisk Extreme A1 microSD, fio 1M sequential read 46.0 MB/s (geerlingguy/sbc-reviews #4)"),
                ["llama.cpp-cpu"], "gguf", GGUF_CPU, cpu_cores=4, transfer="scp", ssh_user="pi",
                ssh_host="raspberrypi.local", power_mode="stock clocks"))
jn_cap = {"gb": 5.2, "note": "8 GB shared by CPU and GPU; about 5.2 GB usable as GPU memory after the OS (ericxliu.me benchmarking-llms-on-jetson-orin-nano)"}
devs.append(dev("jetson-orin-nano", "NVIDIA Jetson Orin Nano 8GB (original clocks)", "jetson", 8, [4, 8], "unified", 68,
                "ericxliu.me/posts/benchmarking-llms-on-jetson-orin-nano ('8GB LPDDR5 unified memory with 68 GB/s')",
                2.56, "HF hardware-gpu-nvidia.ts 'Jetson Orin Nano 8GB' (GPU 625 MHz)",
                "Ampere GPU, 1024 CUDA cores", NVME, ["llama.cpp-cuda", "llama.cpp-cpu"], "gguf", GGUF_CUDA,
                cpu_cores=6, platform_cap=jn_cap, transfer="scp", ssh_user="nvidia", ssh_host="jetson.local",
                power_mode="15 W (JetPack < 6.1 clocks); lower nvpmodel modes are 2-4x slower"))
devs.append(dev("jetson-orin-nano-super", "NVIDIA Jetson Orin Nano Super 8GB", "jetson", 8, [8], "unified", 102,
                "NVIDIA Super datasheet via brojogopalsapui.com ('8GB 128-bit LPDDR5 102 GB/s'); ai-hpc.github.io roadmap",
                4.18, "derived: HF's 2.56 TFLOPS at 625 MHz scaled to the Super's 1020 MHz GPU clock",
                "Ampere GPU, 1024 CUDA cores @ 1.02 GHz", NVME, ["llama.cpp-cuda", "llama.cpp-vulkan", "llama.cpp-cpu"], "gguf", GGUF_CUDA,
                cpu_cores=6, platform_cap=jn_cap, transfer="scp", ssh_user="nvidia", ssh_host="jetson.local",
                power_mode="25 W 'Super' mode (JetPack 6.1+)"))
devs.append(dev("jetson-agx-orin", "NVIDIA Jetson AGX Orin 64GB", "jetson", 64, [32, 64], "unified", 204.8,
                "Cross-Framework LLM Benchmark Results - Jetson Orin AGX 64GB (~205 GB/s theoretical); mlcommons inference_results_v4.1 Orin README (64GB 256-bit LPDDR5)",
                10.65, "HF hardware-gpu-nvidia.ts 'Jetson AGX Orin 64GB'",
                "Ampere GPU, 2048 CUDA cores", NVME, ["llama.cpp-cuda", "tensorrt-llm", "llama.cpp-cpu"], "gguf",
                "GGUF or TensorRT (seed); llama.cpp CUDA recommended, TensorRT-LLM for serving",
                cpu_cores=12, transfer="scp", ssh_user="nvidia", ssh_host="jetson.local",
                power_mode="MAXN"))
macs = [
    # id, name, mem, options, bw, bw_src, tflops, cpu cores, gpu
    ("m1", "Apple M1", 16, [8, 16], 68.25, S_4167, 2.6, 8, "8-core GPU"),
    ("m1-pro", "Apple M1 Pro", 32, [16, 32], 200, S_HWTABLE, 5.2, 10, "16-core GPU"),
    ("m1-max", "Apple M1 Max", 64, [32, 64], 400, S_HWTABLE, 10.4, 10, "32-core GPU"),
    ("m1-ultra", "Apple M1 Ultra", 128, [64, 128], 800, S_HWTABLE, 21, 20, "64-core GPU"),
    ("m2", "Apple M2", 16, [8, 16, 24], 100, S_4167, 3.6, 8, "10-core GPU"),
    ("m2-pro", "Apple M2 Pro", 32, [16, 32], 200, S_4167, 6.8, 12, "19-core GPU"),
    ("m2-max", "Apple M2 Max", 64, [32, 64, 96], 400, S_4167, 13.49, 12, "38-core GPU"),
    ("m2-ultra", "Apple M2 Ultra", 192, [64, 128, 192], 800, S_4167, 27.2, 24, "76-core GPU"),
    ("m3", "Apple M3", 16, [8, 16, 24], 100, S_HWTABLE, 4.1, 8, "10-core GPU"),
    ("m3-pro", "Apple M3 Pro", 36, [18, 36], 150, S_4167, 7.4, 12, "18-core GPU"),
    ("m3-max", "Apple M3 Max (40-core GPU)", 48, [36, 48, 64, 96, 128], 400,
     "Apple 'up to 400GB/s' for the 40-core GPU bin (macrumors 2023-10-31); the 30-core bin has 300 GB/s: use --bw-gbs 300", 14.2, 16, "40-core GPU"),
    ("m3-ultra", "Apple M3 Ultra", 256, [96, 256, 512], 819, S_HWTABLE + "; apple.com/mac-studio/specs (819 GB/s)", 28.4, 28, "60-core GPU"),
    ("m4", "Apple M4", 16, [16, 24, 32], 120, S_4167, 4.6, 10, "10-core GPU"),
    ("m4-pro", "Apple M4 Pro", 48, [24, 48, 64], 273, S_4167, 9.2, 14, "20-core GPU"),
    ("m4-max", "Apple M4 Max (40-core GPU)", 64, [36, 48, 64, 128], 546, S_4167 + " (546 for the 40-core GPU; the 32-core bin has 410 GB/s)", 18.4, 16, "40-core GPU"),
]
for mid, name, mem, opts, bw, src, tf, cores, gpu in macs:
    devs.append(dev(mid, name, "mac", mem, opts, "unified", bw, src, tf, S_HFJS + " (Apple values equal their FP32 GPU rate)",
                    gpu, MAC_SSD, ["mlx", "llama.cpp-metal"], "mlx", MLX, cpu_cores=cores,
                    platform_cap=METAL_CAP, transfer="scp", ssh_user="user", ssh_host="mac.local"))
ios_cap = {"gb": 6.0, "note": "iOS jetsam per-app limit on iPhone 15 Pro: ~6 GB with com.apple.developer.kernel.increased-memory-limit, ~3 GB without (introlab/rtabmap PR #1446; cardona/SwiftMistralCoreML #15)"}
devs.append(dev("iphone-15-pro", "Apple iPhone 15 Pro (A17 Pro)", "phone", 8, [8], "unified", 51.2,
                "derived: LPDDR5-6400 x 64-bit = 51.2 GB/s (memory type and bus width from pre-launch leaks; Apple does not publish)",
                2.15, "estimate: 6-core A17 Pro GPU ~2.15 TFLOPS FP32 (not published by Apple; forecast input only)",
                "6-core GPU + 16-core Neural Engine", (1500, "NVMe flash", "ESTIMATOR.md §4: phone storage ~1-2 GB/s"),
                ["coreml", "mlx-swift", "llama.cpp-metal"], "coreml", "CoreML for iPhone (seed)", cpu_cores=6,
                runtimes_source="mlx-swift: ml-explore/mlx-swift (MLX for Swift; iOS supported) and ml-explore/mlx-swift-examples (LLMEval runs on iOS; MLXLMCommon loads a local model directory); see data/runtimes.json",
                platform_cap=ios_cap, transfer="ios", power_mode="sustained decode drops after a few minutes (thermal)"))
devs.append(dev("iphone-16-pro", "Apple iPhone 16 Pro (A18 Pro)", "phone", 8, [8], "unified", 59.9,
                "derived: 51.2 GB/s (A17 Pro, derived) x 1.17 (Apple: 17% more memory bandwidth; notebookcheck/techmehr)",
                2.5, "estimate: A18 Pro 6-core GPU (not published; forecast input only)",
                "6-core GPU + 16-core Neural Engine", (1500, "NVMe flash", "ESTIMATOR.md §4: phone storage ~1-2 GB/s"),
                ["coreml", "llama.cpp-metal"], "coreml", "CoreML for iPhone (seed)", cpu_cores=6,
                platform_cap=dict(ios_cap, note="no measured limit for iPhone 16 Pro; same 8 GB as iPhone 15 Pro, so its ~6 GB (entitlement) / ~3 GB figures are the closest sourced values (cardona/SwiftMistralCoreML #15)"),
                transfer="ios", power_mode="sustained decode drops after a few minutes (thermal)"))
android_cap = lambda gb, src: {"gb": gb, "note": src}
devs.append(dev("pixel-8", "Google Pixel 8 (Tensor G3)", "phone", 8, [8], "unified", 68.3,
                "assumption: LPDDR5X-8533 x 64-bit = 68.3 GB/s (bandwidth not published; shared/data/device-specs-extra.tsv found no figure)",
                1.5, "estimate: Mali-G715 MC10 @ 890 MHz (not published; forecast input only)",
                "9-core CPU (1x X3, 4x A715, 4x A510)", (2100, "UFS 3.1", "UFS 3.1 sequential read spec up to 2100 MB/s (crystaltoast UFS explainer)"),
                ["onnxruntime", "llama.cpp-cpu"], "onnx", "ONNX for Android via ORT (seed)", cpu_cores=9,
                platform_cap=android_cap(4.0, "Android lmkd kills under memory pressure; about 4 GB of 8 GB was available to one app on an 8 GB phone (pytorch/executorch #3599)"),
                transfer="adb", power_mode="sustained decode drops after a few minutes (thermal)"))
devs.append(dev("galaxy-s24-ultra", "Samsung Galaxy S24 Ultra (Snapdragon 8 Gen 3)", "phone", 12, [12], "unified", 76.8,
                "derived: 9600 MT/s x 64-bit = 76.8 GB/s (bus width assumed; shared/data/device-specs-extra.tsv)",
                2.8, "estimate: Adreno 750 (FP16 not published; forecast input only)",
                "8-core CPU (1x X4, 5x A720, 2x A520)", (4200, "UFS 4.0", "Samsung UFS 4.0 announcement: up to 4200 MB/s read"),
                ["onnxruntime", "llama.cpp-cpu"], "onnx", "ONNX for Android via ORT (seed)", cpu_cores=8,
                platform_cap=android_cap(6.0, "Android lmkd (no fixed per-app cap); ~half of RAM available to one app in field reports (pytorch/executorch #3599 on 8 GB; mlc-ai/mlc-llm #2703: 4352 MB GPU memory on a 12 GB Pixel 8 Pro)"),
                transfer="adb", power_mode="sustained decode drops after a few minutes (thermal)"))
deck_src = "Valve deep-dive summary ('128-bit bus ... 88 GB/s'); servel333/Steam-Deck-Notes specs.md (LPDDR5 5500 MT/s quad 32-bit)"
devs.append(dev("steam-deck", "Valve Steam Deck (LCD)", "handheld", 16, [16], "unified", 88, deck_src, 1.6,
                "Valve spec sheet: 1.6 TFLOPS FP32 (8 RDNA 2 CUs)", "AMD Van Gogh APU, 8 RDNA 2 CUs", NVME,
                ["llama.cpp-vulkan", "llama.cpp-cpu"], "gguf", "GGUF / llama.cpp Vulkan (seed)", cpu_cores=4,
                transfer="scp", ssh_user="deck", ssh_host="steamdeck.local", power_mode="15 W APU limit (default)"))
devs.append(dev("steam-deck-oled", "Valve Steam Deck OLED", "handheld", 16, [16], "unified", 102.4,
                "derived: LPDDR5 6400 MT/s x 128-bit = 102.4 GB/s (Valve spec copy EdJoPaTo/website-stalker-example com-steamdeck-en-tech.md)",
                1.6, "Valve spec sheet: 1.6 TFLOPS FP32", "AMD Sephiroth APU, 8 RDNA 2 CUs", NVME,
                ["llama.cpp-vulkan", "llama.cpp-cpu"], "gguf", "GGUF / llama.cpp Vulkan (seed)", cpu_cores=4,
                transfer="scp", ssh_user="deck", ssh_host="steamdeck.local", power_mode="15 W APU limit (default)"))
devs.append(dev("snapdragon-x-elite", "Qualcomm Snapdragon X Elite laptop (X1E-78/80)", "laptop", 32, [16, 32, 64], "unified", 135.2,
                "derived: LPDDR5x-8448 (shipping SKUs, notebookcheck) x 128-bit = 135.2 GB/s; pre-launch spec 8533 MT/s / 136 GB/s (mspoweruser)",
                3.8, "HF hardware-gpu-qualcomm.ts: Adreno X1-85 3.8 TFLOPS (CPU fp16 FMA measured ~2.58 TFLOPS, pigirons/cpufp PR #30)",
                "12 Oryon cores + Adreno X1-85", (7900, "NVMe (PCIe Gen4)", "notebookcheck: SoC supports up to 7900 MB/s NVMe"),
                ["llama.cpp-cpu", "llama.cpp-opencl", "onnxruntime"], "gguf", "GGUF or ONNX (seed); llama.cpp on the Oryon CPU recommended",
                cpu_cores=12, transfer="scp", ssh_user="user", ssh_host="laptop.local"))
devs.append(dev("laptop-x86", "Typical x86 laptop (dual-channel DDR5-5600)", "laptop", 16, [8, 16, 32, 64], "ram", 89.6,
                "computed and stated: 5600 MT/s x 64 bit x 2 channels / 8 = 89.6 GB/s (calculator-cloud.com memory-bandwidth)",
                1.0, "estimate: 8 Zen 4 / Raptor Lake P-cores with AVX2 fp32 FMA (~1 TFLOPS; varies by CPU)",
                "8-core x86 CPU (AVX2)", NVME, ["llama.cpp-cpu"], "gguf", GGUF_CPU, cpu_cores=8,
                transfer="scp", ssh_user="user", ssh_host="laptop.local"))
gpus = [
    ("rtx-3060", "NVIDIA GeForce RTX 3060 12GB", 12, [8, 12], 360, "CYBIRD-D Nvidia_GPU_Specification.md (360 GB/s; 192-bit GDDR6)", 12.74, "Ampere GA106, 3584 CUDA cores"),
    ("rtx-3070", "NVIDIA GeForce RTX 3070", 8, [8], 448, "indexed bandwidth_map JSON (448 GB/s)", 20.31, "Ampere GA104"),
    ("rtx-3080", "NVIDIA GeForce RTX 3080 10GB", 10, [10, 12], 760.3, "indexed bandwidth_map JSON (760.3 GB/s)", 30.6, "Ampere GA102"),
    ("rtx-3090", "NVIDIA GeForce RTX 3090", 24, [24], 936.2, S_HWTABLE + "; xiaozheyao/triteia specs.py (936.2)", 35.58, "Ampere GA102"),
    ("rtx-4060", "NVIDIA GeForce RTX 4060", 8, [8], 272, "RTX 40 Series Specifications table; CYBIRD-D table (272 GB/s)", 15.11, "Ada AD107, 3072 CUDA cores"),
    ("rtx-4070-ti", "NVIDIA GeForce RTX 4070 Ti", 12, [12], 504.2, "indexed bandwidth_map JSON (504.2 GB/s)", 40.09, "Ada AD104"),
    ("rtx-4080", "NVIDIA GeForce RTX 4080", 16, [16], 716.8, S_HWTABLE, 48.7, "Ada AD103"),
    ("rtx-4090", "NVIDIA GeForce RTX 4090", 24, [24], 1008, S_HWTABLE + "; indexed bandwidth_map JSON (1008.0)", 82.58, "Ada AD102, 16384 CUDA cores"),
    ("rtx-5090", "NVIDIA GeForce RTX 5090", 32, [32], 1792, S_HWTABLE + "; blutterfly/mkdocs_guide GPU.md (512-bit, 1,792 GB/s)", 104.8, "Blackwell GB202, 21760 CUDA cores"),
    ("rtx-a6000", "NVIDIA RTX A6000", 48, [48], 768, S_HWTABLE, 38.7, "Ampere GA102"),
    ("rtx-6000-ada", "NVIDIA RTX 6000 Ada", 48, [48], 960, S_HWTABLE, 91.1, "Ada AD102"),
]
for gid, name, mem, opts, bw, src, tf, unit in gpus:
    devs.append(dev(gid, name, "gpu", mem, opts, "vram", bw, src, tf, S_HFJS, unit, NVME,
                    ["llama.cpp-cuda", "llama.cpp-vulkan", "tensorrt-llm"], "gguf", "GGUF / llama.cpp CUDA (seed: RTX)",
                    transfer="scp", ssh_user="user", ssh_host="gpu-box.local", **HOST))
servers = [
    ("a100-80gb", "NVIDIA A100 80GB (SXM)", 80, 2039, S_HWTABLE + " (2039 GB/s SXM; the PCIe card has 1935)", 77.97, "Ampere GA100"),
    ("h100-pcie", "NVIDIA H100 PCIe 80GB", 80, 2000, "lijun99/GPU-Resources NVIDIA_GPU_SM.md (HBM2e 2,000 GB/s); indexed bandwidth_map JSON", 204.9, "Hopper GH100, 114 SMs"),
    ("h100-sxm", "NVIDIA H100 SXM 80GB", 80, 3350, S_HWTABLE + "; astroC86/gpu-datasheet (3.35 TB/s)", 267.6, "Hopper GH100, 132 SMs"),
]
for gid, name, mem, bw, src, tf, unit in servers:
    devs.append(dev(gid, name, "server", mem, [mem], "vram", bw, src, tf,
                    S_HFJS if gid != "h100-pcie" else "derived: H100 SXM's 267.6 scaled by 114/132 SMs (H100 PCIe not in HF's table)",
                    unit, NVME, ["tensorrt-llm", "llama.cpp-cuda"], "tensorrt", "TensorRT for NVIDIA serving rigs (seed)",
                    transfer="scp", ssh_user="user", ssh_host="gpu-server", host_memory_gb=256, host_bandwidth_gbs=204.8,
                    host_note="typical 8-channel DDR4-3200 server host (204.8 GB/s theoretical)"))
devs.append(dev("dgx-spark", "NVIDIA DGX Spark (GB10)", "server", 128, [128], "unified", 273, S_HWTABLE, 29.71, S_HFJS,
                "Blackwell GB10 GPU + 20 Arm cores", NVME, ["llama.cpp-cuda", "tensorrt-llm"], "gguf",
                "GGUF / llama.cpp CUDA (unified-memory desktop; not a serving rig)", cpu_cores=20,
                transfer="scp", ssh_user="user", ssh_host="spark.local"))
devs.append(dev("strix-halo", "AMD Ryzen AI Max+ 395 (Strix Halo)", "laptop", 128, [32, 64, 128], "unified", 256, S_HWTABLE, 29.7,
                "estimate: Radeon 8060S, 40 RDNA 3.5 CUs @ 2.9 GHz ~ 29.7 TFLOPS FP16 (dual-issue FP32 rate; not in the sources read)",
                "Radeon 8060S (40 CUs) + 16 Zen 5 cores", NVME, ["llama.cpp-vulkan", "llama.cpp-cpu"], "gguf",
                "GGUF / llama.cpp Vulkan (x86 APU with a large iGPU)", cpu_cores=16,
                transfer="scp", ssh_user="user", ssh_host="strix.local"))

doc = {"schema": "kolm.devices/1",
       "about": "Target devices. GB = 1e9 bytes. bandwidth_gbs is theoretical memory bandwidth; tflops_fp16 the unit that runs the model. Every figure names its source; where sources conflict the choice is stated. Extend with $XDG_CONFIG_HOME/kolm/devices.json (same schema).",
       "devices": devs}
json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
print()
