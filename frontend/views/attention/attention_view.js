// views/attention/attention_view.js: the Attention tab (R5.4): what the model's attention heads
// do with the probe's text (docs/protocol.md, Probe). A grid of every head (layers as rows,
// heads as columns) of small T x T maps, filterable by layer; the selected head as a large map
// with the tokens on its axes and the probe text below it, where hovering a token (or a row of
// the map) shows where that token attends; each head's scores (entropy, previous-token,
// induction) in the grid, in a table and over the run; badges from the insights that name a
// head (previous-token head, induction head, collapse). It follows the playback bar: probes run
// at evaluations only, so the frame on screen shows the newest probe at or before its step, and
// the view says which step that is.
//
// createAttentionView(container, store, probes) -> {setActive(on), debug}
// Reads store keys session, frame, probes, probeRecord, probeError, insights, attentionHead,
// runInfo; writes attentionHead. Draws only while active, at most once per animation frame.
// Test hooks (debug): cells() -> [{layer, head, x, y}] client coords of the grid's maps; map()
// -> the large map's client rect {x, y, size, T}; tokens() -> the text's token elements.
import { el } from '../dom.js';
import { cardButton } from '../explain_card.js';
import { cellAt, describeHead, gridLayout, headBadges, headScore, probeFor, queryRow, tokenLabel, topKeys, GAMMA } from '../../state/attention.js';
import { insightList } from '../../state/insights.js';
import { probeScores } from '../../net/probe.js';
import { legendGradient } from '../../display/colormap.js';
import { paintGrid, paintHistory, paintMap } from './attention_paint.js';

const ROLE_TEXT = { text: 'validation text', repeat: 'repeated random tokens (the induction test)' };
const ROLE_HELP = {
  text: 'A window of the validation text, the same at every probe: the patterns change only because the model does.',
  repeat: 'Random tokens, then the same tokens again. The second time, an induction head looks at the token that followed the current one the first time, and copies it.',
};
const pct = (p) => `${Math.round(p * 100)} %`;

// The view brings its own stylesheet (it loads only when its tab is first shown).
function ensureStyles() {
  // A saved report inlines it (<style data-nanogpt-asset>), and its modules have no URL to resolve against.
  if (document.querySelector('style[data-nanogpt-asset$="/views/attention/attention.css"]')) return;
  const href = new URL('./attention.css', import.meta.url).href;
  if ([...document.querySelectorAll('link[rel=stylesheet]')].some((l) => l.href === href)) return;
  document.head.append(el('link', { rel: 'stylesheet', href }));
}

