// protocol.test.js: net/protocol.js decodes frames built here (frame_fixture.js) and frames written
// by a real `nanogpt train`, and refuses malformed ones with clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EVENT_KINDS, INSIGHT_KINDS, MESSAGE_TYPES, PROTOCOL_VERSION, SEVERITIES, decodeFrame, parseMessage,
  ProtocolError, clientMessage } from '../../../frontend/net/protocol.js';
import { encodeFrame, modelFrame } from './frame_fixture.js';
import { recordRun, skipWithoutBinary } from './real_run.js';

const one = (t, opts) => encodeFrame({ session: 'abc', step: 7, tensors: [t], meta: {} }, opts);

test('decodes f32 and i8 tensors, session, step, model and lookups', () => {
  const f = decodeFrame(modelFrame({ L: 2, C: 8, G: 4, V: 10, step: 30 }));
  assert.equal(f.session, 'test-session');
  assert.equal(f.step, 30);
  assert.equal(f.version, 1);
  assert.equal(f.model.L, 2);
  assert.equal(f.statNames[6], 'update_ratio');
  const xyz = f.get('wte', 'xyz');
  assert.ok(xyz.data instanceof Float32Array);
  assert.deepEqual(xyz.shape, [10, 3]);
  assert.equal(xyz.kind, 'points3d');
  assert.ok(Math.abs(xyz.data[4] - Math.fround(Math.sin(4 * 0.37 + 1) * 0.5)) < 1e-7, 'f32 exact');
  const grid = f.get('qkvw', 'value', 1);
  assert.equal(grid.layer, 1);
  assert.ok(grid.data instanceof Float32Array);
  const scale = Math.max(...Array.from({ length: 16 }, (_, i) => Math.abs(Math.sin(i * 0.37 + 1) * 0.5))) / 127;
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(grid.data[i] - Math.sin(i * 0.37 + 1) * 0.5) <= scale / 2 + 1e-6, `i8 cell ${i}`);
  assert.equal(f.get('qkvw', 'value', 5), undefined);
  assert.equal(f.get('qkvw', 'value'), undefined, 'layer defaults to -1');
  assert.deepEqual(f.block('qkvw', 0).cols, [0, 1, 2, 3]);
  assert.equal(f.block('wte').text[2], 'c');
  const s = f.stats('qkvw', 1);
  assert.ok(Math.abs(s.mean - 0.01) < 1e-7);
  assert.equal(s.hist_step, 30);
  assert.equal(f.stats('fcw', 1), undefined);
  const h = f.hist('qkvw', 1);
  assert.equal(h.length, 64);
  assert.equal(h[3], 4);
});

test('i8 data is int8 times scale (exact values)', () => {
  const f = decodeFrame(one({ name: 'ln1w', kind: 'vector', layer: 0, field: 'value', shape: [3],
    data: Float32Array.from([1.27, -1.27, 0.5]), quantize: true }));
  const d = f.get('ln1w', 'value', 0).data;
  assert.ok(Math.abs(d[0] - 1.27) < 1e-6);
  assert.ok(Math.abs(d[1] + 1.27) < 1e-6);
  assert.ok(Math.abs(d[2] - 50 * Math.fround(1.27 / 127)) < 1e-6);
});

test('f32 data read from an unaligned view is copied correctly', () => {
  const buf = one({ name: 'wte', kind: 'rows', layer: -1, field: 'norm', shape: [4], data: Float32Array.from([1.5, -2, 3.25, 1e-8]) });
  const shifted = new Uint8Array(buf.byteLength + 1);
  shifted.set(new Uint8Array(buf), 1);
  const f = decodeFrame(shifted.subarray(1));
  assert.deepEqual(Array.from(f.get('wte', 'norm').data), [1.5, -2, 3.25, Math.fround(1e-8)]);
  assert.deepEqual(Array.from(decodeFrame(Buffer.from(buf)).get('wte', 'norm').data), [1.5, -2, 3.25, Math.fround(1e-8)]);
});

test('refuses malformed frames with clear errors', () => {
  const t = { name: 'wte', kind: 'rows', layer: -1, field: 'norm', shape: [4], data: new Float32Array(4) };
  const bad = (buf, re) => assert.throws(() => decodeFrame(buf), (e) => e instanceof ProtocolError && re.test(e.message));
  bad(new ArrayBuffer(5), /too short/);
  bad(one(t, { magic: 'PNG!' }), /wrong magic/);
  bad(one(t, { version: 2 }), /version 2 is not supported/);
  bad(one(t, { headerLength: 1 << 20 }), /header length .* exceeds/);
  bad(one(t, { headerLength: 4 }), /not valid JSON/);
  bad(one(t, { patchTensor: (d) => { d.offset = 8; } }), /wte\.norm.*outside the data section/);
  bad(one(t, { patchTensor: (d) => { d.shape = [400]; d.bytes = 1600; } }), /outside the data section/);
  bad(one(t, { patchTensor: (d) => { d.dtype = 'f16'; } }), /unknown dtype 'f16'/);
  bad(one(t, { patchTensor: (d) => { d.bytes = 3; } }), /says 3 bytes/);
  bad(one(t, { patchTensor: (d) => { d.shape = [-1]; } }), /bad shape/);
  bad(one(t, { patchTensor: (d) => { delete d.layer; } }), /integer 'layer'/);
  assert.throws(() => decodeFrame('NGVF'), /expected an ArrayBuffer/);
  assert.throws(() => decodeFrame(encodeFrame({ session: 3, step: 1, tensors: [] })), /string 'session'/);
});

