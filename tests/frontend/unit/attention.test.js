// attention.test.js: the probe on the page: net/probe.js decodes a probe record (each head's
// packed causal pattern) and a probe message's scores; state/attention.js picks the probe of the
// frame on screen, colours patterns, finds what a token attends to, lays out the head grid and
// badges heads from insights; state/probes.js loads the index and records (fake REST).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeProbeRecord, packedIndex, probeScores } from '../../../frontend/net/probe.js';
import { ProtocolError } from '../../../frontend/net/protocol.js';
import { GAMMA, MASKED, axisTicks, cellAt, describeHead, fillPattern, gridLayout, headBadges, headScore, probeFor,
  queryRow, tokenLabel, topKeys } from '../../../frontend/state/attention.js';
import { createProbes, mergeProbe, nearestEarlier } from '../../../frontend/state/probes.js';
import { insightList, insightSetOf } from '../../../frontend/state/insights.js';
import { createStore, defaultState } from '../../../frontend/state/store.js';
import { sequential } from '../../../frontend/display/colormap.js';
import { encodeFrame } from './frame_fixture.js';
import { insightMsg } from './insight_fixture.js';
import { probeMessage, probeRecord } from './probe_fixture.js';

const T = 8;

test('a probe record decodes into each head\'s packed pattern, rows and scores', () => {
  const p = decodeProbeRecord(probeRecord({ L: 2, NH: 2, T, kinds: [['prev', 'uniform'], ['uniform', 'induction']] }));
  assert.deepEqual([p.step, p.T, p.R, p.L, p.NH, p.B], [100, T, 4, 2, 2, 3]);
  assert.deepEqual(p.rows.map((r) => r.role), ['text', 'repeat']);
  assert.equal(p.rows[0].text.join(''), 'hello wo');
  const prev = p.pattern(0, 0, 'text');
  assert.equal(prev.length, T * (T + 1) / 2);
  // Query 5 of the previous-token head puts (almost) everything on key 4.
  assert.ok(Math.abs(prev[packedIndex(5, 4)] - 1) < 0.01, 'p[5][4] of a previous-token head');
  assert.ok(Math.abs(prev[packedIndex(5, 5)]) < 0.01);
  const uni = p.pattern(0, 1, 'text');
  assert.ok(Math.abs(uni[packedIndex(3, 2)] - 0.25) < 0.01, 'uniform over 4 keys');
  const ind = p.pattern(1, 1, 'repeat');
  assert.ok(Math.abs(ind[packedIndex(6, 3)] - 1) < 0.01, 'induction: query 6 attends to 6 - R + 1');
  assert.equal(p.pattern(5, 0), undefined, 'no such layer');
  assert.equal(p.pattern(0, 9), undefined, 'no such head');
  assert.deepEqual(p.scores.heads.prev_token, [0.95, 0.1, 0.1, 0.1]);
});

test('a frame that is no probe record, or whose patterns do not match T, is refused', () => {
  const plain = encodeFrame({ session: 's', step: 1, tensors: [], meta: { model: { L: 1, NH: 1 } } });
  assert.throws(() => decodeProbeRecord(plain), (e) => e instanceof ProtocolError && /no meta\.probe/.test(e.message));
  const wrong = encodeFrame({ session: 's', step: 1, meta: { model: { L: 1, NH: 2 }, probe: { T: 4 } },
    tensors: [{ name: 'att', kind: 'attention', layer: 0, field: 'text', shape: [2, 6], data: new Float32Array(12) }] });
  assert.throws(() => decodeProbeRecord(wrong), /expected \[2, 10\] for T=4/);
});

test('probe message scores: head h of layer l at l*NH + h; not finite reads null', () => {
  const s = probeScores({ ...probeMessage({ L: 2, NH: 2 }), heads: { entropy: [0.5, null, 0.2, 0.9], prev_token: [0.9, 0.1, 0.1, 'x'] } });
  assert.deepEqual(headScore(s, 1, 0), { entropy: 0.2, prevToken: 0.1, firstToken: null, induction: null });
  assert.equal(headScore(s, 0, 1).entropy, null);
  assert.equal(headScore(s, 1, 1).prevToken, null);
  assert.equal(headScore(null, 0, 0), null);
});

