#!/usr/bin/env python3
"""Print a GGUF as llama.cpp's own gguf-py reads it.

  python gguf_tensors.py FILE.gguf        one line per tensor: name, type,
                                          shape (ne0,ne1,...), bytes, sha256
  python gguf_tensors.py --kv FILE.gguf   one line per metadata key: key,
                                          value (arrays: length and the
                                          sha256 of their JSON)

Run with the reference venv's python (gguf).  The interop tests diff two
files' tables to compare them without trusting kolm's reader.
"""
import hashlib
import json
import sys

from gguf import GGUFReader


def tensors(r):
    for t in r.tensors:
        data = bytes(t.data.tobytes())
        shape = ",".join(str(int(n)) for n in t.shape)
        print("%s\t%s\t%s\t%d\t%s" % (t.name, t.tensor_type.name, shape, len(data), hashlib.sha256(data).hexdigest()))


def kv(r):
    for f in r.fields.values():
        if f.name.startswith("GGUF."):
            continue
        v = f.contents()
        if isinstance(v, list):
            j = json.dumps(v, ensure_ascii=False)
            v = "array[%d] %s" % (len(v), hashlib.sha256(j.encode()).hexdigest())
        elif isinstance(v, str):
            v = json.dumps(v, ensure_ascii=False)[:200]
        print("%s\t%r" % (f.name, v))


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "--kv":
        kv(GGUFReader(a[1]))
    elif len(a) == 1:
        tensors(GGUFReader(a[0]))
    else:
        sys.exit("usage: gguf_tensors.py [--kv] FILE.gguf")
