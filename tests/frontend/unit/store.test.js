// store.test.js: state/store.js merges patches, notifies changed keys only, survives throwing
// listeners, and orders notifications of nested sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createStore, defaultState } from '../../../frontend/state/store.js';

test('set merges and notifies the changed keys', () => {
  const store = createStore({ step: 1, tab: 'training' });
  const seen = [];
  store.on('step', (v, prev, s) => seen.push(['step', v, prev, s.tab]));
  store.on('tab', (v) => seen.push(['tab', v]));
  store.on('*', (s, keys) => seen.push(['*', keys]));
  const before = store.get();
  store.set({ step: 2 });
  store.set({ step: 2, tab: 'training' });  // nothing changed: no events
  store.set({ tab: 'params' });
  assert.deepEqual(seen, [['step', 2, 1, 'training'], ['*', ['step']], ['tab', 'params'], ['*', ['tab']]]);
  assert.equal(before.step, 1, 'earlier snapshots are untouched');
  assert.equal(store.get('step'), 2);
  assert.deepEqual(store.get(), { step: 2, tab: 'params' });
});

test('unsubscribe stops events; update applies a function', () => {
  const store = createStore({ n: 0 });
  const got = [];
  const off = store.on('n', (v) => got.push(v));
  store.update('n', (n) => n + 1);
  off();
  store.update('n', (n) => n + 1);
  assert.deepEqual(got, [1]);
  assert.equal(store.get('n'), 2);
});

test('a throwing listener does not stop the others', () => {
  const errors = [];
  const store = createStore({ frame: null }, { onError: (e) => errors.push(e.message) });
  const got = [];
  store.on('frame', () => { throw new Error('3D view broke'); });
  store.on('frame', (v) => got.push(v));
  store.on('*', () => got.push('*'));
  store.set({ frame: 1 });
  assert.deepEqual(got, [1, '*']);
  assert.deepEqual(errors, ['3D view broke']);
});

test('a set inside a listener is applied at once and notified after the current round', () => {
  const store = createStore({ a: 0, b: 0 });
  const log = [];
  store.on('a', (v) => { log.push(`a=${v}`); if (v === 1) store.set({ b: 10 }); log.push(`b is ${store.get('b')}`); });
  store.on('a', (v, _p, s) => log.push(`second a=${v} b=${s.b}`));
  store.on('b', (v) => log.push(`b=${v}`));
  store.set({ a: 1 });
  assert.deepEqual(log, ['a=1', 'b is 10', 'second a=1 b=10', 'b=10']);
});

test('the default state has every key of the contract', () => {
  // docs/frontend.md's key list; app.js builds its store from defaultState() alone.
  const keys = ['sessions', 'session', 'live', 'hello', 'connection', 'metrics', 'events', 'runInfo', 'compare',
    'frameIndex', 'frame', 'prevFrame', 'playback', 'filters', 'colorBy', 'field', 'selected', 'quality', 'fps',
    'tab', 'viewError', 'drawn', 'loadError', 'frameError',
    'insights', 'focusInsight', 'probes', 'probeRecord', 'probeError', 'attentionHead', 'report',
    'tour', 'tourCamera', 'tourRegion'];
  const s = defaultState();
  assert.deepEqual(Object.keys(s).sort(), [...keys].sort(), 'no key missing, none undocumented');
  assert.equal(s.connection, 'connecting');
  assert.equal(s.loadError, null);
  assert.equal(s.playback.mode, 'live');
  assert.equal(s.filters.types.size, 4);
  // Per-session maps, as app.js keeps them: {[session]: rows} and {[session]: [events]}.
  assert.deepEqual(s.metrics, {});
  assert.deepEqual(s.events, {});
  assert.ok(!Array.isArray(s.events), 'events is a map by session, not a list');
  assert.deepEqual(s.insights, {}, 'insight sets by session');
  assert.deepEqual(s.probes, {}, 'probe indexes by session');
  assert.notEqual(defaultState().filters.types, s.filters.types, 'fresh objects each time');
});
