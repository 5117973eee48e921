#!/usr/bin/env python3
"""Write a llama-architecture F16 GGUF of a chosen shape, for checking
memory forecasts against what the reference llama.cpp allocates
(tests/interop/memory.sh).  Run with the reference venv's python (its gguf
and numpy packages).

  gen_shape.py TOK.gguf OUT.gguf EMBD FF HEADS KV_HEADS LAYERS VOCAB [EXPERTS USED]

The weights are zeros (norms ones): llama.cpp's buffers depend on the
shapes, not the values.  The tokenizer is TOK.gguf's (the synthetic model's
512-token SentencePiece vocabulary), padded with unused tokens <pad_N> up to
VOCAB so the output layer can be any size.  With EXPERTS and USED the
feed-forward block is a mixture of EXPERTS experts of FF each, USED per token
(Mixtral's layout: llama.expert_count, ffn_gate_inp, ffn_{gate,up,down}_exps).
"""
import sys

import gguf
import numpy as np


def main(argv):
    if len(argv) not in (9, 11):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    tok, out = argv[1], argv[2]
    embd, ff, heads, kv_heads, layers, vocab = (int(x) for x in argv[3:9])
    experts, used = (int(x) for x in argv[9:11]) if len(argv) == 11 else (0, 0)
    hd = embd // heads
    r = gguf.GGUFReader(tok)

    toks = [bytes(r.fields["tokenizer.ggml.tokens"].parts[i]).decode() for i in r.fields["tokenizer.ggml.tokens"].data]
    scores = [float(r.fields["tokenizer.ggml.scores"].parts[i][0]) for i in r.fields["tokenizer.ggml.scores"].data]
    types = [int(r.fields["tokenizer.ggml.token_type"].parts[i][0]) for i in r.fields["tokenizer.ggml.token_type"].data]
    if vocab < len(toks):
        print("gen_shape.py: vocab %d is below the tokenizer's %d tokens" % (vocab, len(toks)), file=sys.stderr)
        return 2
    for i in range(len(toks), vocab):
        toks.append("<pad_%d>" % i)
        scores.append(-1e6)
        types.append(gguf.TokenType.UNUSED)
    w = gguf.GGUFWriter(out, "llama")
    w.add_name("shape-%d-%d-%d-%d-%d-%d" % (embd, ff, heads, kv_heads, layers, vocab))
    w.add_vocab_size(vocab)
    w.add_context_length(4096)
    w.add_embedding_length(embd)
    w.add_feed_forward_length(ff)
    w.add_block_count(layers)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_dimension_count(hd)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    if experts:
        w.add_expert_count(experts)
        w.add_expert_used_count(used)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_tokenizer_model("llama")
    w.add_token_list(toks)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    def mat(name, rows, cols):
        w.add_tensor(name, np.zeros((rows, cols), dtype=np.float16))

    def norm(name, n):
        w.add_tensor(name, np.ones(n, dtype=np.float32))

    mat("token_embd.weight", vocab, embd)
    for i in range(layers):
        b = "blk.%d." % i
        norm(b + "attn_norm.weight", embd)
        mat(b + "attn_q.weight", heads * hd, embd)
        mat(b + "attn_k.weight", kv_heads * hd, embd)
        mat(b + "attn_v.weight", kv_heads * hd, embd)
        mat(b + "attn_output.weight", embd, heads * hd)
        norm(b + "ffn_norm.weight", embd)
        if experts:
            mat(b + "ffn_gate_inp.weight", experts, embd)
            w.add_tensor(b + "ffn_gate_exps.weight", np.zeros((experts, ff, embd), dtype=np.float16))
            w.add_tensor(b + "ffn_up_exps.weight", np.zeros((experts, ff, embd), dtype=np.float16))
            w.add_tensor(b + "ffn_down_exps.weight", np.zeros((experts, embd, ff), dtype=np.float16))
        else:
            mat(b + "ffn_gate.weight", ff, embd)
            mat(b + "ffn_up.weight", ff, embd)
            mat(b + "ffn_down.weight", embd, ff)
    norm("output_norm.weight", embd)
    mat("output.weight", vocab, embd)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