export function createAttentionView(container, store, probes) {
  ensureStyles();
  const root = el('div', { class: 'at-root', 'data-testid': 'attention-view' });
  const toolbar = el('div', { class: 'at-toolbar', role: 'toolbar', 'aria-label': 'attention view controls' });
  const stepNote = el('span', { class: 'at-step', 'data-testid': 'attention-step', 'aria-live': 'polite' }, 'no probe yet');
  const rowSel = el('select', { 'data-testid': 'attention-row', 'aria-label': 'Which probe row to show' });
  const rowLabel = el('label', { class: 'at-field' }, 'probe row ');
  rowLabel.append(rowSel);
  const layerBox = el('fieldset', { class: 'at-layers', 'data-testid': 'attention-layers' });
  layerBox.append(el('legend', {}, 'layers'));
  const legend = el('span', { class: 'at-legend', title: `colour: attention weight, on a square-root scale (p^${GAMMA}) so small weights show` });
  const bar = el('span', { class: 'at-legend-bar' });
  bar.style.background = legendGradient('sequential');
  legend.append(el('span', {}, '0'), bar, el('span', {}, '1'), el('span', { class: 'muted' }, ' attention (√ scale)'));
  toolbar.append(stepNote, rowLabel, layerBox, legend);

  const empty = el('div', { class: 'at-empty', 'data-testid': 'attention-empty', role: 'note' });
  const body = el('div', { class: 'at-body' });
  const left = el('section', { class: 'at-left', 'aria-label': 'every head' });
  const grid = el('canvas', { class: 'at-grid', 'data-testid': 'attention-grid', tabindex: '0', role: 'img',
    'aria-label': 'Attention pattern of every head: layers as rows, heads as columns. Click a head to see it large; the table below lists the same scores.' });
  const rowHelp = el('p', { class: 'at-help muted' });
  const table = el('table', { class: 'at-table', 'data-testid': 'attention-scores' });
  left.append(el('h3', {}, 'Heads'), rowHelp, grid, el('h3', {}, 'Scores per head'), table);
  const right = el('section', { class: 'at-right', 'aria-label': 'the selected head' });
  const headTitle = el('h3', { 'data-testid': 'attention-head-title' });
  const describe = el('p', { class: 'at-describe', 'data-testid': 'attention-describe' });
  const map = el('canvas', { class: 'at-map', 'data-testid': 'attention-map', role: 'img', 'aria-label': 'Attention of the selected head: queries as rows, keys as columns' });
  const readout = el('p', { class: 'at-readout', 'data-testid': 'attention-readout', 'aria-live': 'polite' }, 'hover a token or a row of the map: where that token attends');
  const text = el('div', { class: 'at-text', 'data-testid': 'attention-text', 'aria-label': 'the probe text; hover a token to see where it attends' });
  const history = el('canvas', { class: 'at-history', 'data-testid': 'attention-history', role: 'img', 'aria-label': 'the selected head\'s scores at every probe of the run' });
  right.append(headTitle, describe, map, readout, text, el('h3', {}, 'This head over the run'), history);
  body.append(left, right);
  root.append(toolbar, empty, body);
  container.append(root);

  const st = {
    active: false, raf: 0,
    role: 'text', layers: null,   // null: every layer
    query: null, pinned: null,    // the token whose attention is shown (hovered, or clicked)
    layout: null, mapRect: null, spans: [],
    layerKey: '', rowKey: '', textKey: '',
  };

  // --- what to show -------------------------------------------------------------------------
  const session = () => store.get().session;
  const index = () => store.get().probes?.[session()] ?? null;
  function target() {
    const f = store.get().frame;
    const t = probeFor(index(), f?.session === session() ? f.step : null);
    return { ...t, step: t.step ?? t.first, frameStep: f?.step ?? null };
  }
  function record() {
    const r = store.get().probeRecord;
    return r && r.session === session() ? r : null;
  }
  function selected(rec) {
    const h = store.get().attentionHead;
    if (h && rec && h.layer < rec.L && h.head < rec.NH && rec.layers.includes(h.layer)) return h;
    return rec ? { layer: rec.layers[0], head: 0 } : null;
  }
  const scoresOf = (step) => {
    const m = index()?.find((x) => x.step === step);
    if (m) return probeScores(m);
    const r = record();
    return r?.scores ? probeScores({ ...r.scores, L: r.L, NH: r.NH, step: r.step }) : null;
  };

  function sync() {
    if (!st.active) return;
    probes.ensureIndex(session());
    const t = target();
    if (t.step != null) probes.show(t.step);
    invalidate();
  }

  // --- controls -------------------------------------------------------------------------------
  function syncControls(rec) {
    const rowKey = rec.rows.map((r) => r.role).join(',');
    if (rowKey !== st.rowKey) {
      st.rowKey = rowKey;
      rowSel.replaceChildren(...rec.rows.map((r) => el('option', { value: r.role }, ROLE_TEXT[r.role] ?? r.role)));
      if (!rec.rows.some((r) => r.role === st.role)) st.role = rec.rows[0]?.role ?? 'text';
      rowSel.value = st.role;
    }
    const layerKey = rec.layers.join(',');
    if (layerKey !== st.layerKey) {
      st.layerKey = layerKey;
      layerBox.replaceChildren(el('legend', {}, 'layers'));
      for (const l of rec.layers) {
        const box = el('input', { type: 'checkbox', 'data-testid': `attention-layer-${l}`, 'aria-label': `show layer ${l}` });
        box.checked = !st.layers || st.layers.has(l);
        box.addEventListener('change', () => {
          const on = new Set(st.layers ?? rec.layers);
          if (box.checked) on.add(l); else on.delete(l);
          st.layers = on.size === rec.layers.length ? null : on;
          invalidate();
        });
        const lab = el('label', { class: 'at-check' });
        lab.append(box, ` ${l}`);
        layerBox.append(lab);
      }
    }
    rowHelp.textContent = ROLE_HELP[st.role] ?? '';
  }
  rowSel.addEventListener('change', () => { st.role = rowSel.value; st.textKey = ''; invalidate(); });

  function syncTable(rec, scores, badges, sel, layers) {
    const rows = [];
    for (const l of layers) {
      for (let h = 0; h < rec.NH; h++) {
        const s = headScore(scores, l, h) ?? {};
        const tr = el('tr', { 'data-layer': String(l), 'data-head': String(h), tabindex: '0',
          'aria-selected': String(sel.layer === l && sel.head === h) });
        const f = (v) => el('td', {}, v == null ? '–' : v.toFixed(2));
        tr.append(el('td', {}, `${l}.${h}`), f(s.prevToken), f(s.induction), f(s.entropy),
          el('td', {}, (badges.get(`${l}.${h}`) ?? []).map((b) => b.label).join(', ')));
        const pick = () => store.set({ attentionHead: { layer: l, head: h } });
        tr.addEventListener('click', pick);
        tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
        rows.push(tr);
      }
    }
    const head = el('tr');
    // "?" on each score's label: its explanation card (explain/cards.js), with the selected head's value.
    const selScore = (sel && headScore(scores, sel.layer, sel.head)) ?? {};
    for (const [t, id, key] of [['head (layer.head)'], ['previous token', 'prev_token', 'prevToken'], ['induction', 'induction', 'induction'],
      ['entropy', 'entropy', 'entropy'], ['insights']]) {
      const th = el('th', { scope: 'col' }, t);
      if (id) {
        const q = cardButton(`score:${id}`, { label: `What is the ${t} score?`, for: '.at-table' });
        if (sel) q.dataset.cardHead = `${sel.layer}.${sel.head}`;
        if (Number.isFinite(selScore[key])) q.dataset.cardValue = String(selScore[key]);
        th.append(' ', q);
      }
      head.append(th);
    }
    table.replaceChildren(el('thead'), el('tbody'));
    table.tHead.append(head);
    table.tBodies[0].append(...rows);
  }

  // --- the text under the large map -----------------------------------------------------------
  function syncText(rec) {
    const row = rec.rows.find((r) => r.role === st.role);
    const key = `${rec.session}|${rec.step}|${st.role}`;
    if (key === st.textKey) return row;
    st.textKey = key;
    const tokens = row?.text ?? row?.tokens?.map(String) ?? [];
    st.spans = tokens.map((t, i) => {
      const s = el('span', { class: 'at-tok', 'data-i': String(i), title: `token ${i}: ${JSON.stringify(t)}` }, tokenLabel(t));
      s.addEventListener('pointerenter', () => { st.query = i; invalidate(); });
      s.addEventListener('click', () => { st.pinned = st.pinned === i ? null : i; st.query = i; invalidate(); });
      return s;
    });
    text.replaceChildren(...st.spans);
    return row;
  }
  text.addEventListener('pointerleave', () => { st.query = null; invalidate(); });

  function shadeText(pattern, q, tokens) {
    const row = q != null && pattern ? queryRow(pattern, q) : null;
    st.spans.forEach((s, i) => {
      const p = row && i < row.length ? row[i] : 0;
      s.style.backgroundColor = row && p > 0 ? `rgba(253, 231, 37, ${(0.85 * p ** GAMMA).toFixed(3)})` : '';
      s.style.color = row && p ** GAMMA > 0.55 ? '#111' : '';
      s.classList.toggle('is-query', i === q);
    });
    if (q == null || !pattern) {
      readout.textContent = 'hover a token or a row of the map: where that token attends (click to keep it)';
      return;
    }
    const name = (i) => JSON.stringify(tokens?.[i] ?? String(i));
    const top = topKeys(pattern, q, 3).filter((t) => t.p >= 0.005);
    readout.textContent = `${name(q)} (position ${q}) attends to ${top.map((t) => `${name(t.key)} at ${t.key}: ${pct(t.p)}`).join(', ') || 'nothing above 0.5 %'}`;
  }

  // --- drawing ------------------------------------------------------------------------------
  function draw() {
    const t = target();
    const rec = record();
    const err = store.get().probeError;
    const idx = index();
    if (!idx?.length) {
      empty.hidden = false; body.hidden = true;
      empty.textContent = err ?? 'No probe in this run yet. The trainer runs the probe at every evaluation ' +
        '(eval_interval) while the insights are on: a few fixed sequences through the model, to see what its attention heads do.';
      stepNote.textContent = 'no probe yet';
      return;
    }
    if (!rec) { empty.hidden = false; body.hidden = true; empty.textContent = err ?? `loading the probe of step ${t.step}…`; return; }
    empty.hidden = true; body.hidden = false;
    const before = t.frameStep != null && t.first != null && t.frameStep < t.first;
    stepNote.textContent = before ? `probe from step ${rec.step}: the first one, after the frame on screen (step ${t.frameStep})`
      : t.frameStep == null || rec.step === t.frameStep ? `probe from step ${rec.step}`
        : `probe from step ${rec.step}, the newest at or before the frame on screen (step ${t.frameStep}); probes run at evaluations`;
    if (rec.step !== t.step) stepNote.textContent += ` · loading step ${t.step}…`;
    stepNote.dataset.step = String(rec.step);
    syncControls(rec);
    const layers = rec.layers.filter((l) => !st.layers || st.layers.has(l));
    const scores = scoresOf(rec.step);
    const badges = headBadges(insightList(store.get().insights?.[session()]), rec.step);
    const sel = selected(rec);
    st.layout = gridLayout({ NH: rec.NH, layers, width: Math.max(200, grid.clientWidth) });
    paintGrid(grid, { record: rec, role: st.role, layout: st.layout, scores, badges, selected: sel });
    syncTable(rec, scores, badges, sel, layers);
    const row = syncText(rec);
    const pattern = sel ? rec.pattern(sel.layer, sel.head, st.role) : null;
    const q = st.pinned ?? st.query;
    const s = sel ? headScore(scores, sel.layer, sel.head) : null;
    const marks = sel ? (badges.get(`${sel.layer}.${sel.head}`) ?? []).map((b) => b.title) : [];
    headTitle.textContent = sel ? `layer ${sel.layer} · head ${sel.head}` : '';
    headTitle.dataset.layer = sel ? String(sel.layer) : ''; headTitle.dataset.head = sel ? String(sel.head) : '';
    describe.textContent = [describeHead(s), ...marks].filter(Boolean).join('. ');
    // The map as large as fits with the text, the readout and the history under it.
    const size = Math.min(right.clientWidth - 4, Math.max(240, right.getBoundingClientRect().bottom - map.getBoundingClientRect().top - 250));
    st.mapRect = paintMap(map, { pattern, T: rec.T, tokens: row?.text, query: q, size });
    shadeText(pattern, q, row?.text);
    paintHistory(history, { index: idx, layer: sel?.layer ?? 0, head: sel?.head ?? 0, step: rec.step });
  }

  function invalidate() {
    if (!st.active || st.raf) return;
    st.raf = requestAnimationFrame(() => {
      st.raf = 0;
      try { draw(); } catch (err) {
        console.error('attention view:', err);
        empty.hidden = false; empty.textContent = `The attention view hit an error: ${err.message}`;
      }
    });
  }

  // --- pointer --------------------------------------------------------------------------------
  const local = (canvas, ev) => { const r = canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; };
  grid.addEventListener('pointermove', (ev) => {
    const c = st.layout && cellAt(st.layout, ...local(grid, ev));
    const s = c && headScore(scoresOf(record()?.step), c.layer, c.head);
    grid.title = c ? `layer ${c.layer} · head ${c.head}: ${describeHead(s)} (click to see it large)` : '';
    grid.style.cursor = c ? 'pointer' : '';
  });
  grid.addEventListener('click', (ev) => {
    const c = st.layout && cellAt(st.layout, ...local(grid, ev));
    if (c) store.set({ attentionHead: { layer: c.layer, head: c.head } });
  });
  map.addEventListener('pointermove', (ev) => {
    const m = st.mapRect; if (!m) return;
    const [, y] = local(map, ev);
    const q = Math.floor((y - m.y) / (m.size / m.T));
    const next = q >= 0 && q < m.T ? q : null;
    if (next !== st.query) { st.query = next; invalidate(); }
  });
  map.addEventListener('pointerleave', () => { st.query = null; invalidate(); });
  map.addEventListener('click', () => { st.pinned = st.pinned === st.query ? null : st.query; invalidate(); });
  const onKey = (ev) => { if (ev.key === 'Escape' && st.pinned != null) { st.pinned = null; invalidate(); } };
  root.addEventListener('keydown', onKey);

  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => invalidate()) : null;
  ro?.observe(root);
  for (const k of ['session', 'frame', 'probes']) store.on(k, sync);
  for (const k of ['probeRecord', 'probeError', 'insights', 'attentionHead']) store.on(k, invalidate);
  store.on('attentionHead', () => { st.pinned = null; });

  return {
    setActive(on) {
      st.active = on;
      if (on) sync();
    },
    debug: {
      cells() {
        const r = grid.getBoundingClientRect();
        return (st.layout?.cells ?? []).map((c) => ({ layer: c.layer, head: c.head, x: r.left + c.x + c.size / 2, y: r.top + c.y + c.size / 2 }));
      },
      map() { const r = map.getBoundingClientRect(); const m = st.mapRect; return m && { x: r.left + m.x, y: r.top + m.y, size: m.size, T: m.T }; },
      tokens: () => st.spans.length,
    },
  };
}
