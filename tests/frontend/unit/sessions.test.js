// sessions.test.js: state/sessions.js merges a run's REST history with the WebSocket's messages:
// messages that arrive while the history is in flight merge after it, duplicates are not doubled,
// messages for a session that is not loaded are dropped, a failed reload is retried while the run
// is on screen, and `hello` picks the run to show. The REST client, frame source and clock are fakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createSessions, mergeEvent, mergeMetrics } from '../../../frontend/state/sessions.js';
import { createStore, defaultState } from '../../../frontend/state/store.js';

/** A promise with its resolve and reject, to hold a REST reply in flight. */
function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const row = (session, step, extra = {}) => ({ type: 'metrics', session, step, train_loss: 5 - step / 100, ...extra });
const event = (session, step, kind, text) => ({ type: 'event', session, step, kind, text });

/**
 * A fake REST client: each session's history is given up front, or held (hold(session) returns
 * the deferred reply of its next getMetrics call), or fails (fail(session, n): the next n calls).
 */
function fakeRest(histories = {}) {
  const held = new Map();
  const failures = new Map();
  const calls = { metrics: [], frames: [], sessions: 0 };
  const rest = {
    calls,
    hold(session) { const d = deferred(); held.set(session, d); return d; },
    fail(session, n = 1) { failures.set(session, n); },
    async listSessions() {
      calls.sessions++;
      return Object.keys(histories).map((session) => ({ session, ...(histories[session].live ? { live: true, state: 'live' } : {}) }));
    },
    getMetrics(session) {
      calls.metrics.push(session);
      const n = failures.get(session) ?? 0;
      if (n > 0) { failures.set(session, n - 1); return Promise.reject(new Error(`${session}: hub unreachable`)); }
      const d = held.get(session);
      if (d) { held.delete(session); return d.promise; }
      return Promise.resolve(structuredClone(histories[session]?.metrics ?? []));
    },
    async getEvents(session) { return structuredClone(histories[session]?.events ?? []); },
    async getRun(session) { return { session }; },
    async getFrameIndex(session) { calls.frames.push(session); return structuredClone(histories[session]?.frames ?? []); },
  };
  return rest;
}

function fakeFrames() {
  const calls = [];
  return { calls, clear: () => calls.push(['clear']), show: async (step) => { calls.push(['show', step]); },
    pushLive: (frame) => calls.push(['pushLive', frame.step]) };
}

/** A clock whose timers run only when the test says so. */
function fakeTimers() {
  const timers = [];
  return { timers, setTimeout: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    runAll: () => { const due = timers.splice(0); for (const t of due) t.fn(); } };
}

const settle = () => new Promise((r) => setImmediate(r));
const steps = (store, session) => (store.get().metrics[session] ?? []).map((m) => m.step);

function setup(histories, options = {}) {
  const store = createStore(defaultState(), { onError: (e) => { throw e; } });
  const rest = fakeRest(histories);
  const frames = fakeFrames();
  const clock = fakeTimers();
  const shown = [];
  const sessions = createSessions({ store, rest, frames, setTimeout: clock.setTimeout, retryMs: 2000,
    onShown: (s) => shown.push(s), ...options });
  return { store, rest, frames, clock, shown, sessions };
}

test('messages that arrive while the history is in flight are merged after it, in order', async () => {
  const { store, rest, sessions } = setup({ a: {} });
  const reply = rest.hold('a');
  const loading = sessions.loadHistory('a');
  sessions.onText(row('a', 3));
  sessions.onText(row('a', 4));
  sessions.onText(event('a', 4, 'eval', 'val 2.1'));
  assert.equal(store.get().metrics.a, undefined, 'nothing is shown before the history');
  reply.resolve([row('a', 0), row('a', 1), row('a', 2)]);
  await loading;
  assert.deepEqual(steps(store, 'a'), [0, 1, 2, 3, 4]);
  assert.deepEqual(store.get().events.a.map((e) => e.text), ['val 2.1']);
  sessions.onText(row('a', 5));
  assert.deepEqual(steps(store, 'a'), [0, 1, 2, 3, 4, 5], 'after loading, messages merge at once');
});

test('a message the history already holds is not doubled', async () => {
  const { store, rest, sessions } = setup({
    a: { metrics: [row('a', 0), row('a', 1), row('a', 2)], events: [event('a', 2, 'eval', 'val 2.5')] },
  });
  const reply = rest.hold('a');
  const loading = sessions.loadHistory('a');
  sessions.onText(row('a', 2)); // sent live while REST was already reading it
  sessions.onText(event('a', 2, 'eval', 'val 2.5'));
  reply.resolve([row('a', 0), row('a', 1), row('a', 2)]);
  await loading;
  assert.deepEqual(steps(store, 'a'), [0, 1, 2]);
  assert.equal(store.get().events.a.length, 1, 'the same event once');
  sessions.onText(row('a', 1));
  assert.deepEqual(steps(store, 'a'), [0, 1, 2], 'an older step is ignored');
  sessions.onText(row('a', 2, { val_loss: 2.4 }));
  assert.deepEqual(steps(store, 'a'), [0, 1, 2], 'the same step updates its row');
  assert.equal(store.get().metrics.a[2].val_loss, 2.4);
  sessions.onText(event('a', 2, 'checkpoint', 'saved'));
  assert.equal(store.get().events.a.length, 2, 'another kind at the same step is a new event');
});

