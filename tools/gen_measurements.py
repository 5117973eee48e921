#!/usr/bin/env python3
"""Restate shared/data/measurements.tsv as data/measurements.json.

Each published row is normalised to catalog ids (device, runtime, base,
format) and keeps its source, date and notes verbatim.  Rows whose text says
the quantization or model was unspecified / not stated, or that the figure is
rounded, secondary, a proxy or from a third-party harness are kept and marked
weak with the reason.  File sizes given in the row are converted to bytes
(the README tables label GiB as "GB").  Devices that only measurements use
are listed under "devices" with their sources (not offered by the picker).

usage: tools/gen_measurements.py [path/to/measurements.tsv] > data/measurements.json
"""
import csv
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TSV = os.path.join(HERE, "..", "..", "shared", "data", "measurements.tsv")

# device column -> (catalog id, fp16 TFLOPS scale for a smaller GPU bin, note)
DEVICES = [
    ("NVIDIA RTX 3070 8GB", "rtx-3070", 1, None),
    ("NVIDIA RTX 3080 10GB", "rtx-3080", 1, None),
    ("NVIDIA RTX 3080 Ti 12GB", "rtx-3080-ti", 1, None),
    ("NVIDIA RTX 4080 16GB", "rtx-4080", 1, None),
    ("NVIDIA RTX 3090 24GB", "rtx-3090", 1, None),
    ("NVIDIA RTX 4090 24GB", "rtx-4090", 1, None),
    ("NVIDIA RTX 5090 32GB", "rtx-5090", 1, None),
    ("NVIDIA A100 80GB", "a100-80gb", 1, None),
    ("NVIDIA H100 PCIe 80GB", "h100-pcie", 1, None),
    ("NVIDIA RTX A6000 48GB", "rtx-a6000", 1, None),
    ("NVIDIA RTX 6000 Ada 48GB", "rtx-6000-ada", 1, None),
    ("NVIDIA RTX 4070 Laptop GPU", "rtx-4070-laptop", 1, None),
    ("NVIDIA Jetson AGX Orin 64GB", "jetson-agx-orin", 1, None),
    ("NVIDIA Jetson Orin Nano Super", "jetson-orin-nano-super", 1, None),
    ("NVIDIA Jetson Orin Nano 8GB", "jetson-orin-nano-super", 1,
     "source cited for the 102 GB/s Super figure (shared/data/device-specs.tsv); 2026 software"),
    ("NVIDIA DGX Spark", "dgx-spark", 1, None),
    ("Apple M1 (7-core GPU", "m1", 7 / 8, "7-core GPU bin: catalog TFLOPS x 7/8"),
    ("Apple M1 (8-core GPU", "m1", 1, None),
    ("Apple M1 Pro", "m1-pro", 1, None),
    ("Apple M1 Max (24-core GPU", "m1-max", 24 / 32, "24-core GPU bin: catalog TFLOPS x 24/32"),
    ("Apple M1 Max", "m1-max", 1, None),
    ("Apple M1 Ultra", "m1-ultra", 1, None),
    ("Apple M2 (10-core", "m2", 1, None),
    ("Apple M2 Pro (16-core GPU", "m2-pro", 16 / 19, "16-core GPU bin: catalog TFLOPS x 16/19"),
    ("Apple M2 Pro", "m2-pro", 1, None),
    ("Apple M2 Max (30-core GPU", "m2-max", 30 / 38, "30-core GPU bin: catalog TFLOPS x 30/38"),
    ("Apple M2 Ultra (60-core GPU", "m2-ultra", 60 / 76, "60-core GPU bin: catalog TFLOPS x 60/76"),
    ("Apple M2 Ultra", "m2-ultra", 1, None),
    ("Apple M3 (10-core", "m3", 1, None),
    ("Apple M3 Pro", "m3-pro", 1, None),
    ("Apple M3 Max", "m3-max", 1, None),
    ("Apple M3 Ultra (Mac Studio, 512GB)", "m3-ultra", 80 / 60, "512 GB Mac Studio has the 80-core GPU: catalog TFLOPS x 80/60"),
    ("Apple M3 Ultra", "m3-ultra", 1, None),
    ("Apple M4 Pro", "m4-pro", 1, None),
    ("Apple M4 Max", "m4-max", 1, None),
    ("Apple M4", "m4", 1, None),
    ("Apple iPhone 15 Pro", "iphone-15-pro", 1, None),
    ("Apple A14", "apple-a14", 1, None),
    ("Valve Steam Deck", "steam-deck", 1, None),
    ("Raspberry Pi 5 16GB", "rpi5-16gb", 1, None),
    ("Raspberry Pi 5 8GB", "rpi5-8gb", 1, None),
    ("Raspberry Pi 5", "rpi5-8gb", 1, "memory size not stated; every Pi 5 has the same memory bus"),
    ("Qualcomm Snapdragon X Elite", "snapdragon-x-elite", 1, None),
    ("Poco F5", "snapdragon-7-plus-gen-2", 1, None),
    ("AMD Ryzen Z1", "rog-ally-z1", 1, None),
    ("AMD Ryzen AI Max+ 395", "strix-halo", 1, None),
]

