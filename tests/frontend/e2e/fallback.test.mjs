// fallback.test.mjs: the dashboard degrades instead of breaking (R2.5, R6.5), against a live
// `nanogpt train`: without WebGL the Parameters tab shows the 2D fallback and says why; with the
// 3D view forced to fail (?failview=1) it shows the error and the Training tab keeps updating.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();

describe('dashboard fallbacks on a live run', { skip: skip ?? false }, () => {
  let run;

  before(async () => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    run = await h.startLiveTrain(dir, data, { vizInterval: 2 });
  });
  after(async () => {
    if (run) h.saveText('fallback-train.log', run.log());
    await h.stopAll();
  });

  test('without WebGL the 2D fallback appears with a note', async (t) => {
    const browser = await h.launchBrowser({ webgl: false });
    const page = await h.openDashboard(browser, run.url);
    t.after(() => page.close());
    assert.equal(await h.webglKind(page), null, 'WebGL is still available with --disable-webgl');
    await h.showTab(page, 'params');
    const note = h.byTestId(page, 'fallback-note');
    await note.waitFor({ state: 'visible', timeout: h.WAIT_MS });
    assert.ok((await note.innerText()).trim().length > 0, 'fallback-note says nothing');
    const canvas = h.byTestId(page, 'params-canvas');
    await page.waitForFunction(() => document.querySelector('[data-testid="params-canvas"]')
      ?.getAttribute('data-view') === '2d', null, { timeout: h.WAIT_MS });
    await h.waitFrameAfter(page, -1);
    await page.waitForTimeout(1000);
    const shot = await h.saveShot(page, 'fallback-2d-canvas', canvas);
    await h.saveShot(page, 'fallback-2d-tab');
    const cmp = await h.comparePngs(browser, shot, shot);
    assert.ok(cmp.nonBackground > 0.01, `2D fallback canvas looks blank: ${JSON.stringify(cmp)}`);
  });

  test('a failing 3D view shows its error and the Training tab keeps updating', async (t) => {
    const browser = await h.launchBrowser({ webgl: true });
    const page = await h.openDashboard(browser, run.url, { query: '?failview=1' });
    t.after(() => page.close());
    await h.showTab(page, 'params');
    // The first visible one: app.js and the view each may hold a view-error element.
    const err = page.locator('[data-testid="view-error"]:visible').first();
    await err.waitFor({ state: 'visible', timeout: h.WAIT_MS });
    assert.ok((await err.innerText()).trim().length > 0, 'view-error says nothing');
    await h.saveShot(page, 'failview-params-tab');
    await h.showTab(page, 'training');
    const n = await h.waitAttrAbove(page, 'chart-loss', 'data-points', 0);
    const later = await h.waitAttrAbove(page, 'chart-loss', 'data-points', n);
    assert.ok(later > n);
    await h.saveShot(page, 'failview-training-tab');
  });
});
