// metric_columns.test.js: state/metric_columns.js (pure): metrics rows become uPlot columns
// incrementally (new rows only, a same-step row merges, a new array restarts), two runs join on
// the step axis with nulls where a run has no point, and decimation keeps the last point and every
// sparse (val loss) point.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createColumns, updateColumns, joinOnStep, decimate } from '../../../frontend/state/metric_columns.js';

test('columns grow incrementally from the same rows array', () => {
  const rows = [{ step: 0, train_loss: 4, lr: 1e-3 }, { step: 1, train_loss: 3.5, lr: 1e-3 }];
  const cols = updateColumns(createColumns(), rows);
  assert.deepEqual(cols.step, [0, 1]);
  assert.deepEqual(cols.train, [4, 3.5]);
  assert.deepEqual(cols.val, [null, null]);
  assert.equal(cols.hasMfu, false);
  const before = cols.train;
  rows.push({ step: 2, train_loss: 3, mfu: 0.4, grad_norm: 1.2 });
  updateColumns(cols, rows);
  assert.equal(cols.train, before, 'the same arrays, appended to (no rebuild)');
  assert.deepEqual(cols.step, [0, 1, 2]);
  assert.deepEqual(cols.gn, [null, null, 1.2]);
  assert.deepEqual(cols.mfu, [null, null, 0.4]);
  assert.equal(cols.hasMfu, true);
});

test('a row gaining fields in place, and a same-step row, update the last point', () => {
  const rows = [{ step: 0, train_loss: 4 }, { step: 5, train_loss: 3 }];
  const cols = updateColumns(createColumns(), rows);
  rows[1].val_loss = 3.2; // the store merges a same-step message into the last row
  updateColumns(cols, rows);
  assert.deepEqual(cols.val, [null, 3.2]);
  rows.push({ step: 5, tokens_per_s: 1000 }); // or sends it as a row of its own
  updateColumns(cols, rows);
  assert.deepEqual(cols.step, [0, 5]);
  assert.deepEqual(cols.tps, [null, 1000]);
  assert.deepEqual(cols.train, [4, 3], 'fields the new row lacks stay');
});

test('a new rows array (another run) restarts the columns; non-finite values read as null', () => {
  const cols = updateColumns(createColumns(), [{ step: 0, train_loss: 1 }, { step: 1, train_loss: 2 }]);
  updateColumns(cols, [{ step: 10, train_loss: NaN }, { step: 11, train_loss: 'x' }]);
  assert.deepEqual(cols.step, [10, 11]);
  assert.deepEqual(cols.train, [null, null]);
  updateColumns(cols, null);
  assert.deepEqual(cols.step, []);
});

test('joinOnStep: union of steps, null where a run has no point', () => {
  const a = { step: [0, 2, 4], ys: [[1, 2, 3]] };
  const b = { step: [1, 2, 6], ys: [[10, 20, 30], [7, 8, 9]] };
  assert.deepEqual(joinOnStep(a, b), [
    [0, 1, 2, 4, 6],
    [1, null, 2, 3, null],
    [null, 10, 20, null, 30],
    [null, 7, 8, null, 9],
  ]);
  assert.deepEqual(joinOnStep(a, null), [[0, 2, 4], [1, 2, 3]], 'one run: its own columns');
  assert.deepEqual(joinOnStep({ step: [], ys: [[]] }, { step: [3], ys: [[1]] }), [[3], [null], [1]]);
});

test('decimate keeps bucket starts, the last point and every sparse-column point', () => {
  const n = 100;
  const xs = Array.from({ length: n }, (_, i) => i);
  const train = xs.map((i) => i * 2);
  const val = xs.map((i) => (i === 33 || i === 77 ? i : null));
  const [dx, dtrain, dval] = decimate([xs, train, val], 10, [2]);
  // 5 buckets of 20: first, lowest and highest of the dense column each, plus 2 evaluations and the last.
  assert.ok(dx.length <= 5 * 3 + 2 + 1, `kept ${dx.length}`);
  assert.ok(dx.length < n / 4, `kept ${dx.length} of ${n}`);
  assert.equal(dx[0], 0);
  assert.equal(dx[dx.length - 1], n - 1, 'the last point stays');
  assert.ok(dx.includes(33) && dx.includes(77), 'evaluations stay');
  assert.deepEqual(dval.filter((v) => v != null), [33, 77]);
  dx.forEach((x, i) => assert.equal(dtrain[i], x * 2, 'columns stay aligned'));
  for (let i = 1; i < dx.length; i++) assert.ok(dx[i] > dx[i - 1], 'order kept');
  const small = [[1, 2], [3, 4]];
  assert.equal(decimate(small, 10), small, 'short columns pass through');
});

test('decimate never thins away a spike or a dip of a dense column', () => {
  const n = 10000;
  const xs = Array.from({ length: n }, (_, i) => i);
  const loss = xs.map((i) => 3 - i * 1e-4);
  loss[4321] = 9.5;   // a loss spike
  const gn = xs.map(() => 1);
  gn[777] = 0.01;     // a dip in another column
  const [dx, dloss, dgn] = decimate([xs, loss, gn], 200);
  assert.ok(dx.length <= 100 * 5 + 1, `kept ${dx.length}`);
  assert.ok(dx.includes(4321) && dloss.includes(9.5), 'the spike is drawn');
  assert.ok(dx.includes(777) && dgn.includes(0.01), 'the dip is drawn');
  assert.equal(Math.max(...dloss), Math.max(...loss));
});
