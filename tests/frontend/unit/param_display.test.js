// param_display.test.js: the DOM-free parts of the Parameters views: state/display_data.js
// (targets, tweening, field and colour choices) and state/describe.js (what a tooltip says).
// Frames are built with frame_fixture.js's encoder and decoded by net/protocol.js, as the page does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame } from './frame_fixture.js';
import { decodeFrame } from '../../../frontend/net/protocol.js';
import { createDisplayData, matShown, matScale, cloudPos, cloudAttrShown, TWEEN_MS } from '../../../frontend/state/display_data.js';
import { describeItem } from '../../../frontend/state/describe.js';

const G = 4; const C = 6; const K = 5;
function frame(step, shift = 0) {
  const grid = Float32Array.from({ length: G * G }, (_, i) => (i - 8) / 100 + shift);
  return decodeFrame(encodeFrame({
    session: 's', step,
    tensors: [
      { name: 'wte', kind: 'points3d', layer: -1, field: 'xyz', shape: [K, 3], data: Float32Array.from({ length: 3 * K }, (_, i) => (i % 7) - 3 + shift) },
      { name: 'wte', kind: 'rows', layer: -1, field: 'norm', shape: [K], data: Float32Array.from([5, 4, 3, 2, 1].map((v) => v + shift)) },
      { name: 'wte', kind: 'rows', layer: -1, field: 'grad_norm', shape: [K], data: Float32Array.from([1, 2, 3, 4, 5]) },
      { name: 'qkvw', kind: 'grid', layer: 0, field: 'value', shape: [G, G], data: grid },
      { name: 'qkvw', kind: 'grid', layer: 0, field: 'grad', shape: [G, G], data: grid.map((v) => v / 10) },
      { name: 'ln1w', kind: 'vector', layer: 0, field: 'value', shape: [C], data: Float32Array.from({ length: C }, (_, i) => 1 + i / 100) },
    ],
    meta: { model: { L: 1, NH: 1, C, V: K, maxT: 8 }, stat_names: [],
      blocks: [{ name: 'wte', layer: -1, rows: [40, 10, 20, 30, 0], text: ['e', ' ', 't', 'a', '\n'] },
        { name: 'qkvw', layer: 0, rows: [0, 5, 10, 15], cols: [0, 2, 4, 6] }] },
  }));
}

test('the first frame is shown at once, later frames are tweened to', () => {
  const d = createDisplayData();
  const a = frame(10); const b = frame(20, 0.5);
  d.setFrame(a, null, { field: 'value' }, 1000);
  const m = d.mats.get('qkvw:0');
  assert.deepEqual(Array.from(matShown(m)), Array.from(a.get('qkvw', 'value', 0).data));
  d.setFrame(b, a, {}, 2000);
  d.tick(2000);
  assert.ok(Math.abs(matShown(m)[0] - a.get('qkvw', 'value', 0).data[0]) < 1e-6, 'starts where the picture was');
  d.tick(2000 + TWEEN_MS / 2);
  const mid = matShown(m)[0];
  assert.ok(mid > a.get('qkvw', 'value', 0).data[0] && mid < b.get('qkvw', 'value', 0).data[0], `half-way value ${mid}`);
  assert.equal(d.tick(2000 + TWEEN_MS + 1), true);
  assert.ok(Math.abs(matShown(m)[0] - b.get('qkvw', 'value', 0).data[0]) < 1e-6, 'arrives at the new frame');
  assert.equal(d.tick(2000 + TWEEN_MS + 50), false, 'nothing moves after arriving');
});

test('field update shows value minus the previous frame; grad shows the gradient', () => {
  const d = createDisplayData();
  const a = frame(10); const b = frame(20, 0.25);
  d.setFrame(a, null, { field: 'update' }, 0);
  assert.ok(Array.from(matShown(d.mats.get('qkvw:0'))).every((v) => v === 0), 'no previous frame: zero update');
  d.setFrame(b, a, { field: 'update' }, 0);
  d.tick(TWEEN_MS + 1);
  for (const v of matShown(d.mats.get('qkvw:0'))) assert.ok(Math.abs(v - 0.25) < 1e-3, `update ${v}`);
  d.setOptions({ field: 'grad' }, 10_000);
  d.tick(20_000);
  assert.ok(Math.abs(matShown(d.mats.get('qkvw:0'))[0] - b.get('qkvw', 'grad', 0).data[0]) < 1e-7);
  assert.ok(matScale(d.mats.get('qkvw:0')) > 0);
});

test('LayerNorm gains are shown as their distance from 1', () => {
  const d = createDisplayData();
  d.setFrame(frame(1), null, { field: 'value' }, 0);
  const v = d.vecs.get('ln1w:0');
  assert.equal(v.centre, 1);
  assert.ok(Math.abs(matShown(v)[5] - 0.05) < 1e-3, `ln1w[5] - 1 = ${matShown(v)[5]}`);
});

test('the cloud is centred and scaled; frequency colours the first rows brightest', () => {
  const d = createDisplayData();
  d.setFrame(frame(1), null, { colorBy: 'frequency' }, 0);
  const c = d.clouds.get('wte');
  const p = cloudPos(c);
  const mean = [0, 1, 2].map((k) => Array.from({ length: K }, (_, i) => p[3 * i + k]).reduce((s, x) => s + x, 0) / K);
  for (const m of mean) assert.ok(Math.abs(m) < 1e-5, `centred: ${mean}`);
  const radii = Array.from({ length: K }, (_, i) => Math.hypot(p[3 * i], p[3 * i + 1], p[3 * i + 2]));
  const sorted = [...radii].sort((x, y) => x - y);
  assert.ok(Math.abs(sorted[Math.floor(0.95 * (K - 1))] - 1) < 1e-5, `95th percentile radius is 1: ${sorted}`);
  const a = Array.from(cloudAttrShown(c));
  assert.deepEqual(a, [...a].sort((x, y) => y - x));
  d.setOptions({ colorBy: 'grad_norm' }, 0);
  d.tick(1e6);
  assert.ok(cloudAttrShown(c)[4] > cloudAttrShown(c)[0], 'largest gradient norm is brightest');
});

test('a tooltip names the tensor row and column and the frame\'s own value', () => {
  const a = frame(10); const b = frame(20, 0.5);
  const info = describeItem(b, a, { name: 'qkvw', layer: 0, row: 2, col: 3 });
  assert.equal(info.row, 10, 'tensor row from meta.blocks');
  assert.equal(info.col, 6, 'tensor column from meta.blocks');
  assert.equal(info.value, b.get('qkvw', 'value', 0).data[2 * G + 3]);
  assert.equal(info.grad, b.get('qkvw', 'grad', 0).data[2 * G + 3]);
  assert.ok(Math.abs(info.change - 0.5) < 1e-3);
  const pt = describeItem(b, a, { name: 'wte', layer: -1, row: 0 });
  assert.equal(pt.row, 40, 'token id');
  assert.equal(pt.value, b.get('wte', 'norm').data[0]);
  assert.match(pt.title, /"e"/);
  assert.equal(describeItem(b, null, { name: 'wte', layer: -1, row: 0 }).change, null, 'no previous frame: no change');
  const ln = describeItem(b, a, { name: 'ln1w', layer: 0, row: 3, col: 0 });
  assert.equal(ln.row, 3);
  assert.equal(ln.value, b.get('ln1w', 'value', 0).data[3]);
  assert.equal(describeItem(b, a, { name: 'qkvw', layer: 0, row: G, col: 0 }), null, 'outside the grid');
});
