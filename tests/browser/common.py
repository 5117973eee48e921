"""Shared by the browser tests (picker_test.py, verify_test.py).

Why Python Playwright (PyPI `playwright`, sync API) and not Selenium +
Debian's chromium-driver: it is one pinned PyPI package (requirements-dev.txt)
that drives Debian's /usr/bin/chromium directly over the DevTools protocol
(executable_path; no browser is downloaded, `playwright install` is never run),
so there is no chromedriver whose version must match chromium's after every
Debian security update; and its API is the one the former playwright-core
(npm) tests used, so they port 1:1: the same selectors, auto-waiting actions,
wait_for_function, file uploads, clipboard permissions and screenshots.

Here: the build directory and paths, a check() that counts failures, `kolm
serve` on a free loopback port, Chromium's launch, and the page's number
formatting (web/app.js formats with JavaScript; Python's rounding differs).
"""
import ctypes
import json
import math
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from decimal import ROUND_HALF_UP, Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.abspath(os.path.join(ROOT, sys.argv[1] if len(sys.argv) > 1 else 'build'))
KOLM = os.path.join(BUILD, 'kolm')
FIXTURES = os.environ.get('KOLM_FIXTURES') or os.path.join(ROOT, 'tests', 'fixtures')
CHROMIUM = os.environ.get('KOLM_CHROMIUM') or '/usr/bin/chromium'
# screenshots (test artifacts): BUILD/tests/browser/<page>-<W>x<H>.png
SHOTS = os.path.join(BUILD, 'tests', 'browser')
DESKTOP = {'width': 1366, 'height': 900}
PHONE = {'width': 390, 'height': 844}
# every Playwright action and wait gives up after this (ms); run.sh also
# bounds each whole test with timeout(1)
TIMEOUT_MS = 15000

# SIGTERM (timeout(1)) unwinds through the finally blocks: browser closed,
# server stopped, scratch files removed
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class Checker:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def check(self, what, got, want):
        self.checks += 1
        if got != want:
            self.failures += 1
            print(f'FAIL {what}\n  got:  {json.dumps(got)}\n  want: {json.dumps(want)}', flush=True)

    def fail(self, what):
        self.failures += 1
        print('FAIL ' + what, flush=True)


def _die_with_parent():
    # the server gets SIGTERM if this test process dies, even by SIGKILL
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def start_server(timeout_s=15):
    """Start `kolm serve --port 0`; return (process, URL it printed)."""
    srv = subprocess.Popen([KOLM, 'serve', '--host', '127.0.0.1', '--port', '0'],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           preexec_fn=_die_with_parent)
    out = b''
    deadline = time.monotonic() + timeout_s
    while True:
        m = re.search(rb'(http://\S+/)', out)
        if m:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            srv.kill()
            srv.wait()
            raise RuntimeError('kolm serve did not print its URL: ' + out.decode(errors='replace'))
        r, _, _ = select.select([srv.stdout], [], [], left)
        if r:
            d = os.read(srv.stdout.fileno(), 4096)
            if not d:
                raise RuntimeError(f'kolm serve exited {srv.wait()}: ' + out.decode(errors='replace'))
            out += d

    def drain():  # keep the pipe from filling up; show what it says
        for line in srv.stdout:
            sys.stdout.write('kolm serve: ' + line.decode(errors='replace'))
    threading.Thread(target=drain, daemon=True).start()
    return srv, m.group(1).decode()


def stop_server(srv):
    srv.terminate()
    try:
        srv.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.kill()
        srv.wait()


def launch(pw):
    """Debian's Chromium, headless; never a downloaded browser."""
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, timeout=30000,
                              args=['--no-sandbox'] if os.getuid() == 0 else [])


def shot(page, name):
    """A viewport screenshot from the top of the page (cheap: no full-page
    stitching, no animations; the same view on every run)."""
    os.makedirs(SHOTS, exist_ok=True)
    page.evaluate('() => window.scrollTo(0, 0)')
    vp = page.viewport_size
    path = os.path.join(SHOTS, f"{name}-{vp['width']}x{vp['height']}.png")
    page.screenshot(path=path, animations='disabled', caret='hide', timeout=TIMEOUT_MS)
    return path


# ---- the page's formatting, as JavaScript does it (web/app.js) ----

def js_str(x):
    """String(x) for a JSON value that is a number, as JavaScript prints it."""
    if x is None:
        return 'null'
    if isinstance(x, bool):
        return 'true' if x else 'false'
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e21:
            return str(int(x))
        r = repr(x)  # shortest round trip, as JavaScript's
        if 'e' in r:
            if 1e-7 <= abs(x) < 1e21:
                return format(Decimal(r), 'f')
            r = re.sub(r'e([+-])0*(\d)', r'e\1\2', r)
        return r
    return str(x)


def to_fixed(x, digits):
    """Number.prototype.toFixed: the exact binary value, ties away from zero."""
    return str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def js_round(x):
    """Math.round: ties towards +infinity."""
    return math.floor(x + 0.5)


def gb(b):
    return to_fixed(b / 1e9, 2) + ' GB'


def int_en(n):
    """Number(n).toLocaleString('en-US') for the integers the page shows."""
    return f'{int(n):,}'
