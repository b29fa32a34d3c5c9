// state/display_data.js: what the parameter views draw, derived from frames and tweened between them
// (R2.4: new frames are tweened, never jumped to). No DOM, no three.js: the 3D scene and the
// 2D fallback both read it.
//
// createDisplayData() -> {
//   setFrame(frame, prevFrame, {field, colorBy}, nowMs)   new targets; tweens start from what is shown
//   setOptions({field, colorBy}, nowMs)                   same frames, other field/colour attribute
//   tick(nowMs) -> bool                                   advances tweens; true while anything moved
//   clouds: Map name -> Cloud   ('wte', 'wpe')
//   mats:   Map `${name}:${layer}` -> Mat   (grids: qkvw, attprojw, fcw, fcprojw)
//   vecs:   Map `${name}:${layer}` -> Mat   (LayerNorm vectors, rows = 1)
// }
// Cloud = {name, count, pos (Float32Array 3*count, shown, centred, ~unit radius),
//          attr (Float32Array count, shown colour parameter in 0..1), attrLo, attrHi, attrLabel}
// Mat   = {name, layer, rows, cols, shown (Float32Array rows*cols, the chosen field minus centre),
//          scale (symmetric colour scale: 99th percentile of |target|, tweened), centre (1 for
//          LayerNorm gains shown as values, else 0), version (bumps on change)}
// Buffers are reused across frames while shapes stay the same (flat memory over long runs).
import { createTween, tweenAt, ease } from '../display/tween.js';

export const TWEEN_MS = 450;
const MIN_TWEEN_MS = 120;
export const GRID_NAMES = ['qkvw', 'attprojw', 'fcw', 'fcprojw'];
export const VECTOR_NAMES = ['ln1w', 'ln1b', 'ln2w', 'ln2b', 'lnfw', 'lnfb'];
export const CLOUD_NAMES = ['wte', 'wpe'];

const easeInOut = ease.inOutCubic;

// |x| percentile without sorting the whole array every time: a reusable scratch buffer.
let scratch = new Float32Array(0);
export function absPercentile(values, p) {
  const n = values.length;
  if (n === 0) return 0;
  if (scratch.length < n) scratch = new Float32Array(n);
  const s = scratch.subarray(0, n);
  for (let i = 0; i < n; i++) s[i] = Math.abs(values[i]);
  s.sort();
  return s[Math.min(n - 1, Math.floor(p * (n - 1)))];
}

// One tweened Float32Array: `shown` moves from where it is to `target`.
function makeTrack(n) {
  return { shown: new Float32Array(n), target: new Float32Array(n), tween: null };
}
// Tween length: TWEEN_MS, shortened when frames arrive faster (so a fast replay does not keep
// the picture in constant motion, and each frame is seen at rest for a moment).
let tweenMs = TWEEN_MS;
function retarget(track, nowMs, snap) {
  if (snap) { track.shown.set(track.target); track.tween = null; return; }
  // createTween copies `shown` (where the picture is now) and reads `target` by reference; the
  // target is only rewritten together with a new tween, so an old tween never sees it change.
  track.tween = createTween(track.shown, track.target, tweenMs, easeInOut, nowMs);
}
function advance(track, nowMs) {
  if (!track.tween) return false;
  const done = tweenAt(track.tween, nowMs, track.shown);
  if (done) track.tween = null;
  return true;
}

function fieldData(frame, prevFrame, name, layer, field) {
  if (field === 'update') {
    const cur = frame.get(name, 'value', layer);
    const prev = prevFrame?.get(name, 'value', layer);
    if (!cur) return null;
    return { cur, prev: prev && prev.data.length === cur.data.length ? prev : null };
  }
  const t = frame.get(name, field, layer);
  return t ? { cur: t, prev: null } : null;
}

