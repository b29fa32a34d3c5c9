// views/compare_view.js: two runs side by side beyond the loss overlay (tour T7). When a compare
// run is picked (the `compare-picker`), a card under the Training tab's charts shows
//  - the per-tensor statistics of both runs at the step on screen: run A's frame on screen and
//    run B's recorded frame nearest to that step (explain/compare.js), weight rms, grad rms,
//    update/weight, σ₁ and stable rank per tensor and layer, run B's cell coloured and labelled by
//    its ratio to A when they differ by more than 1.5x (3x: strongly);
//  - both runs' events and insights by step, side by side, the step on screen marked.
//
// createCompareView(root, store, {getFrameIndex(id), getFrame(id, step)}) -> {refresh(), dispose()}
// Test ids: compare-view (data-step-a, data-step-b), compare-title, compare-stats (table),
// compare-row (data-name, data-layer), cells with data-stat and data-run (a|b) and data-level,
// compare-events-a, compare-events-b (lists), compare-event (data-step), compare-note.
import { batched, el } from './dom.js';
import { COMPARE_STATS, compareStats, nearestStep, runTimeline } from '../explain/compare.js';
import { insightList } from '../state/insights.js';
import { formatNumber, MISSING, shortId } from '../display/format.js';
import { severityTag } from './insight_card.js';

const CACHE = 8;

