#!/usr/bin/env python3
"""Write tiny random-weight F32 GGUFs of the five architectures kolm's engine
claims, with the keys, tensor names and shapes llama.cpp expects.

Standard library only; seeded, so every run writes the same bytes.

  python3 tests/interop/gen_arch.py --tokenizer-from TOK.gguf OUTDIR [ARCH ...]
      write OUTDIR/<arch>-f32.gguf for each ARCH (default: llama qwen2 qwen3
      phi3 gemma2), with the tokenizer.* keys of TOK.gguf copied verbatim and
      in order (tests/interop/arch.sh uses the 512-token SentencePiece vocab of
      tests/fixtures/models/kquant/synth-q4_0.gguf)
  python3 tests/interop/gen_arch.py --list
      print every architecture's keys and tensors

Adapted from the project's research folder (models/arch/gen_arch.py; see
tests/fixtures/README.md), with these changes:
  - every matrix dimension is a multiple of 256 (n_embd 512, 4 heads of 128,
    2 KV heads: K/V width 256, n_ff 768, vocab 512), so llama-quantize makes
    every matrix Q8_0 / Q4_0 / Q6_K with no fallback type;
  - weights are uniform, drawn as 16-bit integers from rng.randbytes (about
    50 times faster than one rng.gauss per element) with the same standard
    deviations;
  - phi3 rotates 96 of its 128 head dimensions (rope.dimension_count 96, as
    Phi-4-mini's partial_rotary_factor 0.75), has short and long rope factors
    of 48 entries, and carries a sliding window of 64, which llama.cpp ignores
    for phi3 ("Phi SWA is currently disabled");
  - gemma2's sliding window is 32 (real files: 4096), so it matters in a
    context of 256.

Data rule: one random.Random(SEED[arch]) per architecture; tensors in file
order (--list); each tensor of n elements takes rng.randbytes(2 n) as n
little-endian int16 values v and stores mean + std * sqrt(3) * (v + 0.5) /
32768 as float32 (uniform on mean +- std * sqrt(3)):
    w        2-D matrices                      mean 0, std 0.08
    norm     RMSNorm weights                   mean 1, std 0.1
    bias     qwen2 attn_q/k/v.bias             mean 0, std 0.2
    w_embd   gemma2 token_embd                 mean 0, std 0.02
    norm_x4  gemma2 output_norm                mean 4, std 0.4
  (the two gemma2 kinds keep its tied embedding, scaled by sqrt(n_embd), from
  predicting its own input token every time; research README)
The phi3 rope factors draw nothing: short[i] = 1 + 2 (i/47)^2,
long[i] = 1 + 40 (i/47)^3 for i < 48.
"""
import array
import hashlib
import math
import random
import struct
import sys

N_VOCAB, N_EMBD, N_FF, N_LAYER, N_HEAD, N_HEAD_KV = 512, 512, 768, 4, 4, 2
HEAD_DIM = N_EMBD // N_HEAD          # 128
N_EMBD_KV = HEAD_DIM * N_HEAD_KV     # 256
PHI3_N_ROT = 96                      # partial rotary: 96 of 128 dims

SEED = {"llama": 2001, "qwen2": 2002, "qwen3": 2003, "phi3": 2004, "gemma2": 2005}
# general.name must not contain "phi3" / "phi-3": llama.cpp's vocab loader then
# looks up "<|endoftext|>" by text, which this vocabulary lacks (research README)
MODEL_NAME = {"llama": "synth-llama-512", "qwen2": "synth-qwen2-512", "qwen3": "synth-qwen3-512",
              "phi3": "synth-phi-mini-512", "gemma2": "synth-gemma2-512"}
ARCHS = list(SEED)

# GGUF value types
T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64, T_I64, T_F64 = range(13)
_FMT = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}

CTX = 1024
# phi3 LongRoPE: trained context 1024 on an original 256 (Phi-3.5-mini: 128k on 4k)
PHI3_ORIG_CTX = 256
# the converter's LongRoPE formula, sqrt(1 + ln(ctx / orig) / ln(orig))
PHI3_ATTN_FACTOR = math.sqrt(1.0 + math.log(CTX / PHI3_ORIG_CTX) / math.log(PHI3_ORIG_CTX))
PHI3_SLIDING_WINDOW = 64

GEMMA2_ATTN_SOFTCAP = 5.0
GEMMA2_FINAL_SOFTCAP = 5.0
GEMMA2_SLIDING_WINDOW = 32

STD = {"w": (0.0, 0.08), "norm": (1.0, 0.1), "bias": (0.0, 0.2), "w_embd": (0.0, 0.02), "norm_x4": (4.0, 0.4)}


