// The verify page (/verify-prod, the seed's name) in Debian's Chromium:
// upload a signed artifact, its export and the public key, and check that
// the six lines equal `kolm verify` for the same files; then a damaged
// artifact shows FAIL on the integrity line.  No console error allowed; a
// screenshot under the build directory.
// usage: node verify.test.mjs BUILD_DIR
import { chromium } from 'playwright-core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer as start } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const build = path.resolve(root, process.argv[2] || 'build');
const kolm = path.join(build, 'kolm');
const shared = process.env.KOLM_FIXTURES || path.resolve(root, 'tests', 'fixtures');
const chromiumPath = process.env.KOLM_CHROMIUM || '/usr/bin/chromium';

let failures = 0;
function check(what, got, want) {
  if (got !== want) {
    failures++;
    console.log(`FAIL ${what}\n  got:  ${JSON.stringify(got)}\n  want: ${JSON.stringify(want)}`);
  }
}

const pad = (s, n) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
// `kolm verify --json` for these files, as the lines the page prints
function verifyLines(args) {
  const r = spawnSync(kolm, ['verify', ...args, '--json'], { encoding: 'utf8' });
  const j = JSON.parse(r.stdout);
  return j.checks.map((c) => `${pad(c.status, 4)}  ${pad(c.name, 15)} ${c.why}`);
}


const dir = mkdtempSync(path.join(tmpdir(), 'kolm-verify-page-'));
const art = path.join(dir, 'stories.kolm');
const key = path.join(dir, 'k');
execFileSync(kolm, ['keygen', '-o', key]);
execFileSync(kolm, ['pack', path.join(shared, 'models', 'stories260K-hf'), '--evalpack',
  path.join(root, 'tests', 'data', 'evalpack-stories.jsonl'), '-o', art, '--k-score', '0.9', '--sign', key]);
execFileSync(kolm, ['export', art, '--quant', 'f16', '--device', 'rpi5-8gb', '-o', dir, '--no-measure']);
const exp = path.join(dir, 'stories-f16.gguf');
const bad = path.join(dir, 'damaged.kolm');
const b = readFileSync(art);
b[b.length - 3000] ^= 0x20;
writeFileSync(bad, b);

const { srv, url } = await start(kolm);
const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + 'verify-prod');
  check('title', await page.title(), 'kolm — verify an artifact and its export');

  async function run(files, requireSig) {
    await page.setInputFiles('#artifact', files.artifact);
    await page.setInputFiles('#export', files.export ? files.export : []);
    await page.setInputFiles('#pubkey', files.pubkey ? files.pubkey : []);
    await page.locator('#require_signature').setChecked(!!requireSig);
    await page.locator('#go').click();
    await page.waitForFunction(() => document.querySelectorAll('#checks .check').length === 6, null, { timeout: 15000 });
    return (await page.locator('#checks .check').allTextContents()).map((s) => s.replace(/\n$/, ''));
  }

  const ok = await run({ artifact: art, export: exp, pubkey: key + '.pub' }, true);
  check('six lines equal kolm verify (signed + export)', JSON.stringify(ok),
    JSON.stringify(verifyLines([art, exp, '--pubkey', key + '.pub', '--require-signature']).map((l) =>
      l.replaceAll(art, 'stories.kolm').replaceAll(exp, 'stories-f16.gguf'))));
  check('all OK', ok.every((l) => l.startsWith('OK ')), true);
  check('summary', await page.locator('#summary').textContent(), 'No check failed (6 OK, 0 SKIP): kolm verify would exit 0.');
  check('cli line', await page.locator('#cli').textContent(),
    'kolm verify stories.kolm stories-f16.gguf --pubkey k.pub --require-signature');
  await page.screenshot({ path: path.join(build, 'browser-verify.png'), fullPage: true });

  const dmg = await run({ artifact: bad, pubkey: key + '.pub' }, false);
  check('damaged: integrity FAIL', dmg[2].startsWith('FAIL  integrity'), true);
  check('damaged: equal kolm verify', JSON.stringify(dmg),
    JSON.stringify(verifyLines([bad, '--pubkey', key + '.pub']).map((l) => l.replaceAll(bad, 'damaged.kolm'))));
  check('damaged: FAIL line is red', await page.locator('#checks .check.fail').count() >= 1, true);
  check('console errors', JSON.stringify(errors), '[]');
} finally {
  await browser.close();
  srv.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
if (failures) {
  console.log(`${failures} verify-page check(s) failed`);
  process.exit(1);
}
console.log('verify page: the six checks equal kolm verify for a signed artifact + export and a damaged one');
