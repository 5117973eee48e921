"""The picker page in Debian's Chromium, driven by Python Playwright.

Why Playwright rather than Selenium + chromium-driver: one pinned PyPI
package, no chromedriver whose version must track chromium's, and a 1:1 port
of the former playwright-core tests (the details are in common.py).

Pick base, tier and device (with the mouse API and with the keyboard), and
check that the forecast card and every command equal what `kolm plan --json`
prints for the same pick; context length and runtime as the CLI flags; every
control labelled; the chart's bars against `kolm plan --all-devices --json`;
the copy button fills the clipboard; the reference tables have one row per
catalog entry; paste a config.json and compare with `kolm plan --config`, and
a broken paste is reported; at phone widths (375 and 390 px) nothing is wider
than the screen, chart labels stay distinct; at 390 and 1366 px no command
token is split across lines (measured: Range.getClientRects() per token) and a
command box scrolls, shaded, when a token is wider than it; at
1366 px a clipped table shows a scroll cue; prose has no backticks or ^; no console error, page error, failed request or HTTP error.
Screenshots at 1366x900 and 390x844, and of the commands and the reference
tables at 390 px, go to BUILD/tests/browser/.
usage: .venv/bin/python tests/browser/picker_test.py BUILD_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from common import (DESKTOP, KOLM, PHONE, ROOT, SHOTS, TIMEOUT_MS, Checker, gb, int_en, js_round, js_str, launch,
                    shot, start_server, stop_server)

C = Checker()
check = C.check


def plan(args, cwd=None):
    out = subprocess.run([KOLM, 'plan', *args, '--json'], cwd=cwd or ROOT, check=True,
                         stdout=subprocess.PIPE, timeout=60).stdout
    return json.loads(out)


def kolm_json(*args):
    return json.loads(subprocess.run([KOLM, *args], check=True, stdout=subprocess.PIPE, timeout=60).stdout)


def check_card(page, label, f):
    """Wait until the card shows this forecast, then compare every field."""
    title = f"{f['source']['name']} × {f['format']['label']} × {f['device']['name']}"
    page.wait_for_function(
        """([t, e]) => document.getElementById('card-title').textContent === t &&
             document.getElementById('cmd-export').textContent === e""",
        arg=[title, f['commands']['export']], timeout=TIMEOUT_MS)

    def text(id_):
        return page.locator('#' + id_).text_content()

    size, fit, mem, d = f['size'], f['fit'], f['memory'], f['decode_tps']
    check(f'{label}: size', text('f-size-gb'), gb(size['bytes']))
    check(f'{label}: size bytes', text('f-size-bytes'),
          f"({int_en(size['bytes'])} bytes, {js_str(f['format']['bits_per_weight'])} bits/weight)")
    check(f'{label}: size basis', text('f-size-basis'), size['basis'])
    check(f'{label}: verdict', text('f-verdict'), fit['verdict'])
    check(f'{label}: verdict colour class', page.locator('#f-verdict').get_attribute('class'),
          'verdict ' + fit['verdict'])
    o = f.get('offload')
    if o:
        check(f'{label}: fit line', text('f-fit-line'),
              f"{gb(mem['total_bytes'])} in all, split between the GPU and host RAM (offload)")
        check(f'{label}: offload split', text('f-offload'),
              f"offload: {o['gpu_layers']} of {o['gpu_layers'] + o['host_layers']} layers on the GPU, "
              f"{gb(o['gpu_bytes'])} of {gb(o['gpu_usable_bytes'])} usable ({o['gpu_verdict']}); {o['host_layers']} "
              f"in host RAM, {gb(o['host_bytes'])} of {gb(o['host_memory_bytes'])} ({o['host_verdict']}); "
              f"llama.cpp -ngl {o['ngl']}")
    else:
        check(f'{label}: fit line', text('f-fit-line'),
              f"{gb(mem['total_bytes'])} needed of {gb(mem['usable_bytes'])} usable ({js_round(fit['ratio'] * 100)}%)")
    check(f'{label}: memory breakdown', page.locator('#f-mem-list li').all_text_contents(), [
        'weights ' + gb(mem['weights_bytes']),
        f"KV cache ({mem['kv_type']}, ctx {int_en(mem['ctx'])}) " + gb(mem['kv_cache_bytes']),
        'compute buffer ' + gb(mem['compute_buffer_bytes']),
        'runtime ' + gb(mem['runtime_base_bytes']),
    ])
    over = fit['verdict'] == 'over'
    check(f'{label}: tok/s', text('f-tps'), 'does not fit' if over else f"{js_str(d['mid'])} tok/s")
    check(f'{label}: tok/s range', text('f-tps-range'),
          (f"{js_str(d['mid'])} tok/s only if it fit; " if over else '') +
          f"range {js_str(d['low'])}–{js_str(d['high'])}; bandwidth bound {js_str(d['bandwidth_bound'])}")
    check(f'{label}: tok/s basis', text('f-tps-basis'), d['basis'])
    check(f'{label}: K-score loss', text('f-kloss'), f"{js_str(f['k_loss']['points'])} points")
    check(f'{label}: K basis', text('f-kloss-basis'), f['k_loss']['basis'])
    be = f['backend']
    check(f'{label}: backend', text('f-backend'), f"{be['id']} via {be['runtime']}")
    check(f'{label}: backend reason', text('f-backend-reason'), f"{be['reason']}; {be['runtime_reason']}")
    check(f'{label}: caveats', page.locator('#f-caveats li').all_text_contents(), f.get('caveats') or [])
    for k in ('download', 'pack', 'export', 'export_upstream', 'transfer', 'run', 'verify', 'bench'):
        check(f'{label}: command {k}', text('cmd-' + k), f['commands'].get(k) or '')
    # the journey's order on the page is the CLI's: download, pack, export, move, run, verify, bench
    order = page.evaluate("""() => [...document.querySelectorAll('.steps code[id^="cmd-"]')]
        .filter((c) => !c.closest('[hidden]') && !c.closest('details')).map((c) => c.id.slice(4))""")
    want = [k for k in ('download', 'pack', 'export', 'transfer', 'run', 'verify', 'bench') if f['commands'].get(k)]
    check(f'{label}: steps in the journey order', order, want)
    last = f['commands']['transfer'].split('\n')[-1].split(' ')
    check(f'{label}: transfer badge names the tool that runs', text('where-transfer'),
          'via ' + (last[1] if last[0] == 'xcrun' else last[0]))


def pick(page, base, quant, device):
    page.select_option('#base', base)
    page.select_option('#quant', quant)
    page.select_option('#device', device)


def no_horizontal_scroll(page, viewport):
    page.set_viewport_size(viewport)
    page.wait_for_timeout(300)  # the chart redraws for the new width
    overflow = page.evaluate('() => document.documentElement.scrollWidth - window.innerWidth')
    check(f"no horizontal scroll at {viewport['width']} px", overflow <= 0, True)


# every command on the page (the upstream ones opened): the text of each
# whitespace-separated token, measured with Range.getClientRects() over its
# text nodes; a token whose boxes lie on more than one line was broken
# inside (after a '-' or '/', say), which a copied-by-eye command must not be
BROKEN_TOKENS_JS = """() => {
  const broken = [];
  let n = 0;
  for (const code of document.querySelectorAll('.cmd pre code')) {
    if (!code.getClientRects().length) continue;  // not shown for this pick
    const nodes = [];
    const walk = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let t = walk.nextNode(); t; t = walk.nextNode()) nodes.push(t);
    const text = nodes.map((t) => t.data).join('');
    for (const m of text.matchAll(/\\S+/g)) {
      n++;
      const tops = new Set();
      let at = 0;
      for (const t of nodes) {
        const a = Math.max(m.index, at), b = Math.min(m.index + m[0].length, at + t.data.length);
        if (a < b) {
          const r = document.createRange();
          r.setStart(t, a - at);
          r.setEnd(t, b - at);
          for (const q of r.getClientRects()) if (q.width > 0) tops.add(Math.round(q.top));
        }
        at += t.data.length;
      }
      if (tops.size > 1) broken.push(code.id + ': ' + m[0]);
    }
  }
  return {n, broken};
}"""


def commands_keep_tokens(page, label):
    """No command token is split across lines; shows which ones are."""
    page.evaluate("() => document.querySelectorAll('details.upstream').forEach((d) => { d.open = true; })")
    r = page.evaluate(BROKEN_TOKENS_JS)
    check(f'{label}: command tokens measured', r['n'] > 20, True)
    check(f'{label}: command tokens broken across lines', r['broken'], [])
    # a box whose longest token is wider than it scrolls sideways, shaded exactly when clipped
    cues = page.evaluate("""() => [...document.querySelectorAll('.cmd pre')].filter((p) => p.getClientRects().length)
        .map((p) => [p.querySelector('code').id, p.scrollWidth > p.clientWidth + 1, p.classList.contains('clipped'),
                     getComputedStyle(p).overflowX])""")
    for id_, clipped, shaded, ox in cues:
        check(f'{label}: {id_} shaded exactly when clipped, scrolls', [shaded, ox], [clipped, 'auto'])


def run(pw):
    srv, url = start_server()
    browser = None
    errors = []
    try:
        browser = launch(pw)
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on('console', lambda m: m.type == 'error' and errors.append('console: ' + m.text))
        page.on('pageerror', lambda e: errors.append('page error: ' + e.message))
        page.on('requestfailed', lambda r: errors.append('request failed: ' + r.url))
        page.on('response', lambda r: r.status >= 400 and errors.append(f'HTTP {r.status}: {r.url}'))

        page.goto(url)
        page.wait_for_selector('body[data-ready="1"]')
        # the default pick is `make run`'s
        check_card(page, 'default', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', 'rpi5-8gb']))

        picks = [
            ('llama-3.1-8b', 'int4', 'jetson-orin-nano'),
            ('llama-3.2-1b', 'int8', 'iphone-15-pro'),
            ('mistral-7b', 'q4_k_m', 'rtx-4090'),
            ('qwen2.5-7b', 'fp16', 'm3-pro'),
            ('llama-3.1-70b', 'int4', 'rpi5-8gb'),  # over
        ]
        for b, q, d in picks:
            pick(page, b, q, d)
            check_card(page, f'{b}/{q}/{d}', plan(['--base', b, '--quant', q, '--device', d]))
            check(f'{b}/{q}/{d}: CLI line', page.locator('#cli-equiv').text_content(),
                  f'kolm plan --base {b} --quant {q} --device {d} --json')

        # context length and runtime, as the CLI flags
        pick(page, 'llama-3.1-8b', 'int4', 'm3-pro')
        page.click('details.more summary')
        page.fill('#ctx', '32768')
        page.select_option('#runtime', 'llama.cpp-metal')
        check_card(page, 'ctx+runtime', plan(['--base', 'llama-3.1-8b', '--quant', 'int4', '--device', 'm3-pro',
                                              '--ctx', '32768', '--runtime', 'llama.cpp-metal']))
        page.fill('#ctx', '4096')
        page.select_option('#runtime', '')

        # KV cache type and offload, as the CLI flags; an "over" pick shows no speed as if it ran
        pick(page, 'llama-3.1-70b', 'q4_k_m', 'rtx-4090')
        check_card(page, 'over', plan(['--base', 'llama-3.1-70b', '--quant', 'q4_k_m', '--device', 'rtx-4090']))
        check('over: big figure', page.locator('#f-tps').text_content(), 'does not fit')
        page.select_option('#kv_type', 'q8_0')
        page.fill('#offload', 'auto')
        page.locator('#offload').dispatch_event('change')
        page.wait_for_function("() => !document.getElementById('f-offload').hidden", timeout=TIMEOUT_MS)
        check_card(page, 'kv+offload', plan(['--base', 'llama-3.1-70b', '--quant', 'q4_k_m', '--device', 'rtx-4090',
                                             '--kv-type', 'q8_0', '--offload', 'auto']))
        check('kv+offload: CLI line', page.locator('#cli-equiv').text_content(),
              'kolm plan --base llama-3.1-70b --quant q4_k_m --device rtx-4090 --kv-type q8_0 --offload auto --json')
        page.fill('#offload', '')
        page.locator('#offload').dispatch_event('change')
        page.select_option('#kv_type', '')

        # what the device cannot run is not offered (kolm plan refuses it, exit 2)
        pick(page, 'llama-3.2-3b', 'int4', 'rpi5-8gb')
        disabled = page.evaluate("""() => ({
            backend: [...document.querySelectorAll('#backend option')].filter((o) => o.disabled).map((o) => o.value),
            runtime: [...document.querySelectorAll('#runtime option')].filter((o) => o.disabled).map((o) => o.value),
            mlx: document.querySelector('#quant option[value="mlx-4bit"]').disabled,
            gguf: document.querySelector('#quant option[value="q4_k_m"]').disabled})""")
        check('rpi5-8gb: backends not offered', sorted(disabled['backend']), ['coreml', 'mlx', 'onnx', 'tensorrt'])
        check('rpi5-8gb: CUDA not offered', 'llama.cpp-cuda' in disabled['runtime'], True)
        check('rpi5-8gb: MLX formats not offered, GGUF ones are', [disabled['mlx'], disabled['gguf']], [True, False])
        refused = subprocess.run([KOLM, 'plan', '--base', 'llama-3.2-3b', '--quant', 'mlx-4bit', '--device', 'rpi5-8gb'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode
        check('the CLI refuses what the page does not offer', refused, 2)

        # keyboard only: focus the device picker and step to the next device
        pick(page, 'llama-3.2-3b', 'int4', 'rpi5-8gb')
        check_card(page, 'before keyboard', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', 'rpi5-8gb']))
        page.focus('#device')
        page.keyboard.press('ArrowDown')
        dev2 = page.locator('#device').input_value()
        check('keyboard moved the device', dev2 != 'rpi5-8gb', True)
        check_card(page, 'keyboard', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', dev2]))

        # every control has a label
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('select, input, textarea')]
            .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.id)""")
        check('unlabelled controls', unlabelled, [])

        # the chart: one bar per device that has the format, coloured by fit
        pick(page, 'llama-3.1-8b', 'int4', 'rtx-4090')
        m = plan(['--base', 'llama-3.1-8b', '--quant', 'int4', '--all-devices'])
        page.wait_for_selector('#chart g.current[data-device="rtx-4090"]')
        bars = page.eval_on_selector_all('#chart g[data-device]', """(gs) => gs.map((g) => {
            const b = g.querySelector('rect.bar');
            return [g.getAttribute('data-device'), b ? b.getAttribute('class') : ''];
        })""")
        got = dict(bars)
        check('chart rows', len(bars), len(m['rows']))
        for r in m['rows']:
            id_ = r['device'] if r.get('skipped') else r['device']['id']
            check(f'chart bar {id_}', got.get(id_), 'bar skip' if r.get('skipped') else 'bar ' + r['fit']['verdict'])

        # copy button -> clipboard holds the command
        u = urlsplit(url)
        context.grant_permissions(['clipboard-read', 'clipboard-write'], origin=f'{u.scheme}://{u.netloc}')
        page.click('button[data-for="cmd-export"]')
        clip = page.evaluate('() => navigator.clipboard.readText()')
        check('copied export command', clip, page.locator('#cmd-export').text_content())

        # reference tables: one row per catalog base / device
        cat = kolm_json('bases', '--json')
        nb = len([b for b in cat.get('bases') or [] if not b.get('calibration_only')])
        check('size table rows', page.locator('#ref-sizes tbody tr').count(), nb)
        devs = kolm_json('devices', '--json')
        check('device table rows', page.locator('#ref-devices tbody tr').count(), len(devs['devices']))
        # at 1366 px a table wider than its box shows the scroll cue above it, and only then
        cues = page.evaluate("""() => [...document.querySelectorAll('.tablewrap')].map((w) => {
            const c = w.previousElementSibling;
            const shown = !!c && c.classList.contains('scroll-cue') && !c.hidden && c.offsetHeight > 0;
            return [w.querySelector('table').id, w.scrollWidth > w.clientWidth + 1, shown];
        })""")
        check('1366 px: some reference table is clipped (the cue is exercised)', any(c[1] for c in cues), True)
        for tid, clipped, shown in cues:
            check(f'1366 px: {tid} scroll cue shown exactly when clipped', shown, clipped)
        # prose shows no markdown or ASCII-math residue (backticks, 10^9)
        residue = page.evaluate("""() => [...document.querySelectorAll('p, caption, figcaption, dd, li, th, td, h2, h3')]
            .filter((e) => !e.closest('pre, code, .cmd') && /[`^]/.test(e.textContent)).map((e) => e.textContent.slice(0, 80))""")
        check('captions without backticks or ^', residue, [])

        commands_keep_tokens(page, '1366 px')
        shot(page, 'picker')

        # a pasted config.json = `kolm plan --config config.json`
        with open(os.path.join(ROOT, 'data', 'bases.json'), encoding='utf-8') as fh:
            bases = json.load(fh)
        cfg = next(b for b in bases['bases'] if b['id'] == 'llama-3.2-1b')['config']
        cfg_text = json.dumps(cfg, indent=2, ensure_ascii=False)
        tmp = tempfile.mkdtemp(prefix='kolm-browser-')
        try:
            with open(os.path.join(tmp, 'config.json'), 'w', encoding='utf-8') as fh:
                fh.write(cfg_text)
            want = plan(['--config', 'config.json', '--quant', 'int4', '--device', 'rpi5-8gb'], cwd=tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        page.select_option('#device', 'rpi5-8gb')
        page.select_option('#quant', 'int4')
        page.select_option('#base', '__config')
        page.fill('#config', cfg_text)
        check_card(page, 'config.json', want)
        check('config CLI line', page.locator('#cli-equiv').text_content(),
              'kolm plan --config config.json --quant int4 --device rpi5-8gb --json')
        # a broken paste is reported on the page, not sent
        page.fill('#config', '{"model_type": ')
        page.wait_for_function("() => !document.getElementById('card-error').hidden", timeout=TIMEOUT_MS)

        # phone width: readable, nothing wider than the screen
        page.select_option('#base', 'llama-3.2-3b')
        page.set_viewport_size({'width': 375, 'height': 812})
        check_card(page, 'phone', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', 'rpi5-8gb']))
        no_horizontal_scroll(page, {'width': 375, 'height': 812})
        no_horizontal_scroll(page, PHONE)
        commands_keep_tokens(page, 'phone')
        # element screenshots at 390 px (artifacts): the commands, the reference tables
        page.locator('section.steps').screenshot(path=os.path.join(SHOTS, 'picker-steps-390.png'),
                                                 animations='disabled', caret='hide', timeout=TIMEOUT_MS)
        page.locator('section.reference').screenshot(path=os.path.join(SHOTS, 'picker-tables-390.png'),
                                                     animations='disabled', caret='hide', timeout=TIMEOUT_MS)
        # picks with longer lines: the iPhone's xcrun devicectl, an offloaded 70B
        for b, q, d, extra in (('llama-3.2-1b', 'int8', 'iphone-15-pro', []),
                               ('llama-3.1-70b', 'q4_k_m', 'rtx-4090', ['--offload', 'auto'])):
            pick(page, b, q, d)
            if extra:
                page.fill('#offload', 'auto')
                page.locator('#offload').dispatch_event('change')
            check_card(page, f'phone {d}', plan(['--base', b, '--quant', q, '--device', d, *extra]))
            commands_keep_tokens(page, f'phone {d}')
        # chart labels at phone width: cut to fit, yet every device still told apart
        labels = page.evaluate("""() => [...document.querySelectorAll('#chart text.lbl')].map((t) => {
            const b = t.getBBox();
            return [t.firstChild.textContent, b.x >= 0];
        })""")
        names = [x[0] for x in labels]
        check('phone: chart labels', len(names) > 20, True)
        check('phone: chart labels all distinct', len(set(names)), len(names))
        check('phone: chart labels inside the chart', all(x[1] for x in labels), True)
        shot(page, 'picker')
        context.close()
    finally:
        if browser:
            browser.close()
        stop_server(srv)
    for e in errors:
        C.fail(e)


def main():
    try:
        with sync_playwright() as pw:
            run(pw)
    except Exception:
        C.fail(traceback.format_exc())
    if C.failures:
        print(f'{C.failures} failure(s)')
        sys.exit(1)
    print(f'browser: picker page OK, {C.checks} checks (screenshots in tests/browser/ under the build directory)')


if __name__ == '__main__':
    main()
