// state/insights.js: what the insights engine found in a run (docs/protocol.md `insight`
// messages), as the page keeps and reads it. Pure; no DOM: the Training tab's bands, marks and
// panel, the playback bar's marks and the Parameters and Attention views' highlights all read it.
//
// An insight arrives more than once: a span (a phase, an ongoing event) is sent again with the
// same `id` as it grows and when it closes. The REST history (`/events`) and the WebSocket can
// also deliver the same version twice, or an older version after a newer one (a live message
// that waited for the history). mergeInsight keeps the latest version per id: a closed span is
// final, and a version that ends earlier than the one kept is older.
//
// A set: createInsightSet() -> {byId: Map(id -> Insight), version}; store key `insights` holds
// {[session]: set}, mutated in place by mergeInsight (the map around the sets is new on change,
// so the store notifies; views compare `version`).
// Insight = {id, kind, family, step, stepEnd, open, severity, subject, title, evidence {name:
//   number|null}, explanation, causes [], tries [], groups [{label, tokens: [ids]}] (embedding
//   clusters: from `groups`, else `members` or evidence "token:<id>" as one group)}
//
// Families (FAMILY): `phase` (spans of the loss curve: drawn as bands), `event` (spikes,
// divergence, overfitting...: marks on the loss chart and the timeline), `parameter` (patterns
// in the parameters: highlights in the Parameters tab) and `probe` (attention heads, MLP units:
// highlights in the Attention and Parameters tabs). A kind this page does not know is an event,
// so nothing the engine says is lost.
//
// Subjects (parseSubject): "" the whole run; "qkvw:2" a tensor and its layer; "wte" a tensor
// outside the blocks; "fcw" (no layer) that tensor in every layer; "layer:2" a whole layer;
// "head:1.3" head 3 of layer 1.
import { INSIGHT_KINDS as K, SEVERITIES } from '../net/protocol.js';
import { formatNumber, MISSING } from '../display/format.js';

export const FAMILY = Object.freeze({ phase: 'phase', event: 'event', parameter: 'parameter', probe: 'probe' });

const FAMILY_OF = {
  [K.warmup]: 'phase', [K.rapid_descent]: 'phase', [K.slowdown]: 'phase', [K.shoulder]: 'phase',
  [K.power_law]: 'phase', [K.annealing]: 'phase', [K.phase]: 'phase',
  [K.level_crossed]: 'event', [K.loss_spike]: 'event', [K.grad_spike]: 'event', [K.instability]: 'event',
  [K.clipping_active]: 'event', [K.divergence]: 'event', [K.overfitting]: 'event', [K.gap_growing]: 'event',
  [K.update_ratio_outlier]: 'parameter', [K.weight_growth]: 'parameter', [K.vanishing_gradient]: 'parameter',
  [K.exploding_gradient]: 'parameter', [K.gradient_imbalance]: 'parameter', [K.embedding_clusters]: 'parameter',
  [K.frequency_direction]: 'parameter', [K.rank_collapse]: 'parameter', [K.spectral_alpha]: 'parameter',
  [K.attention_collapse]: 'probe', [K.previous_token_head]: 'probe', [K.induction_head]: 'probe', [K.dead_units]: 'probe',
};
export const familyOf = (kind) => FAMILY_OF[kind] ?? FAMILY.event;

