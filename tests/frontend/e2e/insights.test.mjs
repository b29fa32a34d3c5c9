// insights.test.mjs: the insights' rendering path in headless chromium, on a replayed run with a
// known story (insight_script.mjs through bench/browser/replay_server.mjs: frames of a real tiny
// run, a scripted loss curve, the insight and probe messages the engine would send):
// - the loss chart draws the phase bands, the n-gram levels and the event marks;
// - hovering the loss spike's mark names it, clicking it moves playback to its step and opens
//   its explanation in the insights panel;
// - the timeline marks the events; picking one on the Parameters tab opens the popover, and the
//   flagged tensor is outlined;
// - the Attention tab shows the probe at or before the frame on screen, says which step it is
//   from, follows playback, and marks the induction head.
// Screenshots (the banded loss chart, the panel, the Parameters highlights, the attention view)
// go to NANOGPT_E2E_ARTEFACTS for people to look at.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';
import { startReplayServer } from '../../../bench/browser/replay_server.mjs';
import { LEVELS, MAX_STEPS, SPIKE_STEP, insightScript, metricsAt, probeScript } from './insight_script.mjs';

const skip = h.missingPrerequisite();

describe('insights on a replayed run', { skip: skip ?? false }, () => {
  let browser, replay, page;

  before(async () => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    const runs = await h.recordRun(dir, data, { maxIters: 30, vizInterval: 2 });
    const runDir = join(runs, readdirSync(runs)[0]);
    replay = await startReplayServer({ runDir, staticDir: resolve(h.REPO, 'frontend'), rate: 40, maxSteps: MAX_STEPS,
      keepFrames: 1000, metricsAt, script: { insights: insightScript(), probes: probeScript() },
      runInfo: { reference_levels: LEVELS, train: { viz_interval: 1, warmup_iters: 20 } } });
    h.onCleanup(() => replay.close());
    browser = await h.launchBrowser({ webgl: true });
    page = await h.openDashboard(browser, replay.url);
    // The whole story has been told (and the page has it) before the tests look.
    await page.waitForFunction((n) => window.__nanogpt.store.get().frame?.step >= n - 1, MAX_STEPS, { timeout: h.WAIT_MS });
  });
  after(async () => {
    if (page?.errors.length) h.saveText('insights.errors.txt', page.errors.join('\n'));
    await h.stopAll();
  });

  test('the loss chart draws the phase bands, the n-gram levels and the event marks', async () => {
    await h.showTab(page, 'training');
    const chart = h.byTestId(page, 'chart-loss');
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="chart-loss"]');
      return Number(c?.dataset.bands) >= 5 && Number(c?.dataset.marks) >= 4 && Number(c?.dataset.levels) >= 4;
    }, null, { timeout: h.WAIT_MS }).catch(async (e) => {
      throw new Error(`chart-loss bands ${await chart.getAttribute('data-bands')}, marks ${await chart.getAttribute('data-marks')}, ` +
        `levels ${await chart.getAttribute('data-levels')}: ${e.message}`);
    });
    assert.equal(Number(await chart.getAttribute('data-levels')), 4, 'uniform, unigram, bigram and trigram are all in range');
    await h.saveShot(page, 'insights-loss-chart', page.locator('.chart-card', { has: chart }));
    // Log-log keeps the insights (bands and marks sit at their steps on a log step axis).
    await h.byTestId(page, 'loss-axes').selectOption('loglog');
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="chart-loss"]');
      return c?.dataset.axes === 'loglog' && Number(c.dataset.marks) >= 4;
    }, null, { timeout: h.WAIT_MS });
    await h.saveShot(page, 'insights-loss-chart-loglog', page.locator('.chart-card', { has: chart }));
    await h.byTestId(page, 'loss-axes').selectOption('linear');
    // The plot is rebuilt on the next frame: the marks move back only then (the next test points at them).
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-loss"]')?.dataset.axes === 'linear', null, { timeout: 10_000 });
    assert.deepEqual(page.errors, []);
  });

  test('hovering the spike names it; clicking it shows its step and opens its explanation', async () => {
    await h.showTab(page, 'training');
    const marks = await page.evaluate(() => window.__nanogpt.insightMarks());
    const spike = marks.find((m) => m.id === 4);
    assert.ok(spike, `the loss spike has a mark: ${JSON.stringify(marks)}`);
    assert.equal(spike.step, SPIKE_STEP);
    await page.mouse.move(spike.x, spike.y + 1);
    const tip = h.byTestId(page, 'insight-tip');
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await tip.getAttribute('data-id'), '4');
    assert.match(await tip.innerText(), new RegExp(`Loss spike at step ${SPIKE_STEP}`));
    await h.saveShot(page, 'insights-hover-tip', page.locator('.chart-card', { has: h.byTestId(page, 'chart-loss') }));
    await page.mouse.click(spike.x, spike.y + 1);
    await page.waitForFunction((s) => window.__nanogpt.store.get().frame?.step === s
      && document.querySelector('[data-testid="frame-step"]')?.textContent === String(s), SPIKE_STEP, { timeout: h.WAIT_MS });
    const card = page.locator('[data-testid="insight"][data-id="4"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="insight"][data-id="4"]')?.open === true, null, { timeout: 5000 });
    assert.match(await card.locator('[data-testid="insight-explanation"]').innerText(), /far above its recent trend/);
    const evidence = await card.locator('[data-testid="insight-evidence"]').innerText();
    assert.match(evidence, /z\s+7\.4/);
    assert.match(await card.innerText(), /What to try[\s\S]*lower the peak learning rate/i);
    assert.ok(await card.evaluate((d) => d.classList.contains('is-now')), 'the spike applies at the step on screen');
    await h.saveShot(page, 'insights-panel', h.byTestId(page, 'insights-panel'));
    await h.saveShot(page, 'insights-training-tab');
  });

  test('the panel lists every insight once, newest first, and filters by family', async () => {
    await h.showTab(page, 'training');
    const ids = await page.$$eval('[data-testid="insights-list"] [data-testid="insight"]', (els) => els.map((e) => Number(e.dataset.id)));
    assert.equal(new Set(ids).size, ids.length, `each insight once: ${ids}`);
    assert.equal(ids.length, 13, 'ids 1..13: re-sent spans kept once');
    const steps = await page.$$eval('[data-testid="insights-list"] [data-testid="insight"]', (els) => els.map((e) => e.querySelector('.ins-steps').textContent));
    assert.match(steps[ids.indexOf(5)], /steps 60–160/, 'the slowdown shows its closed span');
    await h.byTestId(page, 'insights-filter').selectOption('probe');
    const probeIds = await page.$$eval('[data-testid="insights-list"] [data-testid="insight"]', (els) => els.map((e) => Number(e.dataset.id)));
    assert.deepEqual(probeIds, [8, 7]);
    await h.byTestId(page, 'insights-filter').selectOption('all');
  });

  test('the timeline marks insights; on the Parameters tab a mark opens the popover and the tensor is outlined', async () => {
    await h.showTab(page, 'params');
    await page.evaluate(() => window.__nanogpt.ready);
    const n = Number(await h.byTestId(page, 'timeline-marks').getAttribute('data-marks'));
    assert.ok(n >= 8, `timeline marks: ${n}`);
    const marks = await page.evaluate(() => window.__nanogpt.timelineMarks());
    const outlier = marks.find((m) => m.id === 6);
    assert.ok(outlier, `the update-ratio outlier is on the timeline: ${JSON.stringify(marks)}`);
    await page.mouse.click(outlier.x, outlier.y);
    await page.waitForFunction(() => window.__nanogpt.store.get().frame?.step === 90, null, { timeout: h.WAIT_MS });
    const pop = h.byTestId(page, 'insight-popover');
    await pop.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await pop.innerText(), /qkvw of layer 1 moves 8× faster/);
    await page.waitForFunction(() => document.querySelector('[data-testid="params-canvas"]')?.dataset.flags?.includes('qkvw:1'),
      null, { timeout: h.WAIT_MS });
    await page.waitForTimeout(800); // the tween to the frame ends
    await h.saveShot(page, 'insights-params-highlight');
    await h.byTestId(page, 'insight-popover-close').click();
    assert.equal(await pop.isVisible(), false);
    // At step 150 the vowels' group (sticky since 120) is ringed, and the heads flag their qkvw.
    await h.byTestId(page, 'jump-step').fill('150');
    await h.byTestId(page, 'jump-step').press('Enter');
    await page.waitForFunction(() => {
      const f = document.querySelector('[data-testid="params-canvas"]')?.dataset.flags ?? '';
      return f.includes('cluster:12') && f.includes('qkvw:0') && f.includes('qkvw:1');
    }, null, { timeout: h.WAIT_MS });
    assert.match(await h.byTestId(page, 'params-insights').innerText(), /vowels gather/);
    await page.waitForTimeout(800);
    await h.saveShot(page, 'insights-params-clusters');
  });

  test('the Attention tab shows the probe at or before the frame on screen and marks the induction head', async () => {
    await h.showTab(page, 'attention');
    await page.evaluate(() => window.__nanogpt.attentionReady);
    const jump = async (step) => {
      await h.byTestId(page, 'jump-step').fill(String(step));
      await h.byTestId(page, 'jump-step').press('Enter');
      await page.waitForFunction((s) => window.__nanogpt.store.get().frame?.step === s, step, { timeout: h.WAIT_MS });
    };
    await jump(170);
    const note = h.byTestId(page, 'attention-step');
    // The view follows the frame a moment after the store has it: wait for its note to name step 170.
    await page.waitForFunction(() => {
      const n = document.querySelector('[data-testid="attention-step"]');
      return n?.dataset.step === '150' && n.textContent.includes('(step 170)');
    }, null, { timeout: h.WAIT_MS }).catch(() => {});
    assert.match(await note.innerText(), /probe from step 150, the newest at or before the frame on screen \(step 170\)/);
    const cells = await page.evaluate(() => window.__nanogpt.attention().cells());
    assert.equal(cells.length, 4, 'two layers of two heads');
    const ind = cells.find((c) => c.layer === 1 && c.head === 1);
    await page.mouse.click(ind.x, ind.y);
    await page.waitForFunction(() => document.querySelector('[data-testid="attention-head-title"]')?.dataset.head === '1', null, { timeout: 5000 });
    assert.match(await h.byTestId(page, 'attention-describe').innerText(), /induction head/i);
    assert.match(await h.byTestId(page, 'attention-scores').innerText(), /1\.1\s+0\.10\s+0\.90\s+0\.00\s+induction/);
    // The repeated row: the induction head attends to the token after the earlier copy.
    await h.byTestId(page, 'attention-row').selectOption('repeat');
    const tokens = page.locator('[data-testid="attention-text"] .at-tok');
    await tokens.nth(12).hover();
    await page.waitForFunction(() => /position 12\) attends to .* at 5: 100 %/.test(document.querySelector('[data-testid="attention-readout"]')?.textContent ?? ''),
      null, { timeout: 5000 });
    await h.saveShot(page, 'attention-view');
    // Playback moves the view: at step 60 the newest probe is 50's, where no head has a pattern yet.
    await jump(60);
    await page.waitForFunction(() => document.querySelector('[data-testid="attention-step"]')?.dataset.step === '50', null, { timeout: h.WAIT_MS });
    assert.doesNotMatch(await h.byTestId(page, 'attention-scores').innerText(), /induction\s*$/m, 'no badge at step 50');
    await h.saveShot(page, 'attention-view-step-50');
    assert.deepEqual(page.errors, []);
  });
});
