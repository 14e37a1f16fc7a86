// The ganforge dashboard: reads the JSON API of `ganforge serve` and draws with Chart.js (Debian's
// libjs-chart.js, served by the program). No framework, no network beyond the server.
'use strict';

const TOKEN = new URLSearchParams(location.search).get('token');
const TRAIN_KEYS = ['loss_d', 'loss_g', 'd_real', 'd_fake', 'd_acc', 'penalty', 'it_per_s'];
const EVAL_KEYS = ['fid', 'kid', 'precision', 'recall', 'density', 'coverage', 'is', 'label_accuracy', 'l1', 'ssim'];
const COLORS = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f', '#4e342e', '#ad1457'];
const EVENT_COLORS = { nonfinite: '#d32f2f', rollback: '#b71c1c', checkpoint_refused: '#d32f2f', warning: '#f57c00',
                       eval: '#43a047', resume: '#1e88e5' };

const state = { runs: {}, order: [], selected: new Set(), focus: null, data: {}, charts: {},
                xmin: null, xmax: null, tab: 'curves', playing: null, toyKey: '' };

function url(path, params) {
  const q = new URLSearchParams(params || {});
  if (TOKEN) q.set('token', TOKEN);
  const s = q.toString();
  return path + (s ? '?' + s : '');
}
async function getJSON(path, params) {
  const r = await fetch(url(path, params));
  const j = await r.json();
  if (!r.ok) throw new Error(j.error || r.statusText);
  return j;
}
const $ = (id) => document.getElementById(id);
// Text from the run files goes into HTML templates escaped (a runs folder may hold files anyone wrote).
const esc = (v) => String(v === null || v === undefined ? '' : v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const runPath = (name) => 'api/runs/' + encodeURIComponent(name);
function fmt(v, digits) {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'number') return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(digits || 4);
}
function clock(s) {
  if (!s) return '';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return (h ? h + 'h' : '') + (h || m ? m + 'm' : '') + sec + 's';
}

// ---- runs list ----
async function loadRuns() {
  const j = await getJSON('api/runs');
  $('root').textContent = j.root;
  // Merged, not replaced: a focused run's details (grids, checkpoints, status) stay until reloaded.
  const runs = {};
  for (const r of j.runs) runs[r.name] = Object.assign(state.runs[r.name] || {}, r);
  state.runs = runs;
  state.order = j.runs.map((r) => r.name);
  for (const name of [...state.selected]) if (!state.runs[name]) state.selected.delete(name);
  if (state.focus && !state.runs[state.focus]) state.focus = null;
  if (!state.focus && state.order.length) {
    const training = state.order.find((n) => state.runs[n].state === 'training');
    await focusRun(training || state.order[state.order.length - 1]);
  }
  renderRuns();
}

function renderRuns() {
  const body = $('runs').querySelector('tbody');
  body.innerHTML = '';
  for (const name of state.order) {
    const r = state.runs[name];
    const tr = document.createElement('tr');
    tr.dataset.run = name;
    if (name === state.focus) tr.className = 'focused';
    const modes = r.modes ? r.modes.covered + '/' + r.modes.of : '';
    tr.innerHTML = `<td><input type="checkbox" ${state.selected.has(name) ? 'checked' : ''}></td>
      <td><a></a></td><td>${esc(r.arch)} ${esc(r.loss)}</td><td>${esc(r.dataset)}</td>
      <td>${esc(r.step)}${r.steps ? ' / ' + esc(r.steps) : ''}</td><td><span class="state ${esc(r.state)}">${esc(r.state)}</span></td>
      <td>${esc(fmt(r.fid))}</td><td>${esc(modes)}</td><td>${clock(r.time_s)}</td>`;
    tr.querySelector('a').textContent = name;
    tr.querySelector('a').onclick = () => focusRun(name);
    tr.querySelector('input').onchange = (e) => {
      if (e.target.checked) state.selected.add(name); else state.selected.delete(name);
      loadMetrics(name).then(drawCharts);
    };
    body.appendChild(tr);
  }
}

async function focusRun(name) {
  state.focus = name;
  state.selected.add(name);
  $('focus-name').textContent = name;
  await Promise.all([loadDetails(name), loadMetrics(name)]);
  renderRuns();
  drawCharts();
  showTab(state.tab);
}

