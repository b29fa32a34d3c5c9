// cards.test.mjs: the teaching layer on two real recorded runs served by `nanogpt serve` (R5.1):
// - the first visit's welcome shows, lists the tours (or says they are unavailable), is dismissed
//   and does not come back;
// - the explanation cards of a chart (click and hover), a parameter tensor (the stats panel's "?"
//   and the "?" key over the tooltip), an insight kind and an attention score open beside their
//   anchor without covering it, carry the model's real shape numbers and the frame's statistics,
//   and close with Escape;
// - picking a compare run shows both runs' per-tensor statistics and their events side by side.
// Screenshots: cards-*.png in NANOGPT_E2E_ARTEFACTS.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();

const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function openCardBy(page, testid) {
  await h.byTestId(page, testid).first().click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="explain-card"]').hidden, null, { timeout: h.WAIT_MS });
  return h.byTestId(page, 'explain-card');
}
async function closeWithEscape(page) {
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('[data-testid="explain-card"]').hidden, null, { timeout: h.WAIT_MS });
}
async function shot(page, name) {
  mkdirSync(h.ARTEFACTS, { recursive: true });
  await page.screenshot({ path: join(h.ARTEFACTS, name) });
}

describe('explanation cards, first visit and compare view', { skip: skip ?? false }, () => {
  let browser, serve, runA, runB, page, model;

  before(async () => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    const runs = await h.recordRun(dir, data, { maxIters: 30, vizInterval: 2 });
    // A second run with another schedule (40 steps, decaying over 40), moved into the same runs folder.
    const dir2 = h.workDir();
    const runs2 = await h.recordRun(dir2, data, { maxIters: 40, vizInterval: 2 });
    [runA] = readdirSync(runs);
    [runB] = readdirSync(runs2);
    renameSync(join(runs2, runB), join(runs, runB));
    serve = await h.startServe(runs);
    browser = await h.launchBrowser({ webgl: true });
  });
  after(() => h.stopAll());

  test('the first visit shows a welcome, offers the tours, and stays away once dismissed', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    h.onCleanup(() => context.close());
    const p = await h.openDashboard(context, serve.url, { query: `session=${runA}&firstvisit=1` });
    const fv = h.byTestId(p, 'first-visit');
    await fv.waitFor({ state: 'visible', timeout: h.WAIT_MS });
    const text = await fv.innerText();
    await p.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    for (const word of ['training', 'parameters', 'attention', 'playback', 'guided tours']) assert.ok(text.toLowerCase().includes(word), `the welcome names ${word}: ${text}`);
    await p.waitForFunction(() => document.querySelector('[data-testid="first-visit-tours"], [data-testid="first-visit-no-tours"]'), null, { timeout: h.WAIT_MS });
    const tours = await h.byTestId(p, 'first-visit-tours').count();
    const none = await h.byTestId(p, 'first-visit-no-tours').count();
    assert.equal(tours + none, 1, 'either the tours are listed or the panel says they are unavailable');
    await p.waitForFunction(() => window.__nanogpt.store.get().metrics?.[window.__nanogpt.store.get().session]?.length > 0, null, { timeout: h.WAIT_MS });
    await p.waitForTimeout(600);
    await shot(p, 'cards-first-visit.png');
    if (tours) {
      // Choosing a tour dispatches nanogpt:start-tour with its id and dismisses the welcome.
      await p.evaluate(() => { window.__tourStarted = null; window.addEventListener('nanogpt:start-tour', (e) => { window.__tourStarted = e.detail.id; }); });
      const first = p.locator('[data-testid="first-visit-tours"] [data-tour]').first();
      const id = await first.getAttribute('data-tour');
      await first.click();
      assert.equal(await p.evaluate(() => window.__tourStarted), id);
    } else {
      await h.byTestId(p, 'first-visit-close').click();
    }
    await fv.waitFor({ state: 'detached', timeout: h.WAIT_MS });
    assert.equal(await p.evaluate(() => localStorage.getItem('nanogpt.firstVisit')), 'dismissed');
    // A later visit (no ?firstvisit) does not show it again.
    const again = new URL(p.url());
    again.searchParams.delete('firstvisit');
    await p.goto(again.href, { waitUntil: 'load' });
    await p.waitForFunction(() => window.__nanogpt?.store, null, { timeout: h.WAIT_MS });
    await p.waitForTimeout(500);
    assert.equal(await h.byTestId(p, 'first-visit').count(), 0, 'not shown after dismissal');
    await p.close();
  });

  test('a chart card opens beside its chart by click and by hover, with this model\'s numbers', async () => {
    page = await h.openDashboard(browser, serve.url, { query: `session=${runA}` });
    await page.waitForFunction(() => { const s = window.__nanogpt.store.get(); return s.frame && s.metrics?.[s.session]?.length > 0; }, null, { timeout: h.WAIT_MS });
    model = await page.evaluate(() => window.__nanogpt.store.get().frame.model);
    assert.ok(model.C > 0 && model.V > 0, `the frame has the model shape: ${JSON.stringify(model)}`);
    const card = await openCardBy(page, 'card-q-chart:chart-loss');
    assert.equal(await card.getAttribute('data-card-id'), 'chart:chart-loss');
    const text = await card.innerText();
    assert.ok(text.includes(`ln ${model.V}`), `the loss card names ln V for V = ${model.V}: ${text}`);
    assert.ok(text.includes((Math.log(model.V)).toFixed(3).slice(0, 4)), 'and its value');
    const live = await h.byTestId(page, 'explain-card-live').innerText();
    assert.match(live, /train loss at step \d+/);
    const cardBox = await card.boundingBox();
    const anchorBox = await h.byTestId(page, 'card-q-chart:chart-loss').boundingBox();
    const chartBox = await page.locator('.chart-card', { has: h.byTestId(page, 'chart-loss') }).boundingBox();
    assert.ok(!overlap(cardBox, anchorBox), 'the card does not cover its "?"');
    assert.ok(!overlap(cardBox, chartBox), `the card does not cover the loss chart (${await card.getAttribute('data-placement')})`);
    await shot(page, 'cards-chart.png');
    await closeWithEscape(page);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.card), 'chart:chart-loss', 'focus returns to the "?"');
    // Hover: the learning-rate chart's "?" opens its card; leaving it closes it.
    await h.byTestId(page, 'card-q-chart:chart-lr').hover();
    await page.waitForFunction(() => document.querySelector('[data-testid="explain-card"]')?.dataset.cardId === 'chart:chart-lr'
      && !document.querySelector('[data-testid="explain-card"]').hidden, null, { timeout: h.WAIT_MS });
    await page.mouse.move(5, 790);
    await page.waitForFunction(() => document.querySelector('[data-testid="explain-card"]').hidden, null, { timeout: h.WAIT_MS });
  });

  test('an insight kind card opens from an insight in the panel', async () => {
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="insight"]').length > 0, null, { timeout: h.WAIT_MS });
    const ins = h.byTestId(page, 'insight').first();
    const kind = await ins.getAttribute('data-kind');
    await ins.locator('summary').click();
    const q = ins.locator(`[data-card="insight:${kind}"]`);
    await q.click();
    const card = h.byTestId(page, 'explain-card');
    await page.waitForFunction((k) => document.querySelector('[data-testid="explain-card"]')?.dataset.cardId === `insight:${k}`, kind, { timeout: h.WAIT_MS });
    const text = await card.innerText();
    assert.ok(text.toLowerCase().includes(kind.replace(/_/g, ' ')), `the card names the kind ${kind}: ${text}`);
    const count = Number(await card.locator('[data-key="count"]').innerText());
    const inStore = await page.evaluate((k) => { const s = window.__nanogpt.store.get(); return [...s.insights[s.session].byId.values()].filter((i) => i.kind === k).length; }, kind);
    assert.equal(count, inStore, 'the card counts this run\'s insights of that kind');
    assert.ok(!overlap(await card.boundingBox(), await q.boundingBox()), 'the card does not cover its "?"');
    await shot(page, 'cards-insight.png');
    await closeWithEscape(page);
  });

  test('a parameter card from the stats panel and from the tooltip: shape, init and the frame\'s stats', async () => {
    await h.showTab(page, 'params');
    await page.evaluate(() => window.__nanogpt.ready);
    await page.waitForFunction(() => document.querySelector('[data-testid="stats-panel"]')?.dataset.name, null, { timeout: h.WAIT_MS });
    const name = await h.byTestId(page, 'stats-panel').getAttribute('data-name');
    const layer = Number(await h.byTestId(page, 'stats-panel').getAttribute('data-layer'));
    const card = await openCardBy(page, 'card-q-stats-tensor');
    assert.equal(await card.getAttribute('data-card-id'), `param:${name}`);
    const shape = await h.byTestId(page, 'explain-card-shape').innerText();
    const dims = { qkvw: [3 * model.C, model.C], attprojw: [model.C, model.C], fcw: [4 * model.C, model.C], fcprojw: [model.C, 4 * model.C],
      wte: [model.V, model.C], wpe: [model.maxT, model.C] }[name] ?? [model.C];
    assert.ok(shape.startsWith(dims.join(' × ')), `${name}'s shape ${dims.join(' × ')}: ${shape}`);
    assert.ok(shape.includes(`L=${model.L}`) && shape.includes(`C=${model.C}`), shape);
    const init = await h.byTestId(page, 'explain-card-init').innerText();
    if (['attprojw', 'fcprojw'].includes(name)) assert.ok(init.includes(`√${2 * model.L}`), init);
    else if (['qkvw', 'fcw', 'wte', 'wpe'].includes(name)) assert.ok(init.includes('0.02'), init);
    const stats = await page.evaluate(([n, l]) => { const f = window.__nanogpt.store.get().frame; return f.stats(n, l); }, [name, layer]);
    const rms = Number(await card.locator('[data-key="rms"]').innerText());
    assert.ok(Math.abs(rms - stats.rms) <= 1e-3 * Math.abs(stats.rms), `rms on the card ${rms} = the frame's ${stats.rms}`);
    const ratio = Number(await card.locator('[data-key="update_ratio"]').innerText());
    assert.ok(Math.abs(ratio - stats.update_ratio) <= 1e-3 * Math.abs(stats.update_ratio) + 1e-12, `update ratio ${ratio} vs ${stats.update_ratio}`);
    const cardBox = await card.boundingBox();
    assert.ok(!overlap(cardBox, await h.byTestId(page, 'card-q-stats-tensor').boundingBox()), 'the card does not cover its "?"');
    assert.ok(!overlap(cardBox, await h.byTestId(page, 'stats-panel').boundingBox()), 'nor the stats panel it explains');
    await shot(page, 'cards-param.png');
    await closeWithEscape(page);
    // The "?" key over a hovered tensor opens that tensor's card. pickables() are in page coordinates.
    const picks = await page.evaluate(() => window.__nanogpt.pickables());
    assert.ok(picks.length > 0, 'something to hover');
    let tip = null;
    for (const pk of picks.slice(0, 6)) if ((tip = await h.tooltipAfterHover(page, pk.x, pk.y))) break;
    assert.ok(tip, `a tooltip over one of ${JSON.stringify(picks.slice(0, 6))}`);
    const tipName = tip.name;
    await page.keyboard.press('?');
    await page.waitForFunction((n) => document.querySelector('[data-testid="explain-card"]')?.dataset.cardId === `param:${n}`, tipName, { timeout: h.WAIT_MS });
    await closeWithEscape(page);
  });

  test('an attention score card names the heads of this model', async () => {
    await h.showTab(page, 'attention');
    await page.evaluate(() => window.__nanogpt.attentionReady);
    await page.waitForFunction(() => document.querySelector('[data-testid="card-q-score:induction"]'), null, { timeout: h.WAIT_MS });
    const card = await openCardBy(page, 'card-q-score:induction');
    const text = await card.innerText();
    assert.ok(text.includes(`${model.L} layers × ${model.NH} heads = ${model.L * model.NH} heads`), text);
    assert.ok(!overlap(await card.boundingBox(), await h.byTestId(page, 'card-q-score:induction').boundingBox()));
    await shot(page, 'cards-attention.png');
    await closeWithEscape(page);
  });

  test('the compare view shows both runs\' statistics and events side by side', async () => {
    await h.showTab(page, 'training');
    await page.waitForFunction((b) => [...document.querySelectorAll('[data-testid="compare-picker"] option')].some((o) => o.value === b), runB, { timeout: h.WAIT_MS });
    await h.byTestId(page, 'compare-picker').selectOption(runB);
    const view = h.byTestId(page, 'compare-view');
    await view.waitFor({ state: 'visible', timeout: h.WAIT_MS });
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-view"]')?.dataset.stepB
      && document.querySelectorAll('[data-testid="compare-row"]').length > 0, null, { timeout: h.WAIT_MS });
    const stepA = Number(await view.getAttribute('data-step-a'));
    const stepB = Number(await view.getAttribute('data-step-b'));
    assert.equal(stepA, await page.evaluate(() => window.__nanogpt.store.get().frame.step), 'A is the frame on screen');
    assert.ok(Number.isFinite(stepB));
    const row = page.locator('[data-testid="compare-row"][data-name="qkvw"][data-layer="0"]');
    const a = Number(await row.locator('[data-stat="rms"][data-run="a"]').innerText());
    const bText = await row.locator('[data-stat="rms"][data-run="b"]').innerText();
    const b = Number(bText.split(' ')[0].replace('×', ''));
    const own = await page.evaluate(() => window.__nanogpt.store.get().frame.stats('qkvw', 0).rms);
    assert.ok(Math.abs(a - own) <= 1e-3 * own, `A's rms ${a} is the frame's ${own}`);
    assert.ok(b > 0, `B's rms is a number: ${bText}`);
    const rows = await h.byTestId(page, 'compare-row').count();
    assert.ok(rows >= 2 * 12, `every tensor and layer: ${rows} rows`);
    assert.ok(await h.byTestId(page, 'compare-events-a').locator('[data-testid="compare-event"]').count() > 0, 'A\'s events');
    assert.ok(await h.byTestId(page, 'compare-events-b').locator('[data-testid="compare-event"]').count() > 0, 'B\'s events');
    await view.scrollIntoViewIfNeeded();
    await shot(page, 'cards-compare.png');
    assert.deepEqual(page.errors, [], 'no page errors');
  });
});