test('messages for a session that is neither loaded nor loading are dropped', async () => {
  const { store, sessions } = setup({ a: {}, b: { metrics: [row('b', 0)] } });
  await sessions.loadHistory('a');
  sessions.onText(row('b', 7));
  sessions.onText(event('b', 7, 'info', 'x'));
  assert.equal(store.get().metrics.b, undefined);
  assert.equal(store.get().events.b, undefined);
  await sessions.loadHistory('b');
  assert.deepEqual(steps(store, 'b'), [0], 'REST has it once the session is picked');
});

test('a failed history drops its waiting messages; the reload retries while the run is on screen', async () => {
  const { store, rest, clock, sessions } = setup({ a: { metrics: [row('a', 0), row('a', 1)] } });
  store.set({ session: 'a' });
  rest.fail('a', 1);
  await sessions.reloadHistory('a');
  assert.equal(store.get().metrics.a, undefined, 'nothing merged from a failed history');
  assert.equal(clock.timers.length, 1, 'a retry is scheduled');
  assert.equal(clock.timers[0].ms, 2000);
  sessions.onText(row('a', 9));
  assert.equal(store.get().metrics.a, undefined, 'not loaded: live messages are dropped meanwhile');
  clock.runAll();
  await settle();
  assert.deepEqual(steps(store, 'a'), [0, 1], 'the retry loads the history');
  assert.deepEqual(rest.calls.metrics, ['a', 'a']);
  sessions.onText(row('a', 2));
  assert.deepEqual(steps(store, 'a'), [0, 1, 2]);
});

test('no retry for a run no longer on screen', async () => {
  const { store, rest, clock, sessions } = setup({ a: {} });
  store.set({ session: 'a' });
  rest.fail('a', 1);
  await sessions.reloadHistory('a');
  store.set({ session: 'b' });
  clock.runAll();
  await settle();
  assert.deepEqual(rest.calls.metrics, ['a'], 'the retry did not fetch again');
});

test('hello picks the URL\'s run, else the live one, else the newest; a reconnect reloads', async () => {
  const hist = { '20260101-000000-aaaa': {}, '20260102-000000-bbbb': { frames: [{ step: 4 }, { step: 8 }] } };
  let t = setup(hist, { wanted: '20260101-000000-aaaa' });
  t.sessions.onText({ type: 'hello', live: false, session: null });
  await settle(); await settle();
  assert.equal(t.store.get().session, '20260101-000000-aaaa', 'the URL wins');
  assert.deepEqual(t.shown, ['20260101-000000-aaaa']);

  t = setup(hist);
  t.sessions.onText({ type: 'hello', live: false, session: null });
  await settle(); await settle();
  assert.equal(t.store.get().session, '20260102-000000-bbbb', 'the newest recorded run');
  assert.deepEqual(t.store.get().frameIndex.map((e) => e.step), [4, 8]);
  assert.deepEqual(t.frames.calls.at(-1), ['show', 8], 'its newest frame is shown');

  t.sessions.onText({ type: 'hello', live: false, session: null }); // reconnect
  await settle(); await settle();
  assert.equal(t.rest.calls.metrics.filter((s) => s === '20260102-000000-bbbb').length, 2, 'history reloaded');

  t = setup({ ...hist, live: {} });
  t.sessions.onText({ type: 'hello', live: true, session: 'live' });
  await settle(); await settle();
  assert.equal(t.store.get().session, 'live');
  assert.equal(t.store.get().live, true);
});

test('frames: the index grows for the run on screen; live frames reach the screen only in live mode', async () => {
  const { store, frames, sessions } = setup({ a: { frames: [{ step: 2, bytes: 10, annotated: true }] } });
  store.set({ hello: { live: true, session: 'a' } });
  await sessions.select('a');
  sessions.onText({ type: 'frame', session: 'a', step: 4, bytes: 10 });
  sessions.onText({ type: 'frame', session: 'a', step: 4, bytes: 10 });
  sessions.onText({ type: 'frame', session: 'other', step: 6, bytes: 10 });
  assert.deepEqual(store.get().frameIndex.map((e) => e.step), [2, 4]);
  sessions.onFrame({ session: 'a', step: 4 });
  sessions.onFrame({ session: 'other', step: 6 });
  store.set({ playback: { ...store.get().playback, mode: 'replay' } });
  sessions.onFrame({ session: 'a', step: 6 });
  assert.deepEqual(frames.calls.filter((c) => c[0] === 'pushLive'), [['pushLive', 4]]);
});

