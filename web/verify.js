// The verify page: upload the files as multipart/form-data to /api/verify
// and print the six checks the way `kolm verify` prints them.
'use strict';
(function () {
  const form = document.getElementById('verify');
  const out = document.getElementById('checks');
  const summary = document.getElementById('summary');
  const cli = document.getElementById('cli');
  const go = document.getElementById('go');

  function pad(s, n) { return s.length >= n ? s : s + ' '.repeat(n - s.length); }

  function cliLine() {
    const a = form.artifact.files[0], e = form.export.files[0], k = form.pubkey.files[0];
    let s = 'kolm verify ' + (a ? a.name : 'X.kolm');
    if (e) s += ' ' + e.name;
    if (k) s += ' --pubkey ' + k.name;
    if (form.require_signature.checked) s += ' --require-signature';
    if (form.max_k_loss.value && form.max_k_loss.value !== '3') s += ' --max-k-loss ' + form.max_k_loss.value;
    return s;
  }

  /* the command line as one span per word: it wraps between words, never
   * inside a flag (the text is the same) */
  function showCli() {
    cli.replaceChildren();
    cliLine().split(' ').forEach((w, i) => {
      if (i) cli.appendChild(document.createTextNode(' '));
      const sp = document.createElement('span');
      sp.textContent = w;
      cli.appendChild(sp);
    });
  }

  form.addEventListener('change', showCli);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!form.artifact.files[0]) { summary.textContent = 'Choose a .kolm artifact first.'; return; }
    const fd = new FormData();
    fd.append('artifact', form.artifact.files[0]);
    if (form.export.files[0]) fd.append('export', form.export.files[0]);
    if (form.pubkey.files[0]) fd.append('pubkey', form.pubkey.files[0]);
    if (form.require_signature.checked) fd.append('require_signature', '1');
    if (form.max_k_loss.value !== '') fd.append('max_k_loss', form.max_k_loss.value);
    go.disabled = true;
    summary.textContent = 'Uploading and checking…';
    out.textContent = '';
    showCli();
    try {
      // X-Kolm-Request: the server takes uploads only with it (a
      // cross-site form cannot send it): docs/SECURITY.md
      const r = await fetch('api/verify', { method: 'POST', body: fd, headers: { 'X-Kolm-Request': '1' } });
      const j = await r.json();
      if (!r.ok) {
        summary.textContent = 'kolm: ' + (j.message || r.statusText);
        summary.className = 'help error';
        return;
      }
      out.textContent = '';
      /* each line is kolm verify's text, in three columns (status, check,
       * why) that keep their places when the why wraps on a phone */
      for (const c of j.checks) {
        const line = document.createElement('span');
        line.className = 'check ' + c.status.toLowerCase();
        const parts = [['st', pad(c.status, 4) + '  '], ['nm', pad(c.name, 15) + ' '], ['why', c.why], ['nl', '\n']];
        for (const [cls, text] of parts) {
          const sp = document.createElement('span');
          sp.className = cls;
          sp.textContent = text;
          line.appendChild(sp);
        }
        out.appendChild(line);
      }
      const fails = j.checks.filter((c) => c.status === 'FAIL').length;
      const skips = j.checks.filter((c) => c.status === 'SKIP').length;
      summary.className = 'help ' + (j.ok ? 'pass' : 'error');
      summary.textContent = j.ok
        ? `No check failed (${6 - skips} OK, ${skips} SKIP): kolm verify would exit 0.`
        : `${fails} check${fails > 1 ? 's' : ''} failed: kolm verify would exit 1.`;
    } catch (e) {
      summary.textContent = 'kolm: the server did not answer: ' + e.message;
      summary.className = 'help error';
    } finally {
      go.disabled = false;
    }
  });
})();
