/* kolm picker page.  Everything shown comes from the server's JSON
 * (/api/catalog, /api/forecast, /api/matrix): the same library calls as
 * `kolm plan --json`.  The page only formats; it never recomputes. */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const SVGNS = 'http://www.w3.org/2000/svg';
  const CONFIG = '__config';
  const DEFAULT = { base: 'llama-3.2-3b', quant: 'int4', device: 'rpi5-8gb' };
  let catalog = null;
  let seq = 0;          // newest request wins
  let lastMatrix = null;
  let lastDevice = '';

  /* ---- formatting (the browser test formats the same way) ---- */
  const gb = (bytes) => (bytes / 1e9).toFixed(2) + ' GB';
  const int = (n) => Number(n).toLocaleString('en-US');
  const tps = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  async function getJSON(url, body) {
    const opts = body === undefined ? {} : {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    };
    const r = await fetch(url, opts);
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    if (!r.ok) {
      const msg = j && j.message ? j.message : 'HTTP ' + r.status;
      throw new Error(msg);
    }
    return j;
  }

  /* ---- pickers ---- */
  function fillPickers() {
    const base = $('base');
    for (const b of catalog.bases) base.appendChild(el('option', { value: b.id }, b.name));
    base.appendChild(el('option', { value: CONFIG }, 'your config.json (paste it below)'));

    const quant = $('quant');
    const tiers = el('optgroup', { label: 'tiers (mapped to the backend)' });
    for (const t of catalog.tiers) tiers.appendChild(el('option', { value: t }, t));
    quant.appendChild(tiers);
    for (const be of catalog.backends) {
      const g = el('optgroup', { label: be + ' formats' });
      for (const f of catalog.formats) {
        if (f.backend === be) g.appendChild(el('option', { value: f.id }, f.id + ' — ' + f.label));
      }
      quant.appendChild(g);
    }

    const device = $('device');
    const groups = {};
    for (const d of catalog.devices) {
      if (!groups[d.class]) {
        groups[d.class] = el('optgroup', { label: d.class });
        device.appendChild(groups[d.class]);
      }
      groups[d.class].appendChild(el('option', { value: d.id }, d.name));
    }

    for (const be of catalog.backends) $('backend').appendChild(el('option', { value: be }, be));
    for (const rt of catalog.runtimes) $('runtime').appendChild(el('option', { value: rt.id }, rt.id + ' (' + rt.backend + ')'));

    const h = new URLSearchParams(location.hash.slice(1));
    const pick = (id, v) => {
      const s = $(id);
      if (v && [...s.options].some((o) => o.value === v)) s.value = v;
    };
    pick('base', h.get('base') || DEFAULT.base);
    pick('quant', h.get('quant') || DEFAULT.quant);
    pick('device', h.get('device') || DEFAULT.device);
    pick('backend', h.get('backend'));
    pick('runtime', h.get('runtime'));
    if (h.get('ctx')) $('ctx').value = h.get('ctx');
    pick('kv_type', h.get('kv_type'));
    if (h.get('offload')) $('offload').value = h.get('offload');
  }

  /* Offer only what the chosen device runs (its runtimes in the catalog, as
   * kolm plan refuses the rest): backends, runtimes and exact formats of
   * other backends are disabled, and a selection that became impossible
   * falls back to the device's default. */
  function restrictToDevice() {
    const dev = catalog.devices.find((d) => d.id === $('device').value);
    if (!dev) return;
    const runs = new Set(dev.runtimes);
    const backends = new Set(catalog.runtimes.filter((r) => runs.has(r.id)).map((r) => r.backend));
    for (const o of $('backend').options) o.disabled = o.value !== '' && !backends.has(o.value);
    for (const o of $('runtime').options) o.disabled = o.value !== '' && !runs.has(o.value);
    const fmt = new Map(catalog.formats.map((f) => [f.id, f.backend]));
    for (const o of $('quant').options) o.disabled = fmt.has(o.value) && !backends.has(fmt.get(o.value));
    if ($('backend').selectedOptions[0] && $('backend').selectedOptions[0].disabled) $('backend').value = '';
    if ($('runtime').selectedOptions[0] && $('runtime').selectedOptions[0].disabled) $('runtime').value = '';
    if ($('quant').selectedOptions[0] && $('quant').selectedOptions[0].disabled) $('quant').value = 'int4';
  }

  /* The pick as API parameters, or an error string. */
  function readPick() {
    const p = { quant: $('quant').value, device: $('device').value };
    const ctx = $('ctx').value.trim();
    if (ctx !== '' && ctx !== '4096') {
      if (ctx !== 'max' && !(/^[0-9]+$/.test(ctx) && +ctx >= 1 && +ctx <= 16777216)) {
        return { error: 'context length: give 1 to 16777216 or max' };
      }
      p.ctx = ctx;
    }
    if ($('backend').value) p.backend = $('backend').value;
    if ($('runtime').value) p.runtime = $('runtime').value;
    if ($('kv_type').value) p.kv_type = $('kv_type').value;
    const off = $('offload').value.trim();
    if (off !== '') {
      if (off !== 'auto' && !/^[0-9]+$/.test(off)) return { error: 'offload: give auto or a layer count' };
      p.offload = off;
    }
    if ($('base').value === CONFIG) {
      const text = $('config').value.trim();
      if (!text) return { error: 'paste a config.json to forecast it' };
      let cfg;
      try { cfg = JSON.parse(text); } catch (e) { return { error: 'config.json is not valid JSON: ' + e.message }; }
      if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return { error: 'config.json must be a JSON object' };
      p.config = cfg;
    } else {
      p.base = $('base').value;
    }
    return { pick: p };
  }

  function query(p, extra) {
    const q = new URLSearchParams();
    for (const k of ['base', 'quant', 'device', 'ctx', 'kv_type', 'offload', 'backend', 'runtime']) if (p[k] !== undefined) q.set(k, p[k]);
    if (extra) for (const k in extra) q.set(k, extra[k]);
    return q.toString();
  }

  function cliLine(p) {
    let s = 'kolm plan ' + (p.config ? '--config config.json' : '--base ' + p.base) + ' --quant ' + p.quant + ' --device ' + p.device;
    if (p.ctx) s += ' --ctx ' + p.ctx;
    if (p.kv_type) s += ' --kv-type ' + p.kv_type;
    if (p.offload) s += ' --offload ' + p.offload;
    if (p.backend) s += ' --backend ' + p.backend;
    if (p.runtime) s += ' --runtime ' + p.runtime;
    return s + ' --json';
  }

  async function update() {
    const my = ++seq;
    const r = readPick();
    $('config-box').hidden = $('base').value !== CONFIG;
    if (r.error) {
      showError(r.error);
      return;
    }
    const p = r.pick;
    if (!p.config) {
      const h = query(p);
      history.replaceState(null, '', '#' + h);
    }
    $('cli-equiv').textContent = cliLine(p);
    const link = $('json-link');
    if (p.config) link.removeAttribute('href');
    else link.setAttribute('href', 'api/forecast?' + query(p));
    try {
      const f = p.config ? await getJSON('api/forecast', p) : await getJSON('api/forecast?' + query(p));
      if (my !== seq) return;
      if (p.config) $('config-status').textContent = 'read: ' + f.source.params.toLocaleString('en-US') + ' parameters, ' +
        f.source.layers + ' layers (' + f.source.model_type + ')';
      renderCard(f);
      renderSteps(f);
    } catch (e) {
      if (my !== seq) return;
      showError(e.message);
      return;
    }
    // the chart: every device, the same model and tier, each on its own backend
    const mp = { quant: p.quant };
    if (p.ctx) mp.ctx = p.ctx;
    try {
      let m;
      if (p.config) m = await getJSON('api/matrix', Object.assign({ config: p.config, all: 'devices' }, mp));
      else m = await getJSON('api/matrix?' + query(Object.assign({ base: p.base }, mp), { all: 'devices' }));
      if (my !== seq) return;
      lastMatrix = m;
      lastDevice = p.device;
      renderChart();
      markClipped();
    } catch (e) {
      if (my !== seq) return;
      $('chart-caption').textContent = 'no chart: ' + e.message;
    }
  }

  function showError(msg) {
    const e = $('card-error');
    e.textContent = msg;
    e.hidden = false;
    $('card-body').hidden = true;
    if ($('base').value === CONFIG) $('config-status').textContent = msg;
  }

  /* ---- the forecast card ---- */
  function renderCard(f) {
    $('card-error').hidden = true;
    $('card-body').hidden = false;
    $('card-title').textContent = f.source.name + ' × ' + f.format.label + ' × ' + f.device.name;
    $('f-size-gb').textContent = gb(f.size.bytes);
    $('f-size-bytes').textContent = '(' + int(f.size.bytes) + ' bytes, ' + f.format.bits_per_weight + ' bits/weight)';
    $('f-size-basis').textContent = f.size.basis;

    const v = $('f-verdict');
    v.textContent = f.fit.verdict;
    v.className = 'verdict ' + f.fit.verdict;
    const m = f.memory;
    const o = f.offload;
    $('f-fit-line').textContent = o
      ? gb(m.total_bytes) + ' in all, split between the GPU and host RAM (offload)'
      : gb(m.total_bytes) + ' needed of ' + gb(m.usable_bytes) + ' usable (' + Math.round(f.fit.ratio * 100) + '%)';
    $('f-offload').hidden = !o;
    $('f-offload').textContent = o
      ? 'offload: ' + o.gpu_layers + ' of ' + (o.gpu_layers + o.host_layers) + ' layers on the GPU, ' + gb(o.gpu_bytes) +
        ' of ' + gb(o.gpu_usable_bytes) + ' usable (' + o.gpu_verdict + '); ' + o.host_layers + ' in host RAM, ' +
        gb(o.host_bytes) + ' of ' + gb(o.host_memory_bytes) + ' (' + o.host_verdict + '); llama.cpp -ngl ' + o.ngl
      : '';
    const parts = [
      ['seg-w', 'weights', m.weights_bytes],
      ['seg-kv', 'KV cache (' + m.kv_type + ', ctx ' + int(m.ctx) + ')', m.kv_cache_bytes],
      ['seg-c', 'compute buffer', m.compute_buffer_bytes],
      ['seg-r', 'runtime', m.runtime_base_bytes],
    ];
    const bar = $('f-mem-bar');
    const list = $('f-mem-list');
    bar.replaceChildren();
    list.replaceChildren();
    const scale = Math.max(m.usable_bytes, m.total_bytes);
    for (const [cls, name, bytes] of parts) {
      const s = el('span', { class: cls, title: name + ' ' + gb(bytes) });
      s.style.width = (100 * bytes / scale).toFixed(2) + '%';
      bar.appendChild(s);
      const li = el('li');
      li.appendChild(el('i', { class: cls, 'aria-hidden': 'true' }));
      li.appendChild(document.createTextNode(name + ' ' + gb(bytes)));
      list.appendChild(li);
    }
    if (m.total_bytes > m.usable_bytes) {
      // where usable memory ends
      const mark = el('span', { class: 'usable-mark', title: 'usable ' + gb(m.usable_bytes) });
      mark.style.left = (100 * m.usable_bytes / scale).toFixed(2) + '%';
      bar.appendChild(mark);
    }
    bar.setAttribute('aria-label', 'memory: ' + parts.map((x) => x[1] + ' ' + gb(x[2])).join(', ') +
      ' of ' + gb(m.usable_bytes) + ' usable');
    $('f-cap').textContent = m.platform_cap_bytes !== null && m.platform_cap_bytes !== undefined
      ? 'platform cap ' + gb(m.platform_cap_bytes) + (m.platform_cap_note ? ': ' + m.platform_cap_note : '') : '';

    const d = f.decode_tps;
    /* an "over" pick does not run: its rate is what it would do if it fit */
    $('f-tps').textContent = f.fit.verdict === 'over' ? 'does not fit' : d.mid + ' tok/s';
    $('f-tps-range').textContent = (f.fit.verdict === 'over' ? d.mid + ' tok/s only if it fit; ' : '') +
      'range ' + d.low + '–' + d.high + '; bandwidth bound ' + d.bandwidth_bound;
    $('f-tps-basis').textContent = d.basis;
    $('f-prefill').textContent = 'prefill ' + f.prefill_tps.mid + ' tok/s; first token after a ' +
      f.ttft_s.prompt_tokens + '-token prompt in ' + f.ttft_s.seconds + ' s; cold start ' +
      f.cold_start_s.seconds + ' s from ' + f.cold_start_s.storage;
    $('f-kloss').textContent = f.k_loss.points + ' points';
    $('f-kloss-basis').textContent = f.k_loss.basis;
    $('f-backend').textContent = f.backend.id + ' via ' + f.backend.runtime;
    $('f-backend-reason').textContent = f.backend.reason + '; ' + f.backend.runtime_reason;
    const cav = $('f-caveats');
    cav.replaceChildren();
    for (const c of f.caveats || []) cav.appendChild(el('li', null, c));
    $('f-caveats-box').hidden = !(f.caveats && f.caveats.length);
  }

  /* A command's text with each whitespace-separated token in a span.tok
   * (white-space: nowrap): lines wrap only between tokens, never after a '-'
   * or '/' inside one; a token wider than the box scrolls it (markClipped);
   * a printed line's wrapped rest is indented (span.line).  The text (what
   * Copy takes) is unchanged. */
  function setCommand(code, text) {
    code.replaceChildren();
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      /* each printed line a block whose wrapped rest is indented: a wrap is not a new command */
      const ln = el('span', { class: 'line' });
      for (const part of line.split(/(\s+)/)) {
        if (!part) continue;
        ln.appendChild(/\s/.test(part[0]) ? document.createTextNode(part) : el('span', { class: 'tok' }, part));
      }
      if (i < lines.length - 1) ln.appendChild(document.createTextNode('\n'));
      code.appendChild(ln);
    });
  }

  function renderSteps(f) {
    for (const k of ['download', 'pack', 'export', 'export_upstream', 'transfer', 'run', 'verify', 'bench']) {
      setCommand($('cmd-' + k), f.commands[k] || '');
    }
    /* steps the pick has none of (a pasted config: nothing to download) */
    $('step-download').hidden = !f.commands.download;
    $('step-pack').hidden = !f.commands.pack;
    /* the badge names the tool the last transfer line runs (scp, rsync, adb, devicectl, cp) */
    const w = (f.commands.transfer || '').split('\n').pop().split(' ');
    $('where-transfer').textContent = 'via ' + ((w[0] === 'xcrun' ? w[1] : w[0]) || 'copy');
    $('where-run').textContent = f.backend.runtime;
  }

  /* Chart labels that fit maxChars and stay distinct: the name, else its
   * start and end around an ellipsis (the model number is at the end:
   * "NVIDIA Ge…RTX 4090"), else the device id. */
  function chartLabels(rows, maxChars) {
    const cut = (n) => {
      if (n.length <= maxChars) return n;
      const tail = Math.ceil((maxChars - 1) / 2), head = maxChars - 1 - tail;
      return n.slice(0, head).trimEnd() + '…' + n.slice(n.length - tail).trimStart();
    };
    const out = new Map(rows.map((r) => [r.id, cut(r.name)]));
    const seen = new Map();
    for (const v of out.values()) seen.set(v, (seen.get(v) || 0) + 1);
    for (const [id, v] of out) if (seen.get(v) > 1) out.set(id, id);
    return out;
  }

  /* A table wider than its box says so: a cue above it while columns are
   * hidden to the right (reference tables at laptop widths, all on phones). */
  function markClipped() {
    /* a command box whose longest token is wider than it scrolls: a shade at its right edge */
    for (const p of document.querySelectorAll('.cmd pre')) p.classList.toggle('clipped', p.scrollWidth > p.clientWidth + 1);
    for (const w of document.querySelectorAll('.tablewrap')) {
      let cue = w.previousElementSibling;
      if (!cue || !cue.classList.contains('scroll-cue')) {
        cue = el('p', { class: 'scroll-cue', 'aria-hidden': 'true' }, 'more columns → scroll the table sideways');
        w.parentNode.insertBefore(cue, w);
      }
      const clipped = w.scrollWidth > w.clientWidth + 1;
      w.classList.toggle('clipped', clipped);
      cue.hidden = !clipped;
    }
  }
  window.addEventListener('resize', markClipped);
  document.querySelectorAll('details').forEach((d) => d.addEventListener('toggle', markClipped));

  /* ---- the chart: decode tok/s per device, log scale, coloured by fit ---- */
  function renderChart() {
    const m = lastMatrix;
    if (!m) return;
    const box = $('chart');
    const rows = m.rows.map((r) => {
      if (r.skipped) {
        const d = catalog.devices.find((x) => x.id === r.device);
        return { id: r.device, name: d ? d.name : r.device, skipped: r.skipped };
      }
      return { id: r.device.id, name: r.device.name, fmt: r.format.id, verdict: r.fit.verdict,
        low: r.decode_tps.low, mid: r.decode_tps.mid, high: r.decode_tps.high };
    });
    rows.sort((a, b) => (a.skipped ? 1 : 0) - (b.skipped ? 1 : 0) || (b.mid || 0) - (a.mid || 0));
    const vals = rows.filter((r) => !r.skipped);
    const lo = Math.min(...vals.map((r) => Math.max(r.low, 0.01)));
    const hi = Math.max(...vals.map((r) => r.high));
    const x0 = Math.pow(10, Math.floor(Math.log10(lo)));
    const x1 = Math.pow(10, Math.ceil(Math.log10(hi)));
    const W = Math.max(320, box.clientWidth || 760);
    const labelW = Math.min(240, Math.round(W * 0.42));
    const rowH = 22, top = 8, axisH = 24;
    const plotW = W - labelW - 56;
    const H = top + rows.length * rowH + axisH;
    const sx = (v) => labelW + plotW * (Math.log10(Math.max(v, x0)) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0));
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-labelledby': 'chart-t' });
    const base = m.rows.find((r) => !r.skipped);
    const what = base ? base.source.name + ' at ' + $('quant').value : '';
    s.appendChild(svg('title', { id: 'chart-t' }, 'Decode tokens per second on ' + vals.length + ' devices for ' + what +
      '; the fastest is ' + (vals[0] ? vals[0].name + ' at ' + tps(vals[0].mid) : 'none')));
    const maxChars = Math.floor((labelW - 10) / 7.4);
    const labels = chartLabels(rows, maxChars);
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      const g = svg('g', { class: r.id === lastDevice ? 'row current' : 'row', 'data-device': r.id });
      if (r.id === lastDevice) g.appendChild(svg('rect', { class: 'hl', x: 0, y: y, width: W, height: rowH }));
      const name = labels.get(r.id);
      const t = svg('text', { class: 'lbl', x: labelW - 6, y: y + 15, 'text-anchor': 'end' }, name);
      t.appendChild(svg('title', null, r.name));
      g.appendChild(t);
      if (r.skipped) {
        g.appendChild(svg('rect', { class: 'bar skip', x: labelW, y: y + 9, width: 8, height: 4 }));
        const tt = svg('text', { class: 'val', x: labelW + 12, y: y + 15 }, 'no such format');
        tt.appendChild(svg('title', null, r.skipped));
        g.appendChild(tt);
      } else {
        const bw = Math.max(1, sx(r.mid) - labelW);
        const b = svg('rect', { class: 'bar ' + r.verdict, x: labelW, y: y + 4, width: bw.toFixed(1), height: rowH - 8, rx: 2 });
        b.appendChild(svg('title', null, r.name + ': ' + tps(r.mid) + ' tok/s (' + tps(r.low) + '–' + tps(r.high) +
          '), ' + r.fmt + ', fit ' + r.verdict));
        g.appendChild(b);
        g.appendChild(svg('line', { class: 'whisker', x1: sx(r.low).toFixed(1), x2: sx(r.high).toFixed(1), y1: y + rowH / 2, y2: y + rowH / 2 }));
        g.appendChild(svg('text', { class: 'val', x: (sx(r.high) + 4).toFixed(1), y: y + 15 }, tps(r.mid)));
      }
      s.appendChild(g);
    });
    const ay = top + rows.length * rowH + 2;
    s.appendChild(svg('line', { class: 'axis', x1: labelW, x2: labelW + plotW, y1: ay, y2: ay }));
    for (let v = x0; v <= x1 * 1.0001; v *= 10) {
      s.appendChild(svg('line', { class: 'axis', x1: sx(v), x2: sx(v), y1: top, y2: ay + 4 }));
      s.appendChild(svg('text', { class: 'tick', x: sx(v), y: ay + 16, 'text-anchor': 'middle' }, String(+v.toPrecision(3))));
    }
    box.replaceChildren(s);
    $('chart-caption').textContent = 'Forecast steady-state decode tokens/s for ' + what + ' on every catalog device, each on ' +
      'its recommended backend (log scale; bar = mid, line = range). ' + (lastDevice ? 'Your device is highlighted.' : '');

    const tb = $('chart-table').tBodies[0];
    tb.replaceChildren();
    for (const r of rows) {
      const tr = el('tr');
      tr.appendChild(el('th', { scope: 'row' }, r.name));
      tr.appendChild(el('td', null, r.skipped ? '—' : r.fmt));
      tr.appendChild(el('td', null, r.skipped ? r.skipped : r.verdict));
      tr.appendChild(el('td', { class: 'n' }, r.skipped ? '' : tps(r.mid)));
      tr.appendChild(el('td', { class: 'n' }, r.skipped ? '' : tps(r.low) + '–' + tps(r.high)));
      tb.appendChild(tr);
    }
  }

  /* ---- reference tables ---- */
  function table(id, head, rows, numeric) {
    const t = $(id);
    t.replaceChildren();
    const thead = el('thead');
    const hr = el('tr');
    head.forEach((h, i) => hr.appendChild(el('th', { scope: 'col', class: numeric && numeric[i] ? 'n' : '' }, h)));
    thead.appendChild(hr);
    t.appendChild(thead);
    const tb = el('tbody');
    for (const r of rows) {
      const tr = el('tr');
      r.forEach((c, i) => tr.appendChild(el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : { class: numeric && numeric[i] ? 'n' : '' }, c)));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
  }

  function renderReference() {
    const ref = catalog.reference;
    const sz = ref.sizes;
    $('ref-sizes-basis').textContent = 'GB = 10⁹ bytes; ' + sz.basis + '.';
    table('ref-sizes', ['base', 'parameters'].concat(sz.tiers.map((t, i) => t + (sz.formats[i] ? ' (' + sz.formats[i] + ')' : ''))),
      sz.rows.map((r) => [r.name, (r.params / 1e9).toFixed(2) + ' B'].concat(r.bytes.map((b) => (b === null ? '—' : (b / 1e9).toFixed(2) + ' GB')))),
      [false, true].concat(sz.tiers.map(() => true)));
    const st = ref.seed_throughput;
    $('ref-seed-about').textContent = (st.source ? st.source + '. ' : '') + 'kolm’s column is its own forecast at int4 for the ' +
      'catalog base closest in size to the table’s typical artifact; where the two disagree, the forecast’s caveats say why.';
    table('ref-seed', ['device', 'reference artifact', 'reference tok/s', 'reference backend', 'kolm pick', 'kolm tok/s', 'fit'],
      st.rows.map((r) => [r.device_name, r.artifact, r.low + '–' + r.high, r.backend,
        r.kolm ? r.kolm.base + ' ' + r.kolm.format : '—',
        r.kolm ? tps(r.kolm.mid) + ' (' + tps(r.kolm.low) + '–' + tps(r.kolm.high) + ')' : '—',
        r.kolm ? r.kolm.verdict : '—']),
      [false, false, true, false, false, true, false]);
    table('ref-devices', ['device', 'id', 'class', 'memory', 'kind', 'bandwidth', 'fp16', 'backend', 'runtimes'],
      catalog.devices.map((d) => [d.name, d.id, d.class, (d.memory_bytes / 1e9).toFixed(0) + ' GB', d.memory_kind,
        (d.bandwidth_bytes_per_s / 1e9).toFixed(1) + ' GB/s', (d.flops_fp16 / 1e12).toFixed(2) + ' TFLOPS', d.backend,
        d.runtimes.join(', ')]),
      [false, false, false, true, false, true, true, false, false]);
    table('ref-tiers', ['tier'].concat(catalog.backends),
      catalog.tiers.map((t) => [t].concat(catalog.backends.map((b) => catalog.tier_formats[t][b] || '—'))));
  }

  /* ---- copy buttons ---- */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise((resolve, reject) => {
      const ta = el('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.className = 'visually-hidden';
      document.body.appendChild(ta);
      ta.select();
      let ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      ta.remove();
      if (ok) resolve(); else reject(new Error('copy refused'));
    });
  }

  function wireCopy() {
    document.querySelectorAll('button.copy').forEach((b) => {
      b.addEventListener('click', () => {
        const text = $(b.dataset.for).textContent;
        copyText(text).then(() => {
          b.textContent = 'Copied';
          $('copy-status').textContent = 'Copied to the clipboard';
        }, () => {
          // select the text so the keyboard can copy it
          const r = document.createRange();
          r.selectNodeContents($(b.dataset.for));
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(r);
          b.textContent = 'Press Ctrl+C';
          $('copy-status').textContent = 'The command is selected; press Ctrl+C to copy it';
        });
        setTimeout(() => { b.textContent = 'Copy'; }, 1600);
      });
    });
  }

  /* ---- start ---- */
  async function start() {
    try {
      catalog = await getJSON('api/catalog');
    } catch (e) {
      showError('cannot load the catalog: ' + e.message);
      return;
    }
    $('version').textContent = catalog.version;
    fillPickers();
    renderReference();
    markClipped();
    wireCopy();
    let timer = null;
    const later = (ms) => { clearTimeout(timer); timer = setTimeout(update, ms); };
    restrictToDevice();
    $('device').addEventListener('change', () => restrictToDevice());
    for (const id of ['base', 'quant', 'device', 'kv_type', 'backend', 'runtime']) $(id).addEventListener('change', () => update());
    $('offload').addEventListener('input', () => later(350));
    $('offload').addEventListener('change', () => update());
    $('ctx').addEventListener('input', () => later(350));
    $('ctx').addEventListener('change', () => update());
    $('config').addEventListener('input', () => later(400));
    let rt = null;
    window.addEventListener('resize', () => { clearTimeout(rt); rt = setTimeout(renderChart, 150); });
    document.body.dataset.ready = '1';
    await update();
  }

  start();
})();
