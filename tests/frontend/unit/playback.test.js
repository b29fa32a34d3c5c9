// playback.test.js: state/playback.js seeks to stored steps, steps at the ends, plays at speed with
// uneven animation frames, follows the newest step in live mode, and places a step on the slider.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as pb from '../../../frontend/state/playback.js';

const tl = pb.createTimeline([40, 10, 20, 30, 20, 50]);

test('timeline is sorted and unique; addStep appends', () => {
  assert.deepEqual(tl.steps, [10, 20, 30, 40, 50]);
  assert.deepEqual(pb.addStep(tl, 60).steps, [10, 20, 30, 40, 50, 60]);
  assert.deepEqual(pb.addStep(tl, 25).steps, [10, 20, 25, 30, 40, 50]);
  assert.equal(pb.addStep(tl, 30), tl);
  assert.deepEqual(tl.steps, [10, 20, 30, 40, 50], 'not mutated');
});

test('seek goes to the nearest stored step at or before', () => {
  assert.equal(pb.seek(tl, 30), 30);
  assert.equal(pb.seek(tl, 39), 30);
  assert.equal(pb.seek(tl, 1000), 50);
  assert.equal(pb.seek(tl, 3), 10, 'before the first: the first');
  assert.equal(pb.seek(pb.createTimeline([]), 3), null);
});

test('next and prev stay put at the ends', () => {
  assert.equal(pb.next(tl, 20), 30);
  assert.equal(pb.next(tl, 25), 30);
  assert.equal(pb.next(tl, 50), 50);
  assert.equal(pb.next(tl, 0), 10);
  assert.equal(pb.prev(tl, 30), 20);
  assert.equal(pb.prev(tl, 35), 30);
  assert.equal(pb.prev(tl, 10), 10);
});

test('advance plays at speed frames per second across uneven animation frames', () => {
  let s = pb.play(pb.initialPlayback(), tl);
  assert.deepEqual([s.mode, s.playing, s.step], ['replay', true, 10], 'play from live starts at the first step');
  s = pb.setSpeed(s, 2);  // one frame per 500 ms
  s = pb.advance(s, 300, tl);
  assert.equal(s.step, 10);
  s = pb.advance(s, 300, tl);  // 600 ms in total
  assert.equal(s.step, 20);
  s = pb.advance(s, 16.7 * 24, tl);  // 100 + 400.8 ms carried
  assert.equal(s.step, 30);
  s = pb.advance(s, 1000, tl);
  assert.equal(s.step, 50);
  assert.equal(s.playing, false, 'stops at the end');
  assert.equal(pb.advance(s, 1000, tl), s, 'paused does not move');
  s = pb.play(s, tl);
  assert.equal(s.step, 10, 'play at the end starts over');
  s = pb.advance(pb.setSpeed(s, 1000), 1e6, tl);
  assert.equal(s.step, 50, 'a long gap clamps at the end');
});

test('manual moves leave live mode and pause; live follows the newest step', () => {
  let s = pb.follow(pb.initialPlayback(), tl);
  assert.deepEqual([s.mode, s.step], ['live', 50]);
  const grown = pb.addStep(tl, 60);
  s = pb.follow(s, grown);
  assert.equal(s.step, 60);
  assert.equal(pb.advance(s, 5000, grown), s, 'live does not play');
  s = pb.seekTo(s, grown, 33);
  assert.deepEqual([s.mode, s.playing, s.step], ['replay', false, 30]);
  assert.equal(pb.follow(s, pb.addStep(grown, 70)).step, 30, 'replay ignores new steps');
  assert.equal(pb.stepForward(s, grown).step, 40);
  assert.equal(pb.stepBack(s, grown).step, 20);
  s = pb.goLive(s, grown);
  assert.deepEqual([s.mode, s.step], ['live', 60]);
});

test('fractionOf: a step\'s place on the frame-by-frame slider', () => {
  const { createTimeline, fractionOf } = pb;
  const tl = createTimeline([0, 10, 20, 40]);
  assert.equal(fractionOf(tl, 0), 0);
  assert.equal(fractionOf(tl, 10), 1 / 3);
  assert.equal(fractionOf(tl, 30), 2.5 / 3, 'halfway between the frames at 20 and 40');
  assert.equal(fractionOf(tl, 40), 1);
  assert.equal(fractionOf(tl, 99), 1);
  assert.equal(fractionOf(tl, -5), 0);
  assert.equal(fractionOf(createTimeline([]), 5), null);
  assert.equal(fractionOf(createTimeline([7]), 7), 1);
});