async function loadDetails(name) {
  const d = await getJSON(runPath(name));
  state.runs[name] = Object.assign(state.runs[name] || {}, d);
  const st = $('focus-state');
  st.className = 'state ' + d.state;
  st.textContent = d.state;
  return d;
}

// ---- metrics ----
async function loadMetrics(name) {
  const cur = state.data[name] || { lines: [], events: [], next: 0 };
  const j = await getJSON(runPath(name) + '/metrics', { since: cur.next });
  if (j.reset) { cur.lines = []; cur.events = []; }
  for (const l of j.lines) (l.event ? cur.events : cur.lines).push(l);
  if (j.reset || j.lines.some((l) => l.event === 'rollback')) trimAfterRollback(cur);
  cur.next = j.next;
  state.data[name] = cur;
  return cur;
}
// The run log keeps a rollback's events but rewrites the steps after it: keep the newest line per step.
function trimAfterRollback(cur) {
  const byStep = new Map();
  for (const l of cur.lines) byStep.set(l.step, l);
  cur.lines = [...byStep.values()].sort((a, b) => a.step - b.step);
}

// x of a step on the chosen axis (events and evaluations carry only their step).
function xOf(cur, step, axis) {
  if (axis === 'step') return step;
  const lines = cur.lines;
  if (!lines.length) return null;
  let i = lines.findIndex((l) => l.step >= step);
  if (i < 0) i = lines.length - 1;
  return lines[i][axis];
}

function smooth(points, alpha) {
  if (!alpha) return points;
  let avg = 0, weight = 0;
  return points.map((p) => {
    avg = alpha * avg + (1 - alpha) * p.y;
    weight = alpha * weight + (1 - alpha);
    return { x: p.x, y: avg / weight };
  });
}

function evalValue(l, key) {
  const v = l[key];
  if (v && typeof v === 'object') return v.mean;
  return typeof v === 'number' ? v : null;
}

function chartKeys() {
  const keys = TRAIN_KEYS.slice();
  const found = new Set();
  for (const name of state.selected) {
    const cur = state.data[name];
    if (!cur) continue;
    for (const e of cur.events) if (e.event === 'eval') for (const k of EVAL_KEYS) if (evalValue(e, k) !== null) found.add(k);
    if (cur.events.some((e) => e.event === 'eval' && e.classes)) found.add('classes covered');
  }
  return keys.concat(EVAL_KEYS.filter((k) => found.has(k)), found.has('classes covered') ? ['classes covered'] : []);
}

function seriesOf(cur, key, axis) {
  if (TRAIN_KEYS.includes(key)) return cur.lines.map((l) => ({ x: l[axis], y: l[key] }));
  const evals = cur.events.filter((e) => e.event === 'eval');
  if (key === 'classes covered') return evals.filter((e) => e.classes).map((e) => ({ x: xOf(cur, e.step, axis), y: e.classes.covered }));
  return evals.map((e) => ({ x: xOf(cur, e.step, axis), y: evalValue(e, key) })).filter((p) => p.y !== null);
}

function eventMarks(axis) {
  const marks = [];
  for (const name of state.selected) {
    const cur = state.data[name];
    if (!cur) continue;
    for (const e of cur.events) marks.push({ x: xOf(cur, e.step, axis), color: EVENT_COLORS[e.event] || '#999' });
    const sessions = (state.runs[name] && state.runs[name].status && state.runs[name].status.sessions) || [];
    for (const s of sessions.slice(1)) marks.push({ x: xOf(cur, s.from_step, axis), color: EVENT_COLORS.resume });
  }
  return marks.filter((m) => m.x !== null && m.x !== undefined);
}

const eventPlugin = {
  id: 'events',
  afterDatasetsDraw(chart) {
    const xs = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
    ctx.save();
    ctx.setLineDash([4, 3]);
    for (const m of chart.options.plugins.events.marks || []) {
      const px = xs.getPixelForValue(m.x);
      if (px < area.left || px > area.right) continue;
      ctx.strokeStyle = m.color;
      ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
    }
    const drag = chart.$drag;
    if (drag && drag.to !== null) {
      ctx.setLineDash([]);
      ctx.fillStyle = 'rgba(21,101,192,0.15)';
      ctx.fillRect(Math.min(drag.from, drag.to), area.top, Math.abs(drag.to - drag.from), area.bottom - area.top);
    }
    ctx.restore();
  },
};