test('parseMessage accepts objects with a type and refuses the rest', () => {
  assert.deepEqual(parseMessage('{"type":"metrics","step":3,"val_loss":null}'), { type: 'metrics', step: 3, val_loss: null });
  assert.throws(() => parseMessage('{nope'), /not valid JSON/);
  assert.throws(() => parseMessage('[1,2]'), /an array/);
  assert.throws(() => parseMessage('42'), /JSON object/);
  assert.throws(() => parseMessage('{"step":1}'), /'type'/);
  assert.throws(() => parseMessage(new ArrayBuffer(2)), /expected text/);
  assert.equal(JSON.parse(clientMessage.subscribe('s1')).session, 's1');
});

test('the protocol\'s names: version 1, the server\'s message types and the event kinds', () => {
  assert.equal(PROTOCOL_VERSION, 1);
  // Exactly the server-to-client text messages of docs/protocol.md (viz/protocol.h on the C++ side).
  assert.deepEqual(Object.values(MESSAGE_TYPES).sort(),
    ['error', 'event', 'frame', 'hello', 'insight', 'metrics', 'pong', 'probe', 'sessions', 'subscribed']);
  assert.deepEqual(Object.values(EVENT_KINDS).sort(), ['checkpoint', 'eval', 'info', 'interrupted', 'sample']);
  // Each constant is named by its own wire string, so MESSAGE_TYPES.hello reads as what it sends.
  for (const table of [MESSAGE_TYPES, EVENT_KINDS, INSIGHT_KINDS]) {
    for (const [k, v] of Object.entries(table)) assert.equal(k, v);
    assert.ok(Object.isFrozen(table), 'no code can add or change a name');
  }
  // Client messages are not server types (a reply never looks like a request).
  for (const m of [clientMessage.ping(), clientMessage.subscribe('s')]) {
    assert.ok(!Object.values(MESSAGE_TYPES).includes(parseMessage(m).type));
  }
});

// The C++ side names insight kinds and severities in viz/protocol.cpp: the page knows exactly those.
test('insight kinds and severities are the ones viz/protocol.cpp writes', () => {
  const cpp = readFileSync(new URL('../../../viz/protocol.cpp', import.meta.url), 'utf8');
  const body = (fn) => {
    const at = cpp.indexOf(`${fn}(`);
    assert.ok(at >= 0, `viz/protocol.cpp has ${fn}`);
    return cpp.slice(at, cpp.indexOf('\n}\n', at));
  };
  const names = (fn) => [...body(fn).matchAll(/case [\w:]+: return "(\w+)";/g)].map((m) => m[1]);
  assert.deepEqual(Object.values(INSIGHT_KINDS).sort(), names('insight_kind_name').sort());
  assert.deepEqual([...SEVERITIES].sort(), names('severity_name').sort());
  assert.deepEqual(SEVERITIES, ['info', 'notice', 'warning', 'critical'], 'least to most severe');
});

// A frame written by the C++ encoder: run a tiny `nanogpt train` (real_run.js).
test('decodes frames written by a real nanogpt train', { skip: skipWithoutBinary }, () => {
  const run = recordRun({ steps: 3 });
  try {
    const { runs, session } = run;
    const files = readdirSync(join(runs, session, 'frames')).filter((n) => n.endsWith('.bin')).sort();
    assert.ok(files.length >= 2, `frames written: ${files}`);
    const bytes = readFileSync(join(runs, session, 'frames', files[files.length - 1]));
    const f = decodeFrame(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    assert.equal(f.session, session);
    assert.equal(f.step, parseInt(files[files.length - 1], 10));
    assert.deepEqual([f.model.L, f.model.C, f.model.NH], [2, 16, 2]);
    const V = f.model.V;
    assert.deepEqual(f.get('wte', 'xyz').shape, [V, 3]);
    assert.equal(f.block('wte').text.length, V);
    assert.ok(f.get('wte', 'norm').data.every((v) => Number.isFinite(v) && v > 0), 'embedding norms are positive');
    for (const l of [0, 1]) {
      const g = f.get('qkvw', 'value', l);
      assert.equal(g.data.length, g.shape[0] * g.shape[1]);
      assert.ok(g.data.some((v) => v !== 0), `qkvw.${l} has values`);
      const s = f.stats('qkvw', l);
      assert.ok(s.std > 0 && s.min < s.max && s.rms > 0, `qkvw.${l} stats ${JSON.stringify(s)}`);
      const h = f.hist('qkvw', l);
      assert.equal(h.length, 64);
      assert.equal(h.reduce((a, b) => a + b, 0), 3 * 16 * 16, 'histogram counts every weight of the layer');
    }
    assert.ok(f.stats('wte', -1), 'global tensors have layer -1 stats');
    assert.ok(f.get('lnfw', 'value'), 'final LayerNorm is whole');
    // The events and insights the C++ run recorded use only kinds the page knows.
    const lines = readFileSync(join(runs, session, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const events = lines.filter((e) => e.type !== MESSAGE_TYPES.insight);
    assert.ok(events.length > 0, 'the run recorded events');
    for (const e of events) assert.ok(Object.values(EVENT_KINDS).includes(e.kind), `unknown event kind ${e.kind}`);
    for (const e of lines.filter((x) => x.type === MESSAGE_TYPES.insight))
      assert.ok(Object.values(INSIGHT_KINDS).includes(e.kind), `unknown insight kind ${e.kind}`);
  } finally {
    run.cleanup();
  }
});