// `nanogpt serve` follows every run still being written: the list says which are live.
test('serve: every live run is live; a sessions message brings new runs, ends and resumes', async () => {
  const t = setup({ a: { live: true }, b: { live: true }, c: {} });
  t.sessions.onText({ type: 'hello', live: false, session: null });
  await settle(); await settle();
  assert.equal(t.store.get().session, 'b', 'the newest live run, not the newest recorded one');
  assert.equal(t.store.get().live, true);
  t.sessions.onText(row('b', 1));
  t.sessions.onText(row('a', 1));
  assert.deepEqual(steps(t.store, 'b'), [1]);
  assert.deepEqual(steps(t.store, 'a'), [], 'not loaded: dropped');
  await t.sessions.compare('a');
  t.sessions.onText(row('a', 2));
  assert.deepEqual(steps(t.store, 'a'), [2], 'the compared run grows live too');
  t.sessions.onFrame({ session: 'b', step: 2 });
  assert.deepEqual(t.frames.calls.filter((c) => c[0] === 'pushLive'), [['pushLive', 2]]);

  const list = (bState) => [{ session: 'a', live: true, state: 'live' },
    { session: 'b', live: bState === 'live', state: bState }, { session: 'c', state: 'finished' }];
  t.sessions.onText({ type: 'sessions', sessions: list('stale') });
  await settle();
  assert.equal(t.store.get().live, false, 'its trainer died');
  assert.equal(t.store.get().sessions.find((s) => s.session === 'b').state, 'stale');
  t.sessions.onFrame({ session: 'b', step: 4 });
  assert.equal(t.frames.calls.filter((c) => c[0] === 'pushLive').length, 1, 'no live frames for a stale run');
  const before = t.rest.calls.metrics.filter((s) => s === 'b').length;
  t.sessions.onText({ type: 'sessions', sessions: list('live') });  // resumed
  await settle(); await settle();
  assert.equal(t.store.get().live, true);
  assert.equal(t.rest.calls.metrics.filter((s) => s === 'b').length, before + 1, 'its history is reloaded');
});

test('serve: a page with no run on screen shows the first live run that appears', async () => {
  const t = setup({});
  t.sessions.onText({ type: 'hello', live: false, session: null });
  await settle(); await settle();
  assert.equal(t.store.get().session, null);
  t.sessions.onText({ type: 'sessions', sessions: [{ session: 'x', state: 'finished' }] });
  await settle();
  assert.equal(t.store.get().session, null, 'a recorded run does not jump on screen');
  t.sessions.onText({ type: 'sessions', sessions: [{ session: 'x', state: 'finished' }, { session: 'y', live: true, state: 'live' }] });
  await settle(); await settle();
  assert.equal(t.store.get().session, 'y');
  assert.equal(t.store.get().live, true);
});

test('mergeMetrics and mergeEvent on their own', () => {
  const rows = [{ step: 1 }, { step: 2 }];
  assert.equal(mergeMetrics(rows, { step: 3 }), rows, 'in place');
  mergeMetrics(rows, { step: 3, val_loss: 1 });
  assert.deepEqual(rows, [{ step: 1 }, { step: 2 }, { step: 3, val_loss: 1 }]);
  const list = [];
  assert.equal(mergeEvent(list, { step: 1, kind: 'eval', text: 'x' }), true);
  assert.equal(mergeEvent(list, { step: 1, kind: 'eval', text: 'x' }), false);
  assert.equal(list.length, 1);
});

test('insights: REST lines and live messages go to `insights`, the latest version per id wins', async () => {
  const open = (step_end) => ({ type: 'insight', session: 'a', id: 1, kind: 'warmup', step: 0, step_end, open: true,
    severity: 'info', subject: '', title: 'Warm-up', evidence: {}, explanation: '', causes: [], try: [] });
  const history = [event('a', 0, 'info', 'start'), open(40)];
  const { store, rest, sessions } = setup({ a: { events: history } });
  const reply = rest.hold('a');
  const loading = sessions.loadHistory('a');
  sessions.onText(open(20)); // sent live before REST read the file: an older version than REST's
  sessions.onText({ ...open(60), type: 'insight' });
  reply.resolve([row('a', 0)]);
  await loading;
  assert.deepEqual(store.get().events.a.map((e) => e.kind), ['info'], 'insight lines are not events');
  const set = store.get().insights.a;
  assert.equal(set.byId.size, 1);
  assert.equal(set.byId.get(1).stepEnd, 60, 'the newest version, not the one replayed last');
  const before = store.get().insights;
  sessions.onText(open(60));
  assert.equal(store.get().insights, before, 'an unchanged insight does not notify');
  sessions.onText({ ...open(100), open: false });
  assert.notEqual(store.get().insights, before);
  assert.equal(store.get().insights.a.byId.get(1).open, false);
  sessions.onText({ ...open(50), session: 'elsewhere' });
  assert.equal(store.get().insights.elsewhere, undefined, 'not loaded: dropped');
});