function attachZoom(chart) {
  const canvas = chart.canvas;
  canvas.onmousedown = (e) => { chart.$drag = { from: e.offsetX, to: null }; };
  canvas.onmousemove = (e) => { if (chart.$drag) { chart.$drag.to = e.offsetX; chart.draw(); } };
  canvas.onmouseup = (e) => {
    const d = chart.$drag;
    chart.$drag = null;
    if (!d || Math.abs(e.offsetX - d.from) < 5) return chart.draw();
    const a = chart.scales.x.getValueForPixel(Math.min(d.from, e.offsetX));
    const b = chart.scales.x.getValueForPixel(Math.max(d.from, e.offsetX));
    state.xmin = a; state.xmax = b;
    drawCharts();
  };
  canvas.ondblclick = () => { state.xmin = state.xmax = null; drawCharts(); };
}

function drawCharts() {
  const axis = $('x-axis').value;
  const alpha = parseFloat($('smoothing').value);
  const log = $('log-scale').checked;
  const keys = chartKeys();
  const marks = eventMarks(axis);
  const box = $('charts');
  for (const key of keys) {
    let chart = state.charts[key];
    if (!chart) {
      const div = document.createElement('div');
      div.className = 'chart-box';
      const canvas = document.createElement('canvas');
      canvas.dataset.metric = key;
      div.appendChild(canvas);
      box.appendChild(div);
      chart = new Chart(canvas, {
        type: 'line',
        data: { datasets: [] },
        options: { animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
                   plugins: { title: { display: true, text: key }, legend: { display: true, labels: { boxWidth: 10 } },
                              events: { marks: [] }, decimation: { enabled: true, algorithm: 'min-max' } },
                   elements: { point: { radius: 0 } },
                   scales: { x: { type: 'linear', title: { display: true, text: axis } }, y: { type: 'linear' } } },
        plugins: [eventPlugin],
      });
      attachZoom(chart);
      state.charts[key] = chart;
    }
    const datasets = [];
    [...state.selected].forEach((name, i) => {
      const cur = state.data[name];
      if (!cur) return;
      const pts = seriesOf(cur, key, axis).filter((p) => p.x !== null && p.x !== undefined && p.y !== null);
      const isEval = !TRAIN_KEYS.includes(key);
      datasets.push({ label: name, data: isEval ? pts : smooth(pts, alpha), borderColor: COLORS[i % COLORS.length],
                      backgroundColor: COLORS[i % COLORS.length], borderWidth: 1.5, pointRadius: isEval ? 3 : 0 });
    });
    chart.data.datasets = datasets;
    chart.options.scales.x.title.text = axis;
    chart.options.scales.x.min = state.xmin === null ? undefined : state.xmin;
    chart.options.scales.x.max = state.xmax === null ? undefined : state.xmax;
    chart.options.scales.y.type = log && key !== 'd_acc' ? 'logarithmic' : 'linear';
    chart.options.plugins.events.marks = marks;
    chart.update('none');
  }
}

// ---- samples over time ----
function gridSteps() { const r = state.runs[state.focus]; return (r && r.grid_steps) || []; }
function showGrid(i) {
  const steps = gridSteps();
  if (!steps.length) { $('grid-step').textContent = 'no grids yet'; $('grid-image').removeAttribute('src'); return; }
  i = Math.max(0, Math.min(i, steps.length - 1));
  $('grid-slider').max = steps.length - 1;
  $('grid-slider').value = i;
  $('grid-step').textContent = 'step ' + steps[i];
  $('grid-image').src = url(runPath(state.focus) + '/grid/' + steps[i] + '.png');
}
function renderSamples(keepPosition) {
  const steps = gridSteps();
  const slider = $('grid-slider');
  const atEnd = !keepPosition || parseInt(slider.value, 10) >= parseInt(slider.max, 10);
  slider.max = Math.max(0, steps.length - 1);
  showGrid(atEnd ? steps.length - 1 : parseInt(slider.value, 10));
  $('gif-link').href = url(runPath(state.focus) + '/grids.gif');
  $('strip-link').href = url(runPath(state.focus) + '/grids.png');
}
function togglePlay() {
  if (state.playing) { clearInterval(state.playing); state.playing = null; $('play-grids').textContent = 'play'; return; }
  $('play-grids').textContent = 'pause';
  state.playing = setInterval(() => {
    const n = gridSteps().length;
    if (!n) return;
    showGrid((parseInt($('grid-slider').value, 10) + 1) % n);
  }, 400);
}

