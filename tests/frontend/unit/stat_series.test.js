// stat_series.test.js: state/stat_series.js keeps stats and histograms over time per tensor, bounded and
// evenly thinned, copied out of frames, shared when unchanged, cleared on a new session.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeFrame } from '../../../frontend/net/protocol.js';
import { createStatSeries } from '../../../frontend/state/stat_series.js';
import { encodeFrame } from './frame_fixture.js';

const NAMES = ['mean', 'std', 'min', 'max', 'rms', 'grad_rms', 'update_ratio', 'hist_lo', 'hist_hi', 'hist_step'];

// A frame with stats and hist for qkvw in layers 0 and 1; mean = step / 1000 + layer.
function frameAt(step, { histStep = step, session = 's1' } = {}) {
  const tensors = [];
  for (const layer of [0, 1]) {
    tensors.push({ name: 'stats', kind: 'stats', layer, field: 'qkvw', shape: [10],
      data: Float32Array.from([step / 1000 + layer, 0.1, -1, 1, 0.2, 0.01, 0.001, -2, 2, histStep]) });
    tensors.push({ name: 'hist', kind: 'hist', layer, field: 'qkvw', shape: [64],
      data: Float32Array.from({ length: 64 }, (_, i) => (i === histStep % 64 ? 100 : 1)) });
  }
  return decodeFrame(encodeFrame({ session, step, tensors, meta: { stat_names: NAMES } }));
}

test('records stats and histograms per (tensor, layer)', () => {
  const h = createStatSeries();
  for (const step of [10, 20, 30]) assert.equal(h.add(frameAt(step)), 2);
  assert.deepEqual(h.keys(), [{ name: 'qkvw', layer: 0 }, { name: 'qkvw', layer: 1 }]);
  const s = h.series('qkvw', 1);
  assert.deepEqual(s.map((e) => e.step), [10, 20, 30]);
  assert.ok(Math.abs(s[1].stats.mean - 1.02) < 1e-6);
  assert.equal(s[2].hist[30], 100);
  assert.deepEqual([s[0].histLo, s[0].histHi, s[0].histStep], [-2, 2, 10]);
  const ms = h.statSeries('qkvw', 0, 'mean');
  assert.deepEqual(Array.from(ms.steps), [10, 20, 30]);
  assert.ok(Math.abs(ms.values[2] - 0.03) < 1e-6);
  assert.deepEqual(h.series('fcw', 0), []);
  assert.equal(h.statSeries('qkvw', 0, 'nope').steps.length, 0);
});

test('data is copied out of the frame', () => {
  const h = createStatSeries();
  const f = frameAt(10);
  h.add(f);
  f.get('stats', 'qkvw', 0).data[0] = 999;
  f.get('hist', 'qkvw', 0).data[0] = 999;
  assert.ok(h.series('qkvw', 0)[0].stats.mean < 1);
  assert.equal(h.series('qkvw', 0)[0].hist[0], 1);
});

test('an unchanged histogram is shared; histMatrix has one row per hist_step', () => {
  const h = createStatSeries();
  h.add(frameAt(10, { histStep: 10 }));
  h.add(frameAt(11, { histStep: 10 }));
  h.add(frameAt(12, { histStep: 12 }));
  const s = h.series('qkvw', 0);
  assert.equal(s[0].hist, s[1].hist);
  assert.notEqual(s[1].hist, s[2].hist);
  const m = h.histMatrix('qkvw', 0);
  assert.deepEqual(m.steps, [10, 12]);
  assert.equal(m.counts.length, 2 * 64);
  assert.equal(m.counts[64 + 12], 100);
});

test('memory stays bounded over a long run and the whole run stays covered', () => {
  const h = createStatSeries({ capacity: 64 });
  for (let step = 0; step < 100000; step += 10) h.add(frameAt(step));
  const s = h.series('qkvw', 0);
  assert.ok(s.length <= 64 && s.length >= 32, `entries ${s.length}`);
  assert.equal(h.entries(), 2 * s.length);
  assert.ok(s[0].step < 2000, `still has the start of the run (${s[0].step})`);
  assert.ok(s[s.length - 1].step > 95000, `and its end (${s[s.length - 1].step})`);
  const gaps = s.slice(1).map((e, i) => e.step - s[i].step);
  assert.ok(Math.max(...gaps) <= 4 * Math.min(...gaps), `evenly spaced: ${Math.min(...gaps)}..${Math.max(...gaps)}`);
  for (let i = 1; i < s.length; i++) assert.ok(s[i].step > s[i - 1].step);
});

test('out-of-order steps are inserted in place; a new session starts over', () => {
  const h = createStatSeries();
  for (const step of [10, 30, 20, 30, 5]) h.add(frameAt(step));
  assert.deepEqual(h.series('qkvw', 0).map((e) => e.step), [5, 10, 20, 30]);
  h.add(frameAt(40, { session: 's2' }));
  assert.deepEqual(h.series('qkvw', 0).map((e) => e.step), [40]);
  h.clear();
  assert.equal(h.entries(), 0);
  assert.throws(() => createStatSeries({ capacity: 1 }), /too small/);
});

test('at(step) describes the frame on screen, not the newest one (playback)', () => {
  const h = createStatSeries();
  for (const step of [10, 20, 30]) h.add(frameAt(step));
  const e = h.at('qkvw', 0, 20);
  assert.equal(e.step, 20);
  assert.ok(Math.abs(e.stats.mean - 0.02) < 1e-6, `mean ${e.stats.mean}`);
  assert.equal(h.at('qkvw', 0, 25).step, 20, 'between entries: the one before');
  assert.equal(h.at('qkvw', 0, 99).step, 30);
  assert.equal(h.at('qkvw', 0, 5), null, 'before the first entry');
  assert.equal(h.at('fcw', 0, 20), null);
});
