// net/protocol.js: the dashboard protocol's JS side (docs/protocol.md, version 1), the twin of the
// C++ viz/protocol.{h,cpp} (message types, event kinds) and viz/frame.cpp (binary frames): the
// constants both sides name, the binary frame decoder and the JSON text message check. Pure: runs
// in the browser and in node. Code that switches on a message type or an event kind uses
// MESSAGE_TYPES and EVENT_KINDS, never a string of its own.
//
// Choices beyond docs/frontend.md:
// - decodeFrame also accepts an ArrayBufferView (a node Buffer, a Uint8Array) besides an ArrayBuffer.
// - Aligned f32 tensors are zero-copy Float32Array views into the frame's buffer (the buffer is
//   fresh per message and lives as long as the frame); unaligned ones are copied. i8 tensors are
//   always a new Float32Array of int8 * scale.
// - stats(name, layer) and hist(name, layer) default layer to -1 like get() and block().
// - Every decode error is a ProtocolError (an Error) whose message starts with "frame: " or
//   "message: " and names what was wrong.
// - The frame also carries `byteLength` and `header` (the raw parsed JSON header).

export const FRAME_MAGIC = 'NGVF';
export const FRAME_VERSION = 1;
export const PROTOCOL_VERSION = 1;

/** The `type`s of the hub's text messages (server to client). */
export const MESSAGE_TYPES = Object.freeze({
  hello: 'hello',           // first message on every connection
  metrics: 'metrics',       // one training step
  event: 'event',           // an evaluation, checkpoint, text sample, ... (`kind`: EVENT_KINDS)
  frame: 'frame',           // announces the binary frame that follows
  insight: 'insight',       // a phase, event or pattern the insights engine found (INSIGHT_KINDS)
  probe: 'probe',           // a probe's scores per head and layer (net/probe.js); its record over REST
  sessions: 'sessions',     // `nanogpt serve`: a run appeared, ended or went stale (the new list)
  pong: 'pong',             // reply to ping
  subscribed: 'subscribed', // reply to subscribe
  error: 'error',           // a client message was refused; the connection stays up
});

/** The `kind`s of `event` messages (and of the events a run records). */
export const EVENT_KINDS = Object.freeze({
  eval: 'eval',               // an evaluation (val loss)
  sample: 'sample',           // generated text
  checkpoint: 'checkpoint',   // a checkpoint was written
  info: 'info',               // anything else worth a line
  interrupted: 'interrupted', // the run was stopped (Ctrl-C) before its last step
});

/** The `kind`s of `insight` messages (viz/protocol.cpp insight_kind_name, docs/insights.md). */
export const INSIGHT_KINDS = Object.freeze(Object.fromEntries([
  // phases of the loss curve (spans)
  'warmup', 'rapid_descent', 'slowdown', 'shoulder', 'power_law', 'annealing', 'phase',
  // events on the curves
  'level_crossed', 'loss_spike', 'grad_spike', 'instability', 'clipping_active', 'divergence',
  'overfitting', 'gap_growing',
  // patterns in the parameters
  'update_ratio_outlier', 'weight_growth', 'vanishing_gradient', 'exploding_gradient',
  'gradient_imbalance', 'embedding_clusters', 'frequency_direction', 'rank_collapse', 'spectral_alpha',
  // the probe
  'attention_collapse', 'previous_token_head', 'induction_head', 'dead_units',
].map((k) => [k, k])));

/** An insight's `severity`, least to most severe. */
export const SEVERITIES = Object.freeze(['info', 'notice', 'warning', 'critical']);

const PREFIX_BYTES = 12;

/** The statistics row order when a frame's meta does not list it (viz/frame_builder.h kStatNames). */
export const DEFAULT_STAT_NAMES = ['mean', 'std', 'min', 'max', 'rms', 'grad_rms', 'update_ratio',
  'hist_lo', 'hist_hi', 'hist_step'];

export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const fail = (what) => { throw new ProtocolError(`frame: ${what}`); };