// ---- generator ----
function fillCheckpoints(select, includeNewest) {
  const r = state.runs[state.focus];
  const keep = select.value;
  select.innerHTML = '';
  if (includeNewest) select.add(new Option('newest', ''));
  for (const c of (r && r.checkpoint_list) || []) select.add(new Option(c.name, c.name));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}
function renderPlay() {
  const r = state.runs[state.focus] || {};
  fillCheckpoints($('play-checkpoint'), true);
  const labels = $('play-label');
  $('play-label-box').style.display = r.conditional ? '' : 'none';
  if (r.conditional && labels.options.length !== r.classes + 1) {
    labels.innerHTML = '';
    labels.add(new Option('every class', '-1'));
    for (let k = 0; k < r.classes; ++k) labels.add(new Option(String(k), String(k)));
  }
}
async function drawImage(img, path, params) {
  $('play-error').textContent = '';
  const r = await fetch(url(path, params));
  if (!r.ok) { $('play-error').textContent = (await r.json()).error; return; }
  const old = img.src;
  img.src = URL.createObjectURL(await r.blob());
  if (old.startsWith('blob:')) URL.revokeObjectURL(old);
}
function playParams() {
  const p = { checkpoint: $('play-checkpoint').value };
  const r = state.runs[state.focus] || {};
  if (r.conditional && $('play-label').value !== '-1') p.label = $('play-label').value;
  return p;
}

// ---- 2D view ----
async function renderToy() {
  const r = state.runs[state.focus] || {};
  fillCheckpoints($('toy-checkpoint'), true);
  if (!r.points) { $('toy-error').textContent = 'the 2D view is for runs on ring8 or grid25'; return; }
  $('toy-error').textContent = '';
  const ck = $('toy-follow').checked ? '' : $('toy-checkpoint').value;
  const key = state.focus + '|' + ck + '|' + (r.checkpoint_list || []).map((c) => c.name).join(',');
  if (key === state.toyKey) return;
  state.toyKey = key;
  try {
    drawToy(await getJSON(runPath(state.focus) + '/toy', { checkpoint: ck, n: 2000, resolution: 64 }));
  } catch (e) { $('toy-error').textContent = e.message; state.toyKey = ''; }
}
function drawToy(t) {
  const c = $('toy-canvas'), ctx = c.getContext('2d'), W = c.width, res = t.resolution;
  const dmin = Math.min(...t.d), dmax = Math.max(...t.d), span = dmax - dmin || 1;
  const cell = W / res;
  for (let j = 0; j < res; ++j) for (let i = 0; i < res; ++i) {
    const v = (t.d[j * res + i] - dmin) / span;  // stretched to the range shown under the plot
    const g = Math.round(250 - 150 * v);
    ctx.fillStyle = `rgb(${g},${g},${Math.min(255, g + 20)})`;
    ctx.fillRect(i * cell, W - (j + 1) * cell, cell + 1, cell + 1);
  }
  const px = (x) => (x / t.extent + 1) / 2 * W, py = (y) => W - (y / t.extent + 1) / 2 * W;
  const dots = (flat, color, r) => {
    ctx.fillStyle = color;
    for (let k = 0; k + 1 < flat.length; k += 2) { ctx.beginPath(); ctx.arc(px(flat[k]), py(flat[k + 1]), r, 0, 7); ctx.fill(); }
  };
  dots(t.real, 'rgba(90,90,90,0.5)', 2);
  dots(t.fake, 'rgba(21,101,192,0.7)', 2);
  $('toy-modes').textContent = `step ${t.step}: ${t.modes.covered} of ${t.modes.of} modes covered, ` +
    `${(100 * t.modes.high_quality).toFixed(1)}% high-quality samples; D's ${t.d_kind} from ${fmt(dmin, 3)} (light) ` +
    `to ${fmt(dmax, 3)} (dark)`;
  c.dataset.drawn = String(Number(c.dataset.drawn || 0) + 1);
}

