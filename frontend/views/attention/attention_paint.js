// views/attention/attention_paint.js: the Attention tab's canvases: the layer x head grid of
// small maps, the large map of one head with token labels on its axes, and one head's scores
// over the run. Plain 2D canvas; layout, colours and hit tests are state/attention.js's.
//
// paintGrid(canvas, {record, role, layout, scores, badges, selected, query}) -> layout
// paintMap(canvas, {pattern, T, tokens, query, size}) -> {x, y, size, T} (the map's rect, CSS px)
// paintHistory(canvas, {index, layer, head, step})
import { fillPattern, headScore, axisTicks, tokenLabel } from '../../state/attention.js';
import { probeScores } from '../../net/probe.js';
import { SEVERITY_STYLE, COLORS } from '../theme.js';
import { drawGlyph } from '../chart_insights.js';

const INK = '#d8dee6';
const DIM = '#8b96a5';
const SEL = '#ffd54a';
const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';
const MONO = 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace';

// One scratch canvas per pattern size, reused.
const scratch = new Map();
function patternImage(pattern, T) {
  let s = scratch.get(T);
  if (!s) {
    const c = document.createElement('canvas');
    c.width = T; c.height = T;
    const g = c.getContext('2d');
    s = { c, g, img: g.createImageData(T, T) };
    scratch.set(T, s);
  }
  fillPattern(pattern, T, s.img.data);
  s.g.putImageData(s.img, 0, 0);
  return s.c;
}

/** Sizes the canvas to its CSS box (or the given height) at the device's pixel ratio; returns a 2D context in CSS px. */
function prepare(canvas, cssHeight = null) {
  const d = devicePixelRatio || 1;
  if (cssHeight != null) canvas.style.height = `${cssHeight}px`;
  const w = Math.max(1, canvas.clientWidth); const h = Math.max(1, cssHeight ?? canvas.clientHeight);
  if (canvas.width !== Math.round(w * d) || canvas.height !== Math.round(h * d)) {
    canvas.width = Math.round(w * d); canvas.height = Math.round(h * d);
  }
  const g = canvas.getContext('2d');
  g.setTransform(d, 0, 0, d, 0, 0);
  g.clearRect(0, 0, w, h);
  return { g, w, h };
}

const two = (v) => (v == null ? '–' : v.toFixed(2).replace(/^0\./, '.'));

export function paintGrid(canvas, { record, role, layout, scores, badges, selected }) {
  const { g } = prepare(canvas, layout.height);
  g.imageSmoothingEnabled = false;
  g.font = `11px ${FONT}`;
  g.textBaseline = 'middle';
  g.fillStyle = DIM;
  g.textAlign = 'center';
  for (let h = 0; h < record.NH; h++) g.fillText(`head ${h}`, layout.labelW + h * (layout.cell + layout.gap) + layout.cell / 2, layout.headerH / 2);
  const rowsDone = new Set();
  const roomy = layout.cell >= 60; // room for some scores under each map
  for (const c of layout.cells) {
    if (!rowsDone.has(c.layer)) {
      rowsDone.add(c.layer);
      g.fillStyle = DIM; g.textAlign = 'right';
      g.fillText(`layer ${c.layer}`, layout.labelW - 8, c.y + c.size / 2);
    }
    const pattern = record.pattern(c.layer, c.head, role);
    if (pattern) g.drawImage(patternImage(pattern, record.T), c.x, c.y, c.size, c.size);
    const on = selected && selected.layer === c.layer && selected.head === c.head;
    g.strokeStyle = on ? SEL : '#2a323d';
    g.lineWidth = on ? 2.5 : 1;
    g.strokeRect(c.x - (on ? 2 : 0.5), c.y - (on ? 2 : 0.5), c.size + (on ? 4 : 1), c.size + (on ? 4 : 1));
    // Under the map: scores (when there is room) and the insights' badges (always).
    const s = headScore(scores, c.layer, c.head);
    let y = c.y + c.size + 9;
    g.textAlign = 'left';
    if (roomy && s) {
      // As many of the scores as fit under the map (the table below has them all).
      const parts = [`prev ${two(s.prevToken)}`, `ind ${two(s.induction)}`, `H ${two(s.entropy)}`];
      while (parts.length && g.measureText(parts.join(' · ')).width > c.size) parts.pop();
      g.fillStyle = DIM;
      g.fillText(parts.join(' · '), c.x, y);
      y += 13;
    }
    let bx = c.x + 5;
    for (const b of badges.get(`${c.layer}.${c.head}`) ?? []) {
      const st = SEVERITY_STYLE[b.severity] ?? SEVERITY_STYLE.info;
      drawGlyph(g, st.shape, bx, y, 4.5);
      g.fillStyle = st.color; g.fill();
      if (roomy) { g.fillStyle = INK; g.fillText(b.label, bx + 8, y); bx += g.measureText(b.label).width + 18; } else bx += 11;
    }
  }
  return layout;
}

