// state/attention.js: the pure parts of the Attention tab (views/attention/): which probe the
// frame on screen shows, where each head's small map stands in the layer x head grid, the colours
// of a pattern, what a query token attends to, each head's scores and the insights that mark it.
// No DOM; node tests drive it (tests/frontend/unit/attention.test.js).
//
// A pattern is one head's causal attention on one probe row, packed by query (net/probe.js):
// p[q][k] for k <= q at q(q+1)/2 + k; each query's row sums to 1.
import { sequential } from '../display/colormap.js';
import { packedIndex } from '../net/probe.js';
import { activeAt } from './insights.js';
import { INSIGHT_KINDS as K } from '../net/protocol.js';

// Attention is mostly small numbers with a few large ones: colours follow p^GAMMA, so a 1 %
// weight is visible and a 50 % one still far brighter (the legend says so).
export const GAMMA = 0.5;
const LUT = Array.from({ length: 256 }, (_, i) => sequential(i / 255).map((c) => Math.round(c * 255)));
export const MASKED = [24, 29, 37]; // keys after the query: the causal mask, not a value

/** The probe the frame at `frameStep` shows: the newest at or before it; else none (with the first). */
export function probeFor(index, frameStep) {
  if (!index?.length) return { step: null, first: null, exact: false };
  const steps = index.map((m) => m.step);
  if (frameStep == null) return { step: steps[steps.length - 1], first: steps[0], exact: false };
  let found = null;
  for (const s of steps) { if (s <= frameStep) found = s; else break; }
  return { step: found, first: steps[0], exact: found === frameStep };
}

/** Writes a T x T pattern as RGBA into `out` (Uint8ClampedArray of 4*T*T), row = query. */
export function fillPattern(packed, T, out = new Uint8ClampedArray(4 * T * T)) {
  for (let q = 0; q < T; q++) {
    const base = packedIndex(q, 0);
    for (let k = 0; k < T; k++) {
      const o = 4 * (q * T + k);
      let c = MASKED;
      if (k <= q) {
        const p = packed[base + k];
        c = LUT[Math.max(0, Math.min(255, Math.round((p > 0 ? p ** GAMMA : 0) * 255)))];
      }
      out[o] = c[0]; out[o + 1] = c[1]; out[o + 2] = c[2]; out[o + 3] = 255;
    }
  }
  return out;
}

/** The attention of query q over keys 0..q (a view into the packed pattern). */
export const queryRow = (packed, q) => packed.subarray(packedIndex(q, 0), packedIndex(q, 0) + q + 1);

/** The `n` keys query q attends to most: [{key, p}], largest first. */
export function topKeys(packed, q, n = 3) {
  const row = queryRow(packed, q);
  return [...row].map((p, key) => ({ key, p })).sort((a, b) => b.p - a.p || a.key - b.key).slice(0, n);
}

/** One head's scores from net/probe.js probeScores: {entropy, prevToken, firstToken, induction}. */
export function headScore(scores, layer, head) {
  if (!scores || !(scores.NH > 0)) return null;
  const i = layer * scores.NH + head;
  const at = (a) => (a && a[i] != null ? a[i] : null);
  return { entropy: at(scores.entropy), prevToken: at(scores.prevToken), firstToken: at(scores.firstToken), induction: at(scores.induction) };
}

// The head-marking insights, and the words on the badge.
const HEAD_KINDS = { [K.previous_token_head]: 'previous token', [K.induction_head]: 'induction', [K.attention_collapse]: 'collapsed' };

/**
 * The badges of each head at `step` (the probe on screen): Map('layer.head' -> [{kind, label,
 * severity, id, title}]) from the insights that name a head (subject "head:l.h"), as they stand
 * at that step (sticky: the newest at or before it).
 */
export function headBadges(list, step) {
  const out = new Map();
  for (const ins of activeAt(list, step)) {
    const label = HEAD_KINDS[ins.kind];
    const m = /^head:(\d+)\.(\d+)$/.exec(ins.subject);
    if (!label || !m) continue;
    const key = `${m[1]}.${m[2]}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key).push({ kind: ins.kind, label, severity: ins.severity, id: ins.id, title: ins.title });
  }
  return out;
}

/**
 * Where each head's small map stands: layers as rows (in the order given), heads as columns.
 * {cell, gap, labelW, textH, width, height, cells: [{layer, head, x, y, size}]}; the cell side
 * fits `width` and stays within [minCell, maxCell].
 */
export function gridLayout({ NH, layers, width, minCell = 28, maxCell = 112, gap = 10, labelW = 58, textH = 30, headerH = 18 }) {
  const fit = Math.floor((width - labelW - gap * NH) / Math.max(1, NH));
  const cell = Math.max(minCell, Math.min(maxCell, fit));
  const cells = [];
  layers.forEach((layer, r) => {
    for (let h = 0; h < NH; h++) {
      cells.push({ layer, head: h, x: labelW + h * (cell + gap), y: headerH + r * (cell + textH + gap), size: cell });
    }
  });
  return { cell, gap, labelW, textH, headerH, width: labelW + NH * (cell + gap), height: headerH + layers.length * (cell + textH + gap), cells };
}

/** The grid cell (map or its score text) under (x, y), or null. */
export function cellAt(layout, x, y) {
  return layout.cells.find((c) => x >= c.x && x < c.x + c.size && y >= c.y && y < c.y + c.size + layout.textH) ?? null;
}

/** A token as a label: newline, space and tab made visible, other control characters escaped. */
export function tokenLabel(s) {
  if (s == null) return '';
  return String(s).replace(/\n/g, '↵').replace(/ /g, '␣').replace(/\t/g, '⇥')
    .replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Which of T token positions get a label along an axis of `px` pixels (at least `minPx` apart). */
export function axisTicks(T, px, minPx = 11) {
  const every = Math.max(1, Math.ceil(minPx / Math.max(1e-9, px / T)));
  const out = [];
  for (let i = 0; i < T; i += every) out.push(i);
  return out;
}

const pct = (v) => `${Math.round(v * 100)} %`;

/** A line for a student about one head: what its scores say. */
export function describeHead(score) {
  if (!score) return 'no scores for this head';
  const parts = [];
  if (score.prevToken != null) parts.push(`${pct(score.prevToken)} of its attention goes to the previous token`);
  if (score.induction != null) parts.push(`${pct(score.induction)} to the token after an earlier copy of the current one (induction)`);
  if (score.firstToken != null && score.firstToken >= 0.3) parts.push(`${pct(score.firstToken)} to the first token`);
  if (score.entropy != null) {
    parts.push(score.entropy < 0.15 ? `entropy ${score.entropy.toFixed(2)}: it looks at almost one position`
      : score.entropy > 0.8 ? `entropy ${score.entropy.toFixed(2)}: spread over the whole past` : `entropy ${score.entropy.toFixed(2)}`);
  }
  return parts.join('; ');
}
