// app.js: a minimal live view of the hub's WebSocket stream (docs/protocol.md), until the
// dashboard lands: connection status, the latest metrics, the number of frames received.
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token');
const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
let frames = 0;

function connect() {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => { $('status').textContent = 'connected'; };
  ws.onclose = () => { $('status').textContent = 'disconnected, retrying…'; setTimeout(connect, 1000); };
  ws.onmessage = (ev) => {
    if (typeof ev.data !== 'string') { $('frames').textContent = String(++frames); return; }
    const msg = JSON.parse(ev.data);
    if (msg.type === 'hello') $('status').textContent = `session ${msg.session}${msg.live ? ' (live)' : ''}`;
    if (msg.type === 'metrics') {
      $('step').textContent = msg.step;
      if (msg.train_loss != null) $('loss').textContent = msg.train_loss.toFixed(4);
      if (msg.val_loss != null) $('val').textContent = msg.val_loss.toFixed(4);
      if (msg.tokens_per_s != null) $('tps').textContent = Math.round(msg.tokens_per_s);
    }
  };
}
connect();
