// report.test.mjs: a saved report (R5.6). Trains a short run, writes it with `nanogpt report`, opens
// the file from file:// with every request of the browser context routed through the test (each URL
// recorded; anything but file:/data:/blob: is aborted and fails the test), and checks that the
// page shows the run: the charts have points, the insights and events are listed, the banner says
// what the file holds, the 3D view draws (a non-blank canvas: screenshot) and playback moves over
// the included frames. The same without WebGL (the 2D fallback). Then the hub's share route
// (GET /api/sessions/<id>/report on `nanogpt serve`) answers exactly the bytes the command wrote.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();
const LOCAL = /^(file|data|blob):/;

async function openReport(browser, file) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const requests = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    return LOCAL.test(url) ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  page.on('request', (r) => { if (!requests.includes(r.url())) requests.push(r.url()); });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__nanogpt?.store, null, { timeout: h.WAIT_MS }).catch((e) => {
    throw new Error(`the report never started (${e.message}); page errors: ${page.errors.join(' | ')}`);
  });
  return { page, requests, context };
}

describe('nanogpt report: one HTML file that works offline', { skip: skip ?? false }, () => {
  let dir, runs, session, file, total;

  before(async () => {
    h.requireInputs();
    dir = h.workDir();
    const data = await h.prepareCharData(dir);
    runs = await h.recordRun(dir, data, { maxIters: 60, vizInterval: 2 });
    session = readdirSync(runs)[0];
    total = readdirSync(join(runs, session, 'frames')).length;
    file = join(dir, 'run.html');
    // --frames 8: fewer frames than the run has (about 31), so the selection is a real one.
    const out = await h.runToEnd(h.BIN, ['report', join(runs, session), '--out', file, '--frames', '8']);
    h.saveText('report-command.txt', out.log());
  });
  after(() => h.stopAll());

  test('bad input is refused with a clear error', async () => {
    await assert.rejects(h.runToEnd(h.BIN, ['report', join(dir, 'no-such-run'), '--out', join(dir, 'x.html')]),
      /no run .*no-such-run/);
  });

  test('opened from file://: no request leaves the file; charts, insights, 3D and playback work', async () => {
    const browser = await h.launchBrowser();
    const { page, requests } = await openReport(browser, file);
    await page.waitForFunction(() => {
      const box = document.querySelector('[data-testid="chart-loss"]');
      return box && Number(box.dataset.points) > 0;
    }, null, { timeout: h.WAIT_MS });
    const banner = await h.byTestId(page, 'report-banner').textContent();
    assert.match(banner, new RegExp(`Run ${session}: \\d+ steps; \\d+ of ${total} parameter frames`));
    assert.match(await h.byTestId(page, 'status').textContent(), /saved report/);
    assert.equal(await h.byTestId(page, 'share-report').isHidden(), true, 'the report has no share button');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="insights-list"] [data-testid="insight"]').length > 0,
      null, { timeout: h.WAIT_MS });
    const events = await page.$$eval('#events li', (els) => els.length);
    assert.ok(events > 0, 'the events are listed');
    await h.saveShot(page, 'report-training');

    // The Parameters view: 3D, on a frame from the file.
    await page.evaluate(() => window.__nanogpt.ready);
    await h.showTab(page, 'params');
    const first = await h.waitFrameAfter(page, -1);
    await page.waitForTimeout(1500);
    const kind = await page.evaluate(() => document.querySelector('#params-host canvas') && window.__nanogpt.pickables().length);
    assert.ok(kind > 0, 'the 3D view has pickable parts');
    const shot = await h.saveShot(page, 'report-params-3d', page.locator('#params-host'));
    const px = await h.comparePngs(browser, shot, shot);
    assert.ok(px.distinct > 50 && px.nonBackground > 0.05, `the 3D view is not blank (${JSON.stringify(px)})`);

    // Playback: back one frame, then play; the store's frame changes to other included frames.
    const index = await page.evaluate(() => window.__nanogpt.store.get().frameIndex.map((f) => f.step));
    assert.ok(index.length >= 8 && index.length < total, `a selection of the ${total} frames (${index.length})`);
    await h.byTestId(page, 'step-back').click();
    await page.waitForFunction((s) => window.__nanogpt.store.get().frame?.step !== s, first, { timeout: h.WAIT_MS });
    const back = await h.storeFrameStep(page);
    assert.ok(index.includes(back) && back < first, `stepped back from ${first} to ${back}`);
    // Play: the frames after it follow one another.
    await h.byTestId(page, 'play').click();
    await page.waitForFunction((s) => (window.__nanogpt.store.get().frame?.step ?? s) > s, back, { timeout: h.WAIT_MS });
    assert.equal(await h.byTestId(page, 'live').textContent(), 'newest', 'nothing in a saved report is called live');
    await h.saveShot(page, 'report-params-playback');
    await h.showTab(page, 'attention');
    await page.waitForTimeout(1500);
    await h.saveShot(page, 'report-attention');

    const outside = requests.filter((u) => !LOCAL.test(u));
    h.saveText('report-requests.txt', requests.map((u) => u.slice(0, 120)).join('\n'));
    assert.deepEqual(outside, [], 'no request beyond file:, data:, blob:');
    assert.ok(requests.some((u) => u.startsWith('file:')), 'the routing saw the page itself');
    assert.deepEqual(page.errors, []);
  });

  test('without WebGL the 2D fallback shows the frames', async () => {
    const browser = await h.launchBrowser({ webgl: false });
    const { page, requests } = await openReport(browser, file);
    await page.evaluate(() => window.__nanogpt.ready);
    await h.showTab(page, 'params');
    await h.waitFrameAfter(page, -1);
    await page.waitForSelector('[data-testid="params-canvas"]', { timeout: h.WAIT_MS });
    await h.saveShot(page, 'report-params-2d');
    assert.deepEqual(requests.filter((u) => !LOCAL.test(u)), []);
  });

  test('the share route answers the bytes the command wrote', async () => {
    const serve = await h.startServe(runs);
    const res = await h.hubFetch(serve.url, `api/sessions/${session}/report`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="nanogpt-report-/);
    const body = Buffer.from(await res.arrayBuffer());
    // The command ran with --frames 8; write the default selection to compare with the route's.
    const plain = join(dir, 'default.html');
    await h.runToEnd(h.BIN, ['report', session, '--runs', runs, '--out', plain]);
    assert.equal(body.length, statSync(plain).size);
    assert.ok(body.equals(readFileSync(plain)), 'the same bytes');
    const noToken = await fetch(new URL(`api/sessions/${session}/report`, serve.url));
    assert.equal(noToken.status, 401, 'the hub\'s token guards the route like every other');
    // The share button on the page downloads it.
    const browser = await h.launchBrowser();
    const page = await h.openDashboard(browser, serve.url);
    await page.waitForFunction(() => window.__nanogpt.store.get().session, null, { timeout: h.WAIT_MS });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: h.WAIT_MS }),
      h.byTestId(page, 'share-report').click()]);
    assert.equal(download.suggestedFilename(), `nanogpt-report-${session}.html`);
    const got = readFileSync(await download.path());
    assert.ok(got.equals(body), 'the button downloads the same file');
  });
});
