// layers.test.js: the frontend's folders import only what docs/frontend.md ("Who imports whom")
// lets them: the pure layers (display/, net/, state/, geometry/) never reach the DOM-side views or
// three.js, scene/ never reaches views/, three.js is imported by scene/ and views/params/view3d.js
// alone, uPlot by views/ alone. Every static and dynamic import of every module is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '../../../frontend');

const ALLOWED = {
  display: ['display'],
  net: ['net'],
  state: ['state', 'display', 'net'],
  geometry: ['geometry'],
  scene: ['scene', 'display', 'state', 'geometry', 'three'],
  explain: ['explain', 'display', 'net', 'state'],
  tours: ['tours', 'display', 'net'],
  views: ['views', 'display', 'net', 'state', 'explain', 'tours', 'uplot'],
  'views/params': ['views', 'display', 'net', 'state', 'explain', 'geometry', 'scene', 'three'],
  app: ['net', 'state', 'views', 'tours'],
};

function modules(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'node_modules' || n === 'vendor') return [];
    return statSync(p).isDirectory() ? modules(p) : n.endsWith('.js') ? [p] : [];
  });
}

/** The layer of a module path (relative to frontend/), or of a bare package name. */
function layerOf(rel) {
  if (!rel.includes('/')) return rel.endsWith('.js') ? 'app' : rel; // app.js, load_check.js; 'three', 'uplot'
  if (rel.startsWith('views/params/')) return 'views/params';
  return rel.split('/')[0];
}

test('every import follows the layers of docs/frontend.md', () => {
  const bad = [];
  let seen = 0;
  for (const file of modules(FRONTEND)) {
    const rel = relative(FRONTEND, file);
    const from = layerOf(rel);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2];
      seen++;
      const target = spec.startsWith('.') ? layerOf(relative(FRONTEND, resolve(dirname(file), spec))) : spec.split('/')[0];
      const to = target === 'views/params' ? 'views' : target;
      if (rel === 'views/params/view3d.js' && to === 'three') continue; // the one view on three.js
      if (to === 'three' && from === 'views/params') { bad.push(`${rel} -> ${spec} (only view3d.js imports three.js)`); continue; }
      if (!(ALLOWED[from] ?? []).includes(to)) bad.push(`${rel} (${from}) -> ${spec} (${to})`);
    }
  }
  assert.ok(seen > 100, `found the imports (${seen})`);
  assert.deepEqual(bad, [], 'imports that break the layering');
});
