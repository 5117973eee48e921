#!/usr/bin/env python3
"""Write a Hugging Face llama checkpoint on which every GGUF quant type
applies, and which still says something: aidreams260K (a real, working
tiny llama: hidden 64, 4 heads of 16, FFN 172, 4 layers, tied embeddings)
embedded exactly in a model whose every weight row is a multiple of 256
long, so no k-quant or IQ4 type falls back to another.

  python synth_hf.py AIDREAMS_HF_DIR OUT_DIR [--layers N] [--seed S]

Run with the reference venv's python (numpy, safetensors).  The result:

  hidden 256, 16 query heads of 16 (GQA: 4 kv heads), FFN 256, N layers
  (default 12), vocab 512, tied embeddings, F16 model.safetensors, and
  aidreams260K's tokenizer files copied unchanged.

How the 64-wide model sits in the 256-wide one (exact in real arithmetic):

  - the residual stream carries aidreams' 64 dims in dims 0..63 and zeros
    in 64..255: the embedding's columns 64.., o_proj's and down_proj's rows
    64.. are zero, so nothing ever writes there;
  - RMSNorm over 256 dims of which 192 are zero divides by rms64 / 2, so
    every norm weight is halved and rms_norm_eps is quartered (1e-5 -> 2.5e-6):
    x w/2 / sqrt(m/4 + eps/4) = x w / sqrt(m + eps);
  - aidreams' head i is query head 4i, whose kv head is i (GQA 4); the other
    12 query heads get random weights but o_proj's columns for them are
    zero, so they add nothing;
  - FFN units 0..171 are aidreams', 172..255 random with zero down_proj
    columns;
  - weights that only ever multiply the zero dims (q/k/v/gate/up columns
    64..) are random, as are the padding norm entries; layers 4.. are random
    everywhere except o_proj and down_proj, which are zero: they are
    identity layers that still make the layer-position rules of the
    k-quant mixes see N layers.

Random values are N(0, s) from numpy's PCG64 seeded with --seed, with s the
standard deviation of aidreams' tensor of the same role (layer 0 for the
extra layers), so each quantization block mixes real and random values of
one scale.  The result is deterministic for a given seed and source.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

D, H, HD, KV, FF = 256, 16, 16, 4, 256
d, h, ff = 64, 4, 172


def main(argv):
    ap = argparse.ArgumentParser(description="aidreams260K embedded in a 256-wide llama checkpoint")
    ap.add_argument("src", metavar="AIDREAMS_HF_DIR")
    ap.add_argument("out", metavar="OUT_DIR")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20261206)
    a = ap.parse_args(argv[1:])
    src, out, layers, seed = a.src, a.out, a.layers, a.seed
    cfg = json.load(open(os.path.join(src, "config.json")))
    assert (cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"],
            cfg["intermediate_size"]) == (d, h, h, ff), "not the aidreams260K shape"
    L0 = cfg["num_hidden_layers"]
    assert layers >= L0 and cfg["tie_word_embeddings"]
    w = load_file(os.path.join(src, "model.safetensors"))
    rng = np.random.default_rng(seed)

    def noise(shape, like):
        return rng.normal(0.0, float(np.std(like)), size=shape).astype(np.float32)

    t = {}
    emb = np.zeros((w["model.embed_tokens.weight"].shape[0], D), np.float32)
    emb[:, :d] = w["model.embed_tokens.weight"]
    t["model.embed_tokens.weight"] = emb
    for l in range(layers):
        real = l < L0
        p = "model.layers.%d." % (l if real else 0)
        q = "model.layers.%d." % l
        ws = {n: w[p + n] for n in ("self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                                    "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                                    "mlp.down_proj.weight", "input_layernorm.weight",
                                    "post_attention_layernorm.weight")}
        for n in ("input_layernorm.weight", "post_attention_layernorm.weight"):
            v = noise((D,), ws[n]) + 1.0
            if real:
                v[:d] = ws[n] / 2
            t[q + n] = v
        wq = noise((H * HD, D), ws["self_attn.q_proj.weight"])
        wk = noise((KV * HD, D), ws["self_attn.k_proj.weight"])
        wv = noise((KV * HD, D), ws["self_attn.v_proj.weight"])
        wo = np.zeros((D, H * HD), np.float32)
        if real:
            for i in range(h):
                wq[4 * i * HD:(4 * i + 1) * HD, :d] = ws["self_attn.q_proj.weight"][i * HD:(i + 1) * HD]
                wk[i * HD:(i + 1) * HD, :d] = ws["self_attn.k_proj.weight"][i * HD:(i + 1) * HD]
                wv[i * HD:(i + 1) * HD, :d] = ws["self_attn.v_proj.weight"][i * HD:(i + 1) * HD]
                wo[:d, 4 * i * HD:(4 * i + 1) * HD] = ws["self_attn.o_proj.weight"][:, i * HD:(i + 1) * HD]
        t[q + "self_attn.q_proj.weight"] = wq
        t[q + "self_attn.k_proj.weight"] = wk
        t[q + "self_attn.v_proj.weight"] = wv
        t[q + "self_attn.o_proj.weight"] = wo
        wg = noise((FF, D), ws["mlp.gate_proj.weight"])
        wu = noise((FF, D), ws["mlp.up_proj.weight"])
        wd = np.zeros((D, FF), np.float32)
        if real:
            wg[:ff, :d] = ws["mlp.gate_proj.weight"]
            wu[:ff, :d] = ws["mlp.up_proj.weight"]
            wd[:d, :ff] = ws["mlp.down_proj.weight"]
        t[q + "mlp.gate_proj.weight"] = wg
        t[q + "mlp.up_proj.weight"] = wu
        t[q + "mlp.down_proj.weight"] = wd
    norm = noise((D,), w["model.norm.weight"]) + 1.0
    norm[:d] = w["model.norm.weight"] / 2
    t["model.norm.weight"] = norm

    os.makedirs(out, exist_ok=True)
    save_file({k: v.astype(np.float16) for k, v in t.items()}, os.path.join(out, "model.safetensors"))
    c = dict(cfg)
    c.update({"hidden_size": D, "num_attention_heads": H, "num_key_value_heads": KV, "head_dim": HD,
              "intermediate_size": FF, "num_hidden_layers": layers, "torch_dtype": "float16",
              "rms_norm_eps": cfg["rms_norm_eps"] / 4})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
        f.write("\n")
    for n in ("tokenizer.model", "tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(src, n), os.path.join(out, n))


if __name__ == "__main__":
    main(sys.argv)
