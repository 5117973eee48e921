// The picker page in Debian's Chromium: pick base, tier and device (with
// the mouse API and with the keyboard), and check that the forecast card
// and every command equal what `kolm plan --json` prints for the same pick;
// paste a config.json and compare with `kolm plan --config`; the chart's
// bars against `kolm plan --all-devices --json`; no console error; a
// screenshot at desktop and at phone width under the build directory.
// usage: node picker.test.mjs BUILD_DIR
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer as start } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const build = path.resolve(root, process.argv[2] || 'build');
const kolm = path.join(build, 'kolm');
const chromiumPath = process.env.KOLM_CHROMIUM || '/usr/bin/chromium';

let failures = 0;
function check(what, got, want) {
  if (got !== want) {
    failures++;
    console.log(`FAIL ${what}\n  got:  ${JSON.stringify(got)}\n  want: ${JSON.stringify(want)}`);
  }
}

// the same formatting the page uses (web/app.js)
const gb = (b) => (b / 1e9).toFixed(2) + ' GB';
const int = (n) => Number(n).toLocaleString('en-US');

function plan(args, cwd) {
  return JSON.parse(execFileSync(kolm, ['plan', ...args, '--json'], { cwd: cwd || root, encoding: 'utf8' }));
}


// Wait until the card shows this forecast, then compare every field.
async function checkCard(page, label, f) {
  const title = `${f.source.name} × ${f.format.label} × ${f.device.name}`;
  await page.waitForFunction(([t, e]) => document.getElementById('card-title').textContent === t &&
    document.getElementById('cmd-export').textContent === e, [title, f.commands.export], { timeout: 15000 });
  const text = async (id) => (await page.locator('#' + id).textContent());
  check(`${label}: size`, await text('f-size-gb'), gb(f.size.bytes));
  check(`${label}: size bytes`, await text('f-size-bytes'), `(${int(f.size.bytes)} bytes, ${f.format.bits_per_weight} bits/weight)`);
  check(`${label}: size basis`, await text('f-size-basis'), f.size.basis);
  check(`${label}: verdict`, await text('f-verdict'), f.fit.verdict);
  check(`${label}: verdict colour class`, await page.locator('#f-verdict').getAttribute('class'), 'verdict ' + f.fit.verdict);
  check(`${label}: fit line`, await text('f-fit-line'),
    `${gb(f.memory.total_bytes)} needed of ${gb(f.memory.usable_bytes)} usable (${Math.round(f.fit.ratio * 100)}%)`);
  const mem = await page.locator('#f-mem-list li').allTextContents();
  check(`${label}: memory breakdown`, JSON.stringify(mem), JSON.stringify([
    'weights ' + gb(f.memory.weights_bytes),
    `KV cache (${f.memory.kv_type}, ctx ${int(f.memory.ctx)}) ` + gb(f.memory.kv_cache_bytes),
    'compute buffer ' + gb(f.memory.compute_buffer_bytes),
    'runtime ' + gb(f.memory.runtime_base_bytes),
  ]));
  check(`${label}: tok/s`, await text('f-tps'), `${f.decode_tps.mid} tok/s`);
  check(`${label}: tok/s range`, await text('f-tps-range'),
    `range ${f.decode_tps.low}–${f.decode_tps.high}; bandwidth bound ${f.decode_tps.bandwidth_bound}`);
  check(`${label}: tok/s basis`, await text('f-tps-basis'), f.decode_tps.basis);
  check(`${label}: K-score loss`, await text('f-kloss'), `${f.k_loss.points} points`);
  check(`${label}: K basis`, await text('f-kloss-basis'), f.k_loss.basis);
  check(`${label}: backend`, await text('f-backend'), `${f.backend.id} via ${f.backend.runtime}`);
  check(`${label}: backend reason`, await text('f-backend-reason'), `${f.backend.reason}; ${f.backend.runtime_reason}`);
  const cav = await page.locator('#f-caveats li').allTextContents();
  check(`${label}: caveats`, JSON.stringify(cav), JSON.stringify(f.caveats || []));
  for (const k of ['export', 'export_upstream', 'transfer', 'run', 'verify', 'bench']) {
    check(`${label}: command ${k}`, await text('cmd-' + k), f.commands[k] || '');
  }
}

async function pick(page, base, quant, device) {
  await page.selectOption('#base', base);
  await page.selectOption('#quant', quant);
  await page.selectOption('#device', device);
}

