// net/connection.js: the WebSocket client (docs/protocol.md): decodes binary frames with
// net/protocol.js, hands each message type to its own callback, reconnects with backoff and
// re-subscribes. Uses only WebSocket, location and timers (all injectable), so node tests drive it
// with a fake WebSocket.
//
// createConnection(options) -> {subscribe(session), send(object), close(), status, session}
// options: url (default ws(s)://<location.host>/ws, with ?token= from the page URL or `token`),
//   WebSocket, location, setTimeout/clearTimeout, random (jitter), backoff {initialMs 500,
//   maxMs 10000, factor 2}, and callbacks, all optional:
//   onStatus(status, {attempt, delayMs, reason}) status: 'connecting'|'open'|'reconnecting'|'closed'
//   onHello(msg), onMetrics(msg), onEvent(msg), onFrameInfo(msg) (the text 'frame' message),
//   onFrame(frame, info) (decoded; info is the preceding 'frame' message or null),
//   onServerError(msg) (the hub refused a client message), onSubscribed(msg), onMessage(msg) (every
//   text message, after its typed callback), onError(error) (undecodable data; the connection stays).
// Choices beyond docs/frontend.md:
// - Backoff: initialMs, doubling to maxMs, times a jitter in [0.8, 1.2); it resets once a hello
//   arrives (a hub that accepts and at once drops us keeps backing off).
// - subscribe() before the socket is open is sent on open; after a reconnect the last
//   subscription is sent again.
// - A callback that throws is reported to onError and never closes the connection.

import { MESSAGE_TYPES, clientMessage, decodeFrame, parseMessage } from './protocol.js';
import { tokenFromUrl } from './api.js';

export function defaultUrl(loc = globalThis.location, token = tokenFromUrl(loc)) {
  if (!loc) throw new Error('connection: no location to derive the WebSocket URL from; pass options.url');
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export function createConnection(options = {}) {
  const WS = options.WebSocket ?? globalThis.WebSocket;
  if (!WS) throw new Error('connection: no WebSocket available');
  const url = options.url ?? defaultUrl(options.location ?? globalThis.location, options.token ?? tokenFromUrl(options.location));
  const setT = options.setTimeout ?? globalThis.setTimeout.bind(globalThis);
  const clearT = options.clearTimeout ?? globalThis.clearTimeout.bind(globalThis);
  const random = options.random ?? Math.random;
  const { initialMs = 500, maxMs = 10000, factor = 2 } = options.backoff ?? {};
  const cb = options;

  let ws = null;
  let timer = null;
  let attempt = 0;
  let closed = false;
  let pendingInfo = null;
  let session = null;

  const safe = (name, ...args) => {
    const fn = cb[name];
    if (!fn) return;
    try {
      fn(...args);
    } catch (e) {
      if (name !== 'onError') safe('onError', e);
    }
  };
  const setStatus = (status, detail = {}) => {
    conn.status = status;
    safe('onStatus', status, detail);
  };

  const TYPED = { [MESSAGE_TYPES.hello]: 'onHello', [MESSAGE_TYPES.metrics]: 'onMetrics',
    [MESSAGE_TYPES.event]: 'onEvent', [MESSAGE_TYPES.frame]: 'onFrameInfo',
    [MESSAGE_TYPES.error]: 'onServerError', [MESSAGE_TYPES.subscribed]: 'onSubscribed' };

  function onText(text) {
    let msg;
    try {
      msg = parseMessage(text);
    } catch (e) {
      safe('onError', e);
      return;
    }
    if (msg.type === MESSAGE_TYPES.hello) attempt = 0;
    if (msg.type === MESSAGE_TYPES.frame) pendingInfo = msg;
    if (TYPED[msg.type]) safe(TYPED[msg.type], msg);
    safe('onMessage', msg);
  }

  function onBinary(data) {
    const info = pendingInfo;
    pendingInfo = null;
    let frame;
    try {
      frame = decodeFrame(data);
    } catch (e) {
      safe('onError', e);
      return;
    }
    safe('onFrame', frame, info);
  }

  function open() {
    timer = null;
    setStatus('connecting', { attempt });
    let sock;
    try {
      sock = new WS(url);
    } catch (e) {
      scheduleReconnect(e.message);
      return;
    }
    ws = sock;
    sock.binaryType = 'arraybuffer';
    sock.onopen = () => {
      if (ws !== sock) return;
      setStatus('open', { attempt });
      if (session !== null) sock.send(clientMessage.subscribe(session));
    };
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      if (typeof ev.data === 'string') onText(ev.data);
      else onBinary(ev.data);
    };
    sock.onerror = () => { /* the close event follows and reconnects */ };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      pendingInfo = null;
      if (closed) return;
      scheduleReconnect(ev?.reason || `closed (code ${ev?.code ?? '?'})`);
    };
  }

  function scheduleReconnect(reason) {
    const delayMs = Math.min(maxMs, initialMs * factor ** attempt) * (0.8 + 0.4 * random());
    attempt++;
    setStatus('reconnecting', { attempt, delayMs, reason });
    timer = setT(open, delayMs);
  }

  const conn = {
    status: 'connecting',
    get session() { return session; },
    /** Asks the hub for one session's stream; remembered across reconnects. */
    subscribe(id) {
      session = id;
      conn.send(JSON.parse(clientMessage.subscribe(id)));
    },
    /** Sends a client message when the socket is open; returns whether it went out. */
    send(obj) {
      if (!ws || ws.readyState !== 1) return false;
      ws.send(JSON.stringify(obj));
      return true;
    },
    close() {
      closed = true;
      if (timer !== null) clearT(timer);
      timer = null;
      const sock = ws;
      ws = null;
      if (sock) sock.close();
      setStatus('closed');
    },
  };
  open();
  return conn;
}
