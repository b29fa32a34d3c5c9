// tween.test.js: display/tween.js moves from the old frame to the new one over the duration, never
// jumping, and bends toward a new target that arrives mid-way.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createTween, ease, retarget, tweenAt } from '../../../frontend/display/tween.js';

const near = (a, b, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('starts at from, ends at to, monotonic in between', () => {
  const from = Float32Array.from([0, 10]);
  const to = Float32Array.from([1, -10]);
  const tw = createTween(from, to, 100, ease.inOutCubic, 1000);
  const out = new Float32Array(2);
  assert.equal(tweenAt(tw, 1000, out), false);
  assert.deepEqual(Array.from(out), [0, 10]);
  let prev = -1;
  for (let t = 1000; t < 1100; t += 5) {
    assert.equal(tweenAt(tw, t, out), false);
    assert.ok(out[0] >= prev && out[0] >= 0 && out[0] < 1, `at ${t}: ${out[0]}`);
    near(out[1], 10 - 20 * out[0], 1e-5);
    prev = out[0];
  }
  tweenAt(tw, 1050, out);
  near(out[0], 0.5);
  assert.equal(tweenAt(tw, 1100, out), true);
  assert.deepEqual(Array.from(out), [1, -10]);
  assert.equal(tweenAt(tw, 5000, out), true);
});

test('the clock starts at the first tweenAt; from is copied', () => {
  const from = Float32Array.from([2]);
  const tw = createTween(from, Float32Array.from([4]), 10, ease.linear);
  from[0] = 99;  // callers may reuse the buffer they write into
  const out = new Float32Array(1);
  tweenAt(tw, 500, out);
  assert.equal(out[0], 2);
  tweenAt(tw, 505, out);
  near(out[0], 3);
  assert.equal(tweenAt(createTween(from, from, 0), 0, out), true, 'zero duration is done at once');
});

test('retarget continues from the current position', () => {
  const tw = createTween(Float32Array.from([0]), Float32Array.from([10]), 100, ease.linear, 0);
  const out = new Float32Array(1);
  tweenAt(tw, 50, out);
  near(out[0], 5);
  retarget(tw, Float32Array.from([-5]), 50);
  tweenAt(tw, 50, out);
  near(out[0], 5, 1e-5);  // no jump
  tweenAt(tw, 100, out);
  near(out[0], 0, 1e-5);
  assert.equal(tweenAt(tw, 150, out), true);
  assert.equal(out[0], -5);
  retarget(tw, Float32Array.from([1, 2]), 200);
  const out2 = new Float32Array(2);
  assert.equal(tweenAt(tw, 200, out2), false);
  assert.deepEqual(Array.from(out2), [1, 2], 'a new length starts at the target');
});

test('refuses arrays of different lengths', () => {
  assert.throws(() => createTween(new Float32Array(2), new Float32Array(3)), /differ in length \(2 and 3\)/);
});

test('eases run from 0 to 1', () => {
  for (const [name, fn] of Object.entries(ease)) {
    near(fn(0), 0);
    near(fn(1), 1);
    assert.ok(fn(0.25) < fn(0.75), name);
  }
});
