"""Perplexity of an MLX model directory as mlx-lm computes it, in the
chunking kolm eval --perplexity uses (llama-perplexity's): the text
tokenized once by the directory's own tokenizer (mlx_lm.load's), split into
non-overlapping chunks of N tokens whose first token is BOS, each chunk run
as one batch through mlx_lm.load's model, and the second half of each chunk
scored (log-softmax in float64 of mlx's float32 logits).  Twice: with the
model's floating-point parameters (scales, biases, norms, unquantized
weights) widened to float32 - exact, so the weights are the same numbers -
and mlx computing in float32 as kolm's engine does ("ppl_f32"); and as
mlx_lm.load leaves it, in the directory's dtype ("ppl").

  mlx_ppl.py TEXT N DIR...  ->  one line per DIR:
                                 {"dir": DIR, "ppl_f32": P32, "ppl": P, "n_tokens": T, "scored": S}

mlx_lm.perplexity itself samples an online Hugging Face dataset; this is
its eval_ppl over local text (nothing is downloaded)."""
import json
import sys

import mlx.core as mx
import numpy as np
from mlx_lm import load

text_path, n_ctx = sys.argv[1], int(sys.argv[2])
text = open(text_path, encoding="utf-8").read()
if text.endswith("\n"):
    text = text[:-1]  # as kolm eval and llama-perplexity -f


def ppl(path, widen):
    model, tok = load(path)
    if widen:
        model.set_dtype(mx.float32)
    ids = tok.encode(text)
    bos = tok.bos_token_id
    nll, count = 0.0, 0
    for c in range(len(ids) // n_ctx):
        chunk = list(ids[c * n_ctx:(c + 1) * n_ctx])
        if bos is not None:
            chunk[0] = bos
        lg = np.array(model(mx.array([chunk])).astype(mx.float32)[0], dtype=np.float64)
        for j in range(n_ctx // 2, n_ctx - 1):
            row = lg[j]
            m = row.max()
            nll -= row[ids[c * n_ctx + j + 1]] - m - np.log(np.exp(row - m).sum())
            count += 1
    return float(np.exp(nll / count)), len(ids), count


for d in sys.argv[3:]:
    p32, n, scored = ppl(d, True)
    p, _, _ = ppl(d, False)
    print(json.dumps({"dir": d, "ppl_f32": p32, "ppl": p, "n_tokens": n, "scored": scored}), flush=True)
