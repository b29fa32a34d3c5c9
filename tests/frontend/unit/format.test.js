// format.test.js: display/format.js prints numbers the way people read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatCompact, formatDecimals, formatExponent, formatInteger, formatNumber, formatPercent, formatSigned,
  formatTick, shortId } from '../../../frontend/display/format.js';

test('3 significant digits, exponent for tiny and huge values', () => {
  const cases = [[0, '0'], [1.23456, '1.23'], [-1.23456, '-1.23'], [0.0123456, '0.0123'], [0.001, '0.001'],
    [0.00012, '1.2e-4'], [0.000123456, '1.23e-4'], [1e-8, '1e-8'], [1234.5, '1230'], [9999.4, '1e4'],
    [12345, '1.23e4'], [-3e7, '-3e7'], [2, '2'], [0.5, '0.5'], [0.99951, '1'], [NaN, '–'], [null, '–'], [undefined, '–'],
    [Infinity, '∞'], [-Infinity, '-∞']];
  for (const [x, want] of cases) assert.equal(formatNumber(x), want, `formatNumber(${x})`);
  assert.equal(formatNumber(Math.PI, 5), '3.1416');
});

test('compact SI values, with a unit, and as axis ticks', () => {
  const cases = [[12345, '12.3k'], [999, '999'], [1000, '1k'], [999950, '1M'], [4.56e6, '4.56M'], [-2500, '-2.5k'],
    [1.5e9, '1.5G'], [0.5, '0.5'], [0.00002, '2e-5']];
  for (const [x, want] of cases) assert.equal(formatCompact(x), want, `formatCompact(${x})`);
  assert.equal(formatCompact(51908, 'tok/s'), '51.9k tok/s');
  assert.equal(formatCompact(null, 'tok/s'), '–');
  assert.equal(formatTick(124e6), '124M', 'model size in the run summary');
  assert.equal(formatTick(6e-4), '6e-4', 'learning-rate axis');
  assert.equal(formatTick(null), '', 'an axis shows nothing for a missing value');
});

test('tooltip numbers: 4 digits, signed changes', () => {
  assert.equal(formatNumber(0.0254423, 4), '0.02544');
  assert.equal(formatNumber(1.8531e-4, 4), '1.853e-4');
  assert.equal(formatSigned(0.00123, 4), '+0.00123');
  assert.equal(formatSigned(-0.5, 4), '-0.5');
  assert.equal(formatSigned(0, 4), '0');
  assert.equal(formatSigned(null, 4), '–');
});

test('losses, learning rates, percent, integers, run ids', () => {
  assert.equal(formatDecimals(1.84523), '1.8452');
  assert.equal(formatDecimals(null), '–');
  assert.equal(formatDecimals(2.5, 1), '2.5');
  assert.equal(formatExponent(6e-4), '6.000e-4');
  assert.equal(formatExponent(undefined), '–');
  assert.equal(formatPercent(0.41234), '41.2%');
  assert.equal(formatInteger(1234567), '1,234,567');
  assert.equal(formatInteger(12.4), '12');
  assert.equal(shortId('20261126-080538-13ed'), '08:05·13ed');
  assert.equal(shortId('replay-1'), 'replay-1');
  assert.equal(shortId(null), '');
});
