// bench/browser/dev/dev_synthetic.js: GPT-2 124M-shaped frames for the dev page (?synthetic=1),
// to try level of detail and the frame-rate governor without a big run: L 12, C 768, K 2048 token points, P 1024 positions,
// 32x32 grids, random but smoothly drifting values. Same object shape as net/protocol.js's Frame.
const L = 12; const C = 768; const K = 2048; const P = 1024; const G = 32;
const STATS = ['mean', 'std', 'min', 'max', 'rms', 'grad_rms', 'update_ratio', 'hist_lo', 'hist_hi', 'hist_step'];

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}
const gauss = (r) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

export function syntheticFrame(step) {
  const r = rng(1234);
  const drift = rng(step * 7 + 1);
  const tensors = []; const blocks = [];
  const add = (name, kind, layer, field, shape, fill) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill(i);
    tensors.push({ name, kind, layer, field, shape, data });
  };
  const t = step / 100;
  for (const [name, n] of [['wte', K], ['wpe', P]]) {
    const centres = Array.from({ length: 6 }, () => [gauss(r), gauss(r), gauss(r)]);
    add(name, 'points3d', -1, 'xyz', [n, 3], (i) => {
      const c = centres[Math.floor(i / 3) % 6][i % 3];
      return c * (1 + t) + 0.4 * gauss(r) + 0.05 * gauss(drift);
    });
    add(name, 'rows', -1, 'norm', [n], () => 1 + 0.3 * r() + 0.01 * t);
    add(name, 'rows', -1, 'grad_norm', [n], (i) => 1e-3 * (1 + 5 * Math.exp(-i / 50)) * r());
    blocks.push({ name, layer: -1, rows: Array.from({ length: n }, (_, i) => i), ...(name === 'wte' ? { text: Array.from({ length: n }, (_, i) => `tok${i}`) } : {}) });
  }
  for (let l = 0; l < L; l++) {
    for (const name of ['qkvw', 'attprojw', 'fcw', 'fcprojw']) {
      add(name, 'grid', l, 'value', [G, G], () => 0.02 * gauss(r) + 0.002 * gauss(drift));
      add(name, 'grid', l, 'grad', [G, G], () => 1e-4 * gauss(drift));
      blocks.push({ name, layer: l, rows: Array.from({ length: G }, (_, i) => i * 24), cols: Array.from({ length: G }, (_, i) => i * 24) });
    }
    for (const name of ['ln1w', 'ln1b', 'ln2w', 'ln2b']) {
      add(name, 'vector', l, 'value', [C], () => (name.endsWith('w') ? 1 : 0) + 0.02 * gauss(r) + 0.002 * gauss(drift));
      add(name, 'vector', l, 'grad', [C], () => 1e-4 * gauss(drift));
    }
  }
  for (const name of ['lnfw', 'lnfb']) {
    add(name, 'vector', -1, 'value', [C], () => (name.endsWith('w') ? 1 : 0) + 0.02 * gauss(r));
    add(name, 'vector', -1, 'grad', [C], () => 1e-4 * gauss(drift));
  }
  for (const tt of [...tensors]) {
    if (tt.field !== 'value' && tt.field !== 'xyz') continue;
    const d = tt.data; let s = 0; let s2 = 0; let lo = Infinity; let hi = -Infinity;
    for (const v of d) { s += v; s2 += v * v; lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const mean = s / d.length; const rms = Math.sqrt(s2 / d.length);
    const stats = new Float32Array([mean, Math.sqrt(Math.max(0, rms * rms - mean * mean)), lo, hi, rms, 1e-3, 1e-3, lo, hi, step]);
    tensors.push({ name: 'stats', kind: 'stats', layer: tt.layer, field: tt.name, shape: [10], data: stats });
    const h = new Float32Array(64);
    for (const v of d) h[Math.max(0, Math.min(63, Math.floor((v - lo) / (hi - lo) * 64)))]++;
    tensors.push({ name: 'hist', kind: 'hist', layer: tt.layer, field: tt.name, shape: [64], data: h });
  }
  const byKey = new Map(tensors.map((x) => [`${x.name}|${x.field}|${x.layer}`, x]));
  return {
    session: 'synthetic', step, version: 1, model: { L, NH: 12, C, V: 50257, maxT: 1024 }, statNames: STATS, blocks, tensors,
    get: (name, field, layer = -1) => byKey.get(`${name}|${field}|${layer}`),
    block: (name, layer = -1) => blocks.find((b) => b.name === name && b.layer === layer),
    stats(name, layer = -1) { const s = byKey.get(`stats|${name}|${layer}`); return s && Object.fromEntries(STATS.map((k, i) => [k, s.data[i]])); },
    hist: (name, layer = -1) => byKey.get(`hist|${name}|${layer}`)?.data,
  };
}
