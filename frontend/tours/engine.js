// tours/engine.js: the guided tours' engine (R5.3). Pure: no DOM, no store; the DOM runner
// (views/tour_panel.js) calls it and applies what it returns. docs/frontend.md "Tours".
//
// A tour is data (one file per tour in this folder): {id, title, summary, needs?: 'compare',
// steps: [Step]}. Step = {
//   title, text,             // text with {placeholders} filled from the run on screen (fill)
//   tab?,                    // 'training' | 'params' | 'attention'
//   at?,                     // where playback goes: an Anchor (resolveAnchor)
//   fallback?,               // text shown instead of `text` when `at` names an insight this run lacks
//   camera?,                 // 'home' | 'embeddings' | {tensor, layer?}: the 3D view's camera
//   select?,                 // {name, layer}: the tensor the Parameters tab selects (highlighted block)
//   colorBy?,                // the embedding cloud's colouring ('frequency'|'norm'|'grad_norm'|'update')
//   region?,                 // {chart: 'loss'|'lr'|'gradnorm', around?: steps, from?: Anchor, to?: Anchor}
//   predict?,                // {question, choices: [text], answer?: index, reveal: text}
// }
// Anchor = {step: n} | {frac: 0..1} (of the run's steps) | {first: kind, subject?: regexp text,
//   edge?: 'start'|'end'} (the first insight of that kind) | {best: 'val'} | {last: true}
//   | {warmupEnd: true} (the lr's peak); `first` may list kinds (the earliest of them counts);
//   frameAfter: true moves an insight anchor to the first stored frame after its step. An
//   insight anchor that is missing resolves to its
//   `else` anchor (default {frac: 0.5}) with found: false, and the step shows `fallback`.
//
// Run = {insights: [Insight] (state/insights.js normalised, by step), metrics: [rows],
//   runInfo, frame (decoded Frame or null), frameSteps: [steps], lastStep, live, compare:
//   {session, metrics} | null} (runOf builds it from the store's state).
import { INSIGHT_KINDS } from '../net/protocol.js';
import { formatDecimals, formatExponent, formatNumber, formatPercent, MISSING } from '../display/format.js';

export const TABS = ['training', 'params', 'attention'];
export const CAMERA_PRESETS = ['home', 'embeddings'];
export const CHARTS = ['loss', 'lr', 'gradnorm'];

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The engine's view of the store's state (app state from state/store.js). */
export function runOf(state, insightList) {
  const session = state.session;
  const rows = state.metrics?.[session] ?? [];
  const frameSteps = (state.frameIndex ?? []).map((f) => f.step);
  const lastRow = rows.length ? rows[rows.length - 1].step : null;
  const lastFrame = frameSteps.length ? frameSteps[frameSteps.length - 1] : null;
  return {
    session,
    insights: insightList(state.insights?.[session]),
    metrics: rows,
    runInfo: state.runInfo?.[session] ?? null,
    frame: state.frame ?? null,
    frameSteps,
    lastStep: lastFrame ?? lastRow,
    live: !!state.live,
    compare: state.compare ? { session: state.compare, metrics: state.metrics?.[state.compare] ?? [] } : null,
  };
}

// ---- anchors ------------------------------------------------------------------------------------

/** The first insight of `kind` (optionally whose subject matches `subject`), or null. */
export function firstInsight(run, kind, subject = null) {
  const kinds = Array.isArray(kind) ? kind : [kind];
  const re = subject ? new RegExp(subject) : null;
  return (run.insights ?? []).find((i) => kinds.includes(i.kind) && (!re || re.test(i.subject))) ?? null;
}

function bestVal(rows) {
  let best = null;
  for (const r of rows ?? []) {
    const v = num(r.val_loss);
    if (v != null && (!best || v < best.val)) best = { step: r.step, val: v };
  }
  return best;
}

function warmupEnd(run) {
  const w = firstInsight(run, INSIGHT_KINDS.warmup);
  if (w) return w.stepEnd;
  const wi = run.runInfo?.train?.warmup_iters;
  return Number.isFinite(wi) ? wi : null;
}

