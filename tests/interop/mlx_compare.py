"""Compare two MLX model directories tensor by tensor (kolm's native export
against mlx_lm.convert's), read with the safetensors package (no mlx).

usage: mlx_compare.py KOLM_DIR MLX_DIR
Exit 0 when both have the same tensor names, dtypes, shapes and bytes, the
same config.json and model.safetensors.index.json bytes, and kolm's
safetensors metadata carries the stamp; else 1 with one line per
difference.  Prints one summary line."""
import json
import os
import sys

from safetensors import safe_open


def tensors(d):
    idx = json.load(open(os.path.join(d, "model.safetensors.index.json")))
    out, meta = {}, {}
    for shard in sorted(set(idx["weight_map"].values())):
        with safe_open(os.path.join(d, shard), framework="numpy") as f:
            meta[shard] = f.metadata() or {}
            for k in f.keys():
                sl = f.get_slice(k)
                out[k] = (sl.get_dtype(), tuple(sl.get_shape()), shard)
    return idx, out, meta


def raw(d, shard, name):
    p = os.path.join(d, shard)
    with open(p, "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        hdr = json.loads(fh.read(n))
        b, e = hdr[name]["data_offsets"]
        fh.seek(8 + n + b)
        return fh.read(e - b)


def main():
    kd, md = sys.argv[1], sys.argv[2]
    bad = []
    kidx, kt, kmeta = tensors(kd)
    midx, mt, _ = tensors(md)
    if sorted(kt) != sorted(mt):
        bad.append("tensor names differ: only kolm %s, only mlx %s" % (sorted(set(kt) - set(mt))[:5], sorted(set(mt) - set(kt))[:5]))
    quant = 0
    for k in sorted(set(kt) & set(mt)):
        if kt[k][:2] != mt[k][:2]:
            bad.append("%s: kolm %s %s, mlx %s %s" % (k, kt[k][0], kt[k][1], mt[k][0], mt[k][1]))
            continue
        a, b = raw(kd, kt[k][2], k), raw(md, mt[k][2], k)
        if a != b:
            diff = sum(1 for x, y in zip(a, b) if x != y)
            bad.append("%s (%s %s): %d of %d bytes differ" % (k, kt[k][0], kt[k][1], diff, len(a)))
        quant += k.endswith(".scales")
    for name in ("config.json", "model.safetensors.index.json"):
        if open(os.path.join(kd, name), "rb").read() != open(os.path.join(md, name), "rb").read():
            bad.append("%s: kolm's bytes differ from mlx-lm's" % name)
    for shard, m in kmeta.items():
        if m.get("format") != "mlx" or len(m.get("kolm.payload_sha256", "")) != 64:
            bad.append("%s: metadata %s lacks format=mlx or the kolm stamp" % (shard, m))
    for line in bad:
        print("DIFF " + line)
    print("%d tensors (%d quantized), %s" % (len(kt), quant, "identical" if not bad else "%d differences" % len(bad)))
    return 1 if bad else 0


sys.exit(main())