def arch_kvs(arch):
    """(key, type, value) in file order, without the tokenizer keys."""
    a = arch
    kv = [("general.architecture", T_STR, arch),
          ("general.name", T_STR, MODEL_NAME[arch]),
          ("general.file_type", T_U32, 0),
          ("general.alignment", T_U32, 32),
          (a + ".vocab_size", T_U32, N_VOCAB),
          (a + ".context_length", T_U32, CTX),
          (a + ".embedding_length", T_U32, N_EMBD),
          (a + ".feed_forward_length", T_U32, N_FF),
          (a + ".block_count", T_U32, N_LAYER),
          (a + ".attention.head_count", T_U32, N_HEAD),
          (a + ".attention.head_count_kv", T_U32, N_HEAD_KV)]
    if arch == "llama":
        kv += [(a + ".rope.dimension_count", T_U32, HEAD_DIM),
               (a + ".rope.freq_base", T_F32, 10000.0),
               (a + ".attention.layer_norm_rms_epsilon", T_F32, 1e-5)]
    elif arch == "qwen2":       # no rope.dimension_count, like the converter
        kv += [(a + ".rope.freq_base", T_F32, 1000000.0),
               (a + ".attention.layer_norm_rms_epsilon", T_F32, 1e-6)]
    elif arch == "qwen3":
        kv += [(a + ".rope.freq_base", T_F32, 1000000.0),
               (a + ".attention.layer_norm_rms_epsilon", T_F32, 1e-6),
               (a + ".attention.key_length", T_U32, HEAD_DIM),
               (a + ".attention.value_length", T_U32, HEAD_DIM)]
    elif arch == "phi3":
        kv += [(a + ".rope.scaling.original_context_length", T_U32, PHI3_ORIG_CTX),
               (a + ".attention.layer_norm_rms_epsilon", T_F32, 1e-5),
               (a + ".rope.dimension_count", T_U32, PHI3_N_ROT),
               (a + ".rope.freq_base", T_F32, 10000.0),
               (a + ".attention.sliding_window", T_U32, PHI3_SLIDING_WINDOW),
               (a + ".rope.scaling.attn_factor", T_F32, PHI3_ATTN_FACTOR)]
    elif arch == "gemma2":      # no rope.freq_base (default 10000), no sliding_window_pattern (2)
        kv += [(a + ".attention.layer_norm_rms_epsilon", T_F32, 1e-6),
               (a + ".attention.key_length", T_U32, HEAD_DIM),
               (a + ".attention.value_length", T_U32, HEAD_DIM),
               (a + ".attn_logit_softcapping", T_F32, GEMMA2_ATTN_SOFTCAP),
               (a + ".final_logit_softcapping", T_F32, GEMMA2_FINAL_SOFTCAP),
               (a + ".attention.sliding_window", T_U32, GEMMA2_SLIDING_WINDOW)]
    else:
        raise ValueError(arch)
    return kv


