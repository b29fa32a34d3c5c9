// network_geometry.test.js: geometry/network_geometry.js places the network from its shape alone
// (no three.js: this file runs in node without it): columns in data-flow order without overlap,
// ln_f after the last layer, more towers only when they make the matrices clearly larger.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { COLUMN_TITLES, MATRIX_SIDE, SLAB_COLUMNS, isStrip, networkGeometry }
  from '../../../frontend/geometry/network_geometry.js';

test('columns run left to right in data-flow order, centred, without overlap', () => {
  const g = networkGeometry(2);
  const xs = SLAB_COLUMNS.map((n) => g.columns[n]);
  for (let i = 1; i < xs.length; i++) {
    assert.ok(xs[i - 1].x + xs[i - 1].w / 2 <= xs[i].x - xs[i].w / 2 + 1e-9, `${SLAB_COLUMNS[i - 1]} overlaps ${SLAB_COLUMNS[i]}`);
  }
  const left = xs[0].x - xs[0].w / 2; const right = xs.at(-1).x + xs.at(-1).w / 2;
  assert.ok(Math.abs(left + right) < 1e-9, `tower centred on x = 0: ${left} .. ${right}`);
  for (const n of SLAB_COLUMNS) assert.equal(g.columns[n].w < MATRIX_SIDE, isStrip(n), n);
  assert.deepEqual(g.columns.lnfw, g.columns.ln1w, 'ln_f sits in the ln1 column');
  for (const n of Object.keys(COLUMN_TITLES)) assert.ok(SLAB_COLUMNS.includes(n), `title for unknown column ${n}`);
});

test('one tower for a small model: layers go up, ln_f on top, the box holds everything', () => {
  const g = networkGeometry(4);
  assert.equal(g.towers, 1);
  for (let l = 1; l < 4; l++) assert.ok(g.layerY(l) > g.layerY(l - 1));
  assert.ok(g.layerY(-1) > g.layerY(3), 'ln_f above the last layer');
  assert.deepEqual(g.pos('qkvw', 2), [g.towerX(2) + g.columns.qkvw.x, g.layerY(2)]);
  assert.ok(g.box.max[1] >= g.topY && g.box.min[1] < g.cloudWte.offset[1] - g.cloudWte.radius + 1,
    `box ${JSON.stringify(g.box)} must hold the top row and the clouds`);
  assert.ok(Array.isArray(g.box.min) && g.box.min.length === 3, 'plain arrays, no three.js types');
});

test('a deep model on a wide stage stands in several towers; a tall stage keeps one', () => {
  const wide = networkGeometry(12, 2.5);
  assert.ok(wide.towers > 1, `12 layers at aspect 2.5: ${wide.towers} tower(s)`);
  assert.equal(wide.towerOf(0), 0);
  assert.equal(wide.towerOf(-1), wide.towers - 1, 'ln_f in the last tower');
  assert.ok(wide.towerX(11) > wide.towerX(0));
  assert.equal(networkGeometry(12, 0.5).towers, 1);
  assert.ok(networkGeometry(12, 100).towers <= 3, 'at most 3 towers');
});
