// replay_server.mjs: a stand-in for the live hub (docs/protocol.md) that replays a recorded run's
// frames as if a run were producing them at a fixed rate, forever: one step per frame, each step's
// `metrics` message, then the `frame` message and the binary frame with its step rewritten so
// steps keep increasing across loops. Serves frontend/ (static_files.mjs) and the REST paths the
// page reads.
//
// Why not `nanogpt train`: a 124M-shape model trains at ~1 step/s on this CPU; the browser
// benchmark needs frames of that shape at 10/s or more for half an hour.
//
// Limits (it is a benchmark tool, not a hub): no token, loopback only, one session, like the hub
// it drops binary frames for a client whose socket already holds 4 unsent frames.
//
// For the insight tests (tests/frontend/e2e/insights.test.mjs) a replay can also play a script:
// `script.insights` [{at, msg}] sends `insight` message msg once the replay reaches step `at`
// (and from then on lists it in /events, as the hub's run store does); `script.probes` [{at, msg,
// record}] sends `probe` message msg at step `at`, lists it in /probes and serves `record` (a
// probe record, NGVF bytes) at /probes/<msg.step>; `metricsAt(step)` gives each step's metrics
// fields instead of the recorded run's (a loss curve of known shape); `runInfo` is merged into
// run.json (reference_levels, train); `maxSteps` stops the replay after that many steps, and
// `keepFrames` (default 64) is how many of the newest frames REST still serves.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { serveStatic } from './static_files.mjs';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEEP_FRAMES = 64;  // frames the REST API can still return (the newest ones)

/** A recorded frame split so its header step can be rewritten cheaply. */
function splitFrame(buf) {
  const headerLength = buf.readUInt32LE(8);
  const header = JSON.parse(buf.subarray(12, 12 + headerLength).toString('utf8'));
  return { header, data: buf.subarray(12 + headerLength) };
}

function encodeFrame({ header, data }, session, step) {
  let json = JSON.stringify({ ...header, session, step });
  json += ' '.repeat((4 - (Buffer.byteLength(json) % 4)) % 4);
  const head = Buffer.alloc(12);
  head.write('NGVF', 0, 'latin1');
  head.writeUInt16LE(1, 4);
  head.writeUInt16LE(0, 6);
  head.writeUInt32LE(Buffer.byteLength(json), 8);
  return Buffer.concat([head, Buffer.from(json, 'utf8'), data]);
}

/** A WebSocket frame from the server (never masked). */
function wsFrame(opcode, payload) {
  const n = payload.length;
  let head;
  if (n < 126) head = Buffer.from([0x80 | opcode, n]);
  else if (n < 65536) { head = Buffer.alloc(4); head[0] = 0x80 | opcode; head[1] = 126; head.writeUInt16BE(n, 2); }
  else { head = Buffer.alloc(10); head[0] = 0x80 | opcode; head[1] = 127; head.writeBigUInt64BE(BigInt(n), 2); }
  return Buffer.concat([head, payload]);
}

/** Parses complete client frames (masked) out of `buf`; returns [{opcode, payload}], rest. */
function wsParse(buf) {
  const out = [];
  for (;;) {
    if (buf.length < 2) break;
    let n = buf[1] & 0x7f, at = 2;
    if (n === 126) { if (buf.length < 4) break; n = buf.readUInt16BE(2); at = 4; }
    else if (n === 127) { if (buf.length < 10) break; n = Number(buf.readBigUInt64BE(2)); at = 10; }
    const masked = (buf[1] & 0x80) !== 0;
    const end = at + (masked ? 4 : 0) + n;
    if (buf.length < end) break;
    const payload = Buffer.from(buf.subarray(end - n, end));
    if (masked) for (let i = 0; i < n; i++) payload[i] ^= buf[at + (i & 3)];
    out.push({ opcode: buf[0] & 0x0f, payload });
    buf = buf.subarray(end);
  }
  return [out, buf];
}