/** Short names people read (band labels, panel tags). */
export const KIND_LABELS = Object.freeze({
  warmup: 'warm-up', rapid_descent: 'rapid descent', slowdown: 'slowdown', shoulder: 'shoulder',
  power_law: 'power-law descent', annealing: 'annealing', phase: 'phase', level_crossed: 'level crossed',
  loss_spike: 'loss spike', grad_spike: 'gradient spike', instability: 'instability',
  clipping_active: 'clipping on', divergence: 'divergence', overfitting: 'overfitting', gap_growing: 'growing gap',
  update_ratio_outlier: 'update ratio outlier', weight_growth: 'weight growth',
  vanishing_gradient: 'vanishing gradient', exploding_gradient: 'exploding gradient',
  gradient_imbalance: 'gradient imbalance', embedding_clusters: 'embedding clusters',
  frequency_direction: 'frequency direction', rank_collapse: 'rank collapse', spectral_alpha: 'spectral exponent',
  attention_collapse: 'attention collapse', previous_token_head: 'previous-token head',
  induction_head: 'induction head', dead_units: 'dead units',
});
export const kindLabel = (kind) => KIND_LABELS[kind] ?? String(kind).replace(/_/g, ' ');

// The phases of the learning-rate schedule: drawn in a strip of their own, since they overlap
// the phases of the curve (warm-up and rapid descent share their first steps).
export const SCHEDULE_KINDS = new Set([K.warmup, K.annealing]);

// Kinds that state a property that holds until said again (a head IS an induction head, the
// embedding HAS these clusters): at a step, the newest one at or before it applies, however
// long ago. Other insights apply during their steps (plus `hold` steps for a point event).
export const STICKY_KINDS = new Set([K.embedding_clusters, K.frequency_direction, K.previous_token_head,
  K.induction_head, K.spectral_alpha, K.dead_units, K.attention_collapse]);

export const SEVERITY_RANK = Object.freeze(Object.fromEntries(SEVERITIES.map((s, i) => [s, i])));
const rankOf = (s) => SEVERITY_RANK[s] ?? 0;
const maxSeverity = (a, b) => (rankOf(b) > rankOf(a) ? b : a);

