// connection.test.js: net/connection.js with a fake WebSocket and fake timers (typed callbacks,
// binary frames decoded, reconnect with growing backoff and re-subscription), and against a real
// `nanogpt serve` through node's WebSocket in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createConnection, defaultUrl } from '../../../frontend/net/connection.js';
import { MESSAGE_TYPES } from '../../../frontend/net/protocol.js';
import { modelFrame } from './frame_fixture.js';
import { recordRun, serve, skipWithoutBinary } from './real_run.js';

// A fake WebSocket: tests open, feed and close it by hand.
function fakeSockets() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.readyState = 0;
      this.closedByClient = false;
      sockets.push(this);
    }
    send(text) { this.sent.push(text); }
    close() { this.closedByClient = true; this.readyState = 3; }
    // test side
    open() { this.readyState = 1; this.onopen?.({}); }
    text(obj) { this.onmessage?.({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) }); }
    binary(buf) { this.onmessage?.({ data: buf }); }
    drop(reason = '') { this.readyState = 3; this.onclose?.({ code: 1006, reason }); }
  }
  return { sockets, FakeWebSocket };
}

function fakeTimers() {
  const pending = [];
  return {
    pending,
    setTimeout: (fn, ms) => { const t = { fn, ms }; pending.push(t); return t; },
    clearTimeout: (t) => { const i = pending.indexOf(t); if (i >= 0) pending.splice(i, 1); },
    fire() { const t = pending.shift(); t.fn(); return t.ms; },
  };
}

function setup(extra = {}) {
  const { sockets, FakeWebSocket } = fakeSockets();
  const timers = fakeTimers();
  const log = [];
  const conn = createConnection({
    url: 'ws://hub/ws', WebSocket: FakeWebSocket, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
    random: () => 0.5, backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    onStatus: (s, d) => log.push(['status', s, d.delayMs]),
    onHello: (m) => log.push(['hello', m.session]),
    onMetrics: (m) => log.push(['metrics', m.step]),
    onEvent: (m) => log.push(['event', m.kind]),
    onFrameInfo: (m) => log.push(['frameInfo', m.step]),
    onFrame: (f, info) => log.push(['frame', f.step, info?.ready_us]),
    onServerError: (m) => log.push(['serverError', m.message]),
    onError: (e) => log.push(['error', e.message]),
    ...extra,
  });
  return { conn, sockets, timers, log };
}

test('defaultUrl uses the page host, scheme and token', () => {
  assert.equal(defaultUrl({ protocol: 'http:', host: 'h:8080', search: '?token=a b' }), 'ws://h:8080/ws?token=a%20b');
  assert.equal(defaultUrl({ protocol: 'https:', host: 'h', search: '' }), 'wss://h/ws');
  assert.throws(() => defaultUrl(null), /pass options.url/);
});

test('typed callbacks; binary frames decoded with the preceding frame message', () => {
  const { sockets, log } = setup();
  const ws = sockets[0];
  assert.equal(ws.url, 'ws://hub/ws');
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.open();
  ws.text({ type: 'hello', protocol: 1, session: 's1', live: true });
  ws.text({ type: 'metrics', session: 's1', step: 7, train_loss: 3.2 });
  ws.text({ type: 'event', session: 's1', step: 7, kind: 'sample', text: 'hi' });
  ws.text({ type: 'frame', session: 's1', step: 10, bytes: 1, ready_us: 123 });
  ws.binary(modelFrame({ step: 10 }));
  ws.binary(new ArrayBuffer(3));  // garbage: reported, connection stays
  ws.text('not json');
  ws.text({ type: 'error', message: 'unknown type' });
  assert.deepEqual(log.slice(0, 8), [['status', 'connecting', undefined], ['status', 'open', undefined], ['hello', 's1'],
    ['metrics', 7], ['event', 'sample'], ['frameInfo', 10], ['frame', 10, 123], ['error', 'frame: too short (3 bytes, the prefix alone is 12)']]);
  assert.equal(log[8][0], 'error');
  assert.match(log[8][1], /^message: not valid JSON/);
  assert.deepEqual(log[9], ['serverError', 'unknown type']);
  assert.equal(log.length, 10);
  assert.equal(sockets.length, 1, 'bad data does not reconnect');
});