# Devices only measurements use: figures with their sources.
EXTRA_DEVICES = [
    {"id": "rtx-3080-ti", "name": "NVIDIA RTX 3080 Ti (12 GB)", "class": "gpu", "bandwidth_gbs": 912.4,
     "tflops_fp16": 34.1,
     "source": "shared/data/device-specs.tsv: indexed bandwidth_map JSON (912.4 GB/s); HF hardware.ts (34.1 TFLOPS)"},
    {"id": "rtx-4070-laptop", "name": "NVIDIA RTX 4070 Laptop GPU (8 GB)", "class": "gpu", "bandwidth_gbs": 256,
     "tflops_fp16": 20.0,
     "source": "chaynikam.info GeForce_RTX_4070_Mobile (GDDR6 16 Gbps x 128-bit = 256.0 GB/s); "
               "derived 4608 cores x 2 x 2.175 GHz boost at 115 W (oemdrivers.com: TGP 35-115 W, boost 1230-2175 MHz)",
     "power_mode": "laptop TGP not stated (35-115 W)"},
    {"id": "apple-a14", "name": "Apple A14 (iPhone 12 class)", "class": "phone", "bandwidth_gbs": 34.1,
     "tflops_fp16": 0.82,
     "source": "derived: LPDDR4X-4266 x 64-bit (macworld: A11-A13 used LPDDR4X; cpu-monkey claims LPDDR5-5500 = 44 GB/s, "
               "conflict); 4-core GPU ~0.82 TFLOPS (approximate)"},
    {"id": "snapdragon-7-plus-gen-2", "name": "Snapdragon 7+ Gen 2 (Poco F5) CPU", "class": "phone",
     "bandwidth_gbs": 51.2, "tflops_fp16": 0.54,
     "source": "derived: LPDDR5 at 3200 MHz (elotrolado.net, topreviewvn.com) x 64-bit = 51.2 GB/s (topreviewvn prints "
               "25.6 GB/s, conflict); CPU 1x X2 2.91 GHz x 64 + 3x A710 2.49 GHz x 32 + 4x A510 1.8 GHz x 16 fp16 FLOP/cycle"},
    {"id": "rog-ally-z1", "name": "ASUS ROG Ally (AMD Ryzen Z1)", "class": "handheld", "bandwidth_gbs": 102.4,
     "tflops_fp16": 2.8,
     "source": "derived: LPDDR5-6400 dual channel 128-bit (hwupgrade.it: 16 GB LPDDR5 dual channel); "
               "AMD via flavioperrone.net: Ryzen Z1 4 RDNA 3 CUs, 2.8 TFLOPS (Z1 Extreme 8.6)"},
]

