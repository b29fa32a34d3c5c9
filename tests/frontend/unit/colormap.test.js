// colormap.test.js: the diverging map is blue - white - orange with lightness monotonic from each end
// to the centre and stays distinguishable under simulated colour-vision deficiencies; viridis rises.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { diverging, sequential, fillDiverging, fillSequential, legend, legendGradient, lightness, maxAbs,
  NAN_COLOR } from '../../../frontend/display/colormap.js';
import { SIM, dist, simulate } from './cvd.js';

const ts = (n) => Array.from({ length: n + 1 }, (_, i) => i / n);

test('diverging: blue at -1, white at 0, orange at +1, clamped outside', () => {
  const [r0, g0, b0] = diverging(-1);
  assert.ok(b0 > r0 + 0.2 && b0 > g0, `negative end is blue: ${[r0, g0, b0]}`);
  const [r1, g1, b1] = diverging(1);
  assert.ok(r1 > g1 && g1 > b1 && r1 > b1 + 0.3, `positive end is orange: ${[r1, g1, b1]}`);
  const mid = diverging(0);
  assert.ok(mid.every((c) => c > 0.93), `centre is white: ${mid}`);
  assert.deepEqual(diverging(-7), diverging(-1));
  assert.deepEqual(diverging(3), diverging(1));
  for (const t of ts(50)) for (const c of [...diverging(t * 2 - 1), ...sequential(t)]) assert.ok(c >= 0 && c <= 1);
});

test('diverging: lightness rises strictly from each end to the centre', () => {
  const steps = ts(200);
  let prev = -1;
  for (const t of steps) {  // -1 -> 0
    const L = lightness(diverging(t - 1));
    assert.ok(L > prev, `blue arm lightness at ${t - 1}: ${L} after ${prev}`);
    prev = L;
  }
  prev = -1;
  for (const t of steps) {  // +1 -> 0
    const L = lightness(diverging(1 - t));
    assert.ok(L > prev, `orange arm lightness at ${1 - t}: ${L} after ${prev}`);
    prev = L;
  }
  assert.ok(lightness(diverging(0)) - lightness(diverging(-1)) > 60, 'wide lightness range');
  assert.ok(lightness(diverging(0)) - lightness(diverging(1)) > 50, 'wide lightness range');
});

test('diverging: the two signs stay apart for protan and deutan viewers', () => {
  for (const [kind, m] of Object.entries(SIM)) {
    for (const t of [0.25, 0.5, 0.75, 1]) {
      const d = dist(simulate(m, diverging(-t)), simulate(m, diverging(t)));
      assert.ok(d > 0.1, `${kind}: -${t} and +${t} look alike (distance ${d.toFixed(3)})`);
    }
  }
});

test('sequential (viridis): dark purple to yellow, lightness rising', () => {
  const [r0, , b0] = sequential(0);
  const [r1, g1, b1] = sequential(1);
  assert.ok(b0 > r0 && r1 > 0.9 && g1 > 0.85 && b1 < 0.3);
  let prev = -1;
  for (const t of ts(200)) {
    const L = lightness(sequential(t));
    assert.ok(L > prev, `viridis lightness at ${t}`);
    prev = L;
  }
});

test('fillDiverging and fillSequential write RGB triples, NaN grey', () => {
  const values = Float32Array.from([-2, 0, 1, NaN, 4]);
  const out = fillDiverging(values, 2);
  assert.equal(out.length, 15);
  assert.deepEqual(Array.from(out.subarray(0, 3)), diverging(-1).map(Math.fround));
  assert.deepEqual(Array.from(out.subarray(3, 6)), diverging(0).map(Math.fround));
  assert.deepEqual(Array.from(out.subarray(6, 9)), diverging(0.5).map(Math.fround));
  assert.deepEqual(Array.from(out.subarray(9, 12)), NAN_COLOR.map(Math.fround));
  assert.deepEqual(Array.from(out.subarray(12, 15)), diverging(1).map(Math.fround), 'clamped');
  const reused = new Float32Array(15);
  assert.equal(fillDiverging(values, 0, reused), reused, 'fills the given array');
  assert.deepEqual(Array.from(reused.subarray(0, 3)), diverging(0).map(Math.fround), 'zero scale paints white');
  const seq = fillSequential(Float32Array.from([10, 20]), 10, 20);
  assert.deepEqual(Array.from(seq.subarray(3, 6)), sequential(1).map(Math.fround));
  assert.equal(maxAbs(Float32Array.from([1, -3, NaN, Infinity, 2])), 3);
});

test('legend gives CSS stops', () => {
  const stops = legend('diverging');
  assert.equal(stops.length, 9);
  assert.equal(stops[0].at, 0);
  assert.equal(stops[8].at, 1);
  assert.match(stops[4].color, /^rgb\(\d+, \d+, \d+\)$/);
  assert.match(legendGradient('sequential'), /^linear-gradient\(to right, rgb/);
  assert.throws(() => legend('rainbow'), /unknown map 'rainbow'/);
});
