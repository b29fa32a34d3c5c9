// format.test.js: display/format.js prints numbers the way people read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatBytes, formatCompact, formatDuration, formatLoss, formatNumber, formatPercent, formatRate, formatStep }
  from '../../../frontend/display/format.js';

test('3 significant digits, exponent for tiny and huge values', () => {
  const cases = [[0, '0'], [1.23456, '1.23'], [-1.23456, '-1.23'], [0.0123456, '0.0123'], [0.001, '0.001'],
    [0.00012, '1.2e-4'], [0.000123456, '1.23e-4'], [1e-8, '1e-8'], [1234.5, '1230'], [9999.4, '1e4'],
    [12345, '1.23e4'], [-3e7, '-3e7'], [2, '2'], [0.5, '0.5'], [0.99951, '1'], [NaN, '–'], [null, '–'], [undefined, '–'],
    [Infinity, '∞'], [-Infinity, '-∞']];
  for (const [x, want] of cases) assert.equal(formatNumber(x), want, `formatNumber(${x})`);
  assert.equal(formatNumber(Math.PI, 5), '3.1416');
});

test('compact SI values and rates', () => {
  const cases = [[12345, '12.3k'], [999, '999'], [1000, '1k'], [999950, '1M'], [4.56e6, '4.56M'], [-2500, '-2.5k'],
    [1.5e9, '1.5G'], [0.5, '0.5'], [0.00002, '2e-5']];
  for (const [x, want] of cases) assert.equal(formatCompact(x), want, `formatCompact(${x})`);
  assert.equal(formatRate(12345.6), '12.3k tok/s');
  assert.equal(formatRate(51908), '51.9k tok/s');
  assert.equal(formatRate(null), '–');
});

test('loss, percent, steps, bytes, durations', () => {
  assert.equal(formatLoss(1.84523), '1.8452');
  assert.equal(formatLoss(null), '–');
  assert.equal(formatPercent(0.41234), '41.2%');
  assert.equal(formatStep(1234567), '1,234,567');
  assert.equal(formatStep(12), '12');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1.5 * 1024 * 1024), '1.5 MiB');
  assert.equal(formatDuration(350), '350 ms');
  assert.equal(formatDuration(1234), '1.23 s');
  assert.equal(formatDuration(185000), '3 min 5 s');
  assert.equal(formatDuration(7380000), '2 h 3 min');
});
