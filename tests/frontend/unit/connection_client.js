// connection_client.js: run by connection.test.js in a child `node --experimental-websocket`:
// connects net/connection.js to a real hub, subscribes, pings, sends a bad message, prints a JSON
// log (with the type of every text message the hub sent).
import { createConnection } from '../../../frontend/net/connection.js';

const [url, session] = process.argv.slice(2);
const log = { statuses: [], hello: null, subscribed: null, pong: false, serverError: null, types: [] };
const finish = () => { conn.close(); process.stdout.write(JSON.stringify(log)); process.exit(0); };
setTimeout(() => { process.stderr.write(`timed out: ${JSON.stringify(log)}\n`); process.exit(1); }, 15000);
const conn = createConnection({
  url,
  onStatus: (s) => log.statuses.push(s),
  onHello: (m) => {
    log.hello = m;
    conn.subscribe(session);
  },
  onSubscribed: (m) => {
    log.subscribed = m;
    conn.send({ type: 'ping' });
  },
  onMessage: (m) => {
    log.types.push(m.type);
    if (m.type !== 'pong') return;
    log.pong = true;
    conn.send({ type: 'no-such-type' });
  },
  onServerError: (m) => {
    log.types.push(m.type); // finish() comes before onMessage would see it
    log.serverError = m.message;
    finish();
  },
  onError: (e) => process.stderr.write(`error: ${e.message}\n`),
});