// ---- evaluations, config ----
function metricCell(gen, floor, key) {
  const g = evalValue(gen || {}, key), f = evalValue(floor || {}, key);
  if (g === null) return '';
  return esc(fmt(g)) + (f !== null ? ` <span class="hint">(${esc(fmt(f))})</span>` : '');
}
async function renderEvals() {
  const j = await getJSON(runPath(state.focus) + '/evals');
  const keys = EVAL_KEYS.filter((k) => j.lines.some((l) => evalValue(l.generated || {}, k) !== null));
  $('evals').querySelector('thead').innerHTML =
    '<tr><th>step</th><th>n</th><th>generator</th>' + keys.map((k) => `<th>${k}</th>`).join('') +
    '<th>classes</th><th>when</th><th>manifest</th></tr>';
  const tbody = $('evals').querySelector('tbody');
  tbody.innerHTML = j.lines.map((l) => {
    const cls = l.generated && l.generated.classes ? `${l.generated.classes.covered}/${l.generated.classes.of}` : '';
    return `<tr><td>${esc(l.step)}</td><td>${esc(l.n)}</td><td>${esc(l.generator)}</td>` +
      keys.map((k) => `<td>${metricCell(l.generated, l.real_floor, k)}</td>`).join('') +
      `<td>${esc(cls)}</td><td>${esc(l.time)}</td><td><details><summary>how measured</summary><pre></pre></details></td></tr>`;
  }).join('') || '<tr><td colspan="9">no ganforge eval yet</td></tr>';
  // The manifest: how each number was made (checkpoint, sampler, seed, extractor and its hash, reference set).
  tbody.querySelectorAll('pre').forEach((pre, i) => {
    const l = j.lines[i], m = {};
    for (const k of ['checkpoint', 'generator', 'n', 'seed', 'quantized', 'extractor', 'reference', 'dataset']) if (k in l) m[k] = l[k];
    pre.textContent = JSON.stringify(m, null, 1);
  });
  const cur = state.data[state.focus] || { events: [] };
  const periodic = cur.events.filter((e) => e.event === 'eval');
  const pkeys = EVAL_KEYS.filter((k) => periodic.some((e) => evalValue(e, k) !== null));
  $('periodic-evals').querySelector('thead').innerHTML = '<tr><th>step</th>' + pkeys.map((k) => `<th>${k}</th>`).join('') + '</tr>';
  $('periodic-evals').querySelector('tbody').innerHTML =
    periodic.map((e) => `<tr><td>${esc(e.step)}</td>` + pkeys.map((k) => `<td>${esc(fmt(evalValue(e, k)))}</td>`).join('') + '</tr>').join('');
}
function renderConfig() {
  const r = state.runs[state.focus] || {};
  $('config-text').textContent = r.config_text || '';
  $('status-text').textContent = r.status ? JSON.stringify(r.status, null, 1) : '';
}