const isInt = (v) => Number.isInteger(v);
const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** The message as the page keeps it, or null when it lacks an integer id or step. */
export function normalizeInsight(msg) {
  if (!msg || !isInt(msg.id) || !isInt(msg.step)) return null;
  const evidence = {};
  if (msg.evidence && typeof msg.evidence === 'object') {
    for (const [k, v] of Object.entries(msg.evidence)) evidence[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  // Token groups (embedding clusters): `groups` [{label, tokens: [ids]}]; else one group from
  // `members` [ids] or from evidence entries "token:<id>" (the evidence is numbers only).
  let groups = Array.isArray(msg.groups) ? msg.groups.filter((g) => g && Array.isArray(g.tokens))
    .map((g) => ({ label: typeof g.label === 'string' ? g.label : '', tokens: g.tokens.filter(isInt) })) : [];
  if (!groups.length) {
    const members = Array.isArray(msg.members) ? msg.members.filter(isInt) : [];
    if (!members.length) {
      for (const k of Object.keys(evidence)) { const m = /^token[:_](\d+)$/.exec(k); if (m) members.push(Number(m[1])); }
    }
    if (members.length) groups = [{ label: '', tokens: members }];
  }
  const kind = typeof msg.kind === 'string' ? msg.kind : 'unknown';
  return {
    id: msg.id, kind, family: familyOf(kind),
    step: msg.step, stepEnd: isInt(msg.step_end) && msg.step_end >= msg.step ? msg.step_end : msg.step,
    open: msg.open === true,
    severity: SEVERITIES.includes(msg.severity) ? msg.severity : 'info',
    subject: typeof msg.subject === 'string' ? msg.subject : '',
    title: typeof msg.title === 'string' && msg.title ? msg.title : kindLabel(kind),
    evidence,
    explanation: typeof msg.explanation === 'string' ? msg.explanation : '',
    causes: strings(msg.causes), tries: strings(msg.try),
    groups,
  };
}

export function createInsightSet() {
  return { byId: new Map(), version: 0, sorted: null };
}

const sameContent = (a, b) => a.stepEnd === b.stepEnd && a.open === b.open && a.severity === b.severity &&
  a.title === b.title && a.explanation === b.explanation && JSON.stringify(a.evidence) === JSON.stringify(b.evidence);

/** True when `next` is a later version of `old` (the same id). */
export function supersedes(next, old) {
  if (!old.open && next.open) return false;      // a closed span is final
  if (next.stepEnd < old.stepEnd) return false;  // an earlier snapshot of a growing span
  return !sameContent(next, old);
}

/** Merges one `insight` message into `set`; returns whether the set changed. */
export function mergeInsight(set, msg) {
  const ins = normalizeInsight(msg);
  if (!ins) return false;
  const old = set.byId.get(ins.id);
  if (old && !supersedes(ins, old)) return false;
  set.byId.set(ins.id, ins);
  set.version++;
  set.sorted = null;
  return true;
}

/** A set built from a list of messages (the REST history's insight lines). */
export function insightSetOf(messages = []) {
  const set = createInsightSet();
  for (const m of messages) mergeInsight(set, m);
  return set;
}

/** Every insight of the set, by step then id (cached until the set changes). */
export function insightList(set) {
  if (!set) return [];
  if (!set.sorted) set.sorted = [...set.byId.values()].sort((a, b) => a.step - b.step || a.id - b.id);
  return set.sorted;
}

/**
 * The phase bands of the loss chart: [{id, kind, label, from, to, open, row, lane}]. row is
 * 'schedule' (warm-up, annealing: the lr's phases) or 'curve'; lane numbers overlapping bands of
 * one row from 0 (a band takes the first lane free at its start). An open span reaches
 * `lastStep` (the newest step of the run) when that is later.
 */
export function phaseBands(list, lastStep = null) {
  const bands = [];
  for (const ins of list) {
    if (ins.family !== FAMILY.phase) continue;
    const to = ins.open && lastStep != null ? Math.max(ins.stepEnd, lastStep) : ins.stepEnd;
    bands.push({ id: ins.id, kind: ins.kind, label: ins.kind === K.phase ? ins.title : kindLabel(ins.kind),
      from: ins.step, to, open: ins.open, row: SCHEDULE_KINDS.has(ins.kind) ? 'schedule' : 'curve', lane: 0 });
  }
  bands.sort((a, b) => a.from - b.from || a.id - b.id);
  for (const row of ['schedule', 'curve']) {
    const ends = []; // per lane, the step where its last band ends
    for (const b of bands) {
      if (b.row !== row) continue;
      let lane = ends.findIndex((end) => end <= b.from);
      if (lane < 0) { lane = ends.length; ends.push(0); }
      ends[lane] = b.to;
      b.lane = lane;
    }
  }
  return bands;
}

/**
 * Marks for a chart or the timeline: [{id, kind, family, step, stepEnd, severity, title}] of the
 * insights in `families` (default: events), most severe last (drawn on top).
 */
export function insightMarks(list, families = [FAMILY.event]) {
  return list.filter((ins) => families.includes(ins.family))
    .map((ins) => ({ id: ins.id, kind: ins.kind, family: ins.family, step: ins.step, stepEnd: ins.stepEnd,
      open: ins.open, severity: ins.severity, title: ins.title }))
    .sort((a, b) => rankOf(a.severity) - rankOf(b.severity) || a.step - b.step);
}

/**
 * The mark under screen position x: the nearest whose step lies within `tol` pixels (posOf maps
 * a step to pixels), else a span [step, stepEnd] that contains x; on equal distance the more
 * severe. Null when none.
 */
export function markAt(marks, posOf, x, tol = 6) {
  let best = null; let bestD = Infinity;
  for (const m of marks) {
    // A span's inside counts as `tol` away: a point mark within reach there wins.
    const a = posOf(m.step); const b = m.stepEnd > m.step ? posOf(m.stepEnd) : a;
    let d = Math.abs(x - a);
    if (d > tol && x > a && x <= b) d = tol;
    if (d > tol) continue;
    if (d < bestD - 0.5 || (Math.abs(d - bestD) <= 0.5 && rankOf(m.severity) > rankOf(best.severity))) { best = m; bestD = d; }
  }
  return best;
}

/**
 * What applies at `step`: the insights whose steps contain it (an open span: from its start on;
 * a point event: for `hold` steps after it), and for STICKY_KINDS the newest of each (kind,
 * subject) at or before it. Sorted by step.
 */
export function activeAt(list, step, { hold = 0 } = {}) {
  if (step == null) return [];
  const out = [];
  const sticky = new Map();
  for (const ins of list) {
    if (ins.step > step) break; // the list is sorted by step
    if (STICKY_KINDS.has(ins.kind)) sticky.set(`${ins.kind}|${ins.subject}`, ins);
    else if (ins.open || step <= ins.stepEnd + (ins.stepEnd === ins.step ? hold : 0)) out.push(ins);
  }
  out.push(...sticky.values());
  return out.sort((a, b) => a.step - b.step || a.id - b.id);
}

/**
 * How long a point insight applies after its step (activeAt's `hold`): ten parameter frames of
 * the run (run.json train.viz_interval), so the frames just after a spike still show it; 20
 * steps when the interval is unknown.
 */
export function holdSteps(runInfo) {
  const every = runInfo?.train?.viz_interval;
  return Number.isFinite(every) && every > 0 ? 10 * every : 20;
}

const GLOBAL_TENSORS = new Set(['wte', 'wpe', 'lnfw', 'lnfb']);

/** What a subject names: {type: 'run' | 'tensor' {name, layer} | 'tensors' {name} (every layer) |
 *  'layer' {layer} | 'head' {layer, head} | 'other' {text}}. */
export function parseSubject(subject) {
  const s = typeof subject === 'string' ? subject.trim() : '';
  if (!s) return { type: 'run' };
  let m = /^head:(\d+)\.(\d+)$/.exec(s);
  if (m) return { type: 'head', layer: Number(m[1]), head: Number(m[2]) };
  m = /^layer:(-?\d+)$/.exec(s);
  if (m) return { type: 'layer', layer: Number(m[1]) };
  m = /^([a-z][a-z0-9_]*):(-?\d+)$/i.exec(s);
  if (m) return { type: 'tensor', name: m[1], layer: Number(m[2]) };
  m = /^([a-z][a-z0-9_]*)$/i.exec(s);
  if (m) return GLOBAL_TENSORS.has(m[1]) ? { type: 'tensor', name: m[1], layer: -1 } : { type: 'tensors', name: m[1] };
  return { type: 'other', text: s };
}

/**
 * The Parameters views' item a subject points at ({name, layer}, what a click selects): the
 * tensor itself; for every layer of a tensor, its layer 0; for a head or a layer, that layer's
 * qkvw (a head's weights are rows of it). Null for the run or an unknown subject.
 */
export function itemOfSubject(subject) {
  const p = parseSubject(subject);
  if (p.type === 'tensor') return { name: p.name, layer: p.layer };
  if (p.type === 'tensors') return { name: p.name, layer: 0 };
  if (p.type === 'head' || p.type === 'layer') return { name: 'qkvw', layer: p.layer };
  return null;
}

/** The subject in words: "qkvw · layer 2", "head 3 of layer 1", "layer 2", "" for the run. */
export function subjectText(subject) {
  const p = parseSubject(subject);
  switch (p.type) {
    case 'tensor': return p.layer >= 0 ? `${p.name} · layer ${p.layer}` : p.name;
    case 'tensors': return `${p.name} · every layer`;
    case 'layer': return `layer ${p.layer}`;
    case 'head': return `head ${p.head} of layer ${p.layer}`;
    case 'other': return p.text;
    default: return '';
  }
}

/**
 * What the Parameters views mark at the frame on screen: the parameter and probe insights
 * active at `step` (activeAt) mapped onto the views' items. `frame` gives the model's L (for
 * subjects naming a tensor in every layer) and the watched wte rows (for cluster members).
 * Returns {tensors: Map('name:layer' -> Flag), layers: Map(layer -> Flag), heads: Map('l.h' ->
 * Flag), clusters: [{cloud, rows (indices into the frame's watched rows), tokens, label,
 * severity, id, group (its index in the insight's groups)}], notes: [Insight]}, Flag = {name?, layer, head?, severity (the most severe), titles: [],
 * ids: [], kinds: []}.
 */
export const NO_HIGHLIGHTS = Object.freeze({ tensors: new Map(), layers: new Map(), heads: new Map(), clusters: [], notes: [] });

export function paramHighlights(list, step, frame = null, { hold = 0 } = {}) {
  const out = { tensors: new Map(), layers: new Map(), heads: new Map(), clusters: [], notes: [] };
  const L = frame?.model?.L ?? 0;
  const flag = (map, key, base, ins) => {
    const f = map.get(key) ?? { ...base, severity: ins.severity, titles: [], ids: [], kinds: [] };
    f.severity = maxSeverity(f.severity, ins.severity);
    f.titles.push(ins.title);
    f.ids.push(ins.id);
    if (!f.kinds.includes(ins.kind)) f.kinds.push(ins.kind);
    map.set(key, f);
  };
  for (const ins of activeAt(list, step, { hold })) {
    if (ins.family !== FAMILY.parameter && ins.family !== FAMILY.probe) continue;
    out.notes.push(ins);
    const p = parseSubject(ins.subject);
    if (ins.kind === K.embedding_clusters && ins.groups.length) {
      const name = p.type === 'tensor' ? p.name : 'wte';
      const ids = frame?.block(name)?.rows ?? [];
      const text = frame?.block(name)?.text ?? [];
      ins.groups.forEach((g, group) => {
        const rows = g.tokens.map((id) => ids.indexOf(id)).filter((i) => i >= 0);
        out.clusters.push({ cloud: name, rows, tokens: rows.map((i) => text[i]), label: g.label || ins.title,
          severity: ins.severity, id: ins.id, group });
      });
      continue;
    }
    if (p.type === 'tensor') flag(out.tensors, `${p.name}:${p.layer}`, { name: p.name, layer: p.layer }, ins);
    else if (p.type === 'tensors') for (let l = 0; l < L; l++) flag(out.tensors, `${p.name}:${l}`, { name: p.name, layer: l }, ins);
    else if (p.type === 'layer') flag(out.layers, p.layer, { layer: p.layer }, ins);
    else if (p.type === 'head') {
      flag(out.heads, `${p.layer}.${p.head}`, { layer: p.layer, head: p.head }, ins);
      // A head's weights are rows of its layer's qkvw.
      flag(out.tensors, `qkvw:${p.layer}`, { name: 'qkvw', layer: p.layer }, ins);
    }
  }
  return out;
}

/** "step 812", "steps 100–350", "from step 100 (ongoing)". */
export function stepRange(ins) {
  if (ins.open) return `from step ${ins.step} (ongoing)`;
  return ins.stepEnd > ins.step ? `steps ${ins.step}–${ins.stepEnd}` : `step ${ins.step}`;
}

/** The evidence as [[name, text]] rows ("z" -> "6.31"); a non-finite number reads '–'. */
export function evidenceRows(ins) {
  return Object.entries(ins.evidence ?? {}).filter(([k]) => !/^token[:_]\d+$/.test(k))
    .map(([k, v]) => [k.replace(/_/g, ' '), v == null ? MISSING : formatNumber(v, 4)]);
}

/** Counts per family: {phase, event, parameter, probe}. */
export function familyCounts(list) {
  const c = { phase: 0, event: 0, parameter: 0, probe: 0 };
  for (const ins of list) c[ins.family] = (c[ins.family] ?? 0) + 1;
  return c;
}
