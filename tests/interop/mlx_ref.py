"""Run mlx-lm's own command-line entry points (mlx_lm.convert,
mlx_lm.generate) once per line of stdin, in one Python process: importing
mlx and transformers costs more than a tiny model's conversion, and the
interop test needs a dozen runs.  Each line is a command as a user types
it, parsed by the tool's own argparse:

  mlx_lm.convert --hf-path DIR --mlx-path OUT -q --q-bits 4 --q-group-size 64
  mlx_lm.generate --model DIR --prompt TEXT ... > OUTFILE

A command that fails stops the run with its error (exit 1)."""
import contextlib
import importlib
import shlex
import sys

TOOLS = {t: importlib.import_module(t).main for t in ("mlx_lm.convert", "mlx_lm.generate")}

for line in sys.stdin:
    argv = shlex.split(line)
    if not argv:
        continue
    out = None
    if len(argv) > 2 and argv[-2] == ">":
        out, argv = argv[-1], argv[:-2]
    if argv[0] not in TOOLS:
        sys.exit("mlx_ref.py: unknown tool %s" % argv[0])
    sys.argv = argv
    try:
        if out:
            with open(out, "w") as fh, contextlib.redirect_stdout(fh):
                TOOLS[argv[0]]()
        else:
            with contextlib.redirect_stdout(sys.stderr):
                TOOLS[argv[0]]()
    except SystemExit as e:
        if e.code:
            sys.exit("%s: exit %s" % (line.strip(), e.code))
    except Exception as e:  # noqa: BLE001 - report which command failed
        sys.exit("%s: %s: %s" % (line.strip(), type(e).__name__, e))