async function main() {
  const { srv, url } = await start(kolm);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });

    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');
    // the default pick is `make run`'s
    await checkCard(page, 'default', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', 'rpi5-8gb']));

    const picks = [
      ['llama-3.1-8b', 'int4', 'jetson-orin-nano'],
      ['llama-3.2-1b', 'int8', 'iphone-15-pro'],
      ['mistral-7b', 'q4_k_m', 'rtx-4090'],
      ['qwen2.5-7b', 'fp16', 'm3-pro'],
      ['llama-3.1-70b', 'int4', 'rpi5-8gb'], // over
    ];
    for (const [b, q, d] of picks) {
      await pick(page, b, q, d);
      await checkCard(page, `${b}/${q}/${d}`, plan(['--base', b, '--quant', q, '--device', d]));
      check(`${b}/${q}/${d}: CLI line`, await page.locator('#cli-equiv').textContent(),
        `kolm plan --base ${b} --quant ${q} --device ${d} --json`);
    }

    // context length and runtime, as the CLI flags
    await pick(page, 'llama-3.1-8b', 'int4', 'm3-pro');
    await page.click('details.more summary');
    await page.fill('#ctx', '32768');
    await page.selectOption('#runtime', 'llama.cpp-metal');
    await checkCard(page, 'ctx+runtime',
      plan(['--base', 'llama-3.1-8b', '--quant', 'int4', '--device', 'm3-pro', '--ctx', '32768', '--runtime', 'llama.cpp-metal']));
    await page.fill('#ctx', '4096');
    await page.selectOption('#runtime', '');

    // keyboard only: focus the device picker and step to the next device
    await pick(page, 'llama-3.2-3b', 'int4', 'rpi5-8gb');
    await checkCard(page, 'before keyboard', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', 'rpi5-8gb']));
    await page.focus('#device');
    await page.keyboard.press('ArrowDown');
    const dev2 = await page.locator('#device').inputValue();
    check('keyboard moved the device', dev2 !== 'rpi5-8gb', true);
    await checkCard(page, 'keyboard', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', dev2]));

    // every control has a label
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('select, input, textarea')]
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.id));
    check('unlabelled controls', JSON.stringify(unlabelled), '[]');

    // the chart: one bar per device that has the format, coloured by fit
    await pick(page, 'llama-3.1-8b', 'int4', 'rtx-4090');
    const m = plan(['--base', 'llama-3.1-8b', '--quant', 'int4', '--all-devices']);
    await page.waitForSelector('#chart g.current[data-device="rtx-4090"]');
    const bars = await page.$$eval('#chart g[data-device]', (gs) => gs.map((g) => {
      const b = g.querySelector('rect.bar');
      return [g.getAttribute('data-device'), b ? b.getAttribute('class') : ''];
    }));
    const got = Object.fromEntries(bars);
    check('chart rows', bars.length, m.rows.length);
    for (const r of m.rows) {
      const id = r.skipped ? r.device : r.device.id;
      check(`chart bar ${id}`, got[id], r.skipped ? 'bar skip' : 'bar ' + r.fit.verdict);
    }

    // copy button -> clipboard holds the command
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
    await page.click('button[data-for="cmd-export"]');
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    check('copied export command', clip, await page.locator('#cmd-export').textContent());

    // reference tables: one row per catalog base / device
    const cat = JSON.parse(execFileSync(kolm, ['bases', '--json'], { encoding: 'utf8' }));
    const nb = (cat.bases || []).filter((b) => !b.calibration_only).length;
    check('size table rows', await page.locator('#ref-sizes tbody tr').count(), nb);
    const devs = JSON.parse(execFileSync(kolm, ['devices', '--json'], { encoding: 'utf8' }));
    check('device table rows', await page.locator('#ref-devices tbody tr').count(), devs.devices.length);

    await page.screenshot({ path: path.join(build, 'browser-picker.png'), fullPage: true });

    // a pasted config.json = `kolm plan --config config.json`
    const bases = JSON.parse(readFileSync(path.join(root, 'data', 'bases.json'), 'utf8'));
    const cfg = bases.bases.find((b) => b.id === 'llama-3.2-1b').config;
    const dir = mkdtempSync(path.join(tmpdir(), 'kolm-browser-'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
    const want = plan(['--config', 'config.json', '--quant', 'int4', '--device', 'rpi5-8gb'], dir);
    rmSync(dir, { recursive: true, force: true });
    await page.selectOption('#device', 'rpi5-8gb');
    await page.selectOption('#quant', 'int4');
    await page.selectOption('#base', '__config');
    await page.fill('#config', JSON.stringify(cfg, null, 2));
    await checkCard(page, 'config.json', want);
    check('config CLI line', await page.locator('#cli-equiv').textContent(),
      'kolm plan --config config.json --quant int4 --device rpi5-8gb --json');
    // a broken paste is reported on the page, not sent
    await page.fill('#config', '{"model_type": ');
    await page.waitForFunction(() => !document.getElementById('card-error').hidden);

    // phone width: readable, nothing wider than the screen
    await page.selectOption('#base', 'llama-3.2-3b');
    await page.setViewportSize({ width: 375, height: 812 });
    await checkCard(page, 'phone', plan(['--base', 'llama-3.2-3b', '--quant', 'int4', '--device', 'rpi5-8gb']));
    await page.waitForTimeout(300); // the chart redraws for the new width
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('no horizontal scroll at 375 px', overflow <= 0, true);
    await page.screenshot({ path: path.join(build, 'browser-picker-phone.png'), fullPage: true });
    await context.close();
  } finally {
    await browser.close();
    srv.kill('SIGTERM');
  }
  for (const e of errors) {
    failures++;
    console.log('FAIL ' + e);
  }
  if (failures) {
    console.log(`${failures} failure(s)`);
    process.exit(1);
  }
  console.log('browser: picker page OK (screenshots in ' + build + ')');
}

main().catch((e) => {
  console.log('FAIL ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
