// quality.test.js: display/quality.js lowers quality after sustained slow frames, raises it after
// sustained headroom, ignores spikes and settles instead of oscillating (synthetic frame times).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createGovernor, DEFAULT_LEVELS, lod } from '../../../frontend/display/quality.js';

// Feeds frame times; returns the level after each frame.
const run = (gov, times) => times.map((ms) => gov.tick(ms));
const repeat = (ms, n) => Array(n).fill(ms);
const changes = (levels) => levels.filter((l, i) => i > 0 && l !== levels[i - 1]).length;

test('fast frames keep the best level', () => {
  const gov = createGovernor({ target: 30 });
  const levels = run(gov, repeat(16.7, 5000));
  assert.ok(levels.every((l) => l === DEFAULT_LEVELS.length - 1));
  assert.ok(Math.abs(gov.fps - 1000 / 16.7) < 0.5);
});

test('sustained slow frames lower one level at a time, not every frame', () => {
  const gov = createGovernor({ target: 30, slowFrames: 20 });
  const levels = run(gov, repeat(50, 200));
  assert.equal(levels[18], 4, 'no change before the window fills');
  assert.equal(levels[19], 3);
  assert.equal(levels[38], 3, 'the new level gets its own window');
  assert.equal(levels[39], 2);
  assert.equal(levels[199], 0, 'down to the cheapest and stays');
  for (let i = 1; i < levels.length; i++) assert.ok(levels[i - 1] - levels[i] <= 1);
});

test('isolated slow frames and hidden-tab gaps change nothing', () => {
  const gov = createGovernor({ target: 30 });
  const times = [];
  for (let i = 0; i < 3000; i++) times.push(i % 25 === 0 ? 80 : i % 700 === 0 ? 5000 : 16);
  assert.ok(run(gov, times).every((l) => l === 4));
});

test('headroom raises quality only after a sustained stretch', () => {
  const gov = createGovernor({ target: 30, start: 1, raiseFrames: 90 });
  const levels = run(gov, repeat(10, 400));
  assert.equal(levels[88], 1);
  assert.equal(levels[89], 2, 'raised after 90 fast frames');
  assert.equal(levels[178], 2);
  assert.equal(levels[179], 3);
  assert.equal(levels[399], 4);
  const gov2 = createGovernor({ target: 30, start: 1 });
  assert.ok(run(gov2, repeat(25, 2000)).every((l) => l === 1), '25 ms is within budget but without headroom');
});

test('a level that cannot hold the target is not retried every second (no oscillation)', () => {
  // Rendering cost by level: level 4 and 3 are too slow for 30 fps, level 2 has headroom.
  const cost = [8, 12, 16, 45, 60];
  const gov = createGovernor({ target: 30 });
  const levels = [];
  let level = gov.level;
  for (let i = 0; i < 20000; i++) {
    level = gov.tick(cost[level]);
    levels.push(level);
  }
  // A governor without hysteresis would flip every ~110 frames (~360 changes); retries back off.
  const n = changes(levels);
  assert.ok(n <= 30, `level changed ${n} times in 20000 frames`);
  const raises = levels.map((l, i) => (i > 0 && l > levels[i - 1] ? i : -1)).filter((i) => i >= 0);
  const gaps = raises.slice(1).map((r, i) => r - raises[i]);
  for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] >= gaps[i - 1], `retry gaps grow: ${gaps}`);
  assert.ok(gaps[gaps.length - 1] >= 90 * 16, `retry gaps reach minutes of frames: ${gaps}`);
  const atTwo = levels.slice(2000).filter((l) => l === 2).length / levels.slice(2000).length;
  assert.ok(atTwo > 0.95, `settles on level 2 (${(atTwo * 100).toFixed(1)}% of frames)`);
  for (let i = 2; i < levels.length; i++) assert.ok(!(levels[i] !== levels[i - 1] && levels[i - 1] !== levels[i - 2]), 'never changes on consecutive frames');
});

test('manual level and LOD table', () => {
  const gov = createGovernor({ levels: 3 });
  assert.equal(gov.level, 2);
  assert.deepEqual(gov.lod(), DEFAULT_LEVELS[4]);
  gov.setAuto(false);
  gov.setLevel(0);
  assert.ok(run(gov, repeat(5, 500)).every((l) => l === 0), 'manual level is kept');
  assert.deepEqual(gov.lod(), DEFAULT_LEVELS[2]);
  assert.equal(lod(99).maxPoints, Infinity);
  assert.equal(lod(-3).cellStride, 4);
  for (let i = 1; i < DEFAULT_LEVELS.length; i++) {
    assert.ok(DEFAULT_LEVELS[i].maxPoints > DEFAULT_LEVELS[i - 1].maxPoints, 'better levels draw more points');
    assert.ok(DEFAULT_LEVELS[i].cellStride <= DEFAULT_LEVELS[i - 1].cellStride);
  }
  assert.throws(() => createGovernor({ levels: [] }), /no levels/);
});