test('the frame on screen shows the newest probe at or before it', () => {
  const index = [{ step: 100 }, { step: 200 }, { step: 400 }];
  assert.deepEqual(probeFor(index, 250), { step: 200, first: 100, exact: false });
  assert.deepEqual(probeFor(index, 200), { step: 200, first: 100, exact: true });
  assert.deepEqual(probeFor(index, 50), { step: null, first: 100, exact: false }, 'no probe yet: say when the first comes');
  assert.equal(probeFor(index, null).step, 400, 'no frame: the newest');
  assert.equal(probeFor([], 10).step, null);
  assert.equal(nearestEarlier([100, 200, 400], 399), 200);
  assert.equal(nearestEarlier([100, 200], 99), null);
});

test('fillPattern colours p^GAMMA with the sequential map and masks keys after the query', () => {
  const p = decodeProbeRecord(probeRecord({ L: 1, NH: 1, T: 4, kinds: [['uniform']] })).pattern(0, 0, 'text');
  const rgba = fillPattern(p, 4);
  const at = (q, k) => [...rgba.subarray(4 * (q * 4 + k), 4 * (q * 4 + k) + 3)];
  assert.deepEqual(at(0, 1), MASKED, 'k > q is the causal mask');
  const expect = (v) => sequential(v ** GAMMA).map((c) => Math.round(c * 255));
  for (const [i, c] of at(0, 0).entries()) assert.ok(Math.abs(c - expect(1)[i]) <= 3, 'p = 1 is the brightest');
  for (const [i, c] of at(3, 2).entries()) assert.ok(Math.abs(c - expect(0.25)[i]) <= 3, 'p = 1/4');
  assert.ok(rgba.every((v, i) => i % 4 !== 3 || v === 255), 'opaque');
});

test('what a query attends to: its row and its top keys', () => {
  const p = decodeProbeRecord(probeRecord({ L: 1, NH: 1, T, kinds: [['prev']] })).pattern(0, 0, 'text');
  assert.equal(queryRow(p, 5).length, 6);
  const top = topKeys(p, 5, 2);
  assert.equal(top[0].key, 4);
  assert.ok(top[0].p > 0.98);
  assert.ok(top[1].p < 0.02);
  assert.equal(topKeys(p, 0, 3).length, 1, 'the first token attends only to itself');
});

test('head badges come from insights that name a head, as they stand at the probe\'s step', () => {
  const list = insightList(insightSetOf([
    insightMsg({ id: 1, kind: 'previous_token_head', step: 100, subject: 'head:0.1', severity: 'info' }),
    insightMsg({ id: 2, kind: 'induction_head', step: 300, subject: 'head:1.0', severity: 'notice' }),
    insightMsg({ id: 3, kind: 'loss_spike', step: 100 }),
    insightMsg({ id: 4, kind: 'attention_collapse', step: 100, subject: 'qkvw:1' }),
  ]));
  const at200 = headBadges(list, 200);
  assert.deepEqual([...at200.keys()], ['0.1']);
  assert.equal(at200.get('0.1')[0].label, 'previous token');
  const at300 = headBadges(list, 300);
  assert.deepEqual([...at300.keys()].sort(), ['0.1', '1.0']);
  assert.equal(at300.get('1.0')[0].label, 'induction');
  assert.equal(headBadges(list, 50).size, 0);
});

test('grid layout: layers as rows, heads as columns, cells fit the width; hit testing', () => {
  const g = gridLayout({ NH: 4, layers: [0, 2], width: 500, labelW: 50, gap: 10, textH: 30, headerH: 20 });
  assert.equal(g.cell, Math.floor((500 - 50 - 40) / 4));
  assert.equal(g.cells.length, 8);
  assert.deepEqual(g.cells.map((c) => c.layer), [0, 0, 0, 0, 2, 2, 2, 2], 'only the layers asked for');
  const c = g.cells[5];
  assert.deepEqual([c.layer, c.head], [2, 1]);
  assert.deepEqual(cellAt(g, c.x + 3, c.y + 3), c);
  assert.deepEqual(cellAt(g, c.x + 3, c.y + c.size + 10), c, 'the score text below belongs to the cell');
  assert.equal(cellAt(g, c.x + c.size + 2, c.y + 3), null, 'the gap');
  assert.equal(gridLayout({ NH: 64, layers: [0], width: 300 }).cell, 28, 'never below minCell');
  assert.equal(gridLayout({ NH: 1, layers: [0], width: 2000 }).cell, 112, 'never above maxCell');
});

