#!/usr/bin/env python3
"""Generate data/bases.json from ../shared/data/bases.tsv (sourced configs).

Run by hand when the TSV changes; the JSON is the committed artifact (Python
is not needed to build or test kolm)."""
import csv, json, re, sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/bases.tsv"
rows = list(csv.DictReader(open(src, encoding="utf-8"), delimiter="\t"))

NAMES = {
    "llama-3.1-8b": "Llama-3.1-8B", "llama-3.2-3b": "Llama-3.2-3B", "llama-3.2-1b": "Llama-3.2-1B",
    "phi-3-mini": "Phi-3-mini-3.8B", "mistral-7b": "Mistral-7B-v0.3", "llama-3-8b": "Llama-3-8B",
    "llama-3-70b": "Llama-3-70B", "llama-3.1-70b": "Llama-3.1-70B", "llama-2-7b": "Llama-2-7B",
    "llama-2-13b": "Llama-2-13B", "mixtral-8x7b": "Mixtral-8x7B", "phi-4-mini": "Phi-4-mini-3.8B",
    "tinyllama-1.1b": "TinyLlama-1.1B",
}
TOK = {
    "llama-3": "llama3-bpe", "qwen": "qwen2-bpe", "phi-3-mini": "phi3-spm", "mistral-7b": "mistral-v3-spm",
    "llama-2": "llama-spm", "tinyllama": "llama-spm", "mixtral": "llama-spm", "gemma-2": "gemma2-spm",
    "gemma-3": "gemma3-spm", "phi-4": "gpt4o-bpe", "smollm2": "smollm2-bpe",
}

def num(s):
    m = re.match(r"\s*([0-9][0-9,]*\.?[0-9]*(?:e[0-9+-]+)?)", s or "")
    if not m:
        return None
    v = m.group(1).replace(",", "")
    return float(v) if ("." in v or "e" in v) else int(v)

out = []
for r in rows:
    bid = r["id"]
    mt = r["model_type"].split()[0]
    if mt == "gemma3":
        mt = "gemma3_text"
    cfg = {
        "architectures": [r["architectures"]],
        "model_type": mt,
        "vocab_size": num(r["vocab_size"]),
        "hidden_size": num(r["hidden_size"]),
        "intermediate_size": num(r["intermediate_size"]),
        "num_hidden_layers": num(r["num_hidden_layers"]),
        "num_attention_heads": num(r["num_attention_heads"]),
        "num_key_value_heads": num(r["num_key_value_heads"]),
        "max_position_embeddings": num(r["max_position_embeddings"]),
        "rms_norm_eps": 1e-6 if bid.startswith(("qwen3", "gemma")) else 1e-5,
    }
    if r["head_dim_set"].strip():
        cfg["head_dim"] = num(r["head_dim_set"])
    tie = r["tie_word_embeddings"].strip().lower()
    cfg["tie_word_embeddings"] = tie.startswith("true") or "tied" in tie
    rt = num(r["rope_theta"])
    cfg["rope_theta"] = float(rt if rt is not None else 10000.0)
    rs = r["rope_scaling"]
    if rs.startswith("llama3"):
        f = num(rs.split("factor")[1]) if "factor" in rs else 8.0
        cfg["rope_scaling"] = {"rope_type": "llama3", "factor": float(f), "low_freq_factor": 1.0,
                               "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
    elif rs.startswith("linear"):
        cfg["rope_scaling"] = {"rope_type": "linear", "factor": 8.0}
    elif rs.startswith("longrope"):
        cfg["rope_scaling"] = {"type": "longrope", "long_factor": [1.0] * 48, "short_factor": [1.0] * 48}
        cfg["partial_rotary_factor"] = 0.75
        cfg["original_max_position_embeddings"] = 4096
    else:
        cfg["rope_scaling"] = None
    sw = num(r["sliding_window"])
    if sw and not r["sliding_window"].strip().startswith(("32768 (use", "131072 (use")) and "false" not in r["sliding_window"]:
        cfg["sliding_window"] = sw
    if mt == "gemma2":
        cfg.update({"attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0,
                    "query_pre_attn_scalar": 256, "hidden_activation": "gelu_pytorch_tanh"})
    if mt == "gemma3_text":
        cfg.update({"sliding_window_pattern": 6, "rope_local_base_freq": 10000.0,
                    "query_pre_attn_scalar": 168 if bid == "gemma-3-27b" else 256,
                    "hidden_activation": "gelu_pytorch_tanh"})
        cfg["vocab_size"] = 262144
        cfg["rope_theta"] = 1000000.0
    if mt in ("qwen3_moe", "mixtral"):
        cfg["num_experts" if mt == "qwen3_moe" else "num_local_experts"] = num(r["moe_num_experts"])
        cfg["num_experts_per_tok"] = num(r["moe_experts_per_tok"])
        if mt == "qwen3_moe":
            cfg["moe_intermediate_size"] = num(r["moe_intermediate_size"])
            cfg["norm_topk_prob"] = True
    if mt == "qwen2":
        cfg["attention_bias"] = True
    tok = next(v for k, v in TOK.items() if bid.startswith(k))
    name = NAMES.get(bid) or bid.replace("qwen", "Qwen").replace("gemma", "gemma").replace("smollm2", "SmolLM2")
    pp = num(r["published_params"].split("(")[0]) if r["published_params"] else None
    if isinstance(pp, float) and pp < 1000:
        pp = None
    entry = {"id": bid, "name": name, "hf_repo": r["hf_repo"].split(" ")[0], "tokenizer": tok,
             "config": cfg}
    if pp:
        entry["published_params"] = pp
    entry["params_note"] = r["published_params"]
    entry["tensor_notes"] = r["tensor_notes"]
    entry["notes"] = r["notes"]
    entry["source"] = r["source"]
    out.append(entry)

doc = {"schema": "kolm.bases/1",
       "about": "Base models: published Hugging Face config.json values, each with its source "
                "(from shared/data/bases.tsv). 'config' is read by the same parser as a user's config.json.",
       "bases": out}
json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
print()