const clampStep = (run, step) => {
  if (step == null) return null;
  const last = run.lastStep ?? step;
  return Math.max(0, Math.min(Math.round(step), last));
};

/**
 * Resolves an anchor against the run: {step, found, insight}. found is false when the anchor
 * names something the run does not have (then step comes from anchor.else, default the middle
 * of the run). step is null only when the run has no steps at all yet.
 */
export function resolveAnchor(anchor, run) {
  if (!anchor) return { step: null, found: true, insight: null };
  const fallback = () => ({ ...resolveAnchor(anchor.else ?? { frac: 0.5 }, run), found: false, insight: null });
  if (Number.isFinite(anchor.step)) return { step: clampStep(run, anchor.step), found: true, insight: null };
  if (Number.isFinite(anchor.frac)) {
    return { step: run.lastStep == null ? null : clampStep(run, anchor.frac * run.lastStep), found: true, insight: null };
  }
  if (anchor.last) return { step: run.lastStep ?? null, found: true, insight: null };
  if (anchor.warmupEnd) {
    const s = warmupEnd(run);
    return s == null ? fallback() : { step: clampStep(run, s), found: true, insight: null };
  }
  if (anchor.best === 'val') {
    const b = bestVal(run.metrics);
    return b ? { step: clampStep(run, b.step), found: true, insight: null } : fallback();
  }
  if (anchor.first) {
    const ins = firstInsight(run, anchor.first, anchor.subject);
    if (!ins) return fallback();
    let s = anchor.edge === 'end' ? ins.stepEnd : ins.step;
    if (anchor.frameAfter) s = (run.frameSteps ?? []).find((f) => f > s) ?? s;
    return { step: clampStep(run, s), found: true, insight: ins };
  }
  return fallback();
}

/** Every insight kind an anchor (and its `else` chain) names: tests check them against INSIGHT_KINDS. */
export function anchorKinds(anchor) {
  const out = [];
  for (let a = anchor; a; a = a.else) if (a.first) out.push(...[a.first].flat());
  return out;
}

/** The stored frame step at or before `step` (what playback will show), or null. */
export function frameAtOrBefore(frameSteps, step) {
  if (step == null || !frameSteps?.length) return null;
  let best = null;
  for (const s of frameSteps) if (s <= step) best = s; else break;
  return best ?? frameSteps[0];
}

// ---- live numbers ---------------------------------------------------------------------------------

function rowAtOrBefore(rows, step, field) {
  let best = null;
  for (const r of rows ?? []) {
    if (r.step > step) break;
    if (num(r[field]) != null) best = r;
  }
  return best;
}

function firstWith(rows, field) { return (rows ?? []).find((r) => num(r[field]) != null) ?? null; }

const parseTensor = (arg) => {
  const [name, layer] = String(arg ?? '').split(':');
  return { name, layer: layer === undefined || layer === '' ? -1 : Number(layer) };
};

// Stats of a tensor at the frame on screen (frame.stats), its layer -1 for wte/wpe/lnf.
function stat(frame, arg, key) {
  const { name, layer } = parseTensor(arg);
  const s = frame?.stats?.(name, layer);
  return num(s?.[key]);
}

/** One tensor's statistic in the frame across its layers: [min, max] over layers 0..L-1. */
function statRange(frame, name, key) {
  const L = frame?.model?.L ?? 0;
  const vals = [];
  for (let l = 0; l < L; l++) { const v = stat(frame, `${name}:${l}`, key); if (v != null) vals.push(v); }
  return vals.length ? [Math.min(...vals), Math.max(...vals)] : null;
}

const fmt = {
  loss: (v) => (v == null ? MISSING : formatDecimals(v, 3)),
  n: (v) => (v == null ? MISSING : formatNumber(v, 3)),
  exp: (v) => (v == null ? MISSING : formatExponent(v, 2)),
  int: (v) => (v == null ? MISSING : String(Math.round(v))),
  pct: (v) => (v == null ? MISSING : formatPercent(v)),
};

