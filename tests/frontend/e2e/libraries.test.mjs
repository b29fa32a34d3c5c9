// libraries.test.mjs: when the page's libraries are not installed, the page says what to run.
// The hub serves frontend/ and node_modules/ from the source tree its binary was built from (a
// compile-time path), so these tests serve a copy of frontend/ with bench/browser/static_files.mjs,
// which mounts files as the hub does and answers a missing package as the hub does (404, "run npm
// install"). Three source trees: no node_modules at all (the app cannot start: load_check.js shows
// `load-error`), uPlot without three.js (the Training tab works; the Parameters tab falls back to
// 2D and names three.js), and everything installed (no message).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startStaticServer } from '../../../bench/browser/static_files.mjs';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();

/** A source tree in a temp dir: a copy of frontend/ and node_modules/ holding only `packages`. */
function sourceTree(packages) {
  const dir = h.workDir('nanogpt-libs-');
  cpSync(join(h.REPO, 'frontend'), join(dir, 'frontend'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const p of packages) symlinkSync(join(h.REPO, 'node_modules', p), join(dir, 'node_modules', p));
  return dir;
}

async function serveTree(dir) {
  const server = await startStaticServer({ frontendDir: join(dir, 'frontend'), nodeModulesDir: join(dir, 'node_modules') });
  h.onCleanup(server.close);
  return server.url;
}

async function open(browser, url, t) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  t.after(() => page.close());
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

describe('the page without its libraries', { skip: skip ?? false }, () => {
  let browser;
  before(async () => { browser = await h.launchBrowser({ webgl: true }); });
  after(() => h.stopAll());

  test('no node_modules: the page says the libraries did not load and what to run', async (t) => {
    const page = await open(browser, await serveTree(sourceTree([])), t);
    const box = h.byTestId(page, 'load-error');
    await box.waitFor({ state: 'visible', timeout: h.WAIT_MS });
    const text = await box.innerText();
    for (const want of ['three.js', 'uPlot', 'npm install', 'scripts/setup.sh', 'reload'])
      assert.ok(text.includes(want), `load-error lacks "${want}": ${text}`);
    assert.match(await h.byTestId(page, 'status').innerText(), /did not load/, 'the status line no longer says connecting');
    assert.equal(await page.evaluate(() => typeof window.__nanogpt), 'undefined', 'app.js did not run');
    await h.saveShot(page, 'libraries-missing');
  });

  test('uPlot without three.js: charts work, the Parameters tab shows 2D and names three.js', async (t) => {
    const page = await open(browser, await serveTree(sourceTree(['uplot'])), t);
    await page.waitForFunction(() => window.__nanogpt?.store, null, { timeout: h.WAIT_MS });
    await page.evaluate(() => window.__nanogpt.ready);
    assert.equal(await h.byTestId(page, 'load-error').isVisible(), false);
    await h.showTab(page, 'params');
    const note = h.byTestId(page, 'fallback-note');
    await note.waitFor({ state: 'visible', timeout: h.WAIT_MS });
    const text = await note.innerText();
    for (const want of ['three.js', 'npm install']) assert.ok(text.includes(want), `fallback-note lacks "${want}": ${text}`);
    assert.equal(await h.byTestId(page, 'params-canvas').getAttribute('data-view'), '2d');
    await h.saveShot(page, 'libraries-three-missing');
  });

  test('everything installed: no message', async (t) => {
    const page = await open(browser, await serveTree(sourceTree(['three', 'uplot'])), t);
    await page.waitForFunction(() => window.__nanogpt?.store, null, { timeout: h.WAIT_MS });
    await page.evaluate(() => window.__nanogpt.ready);
    assert.equal(await h.byTestId(page, 'load-error').isVisible(), false);
    await h.showTab(page, 'params');
    await page.waitForFunction(() => document.querySelector('[data-testid="params-canvas"]')
      ?.getAttribute('data-view') === '3d', null, { timeout: h.WAIT_MS });
    assert.equal(await h.byTestId(page, 'fallback-note').isVisible(), false);
  });
});