export function createCompareView(root, store, { getFrameIndex, getFrame }) {
  const card = el('section', { class: 'card compare-view', 'data-testid': 'compare-view', 'aria-labelledby': 'compare-title', hidden: '' });
  const title = el('h2', { id: 'compare-title', 'data-testid': 'compare-title' });
  const note = el('p', { class: 'compare-note muted', 'data-testid': 'compare-note' });
  const table = el('table', { class: 'compare-stats', 'data-testid': 'compare-stats' });
  const statsWrap = el('div', { class: 'compare-stats-wrap' });
  statsWrap.append(table);
  const evA = el('ol', { class: 'compare-events', 'data-testid': 'compare-events-a' });
  const evB = el('ol', { class: 'compare-events', 'data-testid': 'compare-events-b' });
  const colA = el('div', { class: 'compare-col' }); const colB = el('div', { class: 'compare-col' });
  const hA = el('h3'); const hB = el('h3');
  colA.append(hA, evA); colB.append(hB, evB);
  const cols = el('div', { class: 'compare-cols' });
  cols.append(colA, colB);
  const body = el('div', { class: 'compare-body' });
  const left = el('div', { class: 'compare-left' });
  left.append(el('h3', {}, 'Per-tensor statistics'), note, statsWrap);
  const right = el('div', { class: 'compare-right' });
  right.append(el('h3', {}, 'Events and insights by step'), cols);
  body.append(left, right);
  card.append(title, body);
  root.append(card);

  const indexes = new Map(); // session -> Promise<[step]>
  const frames = new Map();  // `${session}@${step}` -> Promise<Frame> (LRU)
  const indexOf = (id) => {
    if (!indexes.has(id)) indexes.set(id, getFrameIndex(id).then((list) => list.map((f) => f.step)).catch((e) => { indexes.delete(id); throw e; }));
    return indexes.get(id);
  };
  const frameOf = (id, step) => {
    const key = `${id}@${step}`;
    if (frames.has(key)) { const p = frames.get(key); frames.delete(key); frames.set(key, p); return p; }
    const p = getFrame(id, step).catch((e) => { frames.delete(key); throw e; });
    frames.set(key, p);
    while (frames.size > CACHE) frames.delete(frames.keys().next().value);
    return p;
  };

  let gen = 0;
  async function draw() {
    const s = store.get();
    const a = s.session; const b = s.compare;
    const on = Boolean(b && a && b !== a);
    card.hidden = !on;
    if (!on) return;
    const my = ++gen;
    const frameA = s.frame?.session === a ? s.frame : null;
    const stepA = frameA?.step ?? null;
    title.textContent = `Compare runs: A = ${shortId(a)}, B = ${shortId(b)}`;
    hA.textContent = `A · ${shortId(a)}`; hB.textContent = `B · ${shortId(b)}`;
    drawTimelines(s, a, b, stepA);
    let frameB = null; let stepB = null; let why = '';
    try {
      const steps = await indexOf(b);
      stepB = nearestStep(steps, stepA ?? Infinity);
      if (stepA == null) stepB = steps.at(-1) ?? null;
      if (stepB != null) frameB = await frameOf(b, stepB);
      else why = `run ${shortId(b)} has no recorded parameter frames`;
    } catch (err) {
      why = `run ${shortId(b)}'s frames could not load (${err.message})`;
    }
    if (my !== gen) return; // a newer draw started meanwhile
    card.dataset.stepA = stepA == null ? '' : String(stepA);
    card.dataset.stepB = stepB == null ? '' : String(stepB);
    note.textContent = why || `A at step ${stepA ?? MISSING} (the frame on screen), B at step ${stepB ?? MISSING} (its recorded frame nearest to it). ` +
      'B\'s cell is tinted when it differs from A by more than 1.5×, strongly beyond 3×; the factor B / A is printed beside it.';
    drawTable(frameA, frameB);
  }

  function drawTable(fa, fb) {
    const rows = compareStats(fa, fb);
    const head = el('tr');
    head.append(el('th', { scope: 'col', rowspan: '2' }, 'tensor'));
    for (const [, label] of COMPARE_STATS) head.append(el('th', { scope: 'colgroup', colspan: '2' }, label));
    const sub = el('tr');
    for (let i = 0; i < COMPARE_STATS.length; i++) sub.append(el('th', { scope: 'col', class: 'run-a' }, 'A'), el('th', { scope: 'col', class: 'run-b' }, 'B'));
    const thead = el('thead'); thead.append(head, sub);
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr', { 'data-testid': 'compare-row', 'data-name': r.name, 'data-layer': String(r.layer) });
      tr.append(el('th', { scope: 'row' }, `${r.name}${r.layer >= 0 ? ` ${r.layer}` : ''}`));
      for (const [k] of COMPARE_STATS) {
        const va = r.a?.[k]; const vb = r.b?.[k];
        const spectral = k === 'sigma_max' || k === 'stable_rank';
        const show = (v) => (v == null || !Number.isFinite(v) || (spectral && v <= 0) ? MISSING : formatNumber(v, 4));
        tr.append(el('td', { 'data-stat': k, 'data-run': 'a' }, show(va)));
        const td = el('td', { 'data-stat': k, 'data-run': 'b', 'data-level': String(r.level[k]), class: `lvl-${r.level[k]}` }, show(vb));
        if (r.level[k] > 0) {
          td.append(el('span', { class: 'cmp-ratio' }, ` ×${formatNumber(r.ratio[k], 2)}`));
          td.title = `B is ${formatNumber(r.ratio[k], 3)} × A`;
        }
        tr.append(td);
      }
      tbody.append(tr);
    }
    if (!rows.length) {
      const tr = el('tr'); tr.append(el('td', { colspan: String(1 + 2 * COMPARE_STATS.length), class: 'muted' }, 'no parameter frame on screen yet'));
      tbody.append(tr);
    }
    table.replaceChildren(thead, tbody);
  }

  function drawTimelines(s, a, b, step) {
    for (const [id, list] of [[a, evA], [b, evB]]) {
      const items = runTimeline(s.events?.[id], insightList(s.insights?.[id]));
      const out = [];
      let marked = false;
      for (const it of items) {
        if (!marked && step != null && it.step > step) { out.push(el('li', { class: 'cmp-now', 'aria-label': 'the step on screen' }, `step on screen: ${step}`)); marked = true; }
        const li = el('li', { 'data-testid': 'compare-event', 'data-step': String(it.step), 'data-kind': it.kind, class: 'cmp-ev' });
        li.append(el('span', { class: 'ev-step' }, `step ${it.step}`));
        if (it.severity) li.append(severityTag(it.severity)); else li.append(el('span', { class: 'ev-kind' }, it.kind));
        li.append(el('span', { class: 'cmp-ev-text' }, it.text || it.kind));
        out.push(li);
      }
      if (!marked && step != null && items.length) out.push(el('li', { class: 'cmp-now' }, `step on screen: ${step}`));
      if (!items.length) out.push(el('li', { class: 'muted' }, 'no events or insights recorded'));
      list.replaceChildren(...out);
    }
  }

  const schedule = batched(() => draw().catch((e) => console.error('compare view:', e)));
  const offs = ['compare', 'session', 'frame', 'events', 'insights'].map((k) => store.on(k, schedule));
  schedule();
  return { refresh: () => draw(), dispose: () => { offs.forEach((o) => o()); schedule.cancel(); card.remove(); } };
}
