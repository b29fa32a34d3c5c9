// views/params/stats_panel.js: statistics of the selected tensor over time and its histogram over
// time, the distribution view researchers know from TensorBoard (ridgelines, newest in front).
// createStatsPanel(host, store) -> {update(frame), record(frame), redraw(), dispose(), tensorSeries}
// Keeps its own state/stat_series.js, fed by every frame it is given (record() only feeds it: the host
// calls that while the tab is hidden). Describes the frame ON SCREEN (update's frame), not the
// newest one: during playback the table shows that step's stats, and the sparklines and ridges,
// which draw the whole series, mark that step (data-step on the panel says which). Shows
// store.selected, or the first tensor the filters let through until the user clicks one; a
// selection the filters hide is cleared (state/filters.js selectionUnder). 2D canvases only.
// When the frames carry the spectral statistics (stat_names with sigma_max and stable_rank: the
// top singular value and ||W||_F^2 / sigma_max^2 of each matrix), the table and two more
// sparklines show them too; tensors without them (vectors, 0: not measured) leave those out.
import { createStatSeries } from '../../state/stat_series.js';
import { showsItem, selectionUnder } from '../../state/filters.js';
import { sequential } from '../../display/colormap.js';
import { el } from '../dom.js';
import { DIGITS, tensorTitle } from '../../state/describe.js';
import { formatNumber } from '../../display/format.js';
import { cardButton } from '../explain_card.js';

const SHOWN_STATS = [['mean', 'mean'], ['std', 'std'], ['min', 'min'], ['max', 'max'], ['rms', 'rms'],
  ['grad_rms', 'grad rms'], ['update_ratio', 'update / weight (rms)']];
const SPARKS = [['rms', 'weight rms'], ['grad_rms', 'gradient rms'], ['update_ratio', 'update / weight']];
const SPECTRAL = [['sigma_max', 'top singular value σ₁'], ['stable_rank', 'stable rank ‖W‖²_F / σ₁²']];
const MAX_RIDGES = 36;
const INK = '#c9d3df';
const DIM = '#7d8a9a';

function sizeCanvas(c) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, c.clientWidth); const h = Math.max(1, c.clientHeight);
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
  // Small canvases redrawn per frame: CPU raster avoids a GPU upload each (much cheaper on software GL).
  const g = c.getContext('2d', { willReadFrequently: true });
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  return { g, w, h };
}

const MARK = '#e8eef5';

function drawSpark(canvas, steps, values, label, atStep = null) {
  const { g, w, h } = sizeCanvas(canvas);
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = DIM;
  g.textBaseline = 'top';
  g.fillText(label, 0, 0);
  const n = values.length;
  if (!n) return;
  let lo = Infinity; let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) return;
  // The value at the step on screen (the newest entry at or before it), else the newest.
  let cur = n - 1;
  if (atStep != null) { while (cur > 0 && steps[cur] > atStep) cur--; }
  g.fillStyle = INK;
  g.textAlign = 'right';
  g.fillText(formatNumber(values[cur], DIGITS), w, 0);
  g.textAlign = 'left';
  const top = 15; const ph = h - top - 2;
  const s0 = steps[0]; const s1 = steps[n - 1];
  const x = (s) => (s1 > s0 ? (s - s0) / (s1 - s0) : 1) * (w - 2) + 1;
  const y = (v) => top + (hi > lo ? 1 - (v - lo) / (hi - lo) : 0.5) * ph;
  if (atStep != null && n > 1 && steps[cur] <= atStep) {
    // The step on screen: a vertical rule and a dot on the line.
    const mx = x(Math.min(atStep, s1));
    g.strokeStyle = 'rgba(232,238,245,0.45)';
    g.lineWidth = 1;
    g.beginPath(); g.moveTo(mx, top); g.lineTo(mx, h); g.stroke();
  }
  g.strokeStyle = '#f0a640';
  g.lineWidth = 1.5;
  g.beginPath();
  for (let i = 0; i < n; i++) { if (i) g.lineTo(x(steps[i]), y(values[i])); else g.moveTo(x(steps[i]), y(values[i])); }
  g.stroke();
  if (n === 1) { g.fillStyle = '#f0a640'; g.beginPath(); g.arc(x(steps[0]), y(values[0]), 2.5, 0, 2 * Math.PI); g.fill(); }
  if (atStep != null && n > 1 && Number.isFinite(values[cur])) {
    g.fillStyle = MARK; g.beginPath(); g.arc(x(steps[cur]), y(values[cur]), 2.5, 0, 2 * Math.PI); g.fill();
  }
}

