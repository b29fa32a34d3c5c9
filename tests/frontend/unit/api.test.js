// api.test.js: net/api.js against a fake fetch (token, unwrapping, error messages) and against a
// real `nanogpt serve` of a recorded run (frames decode and match the files on disk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ApiError, createApi, takeTokenFromUrl, tokenFromUrl } from '../../../frontend/net/api.js';
import { decodeFrame } from '../../../frontend/net/protocol.js';
import { modelFrame } from './frame_fixture.js';
import { recordRun, serve, skipWithoutBinary } from './real_run.js';

// A fake fetch answering from a table {path: {status, json | body}} and recording requests.
function fakeFetch(routes) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, headers: init?.headers ?? {} });
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    const r = routes[path];
    if (r === 'down') throw new TypeError('fetch failed');
    if (!r) return new Response(JSON.stringify({ error: `unknown path ${path}` }), { status: 404, statusText: 'Not Found' });
    const body = r.body ?? JSON.stringify(r.json);
    return new Response(body, { status: r.status ?? 200 });
  };
  return { fn, calls };
}

test('tokenFromUrl reads ?token=', () => {
  assert.equal(tokenFromUrl({ search: '?a=1&token=s%20x' }), 's x');
  assert.equal(tokenFromUrl({ search: '' }), null);
  assert.equal(tokenFromUrl(undefined), null);
});

test('takeTokenFromUrl reads ?token= and removes it from the address bar, keeping the rest', () => {
  const calls = [];
  const hist = { state: { k: 1 }, replaceState: (...args) => calls.push(args) };
  assert.equal(takeTokenFromUrl({ pathname: '/', search: '?session=s1&token=ab%2Fc&tab=params', hash: '#x' }, hist), 'ab/c');
  assert.deepEqual(calls, [[{ k: 1 }, '', '/?session=s1&tab=params#x']]);
  assert.equal(takeTokenFromUrl({ pathname: '/d/', search: '?token=t', hash: '' }, hist), 't');
  assert.equal(calls[1][2], '/d/', 'no empty ? left behind');
  assert.equal(takeTokenFromUrl({ pathname: '/', search: '?session=s1', hash: '' }, hist), null);
  assert.equal(calls.length, 2, 'nothing to remove: the address is left alone');
});

test('requests carry the token and replies are unwrapped', async () => {
  const frame = modelFrame({ step: 20, session: 'a b' });
  const { fn, calls } = fakeFetch({
    '/api/sessions': { json: { sessions: [{ session: 'a b', live: true }] } },
    '/api/sessions/a%20b/run': { json: { config: { n_layer: 2 } } },
    '/api/sessions/a%20b/metrics': { json: { session: 'a b', metrics: [{ type: 'metrics', step: 1 }] } },
    '/api/sessions/a%20b/events': { json: { session: 'a b', events: [] } },
    '/api/sessions/a%20b/frames': { json: { session: 'a b', frames: [{ step: 20, bytes: 9, annotated: false }] } },
    '/api/sessions/a%20b/frames/20': { body: frame },
  });
  const api = createApi({ base: 'http://hub/', token: 'sekret', fetch: fn });
  assert.deepEqual(await api.listSessions(), [{ session: 'a b', live: true }]);
  assert.equal(calls[0].url, 'http://hub/api/sessions');
  assert.equal(calls[0].headers.Authorization, 'Bearer sekret');
  assert.equal((await api.getRun('a b')).config.n_layer, 2);
  assert.equal((await api.getMetrics('a b'))[0].step, 1);
  assert.deepEqual(await api.getEvents('a b'), []);
  assert.equal((await api.getFrameIndex('a b'))[0].step, 20);
  const f = await api.getFrame('a b', 20);
  assert.equal(f.step, 20);
  assert.ok(f.get('qkvw', 'value', 0).data instanceof Float32Array);
  const anon = fakeFetch({ '/api/sessions': { json: { sessions: [] } } });
  await createApi({ fetch: anon.fn, token: null }).listSessions();
  assert.equal(anon.calls[0].headers.Authorization, undefined, 'no token, no header');
});

test('errors carry the status and the server message', async () => {
  const { fn } = fakeFetch({
    '/api/sessions/x/frames/5': { status: 404, json: { error: 'unknown step 5' } },
    '/api/sessions/x/run': { status: 500, body: 'oops' },
    '/api/sessions/x/metrics': { json: { nope: 1 } },
    '/api/sessions': 'down',
  });
  const api = createApi({ fetch: fn, token: null });
  const rejects = (p, status, re) => assert.rejects(p, (e) => e instanceof ApiError && e.status === status && re.test(e.message));
  await rejects(api.getFrame('x', 5), 404, /unknown step 5/);
  await rejects(api.getRun('x'), 500, /500/);
  await rejects(api.getMetrics('x'), 200, /lacks 'metrics'/);
  await rejects(api.listSessions(), 0, /cannot reach the dashboard hub/);
  await rejects(api.getFrame('x', 1.5), 400, /whole number/);
  await rejects(api.getEvents(''), 400, /no session id/);
});

test('against nanogpt serve: sessions, index, frames as stored, errors', { skip: skipWithoutBinary }, async () => {
  const run = recordRun({ steps: 3 });
  const hub = await serve(run.runs, { token: 'tok3n' });
  try {
    const api = createApi({ base: hub.url, token: 'tok3n' });
    const sessions = await api.listSessions();
    assert.deepEqual(sessions.map((s) => s.session), [run.session]);
    assert.equal(sessions[0].live, false);
    const index = await api.getFrameIndex(run.session);
    const onDisk = readdirSync(join(run.runs, run.session, 'frames')).map((n) => parseInt(n, 10)).sort((a, b) => a - b);
    assert.deepEqual(index.map((e) => e.step), onDisk);
    assert.ok(onDisk.includes(1) && onDisk.includes(2), `frames ${onDisk}`);
    const metrics = await api.getMetrics(run.session);
    assert.ok(metrics.some((m) => m.step === 2 && typeof m.train_loss === 'number'));
    const frame = await api.getFrame(run.session, 2);
    const disk = decodeFrame(readFileSync(join(run.runs, run.session, 'frames', '000000002.bin')));
    assert.equal(frame.step, 2);
    assert.deepEqual(Array.from(frame.get('qkvw', 'grad', 1).data), Array.from(disk.get('qkvw', 'grad', 1).data));
    assert.deepEqual(frame.stats('fcw', 0), disk.stats('fcw', 0));
    await assert.rejects(api.getFrame(run.session, 99), (e) => e.status === 404 && /99|step|frame/i.test(e.message));
    await assert.rejects(api.getRun('no-such-session'), (e) => e.status === 404 && /no-such-session/.test(e.message));
    await assert.rejects(createApi({ base: hub.url, token: 'wrong' }).listSessions(), (e) => e.status === 401 && /token/.test(e.message));
  } finally {
    await hub.stop();
    run.cleanup();
  }
});