/**
 * Starts the replay server. runDir: a recorded run (runs/<session>/); staticDir: frontend/.
 * rate: frames per second. Resolves {url, port, stats: {sent, dropped, step}, close()}.
 */
export async function startReplayServer({ runDir, staticDir, rate = 10, port = 0, script = {}, metricsAt = null,
  runInfo = null, maxSteps = Infinity, keepFrames = KEEP_FRAMES }) {
  const framesDir = join(runDir, 'frames');
  const frames = readdirSync(framesDir).filter((f) => f.endsWith('.bin')).sort()
    .map((f) => splitFrame(readFileSync(join(framesDir, f))));
  if (!frames.length) throw new Error(`${framesDir} holds no frames`);
  const recorded = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l)).filter((m) => m.train_loss !== undefined);
  let runJson = existsSync(join(runDir, 'run.json')) ? readFileSync(join(runDir, 'run.json')) : Buffer.from('{}');
  if (runInfo) {
    const base = JSON.parse(runJson.toString('utf8'));
    runJson = Buffer.from(JSON.stringify({ ...base, ...runInfo, train: { ...base.train, ...runInfo.train } }));
  }
  const pendingInsights = [...(script.insights ?? [])].sort((a, b) => a.at - b.at);
  const pendingProbes = [...(script.probes ?? [])].sort((a, b) => a.at - b.at);
  const events = [];             // insight messages sent (the REST history)
  const probeIndex = [];         // probe messages sent
  const probeRecords = new Map(); // step -> record bytes
  const model = frames[0].header.meta?.model ?? {};
  const session = `replay-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const startTime = new Date().toISOString();
  // The page's libraries come from npm's tree, mounted as the hub mounts them.
  const serveFile = serveStatic({ frontendDir: staticDir, nodeModulesDir: resolve(staticDir, '..', 'node_modules') });

  const metrics = [];            // every metrics message sent (the REST history)
  const kept = new Map();        // step -> encoded frame, the newest KEEP_FRAMES
  const clients = new Set();
  const stats = { sent: 0, dropped: 0, step: -1, clients: 0 };

  const json = (res, code, obj) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const api = path.match(/^\/api\/sessions(?:\/([^/]+)(?:\/(\w+)(?:\/(\d+))?)?)?$/);
    if (api) {
      const [, id, what, step] = api;
      if (!id) return json(res, 200, { sessions: [{ session, live: true, start_time: startTime,
        steps: stats.step + 1, frames: stats.sent, last_step: stats.step }] });
      if (id !== session) return json(res, 404, { error: `unknown session ${id}` });
      if (what === 'run') { res.writeHead(200, { 'content-type': 'application/json' }); return res.end(runJson); }
      if (what === 'metrics') return json(res, 200, { session, metrics });
      if (what === 'events') return json(res, 200, { session, events });
      if (what === 'probes' && step === undefined) return json(res, 200, { session, probes: probeIndex });
      if (what === 'probes' && probeRecords.has(Number(step))) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(probeRecords.get(Number(step)));
      }
      if (what === 'frames' && step === undefined)
        return json(res, 200, { session, frames: [...kept.entries()].map(([s, b]) => ({ step: s, bytes: b.length, annotated: false })) });
      if (what === 'frames' && kept.has(Number(step))) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(kept.get(Number(step)));
      }
      return json(res, 404, { error: `no ${what} ${step ?? ''}` });
    }
    if (!serveFile(req, res)) json(res, 404, { error: `not found: ${path}` });
  });

  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    if (!key || !req.url.startsWith('/ws')) { socket.destroy(); return; }
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.setNoDelay(true);
    const client = { socket, bufferedFrames: [] };
    clients.add(client);
    stats.clients = clients.size;
    const sendText = (obj) => socket.write(wsFrame(1, Buffer.from(JSON.stringify(obj))));
    sendText({ type: 'hello', protocol: 1, session, live: true, step: Math.max(stats.step, 0), interval: 1,
      frame_bytes: kept.size ? [...kept.values()].at(-1).length : 0, model });
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      let msgs;
      [msgs, pending] = wsParse(Buffer.concat([pending, chunk]));
      for (const { opcode, payload } of msgs) {
        if (opcode === 8) { socket.end(wsFrame(8, Buffer.alloc(0))); continue; }
        if (opcode === 9) { socket.write(wsFrame(10, payload)); continue; }
        if (opcode !== 1) { sendText({ type: 'error', message: 'binary messages are not accepted' }); continue; }
        let msg;
        try { msg = JSON.parse(payload.toString('utf8')); } catch { msg = null; }
        if (msg?.type === 'ping') sendText({ type: 'pong' });
        else if (msg?.type === 'subscribe') sendText({ type: 'subscribed', session });
        else sendText({ type: 'error', message: 'unknown message' });
      }
    });
    const drop = () => { clients.delete(client); stats.clients = clients.size; };
    socket.on('close', drop);
    socket.on('error', drop);
  });

  let i = 0;
  const broadcast = (obj) => { const t = wsFrame(1, Buffer.from(JSON.stringify(obj))); for (const c of clients) c.socket.write(t); };
  const tick = () => {
    if (stats.step + 1 >= maxSteps) { clearInterval(timer); return; }
    const step = ++stats.step;
    const src = recorded[i % Math.max(recorded.length, 1)] ?? {};
    const m = { type: 'metrics', session, step, train_loss: src.train_loss ?? 10, lr: src.lr ?? 6e-4,
      grad_norm: src.grad_norm ?? 1, ms: 1000 / rate, tokens_per_s: src.tokens_per_s ?? 1000 };
    if (step % 250 === 0) m.val_loss = src.train_loss ?? 10;
    if (metricsAt) Object.assign(m, metricsAt(step));
    metrics.push(m);
    // The script: insights, then probes (their record is served before the message goes, as the hub does).
    while (pendingProbes.length && pendingProbes[0].at <= step) {
      const p = pendingProbes.shift();
      const msg = { ...p.msg, type: 'probe', session };
      probeRecords.set(msg.step, encodeFrame(splitFrame(Buffer.from(p.record)), session, msg.step));
      probeIndex.push(msg);
      broadcast(msg);
    }
    while (pendingInsights.length && pendingInsights[0].at <= step) {
      const msg = { ...pendingInsights.shift().msg, type: 'insight', session };
      events.push(msg);
      broadcast(msg);
    }
    const bin = encodeFrame(frames[i % frames.length], session, step);
    i++;
    kept.set(step, bin);
    if (kept.size > keepFrames) kept.delete(kept.keys().next().value);
    const textM = wsFrame(1, Buffer.from(JSON.stringify(m)));
    const textF = wsFrame(1, Buffer.from(JSON.stringify({ type: 'frame', session, step, bytes: bin.length,
      ready_us: Date.now() * 1000 })));
    const binF = wsFrame(2, bin);
    for (const c of clients) {
      c.socket.write(textM);  // metrics are never dropped
      // At most 4 frames queued per client, as the hub does: a slow reader loses old frames.
      if (c.socket.writableLength > 4 * binF.length) { stats.dropped++; continue; }
      c.socket.write(textF);
      c.socket.write(binF);
      stats.sent++;
    }
  };
  const timer = setInterval(tick, 1000 / rate);

  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const actual = server.address().port;
  return {
    url: `http://127.0.0.1:${actual}/`, port: actual, session, stats, frameCount: frames.length,
    frameBytes: encodeFrame(frames[0], session, 0).length,
    close: () => new Promise((r) => {
      clearInterval(timer);
      for (const c of clients) c.socket.destroy();
      server.close(() => r());
    }),
  };
}