function bytesOf(input) {
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new ProtocolError(`frame: expected an ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
}

const isInt = (v) => Number.isInteger(v);

function checkTensor(t, i) {
  const label = t && typeof t.name === 'string' ? `tensor ${i} (${t.name}.${t.field})` : `tensor ${i}`;
  if (!t || typeof t !== 'object') fail(`${label} is not an object`);
  for (const k of ['name', 'kind', 'field', 'dtype'])
    if (typeof t[k] !== 'string') fail(`${label} lacks '${k}'`);
  if (!isInt(t.layer)) fail(`${label} has no integer 'layer'`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => isInt(d) && d >= 0))
    fail(`${label} has a bad shape ${JSON.stringify(t.shape)}`);
  if (!isInt(t.offset) || t.offset < 0) fail(`${label} has a bad offset ${JSON.stringify(t.offset)}`);
  if (t.dtype !== 'f32' && t.dtype !== 'i8') fail(`${label} has unknown dtype '${t.dtype}'`);
  if (t.dtype === 'i8' && (typeof t.scale !== 'number' || !Number.isFinite(t.scale)))
    fail(`${label} is i8 without a finite 'scale'`);
  return label;
}

function readTensor(t, i, bytes, dataStart, dataSize) {
  const label = checkTensor(t, i);
  const count = t.shape.reduce((a, d) => a * d, 1);
  const width = t.dtype === 'i8' ? 1 : 4;
  const nbytes = count * width;
  if (t.bytes !== undefined && t.bytes !== nbytes)
    fail(`${label} says ${t.bytes} bytes but its shape ${JSON.stringify(t.shape)} needs ${nbytes}`);
  if (t.offset > dataSize || nbytes > dataSize - t.offset)
    fail(`${label} lies outside the data section (offset ${t.offset} + ${nbytes} bytes > ${dataSize})`);
  const at = bytes.byteOffset + dataStart + t.offset;  // absolute position in the ArrayBuffer
  let data;
  if (t.dtype === 'i8') {
    const q = new Int8Array(bytes.buffer, at, count);
    data = new Float32Array(count);
    for (let j = 0; j < count; j++) data[j] = q[j] * t.scale;
  } else if (at % 4 === 0) {
    data = new Float32Array(bytes.buffer, at, count);
  } else {
    // Unaligned (only when the caller's view starts off a 4-byte boundary): copy, little-endian.
    const dv = new DataView(bytes.buffer, at, nbytes);
    data = new Float32Array(count);
    for (let j = 0; j < count; j++) data[j] = dv.getFloat32(j * 4, true);
  }
  return { name: t.name, kind: t.kind, layer: t.layer, field: t.field, shape: t.shape.slice(), data };
}

const keyOf = (name, field, layer) => `${name}\u0000${field}\u0000${layer}`;

/**
 * Decodes one binary frame. Throws ProtocolError on a bad magic, version, header length or JSON,
 * or a tensor whose data lies outside the data section.
 */
export function decodeFrame(input) {
  const bytes = bytesOf(input);
  if (bytes.byteLength < PREFIX_BYTES) fail(`too short (${bytes.byteLength} bytes, the prefix alone is ${PREFIX_BYTES})`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== FRAME_MAGIC) fail(`wrong magic ${JSON.stringify(magic)} (expected "${FRAME_MAGIC}"): not a parameter frame`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  if (version !== FRAME_VERSION) fail(`version ${version} is not supported (this page reads version ${FRAME_VERSION})`);
  const headerLength = dv.getUint32(8, true);
  if (headerLength > bytes.byteLength - PREFIX_BYTES)
    fail(`header length ${headerLength} exceeds the frame (${bytes.byteLength - PREFIX_BYTES} bytes after the prefix)`);
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)));
  } catch (e) {
    fail(`header is not valid JSON (${e.message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  if (typeof header.session !== 'string') fail("header lacks a string 'session'");
  if (!isInt(header.step)) fail("header lacks an integer 'step'");
  if (!Array.isArray(header.tensors)) fail("header lacks a 'tensors' array");
  const meta = header.meta && typeof header.meta === 'object' ? header.meta : {};

  const dataStart = PREFIX_BYTES + headerLength;
  const dataSize = bytes.byteLength - dataStart;
  const tensors = header.tensors.map((t, i) => readTensor(t, i, bytes, dataStart, dataSize));
  return makeFrame(header, meta, tensors, version, bytes.byteLength);
}

function makeFrame(header, meta, tensors, version, byteLength) {
  const byKey = new Map();
  for (const t of tensors) byKey.set(keyOf(t.name, t.field, t.layer), t);
  const blocks = Array.isArray(meta.blocks) ? meta.blocks : [];
  const byBlock = new Map();
  for (const b of blocks) byBlock.set(keyOf(b.name, '', b.layer ?? -1), b);
  const statNames = Array.isArray(meta.stat_names) ? meta.stat_names : DEFAULT_STAT_NAMES;

  return {
    session: header.session,
    step: header.step,
    version,
    byteLength,
    header,
    model: meta.model && typeof meta.model === 'object' ? meta.model : {},
    statNames,
    blocks,
    tensors,
    get(name, field, layer = -1) { return byKey.get(keyOf(name, field, layer)); },
    block(name, layer = -1) { return byBlock.get(keyOf(name, '', layer)); },
    stats(name, layer = -1) {
      const t = byKey.get(keyOf('stats', name, layer));
      if (!t) return undefined;
      const out = {};
      statNames.forEach((s, i) => { out[s] = t.data[i]; });
      return out;
    },
    hist(name, layer = -1) { return byKey.get(keyOf('hist', name, layer))?.data; },
  };
}

/** Parses one JSON text message; throws ProtocolError unless it is an object with a string `type`. */
export function parseMessage(text) {
  if (typeof text !== 'string') throw new ProtocolError(`message: expected text, got ${typeof text}`);
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`message: not valid JSON (${e.message})`);
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg))
    throw new ProtocolError(`message: expected a JSON object, got ${Array.isArray(msg) ? 'an array' : JSON.stringify(msg)}`);
  if (typeof msg.type !== 'string' || msg.type === '')
    throw new ProtocolError("message: lacks a string 'type'");
  return msg;
}

/** The client-to-server messages (docs/protocol.md): JSON text for WebSocket.send. */
export const clientMessage = {
  ping: () => JSON.stringify({ type: 'ping' }),
  subscribe: (session) => JSON.stringify({ type: 'subscribe', session }),
};
