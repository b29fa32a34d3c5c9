// explain/compare.js: the pure parts of the compare view (views/compare_view.js): two runs' per-tensor
// statistics at the step on screen, and their events and insights by step. No DOM.
//
// COMPARE_STATS: the stats compared (a frame's stats row: net/protocol.js Frame.stats).
// nearestStep(steps, step) -> the recorded step closest to `step` (the earlier on a tie), or null.
// statKeys(frame) -> [{name, layer}] of the frame's stats rows, in the trainer's tensor order.
// compareStats(frameA, frameB) -> [{name, layer, a, b, ratio, level}] per tensor (layer) of either
//   frame: a/b the stats rows ({stat: value} or null), ratio[stat] = b / a (null when either is
//   missing, not finite, or 0: "not measured" for sigma_max/stable_rank), level[stat] how far
//   apart: 0 (within 1.5x), 1 (1.5x-3x), 2 (over 3x).
// runTimeline(events, insights, {max}) -> [{step, kind, severity, text, family}] by step: events
//   (samples left out) and insights (normalised, state/insights.js) together.
import { PARAM_NAMES } from './cards.js';
import { EVENT_KINDS } from '../net/protocol.js';

export const COMPARE_STATS = Object.freeze([['rms', 'weight rms'], ['grad_rms', 'grad rms'], ['update_ratio', 'update / weight'],
  ['sigma_max', 'σ₁'], ['stable_rank', 'stable rank']]);
const NOTABLE = 1.5;
const BIG = 3;

export function nearestStep(steps, step) {
  if (!Array.isArray(steps) || !steps.length || !Number.isFinite(step)) return null;
  let best = null;
  for (const s of steps) {
    if (best == null || Math.abs(s - step) < Math.abs(best - step) || (Math.abs(s - step) === Math.abs(best - step) && s < best)) best = s;
  }
  return best;
}

export function statKeys(frame) {
  const out = [];
  for (const t of frame?.tensors ?? []) if (t.name === 'stats') out.push({ name: t.field, layer: t.layer });
  const order = (n) => { const i = PARAM_NAMES.indexOf(n); return i < 0 ? PARAM_NAMES.length : i; };
  return out.sort((x, y) => order(x.name) - order(y.name) || x.layer - y.layer || x.name.localeCompare(y.name));
}

export function compareStats(frameA, frameB) {
  const keys = new Map();
  for (const k of [...statKeys(frameA), ...statKeys(frameB)]) keys.set(`${k.name}:${k.layer}`, k);
  const order = (n) => { const i = PARAM_NAMES.indexOf(n); return i < 0 ? PARAM_NAMES.length : i; };
  const list = [...keys.values()].sort((x, y) => order(x.name) - order(y.name) || x.layer - y.layer);
  return list.map(({ name, layer }) => {
    const a = frameA?.stats?.(name, layer) ?? null;
    const b = frameB?.stats?.(name, layer) ?? null;
    const ratio = {};
    const level = {};
    for (const [k] of COMPARE_STATS) {
      const va = a?.[k]; const vb = b?.[k];
      const ok = Number.isFinite(va) && Number.isFinite(vb) && va !== 0 && vb !== 0;
      ratio[k] = ok ? vb / va : null;
      const f = ok ? Math.max(Math.abs(ratio[k]), 1 / Math.abs(ratio[k])) : 1;
      level[k] = !ok ? 0 : f > BIG ? 2 : f > NOTABLE ? 1 : 0;
    }
    return { name, layer, a, b, ratio, level };
  });
}

export function runTimeline(events, insights, { max = 80 } = {}) {
  const items = [];
  for (const e of events ?? []) {
    if (!e || e.kind === EVENT_KINDS.sample) continue;
    items.push({ step: e.step, kind: e.kind, severity: null, text: e.text ?? '', family: 'run event' });
  }
  for (const i of insights ?? []) items.push({ step: i.step, kind: i.kind, severity: i.severity, text: i.title ?? '', family: i.family });
  items.sort((x, y) => x.step - y.step);
  return items.length > max ? items.slice(items.length - max) : items;
}