/**
 * The values a step's text may name. ctx = {run, step (the resolved step), insight (the anchor's,
 * or null)}. Each returns a string ('–' when the run does not have it yet).
 */
export const VALUES = {
  step: ({ step }) => fmt.int(step),
  frame_step: ({ run }) => fmt.int(run.frame?.step),
  last_step: ({ run }) => fmt.int(run.lastStep),
  L: ({ run }) => fmt.int(run.frame?.model?.L ?? run.runInfo?.model?.L),
  NH: ({ run }) => fmt.int(run.frame?.model?.NH ?? run.runInfo?.model?.NH),
  C: ({ run }) => fmt.int(run.frame?.model?.C ?? run.runInfo?.model?.C),
  V: ({ run }) => fmt.int(run.frame?.model?.V ?? run.runInfo?.model?.V),
  head_dim: ({ run }) => {
    const m = run.frame?.model ?? run.runInfo?.model;
    return m?.C && m?.NH ? fmt.int(m.C / m.NH) : MISSING;
  },
  three_C: ({ run }) => { const C = run.frame?.model?.C ?? run.runInfo?.model?.C; return C ? fmt.int(3 * C) : MISSING; },
  four_C: ({ run }) => { const C = run.frame?.model?.C ?? run.runInfo?.model?.C; return C ? fmt.int(4 * C) : MISSING; },
  ln_V: ({ run }) => { const V = run.frame?.model?.V ?? run.runInfo?.model?.V; return V ? fmt.loss(Math.log(V)) : MISSING; },
  level: ({ run }, arg) => fmt.loss(num(run.runInfo?.reference_levels?.[arg])),
  loss: ({ run, step }) => fmt.loss(num(rowAtOrBefore(run.metrics, step ?? Infinity, 'train_loss')?.train_loss)),
  loss_first: ({ run }) => fmt.loss(num(firstWith(run.metrics, 'train_loss')?.train_loss)),
  loss_last: ({ run }) => fmt.loss(num(rowAtOrBefore(run.metrics, Infinity, 'train_loss')?.train_loss)),
  val: ({ run, step }) => fmt.loss(num(rowAtOrBefore(run.metrics, step ?? Infinity, 'val_loss')?.val_loss)),
  val_first: ({ run }) => fmt.loss(num(firstWith(run.metrics, 'val_loss')?.val_loss)),
  val_last: ({ run }) => fmt.loss(num(rowAtOrBefore(run.metrics, Infinity, 'val_loss')?.val_loss)),
  best_val: ({ run }) => fmt.loss(bestVal(run.metrics)?.val ?? null),
  best_step: ({ run }) => fmt.int(bestVal(run.metrics)?.step ?? null),
  lr: ({ run, step }) => fmt.exp(num(rowAtOrBefore(run.metrics, step ?? Infinity, 'lr')?.lr)),
  lr_peak: ({ run }) => fmt.exp(num(run.runInfo?.train?.learning_rate)),
  lr_min: ({ run }) => fmt.exp(num(run.runInfo?.train?.min_lr)),
  weight_decay: ({ run }) => fmt.n(num(run.runInfo?.train?.weight_decay)),
  grad_clip: ({ run }) => fmt.n(num(run.runInfo?.train?.grad_clip)),
  dropout: ({ run }) => fmt.n(num(run.runInfo?.train?.dropout)),
  warmup_end: ({ run }) => fmt.int(warmupEnd(run)),
  max_iters: ({ run }) => fmt.int(num(run.runInfo?.train?.max_iters)),
  grad_norm: ({ run, step }) => fmt.n(num(rowAtOrBefore(run.metrics, step ?? Infinity, 'grad_norm')?.grad_norm)),
  // Equilibrium of AdamW: per-element RMS ~ sqrt(lr / (2 wd)), reached after ~1 / (lr wd) steps.
  eq_rms: ({ run }) => {
    const lr = num(run.runInfo?.train?.learning_rate); const wd = num(run.runInfo?.train?.weight_decay);
    return lr && wd ? fmt.n(Math.sqrt(lr / (2 * wd))) : MISSING;
  },
  eq_steps: ({ run }) => {
    const lr = num(run.runInfo?.train?.learning_rate); const wd = num(run.runInfo?.train?.weight_decay);
    return lr && wd ? fmt.int(1 / (lr * wd)) : MISSING;
  },
  // The frame on screen: {rms:wte}, {grad_rms:qkvw:0}, {ratio:fcw:1}, {mean:ln1w:0}, {min:..}, {max:..}
  rms: ({ run }, arg) => fmt.n(stat(run.frame, arg, 'rms')),
  grad_rms: ({ run }, arg) => fmt.n(stat(run.frame, arg, 'grad_rms')),
  ratio: ({ run }, arg) => fmt.n(stat(run.frame, arg, 'update_ratio')),
  mean: ({ run }, arg) => fmt.n(stat(run.frame, arg, 'mean')),
  std: ({ run }, arg) => fmt.n(stat(run.frame, arg, 'std')),
  min: ({ run }, arg) => fmt.n(stat(run.frame, arg, 'min')),
  max: ({ run }, arg) => fmt.n(stat(run.frame, arg, 'max')),
  // Across layers: {grad_spread:qkvw} = max/min of grad RMS over the layers.
  grad_spread: ({ run }, arg) => {
    const r = statRange(run.frame, arg, 'grad_rms');
    return r && r[0] > 0 ? fmt.n(r[1] / r[0]) : MISSING;
  },
  // The anchored insight: {ins} its title, {ev:z} an evidence number, {ins_step}, {ins_end}.
  ins: ({ insight }) => insight?.title ?? MISSING,
  ins_step: ({ insight }) => fmt.int(insight?.step ?? null),
  ins_end: ({ insight }) => fmt.int(insight?.stepEnd ?? null),
  ev: ({ insight }, arg) => fmt.n(num(insight?.evidence?.[arg])),
  // Counts of insight kinds in the run: {count:loss_spike}
  count: ({ run }, arg) => String((run.insights ?? []).filter((i) => i.kind === arg).length),
  // A second run (T7): its id, last and best val.
  cmp_id: ({ run }) => run.compare?.session ?? MISSING,
  cmp_val_last: ({ run }) => fmt.loss(num(rowAtOrBefore(run.compare?.metrics, Infinity, 'val_loss')?.val_loss)),
  cmp_best_val: ({ run }) => fmt.loss(bestVal(run.compare?.metrics)?.val ?? null),
  cmp_loss_last: ({ run }) => fmt.loss(num(rowAtOrBefore(run.compare?.metrics, Infinity, 'train_loss')?.train_loss)),
};