export function paintMap(canvas, { pattern, T, tokens, query, size: want }) {
  const axis = T <= 96 ? 46 : 30; // room for the token labels
  const size = Math.max(60, Math.floor(want - axis - 8));
  const { g } = prepare(canvas, size + axis + 8);
  const x0 = axis; const y0 = axis;
  g.imageSmoothingEnabled = false;
  if (pattern) g.drawImage(patternImage(pattern, T), x0, y0, size, size);
  g.strokeStyle = '#2a323d'; g.lineWidth = 1;
  g.strokeRect(x0 - 0.5, y0 - 0.5, size + 1, size + 1);
  const cellPx = size / T;
  g.font = `${Math.max(8, Math.min(11, cellPx * 0.9))}px ${MONO}`;
  g.fillStyle = DIM;
  const ticks = axisTicks(T, size, 10);
  g.textAlign = 'right'; g.textBaseline = 'middle';
  for (const i of ticks) g.fillText(tokenLabel(tokens?.[i] ?? String(i)), x0 - 4, y0 + (i + 0.5) * cellPx);
  g.save();
  g.translate(x0, y0 - 4);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'left';
  for (const i of ticks) g.fillText(tokenLabel(tokens?.[i] ?? String(i)), 0, (i + 0.5) * cellPx);
  g.restore();
  g.font = `11px ${FONT}`;
  g.fillStyle = DIM; g.textAlign = 'left'; g.textBaseline = 'top';
  g.fillText('keys (attended to) →', x0 + 2, 1);
  g.save(); g.translate(1, y0 + size); g.rotate(-Math.PI / 2); g.textBaseline = 'top';
  g.fillText('queries (each row sums to 1) →', 0, 0); g.restore();
  if (query != null && query < T) {
    g.strokeStyle = SEL; g.lineWidth = 1.5;
    g.strokeRect(x0 - 1, y0 + query * cellPx - 1, size + 2, cellPx + 2);
  }
  return { x: x0, y: y0, size, T };
}

const LINES = [
  ['prevToken', 'previous token', COLORS.lr, []],
  ['induction', 'induction', COLORS.val, [6, 3]],
  ['entropy', 'entropy', COLORS.train, [2, 2]],
];

export function paintHistory(canvas, { index, layer, head, step }) {
  const { g, w, h } = prepare(canvas);
  g.font = `11px ${FONT}`;
  const pts = (index ?? []).map((m) => ({ step: m.step, s: headScore(probeScores(m), layer, head) })).filter((p) => p.s);
  if (pts.length === 0) { g.fillStyle = DIM; g.fillText('no scores yet', 6, h / 2); return; }
  const left = 30; const right = 92; const top = 6; const bottom = 16;
  const s0 = pts[0].step; const s1 = pts[pts.length - 1].step;
  const xOf = (s) => left + (s1 > s0 ? (s - s0) / (s1 - s0) : 0.5) * (w - left - right);
  const yOf = (v) => top + (1 - v) * (h - top - bottom);
  g.strokeStyle = 'rgba(200, 210, 225, 0.12)'; g.lineWidth = 1;
  for (const v of [0, 0.5, 1]) { g.beginPath(); g.moveTo(left, yOf(v)); g.lineTo(w - right, yOf(v)); g.stroke(); }
  g.fillStyle = DIM; g.textAlign = 'right'; g.textBaseline = 'middle';
  for (const v of [0, 0.5, 1]) g.fillText(String(v), left - 4, yOf(v));
  g.textAlign = 'left'; g.textBaseline = 'top';
  g.fillText(`step ${s0}`, left, h - bottom + 3);
  g.textAlign = 'right';
  g.fillText(`${s1}`, w - right, h - bottom + 3);
  if (step != null) {
    g.strokeStyle = 'rgba(240, 228, 66, 0.6)'; g.setLineDash([3, 3]);
    g.beginPath(); g.moveTo(xOf(step), top); g.lineTo(xOf(step), h - bottom); g.stroke(); g.setLineDash([]);
  }
  const labels = [];
  for (const [key, label, colour, dash] of LINES) {
    const seq = pts.filter((p) => p.s[key] != null);
    if (!seq.length) continue;
    g.strokeStyle = colour; g.lineWidth = 1.6; g.setLineDash(dash);
    g.beginPath();
    seq.forEach((p, i) => (i ? g.lineTo(xOf(p.step), yOf(p.s[key])) : g.moveTo(xOf(p.step), yOf(p.s[key]))));
    g.stroke(); g.setLineDash([]);
    for (const p of seq) { g.fillStyle = colour; g.beginPath(); g.arc(xOf(p.step), yOf(p.s[key]), 2.2, 0, 2 * Math.PI); g.fill(); }
    const last = seq[seq.length - 1];
    labels.push({ text: `${label} ${two(last.s[key])}`, colour, y: yOf(last.s[key]) });
  }
  // The labels at the lines' ends (the lines are told apart by words and dashes, not colour
  // alone), pushed apart where the lines end close together.
  labels.sort((a, b) => a.y - b.y);
  for (let i = 1; i < labels.length; i++) labels[i].y = Math.max(labels[i].y, labels[i - 1].y + 12);
  g.textAlign = 'left'; g.textBaseline = 'middle';
  for (const l of labels) { g.fillStyle = l.colour; g.fillText(l.text, w - right + 6, Math.min(h - 4, l.y)); }
}
