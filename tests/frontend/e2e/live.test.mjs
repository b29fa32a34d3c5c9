// live.test.mjs: the dashboard against a live `nanogpt train` (tiny char model, a parameter frame
// every 2 steps) in headless chromium with software WebGL: charts grow, the 3D view draws and
// changes, hover shows a tooltip, filters hide a layer (and clear a selection in it), an empty
// filter says so and offers a fix, a hidden Parameters tab draws nothing until shown.
// Each test opens a fresh page; screenshots go to NANOGPT_E2E_ARTEFACTS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();
const CHARTS = ['chart-loss', 'chart-lr', 'chart-gradnorm', 'chart-throughput'];
const TYPES = ['embeddings', 'attention', 'mlp', 'layernorm'];

describe('dashboard on a live run', { skip: skip ?? false }, () => {
  let browser, run;

  before(async () => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    run = await h.startLiveTrain(dir, data, { vizInterval: 2 });
    browser = await h.launchBrowser({ webgl: true });
  });
  after(async () => {
    if (run) h.saveText('live-train.log', run.log());
    await h.stopAll();
  });

  // A fresh page on the Parameters tab with at least one frame in the store.
  async function paramsPage(t) {
    const page = await h.openDashboard(browser, run.url);
    t.after(async () => {
      if (page.errors.length) h.saveText(`${t.name.replace(/\W+/g, '_')}.errors.txt`, page.errors.join('\n'));
      await page.close();
    });
    await h.showTab(page, 'params');
    await h.waitFrameAfter(page, -1);
    return page;
  }

  // Waits until pickables() offers at least one item passing `accept` and, when given, the whole
  // list passes `all`; returns the list.
  async function waitPickables(page, accept = () => true, what = 'any item', all = () => true) {
    const deadline = Date.now() + h.WAIT_MS;
    let last = [];
    while (Date.now() < deadline) {
      last = await h.pickables(page);
      if (last.some(accept) && all(last)) return last;
      await page.waitForTimeout(250);
    }
    assert.fail(`pickables() never offered ${what}; last: ${JSON.stringify(last).slice(0, 400)}`);
  }

  test('charts gain points as steps arrive', async (t) => {
    const page = await h.openDashboard(browser, run.url);
    t.after(() => page.close());
    await h.showTab(page, 'training');
    const first = {};
    for (const id of CHARTS) first[id] = await h.waitAttrAbove(page, id, 'data-points', 0);
    for (const id of CHARTS) {
      const later = await h.waitAttrAbove(page, id, 'data-points', first[id]);
      assert.ok(later > first[id], `${id}: data-points ${first[id]} -> ${later}`);
    }
    await h.saveShot(page, 'live-training-tab');
  });

  test('the 3D canvas shows a non-blank, changing picture', async (t) => {
    const page = await paramsPage(t);
    assert.ok(await h.webglKind(page), 'WebGL is not available in this chromium (swiftshader flags)');
    const canvas = h.byTestId(page, 'params-canvas');
    assert.equal(await canvas.getAttribute('data-view', { timeout: h.WAIT_MS }), '3d');
    const s0 = await h.waitFrameAfter(page, -1);
    await page.waitForTimeout(1500);  // let the tween settle
    const a = await h.saveShot(page, 'live-params-3d-a', canvas);
    // Ten steps later early in training the weights have moved enough to change cell colours
    // and embedding positions visibly (two steps may move them by less than a colour level).
    await h.waitFrameAfter(page, s0 + 9);
    await page.waitForTimeout(1500);
    const b = await h.saveShot(page, 'live-params-3d-b', canvas);
    await h.saveShot(page, 'live-params-tab');
    const cmp = await h.comparePngs(browser, a, b, 2);
    assert.ok(cmp.nonBackground > 0.01, `3D canvas looks blank: ${JSON.stringify(cmp)}`);
    assert.ok(cmp.distinct > 16, `3D canvas has only ${cmp.distinct} colours`);
    assert.ok(cmp.changed > 0.0005, `3D picture did not change between frames: ${JSON.stringify(cmp)}`);
  });

  test('hovering a point shows its tooltip', async (t) => {
    const page = await paramsPage(t);
    const items = await waitPickables(page);
    let shown = 0;
    for (const p of items.slice(0, 6)) {
      const tip = await h.tooltipAfterHover(page, p.x, p.y);
      if (!tip) continue;
      shown++;
      if (p.name !== undefined) assert.equal(tip.name, p.name, `tooltip names ${tip.name} over ${p.name}`);
      if (p.layer !== undefined) assert.equal(Number(tip.layer ?? -1), p.layer, 'tooltip layer');
      assert.ok(Number.isFinite(Number(tip.value)), `tooltip data-value is not a number: ${tip.value}`);
      if (shown === 1) await h.saveShot(page, 'live-tooltip');
    }
    assert.ok(shown > 0, `no tooltip over any of ${JSON.stringify(items.slice(0, 6))}`);
  });

  test('a hidden Parameters tab does not draw; showing it draws the newest frame', async (t) => {
    const page = await h.openDashboard(browser, run.url);
    t.after(() => page.close());
    await page.evaluate(() => window.__nanogpt.ready);
    await h.showTab(page, 'training');
    const s0 = await h.waitFrameAfter(page, -1);
    await h.waitFrameAfter(page, s0 + 2); // frames keep arriving while the tab is hidden
    assert.equal(await page.evaluate(() => window.__nanogpt.store.get().drawn), null,
      'the Parameters view drew while its tab was hidden');
    await page.evaluate(() => { window.__drawnLog = []; window.__nanogpt.onDrawn((d) => window.__drawnLog.push(d.step)); });
    await h.showTab(page, 'params');
    const h1 = await page.waitForFunction(() => window.__drawnLog.length > 0 && window.__drawnLog[0], null, { timeout: h.WAIT_MS });
    const firstDrawn = await h1.jsonValue();
    assert.ok(firstDrawn >= s0 + 2, `first frame drawn on showing the tab is step ${firstDrawn}, not the newest (>= ${s0 + 2})`);
    const panelStep = await h.byTestId(page, 'stats-panel').getAttribute('data-step');
    assert.ok(Number(panelStep) >= firstDrawn, `stats panel describes step ${panelStep}`);
  });

  test('a layer filter hides that layer and clears a selection in it', async (t) => {
    const page = await paramsPage(t);
    const offered = await waitPickables(page, (p) => p.layer === 0, 'an item of layer 0');
    // Select a tensor of layer 0 by clicking it; the stats panel describes it.
    const target = offered.find((p) => p.layer === 0);
    await page.mouse.move(target.x, target.y);
    await page.mouse.down(); await page.mouse.up();
    await page.waitForFunction(() => window.__nanogpt.store.get().selected?.layer === 0, null, { timeout: h.WAIT_MS });
    const panel = h.byTestId(page, 'stats-panel');
    assert.equal(await panel.getAttribute('data-layer'), '0');
    await h.byTestId(page, 'filter-layer-0').uncheck();
    const layers = await page.evaluate(() => [...window.__nanogpt.store.get().filters.layers]);
    assert.ok(!layers.includes(0), `store filters still hold layer 0: ${layers}`);
    assert.equal(await page.evaluate(() => window.__nanogpt.store.get().selected), null, 'the hidden selection stays');
    const shownLayer = await panel.getAttribute('data-layer');
    assert.notEqual(shownLayer, '0', 'the stats panel still describes a tensor of the hidden layer 0');
    assert.ok(!(await panel.innerText()).includes('layer 0'), `stats panel: ${await panel.innerText()}`);
    // The scene follows on its next redraw: pickables then no longer offer layer 0.
    const items = await waitPickables(page, (p) => p.layer !== 0, 'items outside layer 0 only',
      (list) => list.every((p) => p.layer !== 0));
    for (const p of items.slice(0, 6)) {
      const tip = await h.tooltipAfterHover(page, p.x, p.y, 5000);
      if (tip) assert.notEqual(tip.layer, '0', `tooltip shows layer 0 (${tip.name}) after filtering it out`);
    }
    await h.saveShot(page, 'live-filter-no-layer-0');
  });

  test('an empty filter says so and offers the nearest alternative', async (t) => {
    const page = await paramsPage(t);
    for (const type of TYPES) await h.byTestId(page, `filter-type-${type}`).uncheck();
    const empty = h.byTestId(page, 'filter-empty');
    await empty.waitFor({ state: 'visible', timeout: h.WAIT_MS });
    assert.ok((await empty.innerText()).trim().length > 0, 'filter-empty has no message');
    await h.saveShot(page, 'live-filter-empty');
    // The statistics panel names no tensor and draws no stale charts while nothing is shown.
    await h.byTestId(page, 'hist-chart').waitFor({ state: 'hidden', timeout: h.WAIT_MS });
    await h.byTestId(page, 'filter-suggest').click();
    await h.byTestId(page, 'hist-chart').waitFor({ state: 'visible', timeout: h.WAIT_MS });
    await empty.waitFor({ state: 'hidden', timeout: h.WAIT_MS });
    await waitPickables(page, () => true, 'an item after following the suggestion');
    await h.saveShot(page, 'live-filter-suggested');
  });
});