export function createDisplayData() {
  const clouds = new Map();
  const mats = new Map();
  const vecs = new Map();
  let frame = null;
  let prevFrame = null;
  let opts = { field: 'value', colorBy: 'frequency' };
  let lastFrameMs = -Infinity;

  function setMat(map, name, layer, rows, cols, nowMs, snapAll) {
    const d = fieldData(frame, prevFrame, name, layer, opts.field);
    const key = `${name}:${layer}`;
    if (!d) { map.delete(key); return; }
    const n = d.cur.data.length;
    let m = map.get(key);
    const fresh = !m || m.track.shown.length !== n;
    if (fresh) {
      m = { name, layer, rows, cols, track: makeTrack(n), scaleTrack: makeTrack(1), version: 0 };
      map.set(key, m);
    }
    m.rows = rows; m.cols = cols;
    const tgt = m.track.target;
    // LayerNorm gains sit around 1: their colours show the distance from 1 (m.centre).
    m.centre = opts.field === 'value' && /^ln.w$/.test(name) ? 1 : 0;
    if (m.centre) {
      for (let i = 0; i < n; i++) tgt[i] = d.cur.data[i] - m.centre;
    } else if (opts.field === 'update') {
      if (d.prev) for (let i = 0; i < n; i++) tgt[i] = d.cur.data[i] - d.prev.data[i];
      else tgt.fill(0);
    } else {
      tgt.set(d.cur.data);
    }
    // Symmetric scale per tensor; a floor keeps an all-zero tensor from dividing by zero.
    m.scaleTrack.target[0] = Math.max(absPercentile(tgt, 0.99), 1e-12);
    retarget(m.track, nowMs, fresh || snapAll);
    retarget(m.scaleTrack, nowMs, fresh || snapAll);
    m.version++;
  }

  function cloudAttr(c, name, K) {
    const a = c.attrTrack.target;
    const norm = frame.get(name, 'norm')?.data;
    const grad = frame.get(name, 'grad_norm')?.data;
    if (opts.colorBy === 'norm' && norm) {
      let lo = Infinity; let hi = -Infinity;
      for (let i = 0; i < K; i++) { lo = Math.min(lo, norm[i]); hi = Math.max(hi, norm[i]); }
      const span = hi - lo || 1;
      for (let i = 0; i < K; i++) a[i] = (norm[i] - lo) / span;
      return [lo, hi, 'embedding norm'];
    }
    if (opts.colorBy === 'grad_norm' && grad) {
      const hi = Math.max(absPercentile(grad.subarray(0, K), 0.99), 1e-20);
      for (let i = 0; i < K; i++) a[i] = Math.min(1, grad[i] / hi);
      return [0, hi, 'gradient norm (to 99th pct)'];
    }
    if (opts.colorBy === 'update' && norm) {
      const prev = prevFrame?.get(name, 'norm')?.data;
      if (prev && prev.length === norm.length) {
        for (let i = 0; i < K; i++) a[i] = Math.abs(norm[i] - prev[i]);
      } else {
        a.fill(0);
      }
      const hi = Math.max(absPercentile(a.subarray(0, K), 0.99), 1e-20);
      for (let i = 0; i < K; i++) a[i] = Math.min(1, a[i] / hi);
      return [0, hi, '|Δ norm| since last frame'];
    }
    // frequency: the frame lists the watched rows most frequent first.
    for (let i = 0; i < K; i++) a[i] = K > 1 ? 1 - i / (K - 1) : 1;
    return ['rarest', 'most frequent', 'token frequency (rank)'];
  }

  function setCloud(name, nowMs, snapAll) {
    const xyz = frame.get(name, 'xyz');
    if (!xyz) { clouds.delete(name); return; }
    const K = xyz.shape[0];
    let c = clouds.get(name);
    const fresh = !c || c.count !== K;
    if (fresh) {
      c = { name, count: K, posTrack: makeTrack(3 * K), attrTrack: makeTrack(K), version: 0 };
      clouds.set(name, c);
    }
    // Centre and scale to about unit radius (95th percentile), so the cloud keeps its size
    // on screen while training stretches the embedding space.
    const p = c.posTrack.target;
    const src = xyz.data;
    let mx = 0; let my = 0; let mz = 0;
    for (let i = 0; i < K; i++) { mx += src[3 * i]; my += src[3 * i + 1]; mz += src[3 * i + 2]; }
    mx /= K; my /= K; mz /= K;
    const r = new Float32Array(K);
    for (let i = 0; i < K; i++) {
      const x = src[3 * i] - mx; const y = src[3 * i + 1] - my; const z = src[3 * i + 2] - mz;
      p[3 * i] = x; p[3 * i + 1] = y; p[3 * i + 2] = z;
      r[i] = Math.hypot(x, y, z);
    }
    const s = 1 / Math.max(absPercentile(r, 0.95), 1e-12);
    for (let i = 0; i < 3 * K; i++) p[i] *= s;
    const [lo, hi, label] = cloudAttr(c, name, K);
    c.attrLo = lo; c.attrHi = hi; c.attrLabel = label;
    retarget(c.posTrack, nowMs, fresh || snapAll);
    retarget(c.attrTrack, nowMs, fresh || snapAll);
    c.version++;
  }

  function rebuild(nowMs, snapAll) {
    if (!frame) return;
    for (const name of CLOUD_NAMES) setCloud(name, nowMs, snapAll);
    const seen = new Set();
    for (const b of frame.blocks) {
      if (!GRID_NAMES.includes(b.name)) continue;
      const t = frame.get(b.name, 'value', b.layer);
      if (!t) continue;
      setMat(mats, b.name, b.layer, t.shape[0], t.shape[1], nowMs, snapAll);
      seen.add(`${b.name}:${b.layer}`);
    }
    for (const t of frame.tensors) {
      if (t.kind !== 'vector' || t.field !== 'value') continue;
      setMat(vecs, t.name, t.layer, 1, t.shape[0], nowMs, snapAll);
      seen.add(`${t.name}:${t.layer}`);
    }
    for (const map of [mats, vecs]) for (const k of [...map.keys()]) if (!seen.has(k)) map.delete(k);
  }

  const api = {
    clouds, mats, vecs,
    get frame() { return frame; },
    get prevFrame() { return prevFrame; },
    get options() { return opts; },
    setFrame(f, prev, o, nowMs) {
      const gap = nowMs - lastFrameMs;
      lastFrameMs = nowMs;
      tweenMs = Math.max(MIN_TWEEN_MS, Math.min(TWEEN_MS, 0.7 * gap));
      // A frame of another model shape (another session) snaps instead of tweening.
      const snap = !frame || !f || frame.model?.C !== f.model?.C || frame.model?.L !== f.model?.L;
      frame = f; prevFrame = prev ?? null;
      if (o) opts = { ...opts, ...o };
      rebuild(nowMs, snap);
    },
    setOptions(o, nowMs) {
      opts = { ...opts, ...o };
      tweenMs = TWEEN_MS;
      rebuild(nowMs, false);
    },
    tick(nowMs) {
      let moving = false;
      for (const c of clouds.values()) {
        const a = advance(c.posTrack, nowMs); const b = advance(c.attrTrack, nowMs);
        if (a || b) { c.version++; moving = true; }
      }
      for (const map of [mats, vecs]) {
        for (const m of map.values()) {
          const a = advance(m.track, nowMs); const b = advance(m.scaleTrack, nowMs);
          if (a || b) { m.version++; moving = true; }
        }
      }
      return moving;
    },
  };
  return api;
}

// Accessors the views use, so they need not know about tracks.
export const cloudPos = (c) => c.posTrack.shown;
export const cloudAttrShown = (c) => c.attrTrack.shown;
export const matShown = (m) => m.track.shown;
export const matScale = (m) => m.scaleTrack.shown[0];