// ---- image-to-image: draw or pick a drawing, POST it, show (sketch | translation) ----
function renderTranslate() {
  const r = state.runs[state.focus] || {};
  fillCheckpoints($('translate-checkpoint'), true);
  $('translate-error').textContent = r.arch === 'pix2pix' ? '' :
    'translation is for image-to-image runs (model.arch = pix2pix); this run samples from noise';
}
function clearCanvas() {
  const c = $('translate-canvas'), ctx = c.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, c.width, c.height);
}
function wireCanvas() {
  const c = $('translate-canvas'), ctx = c.getContext('2d');
  let last = null;
  const at = (e) => { const b = c.getBoundingClientRect(); return [(e.clientX - b.left) * c.width / b.width, (e.clientY - b.top) * c.height / b.height]; };
  c.onpointerdown = (e) => { last = at(e); c.setPointerCapture(e.pointerId); };
  c.onpointermove = (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = '#000'; ctx.lineWidth = 4; ctx.lineCap = 'round';
    ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
    last = p;
  };
  c.onpointerup = () => { last = null; };
  clearCanvas();
}
async function translateDrawing() {
  $('translate-error').textContent = '';
  const file = $('translate-file').files[0];
  const body = file || await new Promise((done) => $('translate-canvas').toBlob(done, 'image/png'));
  const r = await fetch(url(runPath(state.focus) + '/translate', { checkpoint: $('translate-checkpoint').value }),
                        { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream' } });
  if (!r.ok) { $('translate-error').textContent = (await r.json()).error; return; }
  const img = $('translate-image'), old = img.src;
  img.src = URL.createObjectURL(await r.blob());
  if (old.startsWith('blob:')) URL.revokeObjectURL(old);
}

// ---- tabs and live updates ----
function showTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  for (const t of document.querySelectorAll('.tab')) t.classList.toggle('hidden', t.id !== 'tab-' + tab);
  if (!state.focus) return;
  if (tab === 'curves') drawCharts();
  if (tab === 'samples') renderSamples(true);
  if (tab === 'play') renderPlay();
  if (tab === 'toy') renderToy();
  if (tab === 'translate') renderTranslate();
  if (tab === 'evals') renderEvals();
  if (tab === 'config') renderConfig();
}

// The runs list is refreshed at most once a second (throttled, not debounced: a run that changes every
// half second would otherwise put the refresh off for as long as it trains).
let runsTimer = null;
function refreshRunsSoon(ms) {
  if (runsTimer === null) runsTimer = setTimeout(() => { runsTimer = null; loadRuns(); }, ms);
}
function onRunChanged(sig) {
  if (!state.runs[sig.run]) { refreshRunsSoon(300); return; }
  const jobs = [];
  if (state.selected.has(sig.run)) jobs.push(loadMetrics(sig.run));
  if (sig.run === state.focus) jobs.push(loadDetails(sig.run));
  Promise.all(jobs).then(() => {
    if (state.tab === 'curves') drawCharts();
    if (sig.run === state.focus && state.tab !== 'curves') showTab(state.tab);
  });
  refreshRunsSoon(1000);
}
function connectLive() {
  const es = new EventSource(url('api/live'));
  es.onopen = () => { $('live').className = 'live on'; };
  es.onerror = () => { $('live').className = 'live off'; };
  es.addEventListener('run', (e) => onRunChanged(JSON.parse(e.data)));
  es.addEventListener('gone', () => loadRuns());
}

function wire() {
  for (const b of document.querySelectorAll('#tabs button')) b.onclick = () => showTab(b.dataset.tab);
  $('x-axis').onchange = () => { state.xmin = state.xmax = null; drawCharts(); };
  $('smoothing').oninput = () => { $('smoothing-value').textContent = parseFloat($('smoothing').value).toFixed(2); drawCharts(); };
  $('log-scale').onchange = drawCharts;
  $('zoom-reset').onclick = () => { state.xmin = state.xmax = null; drawCharts(); };
  $('grid-slider').oninput = () => showGrid(parseInt($('grid-slider').value, 10));
  $('play-grids').onclick = togglePlay;
  $('play-draw').onclick = () => drawImage($('play-image'), runPath(state.focus) + '/sample',
    Object.assign(playParams(), { seed: $('play-seed').value, n: $('play-n').value }));
  $('interp-draw').onclick = () => drawImage($('interp-image'), runPath(state.focus) + '/interpolate',
    Object.assign(playParams(), { seed: $('interp-a').value, seed_b: $('interp-b').value, rows: $('interp-rows').value,
                                  steps: $('interp-steps').value, mode: $('interp-mode').value }));
  $('toy-checkpoint').onchange = () => { $('toy-follow').checked = false; renderToy(); };
  $('toy-follow').onchange = renderToy;
  wireCanvas();
  $('translate-clear').onclick = () => { clearCanvas(); $('translate-file').value = ''; };
  $('translate-go').onclick = translateDrawing;
}

wire();
loadRuns().then(connectLive).catch((e) => { document.body.insertAdjacentHTML('afterbegin', `<p class="error">${esc(e.message)}</p>`); });
