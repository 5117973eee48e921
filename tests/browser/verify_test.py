"""The verify page (/verify-prod, its earlier name) in Debian's Chromium, driven
by Python Playwright.

Why Playwright rather than Selenium + chromium-driver: one pinned PyPI
package, no chromedriver whose version must track chromium's, and a 1:1 port
of the former playwright-core tests (the details are in common.py).

Upload a signed artifact, its export and the public key, and check that the
six lines equal `kolm verify` for the same files, the summary and the CLI
line; then a damaged artifact shows FAIL on the integrity line, in red, and
again equals `kolm verify`.  No console or page error allowed.  Screenshots at
1366x900 and 390x844 go to BUILD/tests/browser/.
usage: .venv/bin/python tests/browser/verify_test.py BUILD_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

from playwright.sync_api import sync_playwright

from common import (DESKTOP, FIXTURES, KOLM, PHONE, ROOT, SHOTS, TIMEOUT_MS, Checker, launch, shot, start_server,
                    stop_server)

C = Checker()
check = C.check


def kolm(*args):
    subprocess.run([KOLM, *args], check=True, stdout=subprocess.DEVNULL, timeout=120)


def verify_lines(args):
    """`kolm verify --json` for these files, as the lines the page prints."""
    r = subprocess.run([KOLM, 'verify', *args, '--json'], stdout=subprocess.PIPE, timeout=60)
    j = json.loads(r.stdout)
    return [f"{c['status']:<4}  {c['name']:<15} {c['why']}" for c in j['checks']]


def run_checks(page, artifact, export=None, pubkey=None, require_sig=False):
    page.set_input_files('#artifact', artifact)
    page.set_input_files('#export', export or [])
    page.set_input_files('#pubkey', pubkey or [])
    page.locator('#require_signature').set_checked(require_sig)
    page.locator('#go').click()
    # the submit handler clears the lines and disables the button at once,
    # and enables it again once the answer is printed
    page.wait_for_function("""() => document.querySelectorAll('#checks .check').length === 6 &&
                                 !document.getElementById('go').disabled""", timeout=TIMEOUT_MS)
    return [s[:-1] if s.endswith('\n') else s for s in page.locator('#checks .check').all_text_contents()]


def run(pw, tmp):
    art = os.path.join(tmp, 'stories.kolm')
    key = os.path.join(tmp, 'k')
    kolm('keygen', '-o', key)
    kolm('pack', os.path.join(FIXTURES, 'models', 'stories260K-hf'), '--evalpack',
         os.path.join(ROOT, 'tests', 'data', 'evalpack-stories.jsonl'), '-o', art, '--k-score', '0.9', '--sign', key)
    kolm('export', art, '--quant', 'f16', '--device', 'rpi5-8gb', '-o', tmp, '--no-measure')
    exp = os.path.join(tmp, 'stories-f16.gguf')
    bad = os.path.join(tmp, 'damaged.kolm')
    with open(art, 'rb') as fh:
        b = bytearray(fh.read())
    b[len(b) - 3000] ^= 0x20
    with open(bad, 'wb') as fh:
        fh.write(b)

    srv, url = start_server()
    browser = None
    try:
        browser = launch(pw)
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors = []
        page.on('console', lambda m: m.type == 'error' and errors.append(m.text))
        page.on('pageerror', lambda e: errors.append(str(e)))
        page.goto(url + 'verify-prod')
        check('title', page.title(), 'kolm — verify an artifact and its export')

        ok = run_checks(page, art, exp, key + '.pub', True)
        want = [s.replace(art, 'stories.kolm').replace(exp, 'stories-f16.gguf')
                for s in verify_lines([art, exp, '--pubkey', key + '.pub', '--require-signature'])]
        check('six lines equal kolm verify (signed + export)', ok, want)
        # quality is SKIP: the export's K was not measured, and a forecast is no verdict
        check('five OK, quality SKIP', len(ok) == 6 and all(s.startswith('OK ') for s in ok[:5])
              and ok[5].startswith('SKIP  quality'), True)
        check('summary', page.locator('#summary').text_content(),
              'No check failed (5 OK, 1 SKIP): kolm verify would exit 0.')
        check('cli line', page.locator('#cli').text_content(),
              'kolm verify stories.kolm stories-f16.gguf --pubkey k.pub --require-signature')
        # styled like the picker: a real button, fields apart, the card's heading at its top
        page.mouse.move(0, 0)  # not hovered
        page.wait_for_timeout(100)
        style = page.evaluate("""() => {
            const b = getComputedStyle(document.getElementById('go'));
            const boxes = [...document.querySelectorAll('#verify .picker')].map((e) => e.getBoundingClientRect());
            const gaps = boxes.slice(1).map((r, i) => r.top - boxes[i].bottom);
            const card = document.querySelector('#verify').closest('.card').getBoundingClientRect();
            const h = document.getElementById('up-h').getBoundingClientRect();
            return {bg: b.backgroundColor, radius: b.borderRadius, height: b.height, gap: Math.min(...gaps),
                    headTop: h.top - card.top};
        }""")
        check('button is the page accent, not the browser default', [style['bg'], style['radius']],
              ['rgb(31, 95, 191)', '8px'])
        check('button is a 44 px target', float(style['height'][:-2]) >= 44, True)
        check('fields do not touch (gap >= 8 px)', style['gap'] >= 8, True)
        check('card heading at the top of the card', style['headTop'] < 40, True)
        shot(page, 'verify')
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(200)
        phone = page.evaluate("""() => ({
            whyX: [...document.querySelectorAll('#checks .check .why')].map((e) => Math.round(e.getBoundingClientRect().left)),
            wrapped: [...document.querySelectorAll('#checks .check .why')].some((e) => e.getClientRects().length > 1 ||
                e.getBoundingClientRect().height > 30),
            broken: [...document.querySelectorAll('label code, #cli span')].filter((e) => e.getClientRects().length > 1)
                .map((e) => e.textContent),
            overflow: document.documentElement.scrollWidth - window.innerWidth})""")
        check('phone: the why column starts at one x on every line', len(set(phone['whyX'])), 1)
        check('phone: some why wraps (the columns are exercised)', phone['wrapped'], True)
        check('phone: flags and words not broken across lines', phone['broken'], [])
        check('phone: nothing wider than the screen', phone['overflow'] <= 0, True)
        shot(page, 'verify')
        # the result lines themselves, in their columns, at phone width
        page.locator('#result').screenshot(path=os.path.join(SHOTS, 'verify-result-390x844.png'), animations='disabled')
        page.set_viewport_size(DESKTOP)

        dmg = run_checks(page, bad, None, key + '.pub', False)
        check('damaged: integrity FAIL', dmg[2].startswith('FAIL  integrity'), True)
        check('damaged: equal kolm verify', dmg,
              [s.replace(bad, 'damaged.kolm') for s in verify_lines([bad, '--pubkey', key + '.pub'])])
        check('damaged: FAIL line is red', page.locator('#checks .check.fail').count() >= 1, True)
        check('console errors', errors, [])
        context.close()
    finally:
        if browser:
            browser.close()
        stop_server(srv)


def main():
    tmp = tempfile.mkdtemp(prefix='kolm-verify-page-')
    try:
        with sync_playwright() as pw:
            run(pw, tmp)
    except Exception:
        C.fail(traceback.format_exc())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if C.failures:
        print(f'{C.failures} verify-page check(s) failed')
        sys.exit(1)
    print(f'verify page ({C.checks} checks): the six checks equal kolm verify for a signed artifact + export and a damaged one')


if __name__ == '__main__':
    main()