test('labels and words', () => {
  assert.equal(tokenLabel('\n'), '↵');
  assert.equal(tokenLabel(' a\t'), '␣a⇥');
  assert.equal(tokenLabel('\u0001'), '\\x01');
  assert.deepEqual(axisTicks(64, 704), [...Array(64).keys()], '11 px per token: all');
  assert.deepEqual(axisTicks(64, 640).slice(0, 3), [0, 2, 4], '10 px per token: every other');
  assert.deepEqual(axisTicks(64, 128, 11).slice(0, 3), [0, 6, 12], '2 px per token: every 6th');
  assert.match(describeHead({ prevToken: 0.47, induction: 0.05, entropy: 0.5, firstToken: 0.1 }), /47 % of its attention goes to the previous token/);
  assert.match(describeHead({ entropy: 0.05 }), /almost one position/);
});

// --- state/probes.js ---------------------------------------------------------------------------

function fakeRest({ index = [], failIndex = false } = {}) {
  const calls = { index: 0, records: [] };
  let hold = null;
  return {
    calls,
    holdIndex() { let r; const p = new Promise((res) => { r = res; }); hold = { p, r }; return (v) => hold.r(v); },
    async getProbeIndex() {
      calls.index++;
      if (failIndex) throw new Error('unreachable');
      if (hold) { const v = await hold.p; hold = null; return v; }
      return structuredClone(index);
    },
    async getProbe(session, step) { calls.records.push(step); return { session, step }; },
  };
}

test('probes: the index loads once; live messages that wait for it merge after it', async () => {
  const store = createStore(defaultState(), { onError: (e) => { throw e; } });
  const rest = fakeRest();
  const probes = createProbes({ store, rest });
  const release = rest.holdIndex();
  const loading = probes.ensureIndex('s1');
  probes.onText(probeMessage({ step: 300 }));
  probes.onText(probeMessage({ step: 100 })); // REST has it too
  probes.onText(probeMessage({ session: 'other', step: 5 }));
  release([probeMessage({ step: 100 }), probeMessage({ step: 200 })]);
  await loading;
  assert.deepEqual(store.get().probes.s1.map((m) => m.step), [100, 200, 300]);
  assert.equal(store.get().probes.other, undefined, 'not loaded: dropped');
  await probes.ensureIndex('s1');
  assert.equal(rest.calls.index, 1, 'fetched once');
  probes.onText({ type: 'metrics', session: 's1', step: 400 });
  assert.equal(store.get().probes.s1.length, 3, 'only probe messages');
});

test('probes: records load one at a time, the newest wish wins, cached', async () => {
  const store = createStore(defaultState(), { onError: (e) => { throw e; } });
  store.set({ session: 's1' });
  const rest = fakeRest();
  const probes = createProbes({ store, rest, cacheSize: 2 });
  const a = probes.show(100);
  probes.show(200);
  probes.show(300);
  await a;
  await new Promise((r) => setImmediate(r));
  assert.equal(store.get().probeRecord.step, 300);
  assert.deepEqual(rest.calls.records, [100, 300], 'the wish for 200 was superseded before it was fetched');
  await probes.show(100);
  assert.equal(store.get().probeRecord.step, 100);
  assert.deepEqual(rest.calls.records, [100, 300], 'from the cache');
  await probes.show(100);
  assert.equal(rest.calls.records.length, 2, 'already on screen');
});

test('mergeProbe keeps step order and replaces a step', () => {
  const idx = [{ step: 1 }, { step: 5 }];
  assert.equal(mergeProbe(idx, { step: 3 }), true);
  assert.equal(mergeProbe(idx, { step: 5, x: 1 }), true);
  assert.equal(mergeProbe(idx, { step: 'a' }), false);
  assert.deepEqual(idx, [{ step: 1 }, { step: 3 }, { step: 5, x: 1 }]);
});