RUNTIMES = [
    (r"MLX", "mlx"),
    (r"OpenCL", "llama.cpp-opencl"),
    (r"Vulkan", "llama.cpp-vulkan"),
    (r"CUDA", "llama.cpp-cuda"),
    (r"Metal", "llama.cpp-metal"),
    (r"CPU", "llama.cpp-cpu"),
]

BASES = [
    (r"^Llama-3-8B", "llama-3-8b", None),
    (r"^Llama-3-70B", "llama-3-70b", None),
    (r"^Llama-3\.3-70B", "llama-3.1-70b", "Llama-3.3-70B has Llama-3.1-70B's shapes"),
    (r"^Llama-3\.1-70B", "llama-3.1-70b", None),
    (r"^Llama-3\.1-405B", "llama-3.1-405b", None),
    (r"^Llama-3\.1-8B", "llama-3.1-8b", None),
    (r"^Llama-3\.2-1B", "llama-3.2-1b", None),
    (r"^Llama-3\.2-3B", "llama-3.2-3b", None),
    (r"^LLaMA-7B", "llama-2-7b", "LLaMA-1 7B has Llama-2-7B's shapes"),
    (r"^LLaMA-13B", "llama-2-13b", "LLaMA-1 13B has Llama-2-13B's shapes"),
    (r"^LLaMA-30B", "llama-30b", None),
    (r"^LLaMA-2-7B", "llama-2-7b", None),
    (r"^LLaMA-2-13B", "llama-2-13b", None),
    (r"^LLaMA-2-70B", "llama-2-70b", None),
    (r"^Qwen2\.5-Coder-1\.5B", "qwen2.5-1.5b", "Qwen2.5-Coder-1.5B has Qwen2.5-1.5B's shapes"),
    (r"^unnamed 1\.5B", "qwen2.5-1.5b", "model not named: scored as a generic 1.5B (qwen2.5-1.5b)"),
    (r"^unnamed 7B", "mistral-7b", "model not named: scored as a generic 7B (mistral-7b)"),
    (r"^Qwen3-30B-A3B", "qwen3-30b-a3b", None),
    (r"^Qwen3-0\.6B", "qwen3-0.6b", None),
    (r"^Qwen3-4B", "qwen3-4b", None),
    (r"^Qwen3-8B", "qwen3-8b", None),
    (r"^TinyLlama-1\.1B", "tinyllama-1.1b", None),
    (r"^DeepSeek-R1-Distill-Qwen-14B", "qwen2.5-14b", "the distill has Qwen2.5-14B's shapes"),
    (r"^gemma-3-12b", "gemma-3-12b", None),
    (r"^Phi-4-mini", "phi-4-mini", None),
    (r"^SmolLM-135M", "smollm2-135m", "SmolLM-135M has SmolLM2-135M's shapes"),
]

FORMATS = [
    (r"^MLX 4-bit", "mlx-4bit", None),
    (r"^MLX 8-bit", "mlx-8bit", None),
    (r"^BF16 \(16-bit\)", "mlx-fp16", "bf16 has the fp16 layout's size"),
    (r"^Q4_0_4_8", "q4_0", "Q4_0_4_8 is Q4_0 repacked for ARM (same bytes)"),
    (r"^Q3_K_S-2\.70bpw", "q3_k_s", "byteshape 2.70 bpw mix: bytes scaled by the stated file size"),
    (r"^4-bit \(unspecified\)", "q4_k_m", "4-bit type not stated: scored as Q4_K_M"),
    (r"^Q4 \(variant not stated\)", "q4_k_m", "Q4 variant not stated: scored as Q4_K_M"),
    (r"^(Q4_K_M|Q4_0|Q4_1|Q6_K|Q8_0|Q2_K|F16|BF16)\b", None, None),
]

