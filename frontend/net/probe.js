// net/probe.js: the probe on the wire (docs/protocol.md, "Probe: attention and MLP units"), the
// JS side: the `probe` text message's scores and the probe record (an NGVF frame marked by
// meta.probe, fetched from /api/sessions/<id>/probes/<step>) with each head's attention pattern
// on the probe's rows. Pure.
//
// decodeProbeRecord(input) -> Probe = {session, step, B, T, R, L, NH, layers, ms,
//   rows: [{role ('text'|'repeat'), row, tokens [T ids], text [T strings] | null}],
//   scores ({heads, mlp, loss} as in the message) | null,
//   pattern(layer, head, role) -> Float32Array T(T+1)/2 | undefined  (the causal lower triangle
//     packed by query: p[q][k], k <= q, at q(q+1)/2 + k), fcActive(layer) -> Float32Array | undefined}
//   Throws ProtocolError ("probe: ...") when the frame is no probe record.
// probeScores(msg) -> {step, L, NH, entropy, prevToken, firstToken, induction ([L*NH], head h of
//   layer l at l*NH + h, null where not finite), dead, saturated ([L]), loss {..}, ms}
import { decodeFrame, ProtocolError } from './protocol.js';

const fail = (what) => { throw new ProtocolError(`probe: ${what}`); };
const numbers = (v) => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : null)) : []);

/** Index of p[q][k] in a packed causal pattern. */
export const packedIndex = (q, k) => (q * (q + 1)) / 2 + k;
/** Values in one head's packed pattern of T queries. */
export const packedLength = (T) => (T * (T + 1)) / 2;

export function decodeProbeRecord(input) {
  const f = decodeFrame(input);
  const p = f.header.meta?.probe;
  if (!p || typeof p !== 'object') fail('the frame has no meta.probe: it is not a probe record');
  const { T } = p;
  const NH = f.model.NH;
  const L = f.model.L;
  if (!Number.isInteger(T) || T < 1) fail(`bad T ${JSON.stringify(T)}`);
  if (!Number.isInteger(NH) || NH < 1) fail(`bad model NH ${JSON.stringify(NH)}`);
  const n = packedLength(T);
  for (const t of f.tensors) {
    if (t.name === 'att' && (t.shape[0] !== NH || t.shape[1] !== n)) {
      fail(`att of layer ${t.layer} (${t.field}) has shape ${JSON.stringify(t.shape)}, expected [${NH}, ${n}] for T=${T}`);
    }
  }
  const rows = (Array.isArray(p.rows) ? p.rows : []).filter((r) => r && typeof r.role === 'string').map((r) => ({
    role: r.role, row: r.row, tokens: Array.isArray(r.tokens) ? r.tokens : [],
    text: Array.isArray(r.text) ? r.text.map(String) : null,
  }));
  return {
    session: f.session, step: f.step, B: p.B, T, R: p.R, L, NH, ms: p.ms,
    layers: Array.isArray(p.layers) ? p.layers : [...Array(L ?? 0).keys()],
    rows,
    scores: p.scores && typeof p.scores === 'object' ? p.scores : null,
    pattern(layer, head, role = 'text') {
      const t = f.get('att', role, layer);
      if (!t || head < 0 || head >= NH) return undefined;
      return t.data.subarray(head * n, (head + 1) * n);
    },
    fcActive: (layer) => f.get('fc_active', 'share', layer)?.data,
  };
}

export function probeScores(msg) {
  const h = msg.heads ?? {};
  const m = msg.mlp ?? {};
  return {
    step: msg.step, L: msg.L, NH: msg.NH, ms: msg.ms ?? null,
    entropy: numbers(h.entropy), prevToken: numbers(h.prev_token), firstToken: numbers(h.first_token),
    induction: numbers(h.induction), dead: numbers(m.dead), saturated: numbers(m.saturated),
    loss: msg.loss && typeof msg.loss === 'object' ? msg.loss : {},
  };
}