def arch_tensors(arch):
    """[(name, [ne0, ne1...], kind)] in file order."""
    E, F, KV, V = N_EMBD, N_FF, N_EMBD_KV, N_VOCAB
    t = [("token_embd.weight", [E, V], "w_embd" if arch == "gemma2" else "w")]
    if arch == "phi3":
        t += [("rope_factors_long.weight", [PHI3_N_ROT // 2], "rope_long"),
              ("rope_factors_short.weight", [PHI3_N_ROT // 2], "rope_short")]
    t += [("output_norm.weight", [E], "norm_x4" if arch == "gemma2" else "norm")]
    if arch in ("llama", "qwen2", "phi3"):      # qwen3 and gemma2 tie the output to token_embd
        t += [("output.weight", [E, V], "w")]
    for i in range(N_LAYER):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", [E], "norm")]
        if arch == "phi3":
            t += [(p + "attn_qkv.weight", [E, E + 2 * KV], "w")]     # rows: Q, K, V
        else:
            t += [(p + "attn_q.weight", [E, E], "w"),
                  (p + "attn_k.weight", [E, KV], "w"),
                  (p + "attn_v.weight", [E, KV], "w")]
        if arch == "qwen2":
            t += [(p + "attn_q.bias", [E], "bias"),
                  (p + "attn_k.bias", [KV], "bias"),
                  (p + "attn_v.bias", [KV], "bias")]
        if arch == "qwen3":
            t += [(p + "attn_q_norm.weight", [HEAD_DIM], "norm"),
                  (p + "attn_k_norm.weight", [HEAD_DIM], "norm")]
        t += [(p + "attn_output.weight", [E, E], "w")]
        if arch == "gemma2":
            t += [(p + "post_attention_norm.weight", [E], "norm")]
        t += [(p + "ffn_norm.weight", [E], "norm")]
        if arch == "phi3":
            t += [(p + "ffn_up.weight", [E, 2 * F], "w")]            # rows: gate, then up
        else:
            t += [(p + "ffn_gate.weight", [E, F], "w"),
                  (p + "ffn_up.weight", [E, F], "w")]
        t += [(p + "ffn_down.weight", [F, E], "w")]
        if arch == "gemma2":
            t += [(p + "post_ffw_norm.weight", [E], "norm")]
    return t


def tensor_data(arch):
    """Yield (name, dims, float32 little-endian bytes) in file order."""
    rng = random.Random(SEED[arch])
    for name, dims, kind in arch_tensors(arch):
        n = 1
        for d in dims:
            n *= d
        if kind == "rope_short":
            vals = [1.0 + 2.0 * (i / (n - 1)) ** 2 for i in range(n)]
        elif kind == "rope_long":
            vals = [1.0 + 40.0 * (i / (n - 1)) ** 3 for i in range(n)]
        else:
            mean, std = STD[kind]
            raw = array.array("h", rng.randbytes(2 * n))
            if sys.byteorder == "big":
                raw.byteswap()
            s = std * math.sqrt(3.0) / 32768.0
            vals = [mean + s * (v + 0.5) for v in raw]
        a = array.array("f", vals)      # double -> float32, round to nearest even
        if sys.byteorder == "big":
            a.byteswap()
        yield name, dims, a.tobytes()


# ---- minimal GGUF reading and writing ---------------------------------------
def read_kvs(path):
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"GGUF":
        raise ValueError("%s: not a GGUF file" % path)
    n_kv = struct.unpack_from("<Q", b, 16)[0]
    pos = 24

    def rd(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, b, pos)[0]
        pos += struct.calcsize(fmt)
        return v

    def rstr():
        nonlocal pos
        n = rd("<Q")
        s = b[pos:pos + n]
        pos += n
        return s

    def rval(t):
        return rstr() if t == T_STR else rd(_FMT[t])

    kvs = []
    for _ in range(n_kv):
        k = rstr().decode()
        t = rd("<I")
        if t == T_ARR:
            et = rd("<I")
            n = rd("<Q")
            kvs.append((k, t, [rval(et) for _ in range(n)], et))
        else:
            kvs.append((k, t, rval(t), None))
    return kvs


def _s(x):
    if isinstance(x, str):
        x = x.encode()
    return struct.pack("<Q", len(x)) + x


def _v(t, v):
    return _s(v) if t == T_STR else struct.pack(_FMT[t], v)


def write_gguf(arch, tok_kvs, out_path, align=32):
    kvs = [(k, t, v, None) for k, t, v in arch_kvs(arch)] + tok_kvs
    tensors = arch_tensors(arch)
    head = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)))
    for k, t, v, et in kvs:
        head += _s(k) + struct.pack("<I", t)
        if t == T_ARR:
            head += struct.pack("<IQ", et, len(v)) + b"".join(_v(et, x) for x in v)
        else:
            head += _v(t, v)
    off = 0
    for name, dims, _ in tensors:
        nbytes = 4
        for d in dims:
            nbytes *= d
        head += _s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        head += struct.pack("<IQ", 0, off)          # type 0 = F32
        off += -(-nbytes // align) * align
    head += b"\0" * (-len(head) % align)
    h = hashlib.sha256(head)
    size = len(head)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(head)
        for _, _, data in tensor_data(arch):
            data += b"\0" * (-len(data) % align)
            f.write(data)
            h.update(data)
            size += len(data)
    import os
    os.replace(tmp, out_path)
    print("wrote %s: %d bytes, sha256 %s" % (out_path, size, h.hexdigest()))


def list_archs():
    for arch in ARCHS:
        print("== %s (seed %d)" % (arch, SEED[arch]))
        for k, t, v in arch_kvs(arch):
            print("  kv  %-45s %r" % (k, v))
        print("  kv  tokenizer.* (copied)")
        for name, dims, kind in arch_tensors(arch):
            print("  t   %-32s %-12s %s" % (name, str(dims), kind))


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        list_archs()
        return 0
    if len(argv) >= 4 and argv[1] == "--tokenizer-from":
        tok = [kv for kv in read_kvs(argv[2]) if kv[0].startswith("tokenizer.")]
        if not any(kv[0] == "tokenizer.ggml.tokens" for kv in tok):
            print("gen_arch: %s: no tokenizer.ggml.tokens" % argv[2], file=sys.stderr)
            return 3
        for arch in (argv[4:] or ARCHS):
            if arch not in SEED:
                print("gen_arch: unknown architecture %r (%s)" % (arch, " ".join(ARCHS)), file=sys.stderr)
                return 2
            write_gguf(arch, tok, "%s/%s-f32.gguf" % (argv[3], arch))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