const PLACEHOLDER = /\{([a-zA-Z_]+)(?::([^{}]+))?\}/g;

/** Names used by a text's placeholders ([name, arg]); tests check each is in VALUES. */
export function placeholders(text) {
  return [...String(text ?? '').matchAll(PLACEHOLDER)].map((m) => [m[1], m[2] ?? null]);
}

/** The text with its placeholders filled from ctx; an unknown name stays as written. */
export function fill(text, ctx) {
  return String(text ?? '').replace(PLACEHOLDER, (all, name, arg) => {
    const f = VALUES[name];
    if (!f) return all;
    try { return f(ctx, arg); } catch { return MISSING; }
  });
}

// ---- steps and navigation -------------------------------------------------------------------------

/** A chart region {chart, from, to} for a step, or null. */
export function resolveRegion(region, run, at) {
  if (!region) return null;
  const chart = region.chart ?? 'loss';
  let from; let to;
  if (region.from || region.to) {
    from = resolveAnchor(region.from ?? { step: 0 }, run).step;
    to = resolveAnchor(region.to ?? { last: true }, run).step;
  } else {
    const c = at?.step ?? 0;
    const around = Number.isFinite(region.around) ? region.around : 50;
    from = Math.max(0, c - around);
    to = c + around;
  }
  if (from == null || to == null) return null;
  if (to < from) [from, to] = [to, from];
  return { chart, from, to };
}