test('subscribe is sent on open and again after a reconnect; backoff grows and resets on hello', () => {
  const { conn, sockets, timers, log } = setup();
  conn.subscribe('run-a');
  assert.equal(sockets[0].sent.length, 0, 'not open yet');
  sockets[0].open();
  assert.deepEqual(sockets[0].sent.map((t) => JSON.parse(t)), [{ type: 'subscribe', session: 'run-a' }]);
  conn.subscribe('run-b');
  assert.deepEqual(JSON.parse(sockets[0].sent[1]), { type: 'subscribe', session: 'run-b' });
  assert.equal(conn.session, 'run-b');
  // The hub goes away: retries back off 100, 200, 400, 800, 1000 (cap).
  sockets[0].drop();
  const delays = [];
  for (let i = 0; i < 5; i++) {
    delays.push(timers.fire());
    sockets[sockets.length - 1].drop();
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000]);
  assert.equal(conn.status, 'reconnecting');
  timers.fire();
  const ws = sockets[sockets.length - 1];
  ws.open();
  assert.deepEqual(JSON.parse(ws.sent[0]), { type: 'subscribe', session: 'run-b' }, 're-subscribed');
  ws.text({ type: 'hello', session: 'run-b' });
  ws.drop();
  assert.equal(timers.pending[0].ms, 100, 'backoff resets after a hello');
  assert.ok(log.some((l) => l[0] === 'status' && l[1] === 'reconnecting' && l[2] === 1000));
});

test('close stops reconnecting; a throwing callback is reported and the socket stays', () => {
  const { conn, sockets, timers, log } = setup({ onMetrics: () => { throw new Error('chart broke'); } });
  sockets[0].open();
  sockets[0].text({ type: 'metrics', step: 1 });
  sockets[0].text({ type: 'hello', session: 'x' });
  assert.ok(log.some((l) => l[0] === 'error' && l[1] === 'chart broke'));
  assert.ok(log.some((l) => l[0] === 'hello'), 'later messages still arrive');
  sockets[0].drop();
  assert.equal(timers.pending.length, 1);
  conn.close();
  assert.equal(timers.pending.length, 0, 'pending retry cancelled');
  assert.equal(conn.status, 'closed');
  assert.equal(conn.send({ type: 'ping' }), false);
});

// A real hub: node 20 has WebSocket behind --experimental-websocket, so a child node runs the client.
const here = dirname(fileURLToPath(import.meta.url));

test('against nanogpt serve: hello, subscribed, pong, error reply', { skip: skipWithoutBinary }, async () => {
  const run = recordRun({ steps: 2 });
  const hub = await serve(run.runs, { token: 't0k' });
  try {
    const out = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['--experimental-websocket', join(here, 'connection_client.js'), `ws://${hub.host}/ws?token=t0k`, run.session],
        { timeout: 30000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    const log = JSON.parse(out);
    assert.deepEqual(log.statuses.slice(0, 2), ['connecting', 'open']);
    assert.equal(log.hello.protocol, 1);
    assert.equal(log.hello.live, false);
    assert.equal(log.hello.session, null);
    assert.deepEqual(log.hello.sessions.sessions.map((s) => s.session), [run.session], 'serve: sessions as /api/sessions');
    assert.deepEqual(log.subscribed, { type: 'subscribed', session: run.session });
    assert.equal(log.pong, true);
    assert.equal(log.serverError, 'unknown message type');
    // Every type the C++ hub sends is one the page knows (net/protocol.js MESSAGE_TYPES).
    for (const t of log.types) assert.ok(Object.values(MESSAGE_TYPES).includes(t), `hub sent unknown type ${t}`);
    assert.deepEqual([...new Set(log.types)].sort(), ['error', 'hello', 'pong', 'subscribed']);
  } finally {
    await hub.stop();
    run.cleanup();
  }
});