WEAK = [
    (r"quantization not stated|\(unspecified\)|variant not stated|default tag; not stated|model name not given|unnamed",
     "quantization or model not stated"),
    (r"power mode not stated", "power mode not stated; low vs other reports"),
    (r"tool not specified|Ollama/llama\.cpp|Ollama or llama\.cpp", "runtime not stated"),
    (r"rounded", "rounded figure"),
    (r"secondary", "secondary transcription or quote"),
    (r"proxy|not a tg128 run", "a proxy, not a decode run"),
    (r"third-party harness|via yzma|harness overhead|llmfit|probador", "third-party harness"),
]


def num(s):
    s = (s or "").strip()
    try:
        return float(s)
    except ValueError:
        return None


def file_bytes(s):
    m = re.match(r"\s*([0-9.]+)\s*(GiB|GB|MiB)", s or "")
    if not m:
        return None
    v = float(m.group(1))
    # README tables and llama-bench print GiB, labelled "GB"
    return int(round(v * (2**20 if m.group(2) == "MiB" else 2**30)))


def pick(table, text, what, row):
    for pat, val, note in table:
        if re.search(pat, text):
            return val, note
    sys.exit("unmapped %s %r in row %r" % (what, text, row))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else TSV
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            dev = None
            for prefix, did, scale, note in DEVICES:
                if r["device"].startswith(prefix):
                    dev = (did, scale, note)
                    break
            if not dev:
                sys.exit("unmapped device %r" % r["device"])
            be = r["backend"]
            rt = None
            for pat, rid in RUNTIMES:
                if re.search(pat, be):
                    rt = rid
                    break
            rt_note = None
            if not rt:
                # README eval-rate tables: the runtime is not named; the GPU says which
                rt = {"m": "llama.cpp-metal", "d": "llama.cpp-cuda", "r": "llama.cpp-cuda",
                      "s": "llama.cpp-vulkan"}[dev[0][0]]
                rt_note = "runtime not stated: scored as %s" % rt
            base, bnote = pick(BASES, r["model"], "model", r)
            fmt, fnote = pick(FORMATS, r["quant"], "quant", r)
            if fmt is None:
                fmt = re.match(r"^(\S+)", r["quant"]).group(1).lower()
            text = " ".join(r[k] or "" for k in ("backend", "model", "quant", "tg_test", "source", "notes"))
            reasons = [why for pat, why in WEAK if re.search(pat, text, re.I)]
            out = {
                "device": dev[0], "runtime": rt, "base": base, "format": fmt,
                "tg_tps": num(r["tg_tps"]), "tg_test": r["tg_test"],
                "pp_tps": num(r["pp_tps"]), "pp_test": r["pp_test"] or None,
            }
            fb = file_bytes(r["model_file_size"])
            if fb:
                out["file_bytes"] = fb
            if dev[1] != 1:
                out["tflops_scale"] = round(dev[1], 4)
            notes = [n for n in (dev[2], bnote, fnote, rt_note) if n]
            if notes:
                out["mapping"] = "; ".join(notes)
            out["weak"] = bool(reasons)
            if reasons:
                out["weak_reason"] = "; ".join(dict.fromkeys(reasons))
            out["source"] = r["source"]
            out["date"] = r["date"]
            out["published"] = {k: r[k] for k in ("device", "backend", "model", "quant", "model_file_size",
                                                   "threads", "ngl", "notes") if r[k]}
            rows.append(out)
    doc = {
        "schema": "kolm.measurements/1",
        "about": "Published decode (tg_tps) and prefill (pp_tps) measurements, normalised to catalog ids by "
                 "tools/gen_measurements.py from shared/data/measurements.tsv; the calibration set of the speed "
                 "model (docs/ACCURACY.md).  'weak' rows say why; 'file_bytes' is the published file size "
                 "(GiB labelled GB converted); 'tflops_scale' adjusts the catalog compute for a smaller GPU bin; "
                 "'mapping' says how an id was chosen where the row does not name it exactly.  'devices' lists "
                 "devices only measurements use, with sources.",
        "devices": EXTRA_DEVICES,
        "measurements": rows,
    }
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
