// state/store.js: the single app state with change events (docs/frontend.md lists the keys).
// Pure; no DOM.
//
// Choices beyond docs/frontend.md:
// - set(patch) merges shallowly into a NEW state object (earlier get() results stay as they were)
//   and notifies only keys whose value changed (Object.is): on(key, fn) gets fn(value, previous,
//   state); on('*', fn) gets fn(state, changedKeys) once per set.
// - A listener that throws does not stop the others or the set(); the error goes to
//   options.onError (default console.error). This keeps one broken view from breaking the rest (R6.5).
// - set() called from inside a listener applies at once but its notifications run after the
//   current round, in order, so listeners always see the latest state.
// - Extras: get(key), update(key, fn) = set({[key]: fn(current)}), defaultState().

import { TYPES } from './filters.js';
import { initialPlayback } from './playback.js';

/** The state a fresh page starts from. */
export function defaultState() {
  return {
    sessions: [], session: null, live: false, hello: null, connection: 'connecting',
    metrics: {}, events: {}, insights: {}, runInfo: {}, compare: null,
    frameIndex: [], frame: null, prevFrame: null,
    playback: initialPlayback(),
    filters: { types: new Set(TYPES), layers: null },
    colorBy: 'frequency', field: 'value', selected: null,
    quality: null, fps: 0, tab: 'training', viewError: null, drawn: null,
    loadError: null, frameError: null,
    focusInsight: null, probes: {}, probeRecord: null, probeError: null, attentionHead: null,
    report: null, // a saved report's selection (net/embedded.js), null on a hub
    tourCamera: null, tourRegion: null, tour: null,
  };
}

export function createStore(initial = defaultState(), { onError = (e) => console.error(e) } = {}) {
  let state = { ...initial };
  const listeners = new Map();  // key or '*' -> Set of fns
  const queue = [];
  let notifying = false;

  function call(fn, ...args) {
    try {
      fn(...args);
    } catch (e) {
      onError(e);
    }
  }

  function notify(changed, before) {
    for (const key of changed) {
      for (const fn of [...(listeners.get(key) ?? [])]) call(fn, state[key], before[key], state);
    }
    for (const fn of [...(listeners.get('*') ?? [])]) call(fn, state, changed);
  }

  const store = {
    get(key) { return key === undefined ? state : state[key]; },
    set(patch) {
      const changed = Object.keys(patch).filter((k) => !Object.is(state[k], patch[k]));
      if (!changed.length) return;
      const before = state;
      state = { ...state, ...patch };
      queue.push([changed, before]);
      if (notifying) return;
      notifying = true;
      try {
        while (queue.length) notify(...queue.shift());
      } finally {
        notifying = false;
      }
    },
    update(key, fn) { store.set({ [key]: fn(state[key]) }); },
    on(key, fn) {
      if (!listeners.has(key)) listeners.set(key, new Set());
      listeners.get(key).add(fn);
      return () => listeners.get(key)?.delete(fn);
    },
  };
  return store;
}
