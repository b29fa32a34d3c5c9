// static_files.mjs: serves the dashboard's files the way the hub does (viz/hub_static.cpp), for the
// tools that stand in for a hub: replay_server.mjs (the browser benchmark), dev/serve.mjs (the
// Parameters dev page) and tests/frontend/e2e/libraries.test.mjs (a page without its libraries).
//
// - frontend/ at "/"; extra mounts {"/dev/": dir} take precedence; a folder's path gives its
//   index.html;
// - each library the page imports at /vendor/<package>/ from <nodeModules>/<package>/; a package
//   that is not installed answers 404 with the hub's text, which says to run `npm install`;
// - paths are decoded and kept inside their directory; anything else is a 404.
// serveStatic({frontendDir, nodeModulesDir, mounts}) -> (req, res) => bool (false: not a static path)
// startStaticServer(options) -> Promise<{url, close()}>: only these files, on a free loopback port.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

export const LIBRARIES = ['three', 'uplot'];

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json' };

function send(res, code, type, body) {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-cache' });
  res.end(body);
}

export function serveStatic({ frontendDir, nodeModulesDir, mounts = {} }) {
  const roots = [
    ...Object.entries(mounts).map(([prefix, dir]) => ({ prefix, dir: resolve(dir) })),
    ...LIBRARIES.map((p) => ({ prefix: `/vendor/${p}/`, dir: resolve(nodeModulesDir, p), library: true })),
    { prefix: '/', dir: resolve(frontendDir) },
  ].sort((a, b) => b.prefix.length - a.prefix.length);
  return (req, res) => {
    let path;
    try { path = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { return false; }
    const root = roots.find((r) => path.startsWith(r.prefix));
    if (!root) return false;
    if (root.library && !existsSync(root.dir)) {
      send(res, 404, 'text/plain; charset=utf-8', `the dashboard's library under ${root.prefix} is not installed: ` +
        'run `npm install` in the nanogpt source tree (scripts/setup.sh does it)\n');
      return true;
    }
    const rest = path.slice(root.prefix.length);
    const file = normalize(join(root.dir, rest === '' || rest.endsWith('/') ? `${rest}index.html` : rest));
    if (!file.startsWith(root.dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return true;
    }
    send(res, 200, MIME[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    return true;
  };
}

export async function startStaticServer(options) {
  const handle = serveStatic(options);
  const server = createServer((req, res) => { if (!handle(req, res)) send(res, 404, 'text/plain; charset=utf-8', 'not found\n'); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(() => r())) };
}
