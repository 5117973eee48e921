#!/usr/bin/env python3
"""Print a GGUF's tensors as llama.cpp's own gguf-py reads them, one line
each: name, type, shape (ne0,ne1,...), byte count, sha256 of the data.

  python gguf_tensors.py FILE.gguf

Run with the reference venv's python (gguf).  The interop tests diff two
files' tables to compare tensor data without trusting kolm's reader.
"""
import hashlib
import sys

from gguf import GGUFReader


def main(path):
    r = GGUFReader(path)
    for t in r.tensors:
        data = bytes(t.data.tobytes())
        shape = ",".join(str(int(n)) for n in t.shape)
        print("%s\t%s\t%s\t%d\t%s" % (t.name, t.tensor_type.name, shape, len(data), hashlib.sha256(data).hexdigest()))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gguf_tensors.py FILE.gguf")
    main(sys.argv[1])