/**
 * What step `index` of `tour` does on this run: {index, count, title, text (filled; the
 * fallback when its anchor is missing), found, step (playback target or null), tab, camera,
 * select, region, predict (with filled texts), needsCompare (T7 without a second run)}.
 */
export function resolveStep(tour, index, run) {
  const count = tour.steps.length;
  const i = Math.max(0, Math.min(count - 1, index | 0));
  const s = tour.steps[i];
  const at = resolveAnchor(s.at, run);
  const ctx = { run, step: at.step, insight: at.insight };
  const needsCompare = tour.needs === 'compare' && !run.compare && !!s.needsCompare;
  let text = at.found || !s.fallback ? s.text : s.fallback;
  if (needsCompare && s.noCompare) text = s.noCompare;
  const predict = s.predict ? {
    question: fill(s.predict.question, ctx), choices: s.predict.choices.map((c) => fill(c, ctx)),
    answer: s.predict.answer ?? null, reveal: fill(s.predict.reveal, ctx),
  } : null;
  return {
    index: i, count, title: fill(s.title, ctx), text: fill(text, ctx), found: at.found,
    step: at.step, insightId: at.insight?.id ?? null,
    tab: s.tab ?? null, camera: s.camera ?? null, select: s.select ?? null, colorBy: s.colorBy ?? null,
    region: resolveRegion(s.region, run, at), predict, needsCompare,
  };
}

/** A tour's navigation state: {tourId, index, paused, answers: {index: choice}}. */
export function startState(tour, index = 0) {
  return { tourId: tour.id, index: Math.max(0, Math.min(tour.steps.length - 1, index | 0)), paused: false, answers: {} };
}

export function next(state, tour) {
  return state.index < tour.steps.length - 1 ? { ...state, index: state.index + 1 } : state;
}
export function back(state) { return state.index > 0 ? { ...state, index: state.index - 1 } : state; }
export function goTo(state, tour, index) { return { ...state, index: Math.max(0, Math.min(tour.steps.length - 1, index | 0)) }; }
export function setPaused(state, paused) { return { ...state, paused: !!paused }; }
export const isLast = (state, tour) => state.index >= tour.steps.length - 1;

/** Records the student's pick on a prediction step (revealing the answer); a second pick is ignored. */
export function answer(state, choice) {
  if (state.answers[state.index] !== undefined) return state;
  return { ...state, answers: { ...state.answers, [state.index]: choice } };
}
export const answered = (state) => state.answers[state.index] !== undefined;

// ---- deep links ---------------------------------------------------------------------------------

/**
 * The tour and step a URL asks for: `?tour=ID&step=N` (the hub) or `#tour=ID&step=N` (the offline
 * report); steps count from 1 in the URL. Returns {id, index} or null. Unknown ids return null
 * when `tours` (the registry's list) is given.
 */
export function parseDeepLink({ search = '', hash = '' } = {}, tours = null) {
  for (const part of [hash.replace(/^#/, ''), search.replace(/^\?/, '')]) {
    const q = new URLSearchParams(part);
    const id = q.get('tour');
    if (!id) continue;
    if (tours && !tours.some((t) => t.id === id)) return null;
    const n = Number(q.get('step'));
    return { id, index: Number.isInteger(n) && n >= 1 ? n - 1 : 0 };
  }
  return null;
}

/** The query (or hash) string with tour and step set (state null: removed); other keys kept. */
export function withDeepLink(str, state) {
  const lead = str.startsWith('#') ? '#' : str.startsWith('?') ? '?' : '';
  const q = new URLSearchParams(str.replace(/^[?#]/, ''));
  if (state) { q.set('tour', state.tourId); q.set('step', String(state.index + 1)); } else { q.delete('tour'); q.delete('step'); }
  const s = q.toString();
  return s ? `${lead || '?'}${s}` : '';
}
