// filters.test.js: state/filters.js lets through the ticked types and layers and, when nothing
// matches, suggests the nearest filter that shows something, with a label for people.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeFrame } from '../../../frontend/net/protocol.js';
import { TYPE_OF, TYPES, allItems, defaultFilters, describeFilters, layerOn, layersOf, nearestAlternative, toggle,
  typeOn, visibleItems, showsItem, selectionUnder }
  from '../../../frontend/state/filters.js';
import { encodeFrame, modelFrame } from './frame_fixture.js';

const f6 = decodeFrame(modelFrame({ L: 6 }));
const F = (types, layers) => ({ types: types && new Set(types), layers: layers && new Set(layers) });

test('TYPE_OF covers every GPT-2 tensor', () => {
  for (const n of ['wte', 'wpe']) assert.equal(TYPE_OF[n], 'embeddings');
  for (const n of ['qkvw', 'attprojw']) assert.equal(TYPE_OF[n], 'attention');
  for (const n of ['fcw', 'fcprojw']) assert.equal(TYPE_OF[n], 'mlp');
  for (const n of ['ln1w', 'ln1b', 'ln2w', 'ln2b', 'lnfw', 'lnfb']) assert.equal(TYPE_OF[n], 'layernorm');
  assert.equal(TYPE_OF.stats, undefined);
});

test('items are the drawable tensors, one per (name, layer)', () => {
  const items = allItems(f6);
  assert.equal(items.length, 1 + 6 * 6, 'wte + 4 grids and 2 vectors per layer');
  assert.ok(!items.some((i) => i.name === 'stats' || i.name === 'hist'));
  assert.deepEqual(items[0], { name: 'wte', layer: -1, type: 'embeddings', kind: 'points3d' });
  assert.deepEqual(layersOf(f6), [0, 1, 2, 3, 4, 5]);
  assert.equal(visibleItems(f6, defaultFilters(f6)).length, items.length);
  assert.deepEqual([...defaultFilters(f6).layers], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(visibleItems(null, defaultFilters(3)), []);
});

test('type and layer filters take effect; global items follow the type filter only', () => {
  const att3 = visibleItems(f6, F(['attention'], [3]));
  assert.deepEqual(att3.map((i) => `${i.name}.${i.layer}`), ['qkvw.3', 'attprojw.3']);
  const emb = visibleItems(f6, F(['embeddings', 'mlp'], [1]));
  assert.deepEqual(emb.map((i) => `${i.name}.${i.layer}`), ['wte.-1', 'fcw.1', 'fcprojw.1']);
  assert.equal(visibleItems(f6, F(['layernorm'], null)).length, 12, 'null layers means all');
  assert.equal(visibleItems(f6, F(null, [])).length, 1, 'no layer: only the embeddings');
  assert.equal(nearestAlternative(f6, F(['attention'], [3])), null, 'nothing to suggest when something shows');
});

test('a layer beyond the model suggests the nearest layer that exists', () => {
  const filters = F(['attention'], [7]);
  assert.equal(visibleItems(f6, filters).length, 0);
  const alt = nearestAlternative(f6, filters);
  assert.deepEqual([...alt.filters.layers], [5]);
  assert.deepEqual([...alt.filters.types], ['attention'], 'types kept');
  assert.match(alt.label, /layer 5/);
  assert.match(alt.label, /layers 0–5/);
  assert.ok(visibleItems(f6, alt.filters).length > 0);
});

test('no type ticked suggests all types', () => {
  const alt = nearestAlternative(f6, F([], [2]));
  assert.deepEqual(new Set(alt.filters.types), new Set(TYPES));
  assert.deepEqual([...alt.filters.layers], [2]);
  assert.match(alt.label, /all parameter types/);
});

test('a type with no items suggests a type that has items in the ticked layers', () => {
  // A frame with attention grids only (no LayerNorm, no MLP).
  const g = { kind: 'grid', field: 'value', shape: [2, 2], data: new Float32Array(4) };
  const frame = decodeFrame(encodeFrame({ tensors: [
    { ...g, name: 'wte', kind: 'points3d', field: 'xyz', shape: [1, 3], data: new Float32Array(3), layer: -1 },
    { ...g, name: 'qkvw', layer: 0 }, { ...g, name: 'qkvw', layer: 1 }], meta: { model: { L: 2 } } }));
  const alt = nearestAlternative(frame, F(['layernorm'], [1]));
  assert.deepEqual([...alt.filters.types], ['attention'], 'attention has items in layer 1, embeddings only outside');
  assert.deepEqual([...alt.filters.layers], [1]);
  assert.match(alt.label, /^Show attention \(no LayerNorm tensors here\)/);
  // Layers that are absent and a type that is absent: falls back to something that shows.
  const alt2 = nearestAlternative(frame, F(['mlp'], [9]));
  assert.ok(visibleItems(frame, alt2.filters).length > 0, alt2.label);
  assert.equal(nearestAlternative(decodeFrame(encodeFrame({ tensors: [] })), F([], [])), null, 'empty frame: nothing to suggest');
});

test('describeFilters says what was asked for', () => {
  assert.equal(describeFilters(F(['attention', 'mlp'], [2, 3, 4])), 'attention, MLP in layers 2–4');
  assert.equal(describeFilters(F(['layernorm'], [1, 5])), 'LayerNorm in layers 1, 5');
  assert.equal(describeFilters(F([], [7])), 'no type in layer 7');
  assert.equal(describeFilters(F(null, null)), 'all types in all layers');
});

test('typeOn, layerOn and toggle (immutable, null means all)', () => {
  const all = F(null, null);
  assert.ok(typeOn(all, 'mlp') && layerOn(all, 3) && layerOn(F([], []), -1));
  const noL2 = toggle(all, 'layer', 2, false, [0, 1, 2, 3]);
  assert.deepEqual([...noL2.layers], [0, 1, 3]);
  assert.equal(noL2.types, null);
  assert.equal(all.layers, null, 'not mutated');
  const noMlp = toggle(noL2, 'type', 'mlp', false);
  assert.deepEqual([...noMlp.types], ['embeddings', 'attention', 'layernorm']);
  assert.ok(!typeOn(noMlp, 'mlp') && !layerOn(noMlp, 2) && layerOn(noMlp, 3));
  assert.ok(toggle(noMlp, 'type', 'mlp', true).types.has('mlp'));
  assert.equal(visibleItems(f6, noMlp).filter((i) => i.layer === 2).length, 0, 'layer 2 hidden');
  assert.throws(() => toggle(all, 'colour', 1, true), /toggle 'type' or 'layer'/);
});

test('showsItem and selectionUnder: a selection the filters hide is cleared', () => {
  const noLayer0 = { types: new Set(TYPES), layers: new Set([1, 2]) };
  assert.equal(showsItem(noLayer0, 'qkvw', 0), false);
  assert.equal(showsItem(noLayer0, 'qkvw', 1), true);
  assert.equal(showsItem(noLayer0, 'wte', -1), true, 'global tensors follow the type filter only');
  assert.equal(showsItem({ types: new Set(['mlp']), layers: null }, 'wte', -1), false);
  assert.equal(showsItem({ types: new Set(['mlp']), layers: null }, 'fcb', 3), true, 'null layers: all');
  assert.equal(showsItem(null, 'qkvw', 7), true, 'no filters: everything');
  const sel = { name: 'qkvw', layer: 0 };
  assert.equal(selectionUnder(noLayer0, sel), null);
  assert.equal(selectionUnder(defaultFilters(3), sel), sel, 'still shown: the same object');
  assert.equal(selectionUnder(noLayer0, null), null);
});
