// bench/browser/dev/serve.mjs: serves the Parameters dev page (this folder, at /dev/) next to the
// dashboard's own files (frontend/ at "/", the libraries at /vendor/, as the hub does:
// ../static_files.mjs), and forwards /api/ to a hub when given one, so the page can replay a
// recorded run. The dev page is not part of the served product: the hub never serves this folder.
//
// Usage: node bench/browser/dev/serve.mjs [--port 8100] [--hub http://127.0.0.1:<port>]
//   then open http://127.0.0.1:8100/dev/?synthetic=1 (no hub needed), or, with
//   `nanogpt serve --runs runs --port 8080` running and --hub http://127.0.0.1:8080,
//   http://127.0.0.1:8100/dev/?session=<id>&view=2d&start=0&ms=600.
import { createServer, request } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveStatic } from '../static_files.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const { values: arg } = parseArgs({ options: { port: { type: 'string', default: '8100' }, hub: { type: 'string' } } });
const files = serveStatic({ frontendDir: resolve(repo, 'frontend'), nodeModulesDir: resolve(repo, 'node_modules'),
  mounts: { '/dev/': here } });

function forward(req, res) {
  if (!arg.hub) {
    res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('no hub: start serve.mjs with --hub http://127.0.0.1:<port> (a `nanogpt serve`), or use ?synthetic=1\n');
    return;
  }
  const target = new URL(req.url, arg.hub);
  const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', (e) => { res.writeHead(502, { 'content-type': 'text/plain' }); res.end(`hub ${arg.hub}: ${e.message}\n`); });
  req.pipe(up);
}

createServer((req, res) => {
  if (req.url.startsWith('/api/')) forward(req, res);
  else files(req, res);
}).listen(Number(arg.port), '127.0.0.1', () => {
  console.log(`dev page: http://127.0.0.1:${arg.port}/dev/?synthetic=1${arg.hub ? ` (REST from ${arg.hub})` : ''}`);
});
