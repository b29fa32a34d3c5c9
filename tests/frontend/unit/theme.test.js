// theme.test.js: the dashboard's colours (views/theme.js) stay apart for people with the common
// colour-vision deficiencies (protan, deutan; simulated, cvd.js), where colour carries meaning:
// the loss chart's series, the phase bands as drawn (translucent over the panel) and the
// insight severities. Each pair is measured as CIELAB distance after simulation.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BAND_ALPHA, COLORS, PHASE_COLORS, SEVERITY_STYLE } from '../../../frontend/views/theme.js';
import { deltaE, hex, over } from './cvd.js';

function assertApart(pairs, min, what) {
  for (const [na, a, nb, b] of pairs) {
    for (const [vision, d] of Object.entries(deltaE(a, b))) {
      assert.ok(d >= min, `${what}: ${na} and ${nb} look alike for ${vision} vision (ΔE ${d.toFixed(1)} < ${min})`);
    }
  }
}
const pairsOf = (named) => named.flatMap(([na, a], i) => named.slice(i + 1).map(([nb, b]) => [na, a, nb, b]));

test('loss chart series: train, val and a compared run stay apart', () => {
  const s = ['train', 'val', 'compareTrain', 'compareVal'].map((k) => [k, hex(COLORS[k])]);
  // The compared run is dashed as well; its colours still must not read as this run's.
  assertApart([[...s[0], ...s[1]], [...s[0], ...s[2]], [...s[1], ...s[3]], [...s[2], ...s[3]]], 15, 'series');
});

test('phase bands, as drawn over the panel, stay apart from the bands they can touch', () => {
  const bg = hex(COLORS.panel);
  const band = (k) => [k, over(hex(PHASE_COLORS[k]), bg, BAND_ALPHA)];
  // Bands of the curve's row follow each other; the schedule row has its own two.
  assertApart(pairsOf(['rapid_descent', 'slowdown', 'power_law'].map(band)), 10, 'curve bands');
  assertApart(pairsOf(['warmup', 'annealing'].map(band)), 10, 'schedule bands');
  // And every band is visible against the bare panel.
  assertApart(Object.keys(PHASE_COLORS).map((k) => ['panel', bg, ...band(k)]), 5, 'band vs panel');
});

test('severities differ in colour and in shape', () => {
  const named = Object.entries(SEVERITY_STYLE).map(([k, v]) => [k, hex(v.color)]);
  assert.deepEqual(named.map(([k]) => k), ['info', 'notice', 'warning', 'critical']);
  assertApart(pairsOf(named), 15, 'severities');
  assert.equal(new Set(Object.values(SEVERITY_STYLE).map((v) => v.shape)).size, 4, 'one shape each');
});