// Ridgelines: one histogram per refresh step, oldest at the back (top), newest in front (bottom).
function drawHist(canvas, m, atStep = null) {
  const { g, w, h } = sizeCanvas(canvas);
  g.font = '11px system-ui, sans-serif';
  const rows = m.steps.length;
  if (!rows) {
    g.fillStyle = DIM;
    g.fillText('no histogram yet', 8, h / 2);
    return;
  }
  const first = Math.max(0, rows - MAX_RIDGES);
  let lo = Infinity; let hi = -Infinity;
  for (let r = first; r < rows; r++) {
    if (Number.isFinite(m.lo[r])) lo = Math.min(lo, m.lo[r]);
    if (Number.isFinite(m.hi[r])) hi = Math.max(hi, m.hi[r]);
  }
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const left = 44; const right = 6; const bottom = 18; const top = 6;
  const pw = w - left - right; const ph = h - top - bottom;
  const count = rows - first;
  const ridgeH = Math.min(ph * 0.45, 48);
  const dy = count > 1 ? (ph - ridgeH) / (count - 1) : 0;
  const xOf = (v) => left + (v - lo) / (hi - lo) * pw;
  // The ridge of the step on screen: the newest histogram at or before it (outlined in white).
  let mark = -1;
  if (atStep != null) for (let r = first; r < rows; r++) if (m.steps[r] <= atStep) mark = r;
  for (let k = 0; k < count; k++) {
    const r = first + k;
    const base = top + ridgeH + k * dy;
    const bins = m.bins;
    let peak = 0;
    for (let b = 0; b < bins; b++) peak = Math.max(peak, m.counts[r * bins + b]);
    if (!(peak > 0)) continue;
    const bw = (m.hi[r] - m.lo[r]) / bins;
    const [cr, cg, cb] = sequential(0.15 + 0.8 * (count > 1 ? k / (count - 1) : 1));
    const colour = `rgb(${cr * 255 | 0}, ${cg * 255 | 0}, ${cb * 255 | 0})`;
    g.beginPath();
    g.moveTo(xOf(m.lo[r]), base);
    for (let b = 0; b < bins; b++) g.lineTo(xOf(m.lo[r] + (b + 0.5) * bw), base - m.counts[r * bins + b] / peak * ridgeH);
    g.lineTo(xOf(m.hi[r]), base);
    g.closePath();
    g.fillStyle = 'rgba(17, 21, 28, 0.85)'; // hides the ridges behind, as in TensorBoard's offset view
    g.fill();
    g.strokeStyle = r === mark ? MARK : colour;
    g.lineWidth = r === mark ? 2 : 1.2;
    g.stroke();
    if (k === 0 || k === count - 1 || r === mark) {
      g.fillStyle = DIM;
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      g.fillText(`${m.steps[r]}`, left - 4, base);
    }
  }
  g.fillStyle = DIM;
  g.textBaseline = 'bottom';
  g.textAlign = 'left';
  g.fillText(formatNumber(lo, DIGITS), left, h);
  g.textAlign = 'right';
  g.fillText(formatNumber(hi, DIGITS), w - right, h);
  if (lo < 0 && hi > 0) {
    g.textAlign = 'center';
    g.fillText('0', xOf(0), h);
    g.strokeStyle = 'rgba(125,138,154,0.5)';
    g.beginPath(); g.moveTo(xOf(0), top); g.lineTo(xOf(0), h - bottom + 2); g.stroke();
  }
  g.save();
  g.translate(10, top + ph / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText('step', 0, 0);
  g.restore();
}

export function createStatsPanel(host, store) {
  const tensorSeries = createStatSeries({ capacity: 256 });
  const panel = el('section', { class: 'pv-stats', 'data-testid': 'stats-panel', 'aria-label': 'statistics of the selected tensor' });
  const title = el('h3', { class: 'pv-stats-title' });
  const titleText = el('span');
  // "?" buttons (views/explain_card.js): the shown tensor's card, each sparkline's, the histogram's.
  const tensorQ = cardButton('param:wte', { label: 'What is this tensor?', for: '.pv-stats' });
  tensorQ.dataset.testid = 'card-q-stats-tensor';
  tensorQ.setAttribute('data-testid', 'card-q-stats-tensor');
  title.append(titleText, ' ', tensorQ);
  const hint = el('p', { class: 'pv-hint' });
  const table = el('dl', { class: 'pv-stats-table' });
  const sparks = [...SPARKS, ...SPECTRAL].map(([stat, label]) => ({ stat, label, spectral: SPECTRAL.some(([k]) => k === stat),
    canvas: el('canvas', { class: 'pv-spark', role: 'img', 'aria-label': `${label} over time`, 'data-testid': `spark-${stat}` }),
    q: cardButton(`chart:spark-${stat}`, { label: `What is the ${label} chart?`, for: '.pv-spark-row' }) }));
  for (const s of sparks) { s.row = el('div', { class: 'pv-spark-row' }); s.row.append(s.canvas, s.q); }
  const histQ = cardButton('chart:hist-chart', { label: 'What is the distribution chart?', for: '.pv-stats' });
  const histTitle = el('h4', {}, 'distribution over time ');
  histTitle.append(histQ);
  const hist = el('canvas', { class: 'pv-hist', 'data-testid': 'hist-chart', role: 'img', 'aria-label': 'histogram of the selected tensor over time, newest in front' });
  panel.append(title, hint, table, ...sparks.map((s) => s.row), histTitle, hist);
  host.append(panel);

  let shown = null; // the frame on screen

  function target() {
    const f = store.get().filters;
    const sel = store.get().selected;
    if (sel && showsItem(f, sel.name, sel.layer) && tensorSeries.series(sel.name, sel.layer).length) return { ...sel, chosen: true };
    const keys = tensorSeries.keys().filter((k) => showsItem(f, k.name, k.layer));
    const first = keys.find((k) => k.name === 'qkvw') ?? keys[0];
    return first ? { ...first, chosen: false } : null;
  }

  function redraw() {
    const t = target();
    const step = shown?.step ?? null;
    panel.dataset.step = step == null ? '' : String(step);
    // With no tensor, the charts go too: a stale picture of a tensor no longer named misleads.
    for (const c of [...sparks.map((sp) => sp.row), histTitle, hist, tensorQ]) c.hidden = !t;
    if (!t) {
      titleText.textContent = 'tensor statistics';
      hint.textContent = tensorSeries.keys().length ? 'no tensor passes the filters' : 'waiting for a frame…';
      panel.dataset.name = ''; panel.dataset.layer = '';
      table.replaceChildren();
      return;
    }
    titleText.textContent = `${t.name}${t.layer >= 0 ? ` · layer ${t.layer}` : ''}`;
    tensorQ.dataset.card = `param:${t.name}`;
    tensorQ.dataset.cardLayer = String(t.layer);
    tensorQ.setAttribute('aria-label', `What is ${t.name}?`);
    for (const q of [...sparks.map((sp) => sp.q), histQ]) { q.dataset.cardTensor = t.name; q.dataset.cardLayer = String(t.layer); }
    panel.dataset.name = t.name;
    panel.dataset.layer = String(t.layer);
    hint.textContent = t.chosen ? tensorTitle(t.name) : `${tensorTitle(t.name)} (click a matrix or a point cloud to choose another)`;
    // The frame on screen's own numbers; else the series entry at or before its step.
    const own = shown?.stats?.(t.name, t.layer);
    const entry = own ? { step: shown.step, stats: own } : tensorSeries.at(t.name, t.layer, step ?? Infinity);
    table.replaceChildren();
    // The spectral statistics, for the tensors that have them (matrices; 0 means not measured).
    const spectral = (k) => entry?.stats[k] > 0;
    if (entry) {
      for (const [k, label] of SHOWN_STATS) table.append(el('dt', {}, label), el('dd', {}, formatNumber(entry.stats[k], DIGITS)));
      for (const [k, label] of SPECTRAL) {
        if (spectral(k)) table.append(el('dt', {}, label), el('dd', { 'data-testid': `stats-${k}` }, formatNumber(entry.stats[k], DIGITS)));
      }
      table.append(el('dt', {}, 'at step'), el('dd', { 'data-testid': 'stats-step' }, String(entry.step)));
    }
    for (const s of sparks) {
      s.row.hidden = s.spectral && !spectral(s.stat);
      if (s.row.hidden) continue;
      const { steps, values } = tensorSeries.statSeries(t.name, t.layer, s.stat);
      drawSpark(s.canvas, steps, values, s.label, step);
    }
    drawHist(hist, tensorSeries.histMatrix(t.name, t.layer), step);
  }

  const safeRedraw = () => { try { redraw(); } catch (e) { console.error('stats panel:', e); } };
  const offs = [
    store.on('selected', safeRedraw),
    store.on('filters', (f) => {
      const sel = store.get().selected;
      const kept = selectionUnder(f, sel);
      if (kept !== sel) store.set({ selected: kept }); // redraws through 'selected'
      else safeRedraw();
    }),
  ];
  // Canvases drawn while the tab was hidden have no size: draw again when the panel gets one.
  let lastW = 0;
  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
    if (panel.clientWidth !== lastW) { lastW = panel.clientWidth; safeRedraw(); }
  }) : null;
  ro?.observe(panel);
  return {
    tensorSeries,
    update(frame) { tensorSeries.add(frame); shown = frame; redraw(); },
    record(frame) { tensorSeries.add(frame); },
    redraw,
    dispose() { offs.forEach((off) => off?.()); ro?.disconnect(); tensorSeries.clear(); shown = null; panel.remove(); },
  };
}
