// probe_fixture.js: probe records and `probe` messages shaped as docs/protocol.md ("Probe")
// describes them: an NGVF frame (frame_fixture.js encodeFrame) whose meta.probe gives B, T, R,
// layers, rows and scores, with one `att` tensor per layer and row role (i8, [NH, T(T+1)/2], the
// causal lower triangle packed by query) and `loss` rows.
import { encodeFrame } from './frame_fixture.js';

/** A pattern of T queries, packed; `weights(q)` gives query q's row (length q + 1). */
export function packPattern(T, weights) {
  const out = new Float32Array((T * (T + 1)) / 2);
  for (let q = 0; q < T; q++) out.set(weights(q), (q * (q + 1)) / 2);
  return out;
}

// Rows of the three kinds of head the tests tell apart.
export const previousToken = (q) => Float32Array.from({ length: q + 1 }, (_, k) => (q === 0 ? 1 : k === q - 1 ? 1 : 0));
export const uniform = (q) => Float32Array.from({ length: q + 1 }, () => 1 / (q + 1));
/** Induction on a row of R tokens repeated: in the second copy, the key after the earlier copy. */
export const induction = (R) => (q) => Float32Array.from({ length: q + 1 }, (_, k) =>
  (q >= R ? (k === q - R + 1 ? 1 : 0) : 1 / (q + 1)));

/**
 * A record: L layers of NH heads; head (l, h) follows kinds[l][h] ('prev' | 'uniform' |
 * 'induction'), on both rows. Text rows read `text` (repeated to T tokens).
 */
export function probeRecord({ session = 's1', step = 100, L = 2, NH = 2, T = 8, kinds, text = 'hello world ' } = {}) {
  const R = T / 2;
  const pick = { prev: previousToken, uniform, induction: induction(R) };
  const k = kinds ?? [...Array(L)].map(() => [...Array(NH)].map((_, h) => (h === 0 ? 'prev' : 'uniform')));
  const chars = [...Array(T)].map((_, i) => text[i % text.length]);
  const rnd = [...Array(R)].map((_, i) => String.fromCharCode(65 + ((i * 7) % 26)));
  const rows = [
    { role: 'text', row: 0, tokens: chars.map((c) => c.charCodeAt(0)), text: chars },
    { role: 'repeat', row: 2, tokens: [...rnd, ...rnd].map((c) => c.charCodeAt(0)), text: [...rnd, ...rnd] },
  ];
  const tensors = [];
  for (let l = 0; l < L; l++) {
    for (const role of ['text', 'repeat']) {
      const data = new Float32Array(NH * (T * (T + 1)) / 2);
      for (let h = 0; h < NH; h++) data.set(packPattern(T, pick[k[l][h]]), h * (T * (T + 1)) / 2);
      tensors.push({ name: 'att', kind: 'attention', layer: l, field: role, shape: [NH, (T * (T + 1)) / 2], data, quantize: true });
    }
  }
  for (const role of ['text', 'repeat']) {
    tensors.push({ name: 'loss', kind: 'rows', layer: -1, field: role, shape: [T], data: Float32Array.from({ length: T }, (_, i) => 2 - i / T) });
  }
  return encodeFrame({ session, step, tensors, meta: {
    model: { L, NH, C: 16, V: 65, maxT: T },
    probe: { B: 3, T, R, layers: [...Array(L).keys()], packing: 'lower', ms: 3.5, rows, scores: scoresOf(L, NH, k) },
  } });
}

function scoresOf(L, NH, kinds) {
  const flat = (f) => kinds.flat().map(f);
  return {
    heads: {
      entropy: flat((x) => (x === 'uniform' ? 1 : 0)),
      prev_token: flat((x) => (x === 'prev' ? 0.95 : 0.1)),
      first_token: flat(() => 0.05),
      induction: flat((x) => (x === 'induction' ? 0.9 : 0.05)),
    },
    mlp: { dead: Array(L).fill(0), saturated: Array(L).fill(0) },
    loss: { text: 1.9, early: 2.0, late: 1.8, in_context_gain: 0.2, repeat_first: 4.1, repeat_second: 1.2 },
  };
}

/** The `probe` text message of the same probe. */
export function probeMessage({ session = 's1', step = 100, L = 2, NH = 2, T = 8, kinds } = {}) {
  const k = kinds ?? [...Array(L)].map(() => [...Array(NH)].map((_, h) => (h === 0 ? 'prev' : 'uniform')));
  return { type: 'probe', session, step, bytes: 1000, ms: 3.5, B: 3, T, L, NH, units: 64, R: T / 2, ...scoresOf(L, NH, k) };
}
