// tours.test.mjs: the guided tours (R5.3) end to end. Every tour walks all its steps on a recorded
// run (nanogpt serve over a short real train whose loss spikes: NANOGPT_TEST_LR_SPIKE, plus a
// second shorter run for the comparison tour) and on a live one (a running train), with a
// screenshot per step (e2e-artefacts/tours/{recorded,live}/<tour>-<step>.png); one tour is driven
// by the keyboard alone; a deep link opens the right tour and step and the address follows the tour.
// NANOGPT_E2E_TOURS_RUNS=DIR keeps the two recorded runs in DIR and reuses them when it already
// holds them (for working on the tours; the default records afresh in a temporary folder).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';
import { TOUR_LIST } from '../../../frontend/tours/index.js';

const SPIKE = 140;
const FACTOR = 100; // the lr is already decaying at step 140 of 240: a larger factor than insight_spike.test.mjs
const STEPS = 240;

function hookMissing() {
  try {
    return readFileSync(h.BIN).includes('NANOGPT_TEST_LR_SPIKE') ? null : `${h.BIN} has no NANOGPT_TEST_LR_SPIKE test hook`;
  } catch { return null; }
}
const skip = h.missingPrerequisite() ?? hookMissing();

async function withSpike(fn) {
  process.env.NANOGPT_TEST_LR_SPIKE = `${SPIKE}:${FACTOR}`;
  try { return await fn(); } finally { delete process.env.NANOGPT_TEST_LR_SPIKE; }
}

const panelAttr = (page, a) => h.byTestId(page, 'tour-panel').getAttribute(a);

/** Waits until the tour panel shows step `n` (1-based) of tour `id` and what it asks is on screen. */
async function waitStep(page, id, n) {
  await page.waitForFunction(([id, n]) => {
    const p = document.querySelector('[data-testid="tour-panel"]');
    if (!p || p.hidden || p.dataset.tour !== id || p.dataset.step !== String(n)) return false;
    const t = window.__nanogpt.tours.resolved();
    const s = window.__nanogpt.store.get();
    if (t.tab && s.tab !== t.tab) return false;
    // Playback shows the stored frame at or before the anchored step (live: the newest is fine).
    if (t.frameStep != null && !s.live && s.frame?.step !== t.frameStep) return false;
    return true;
  }, [id, n], { timeout: 30_000, polling: 100 }).catch(async (e) => {
    const now = await page.evaluate(() => {
      const p = document.querySelector('[data-testid="tour-panel"]');
      const s = window.__nanogpt.store.get();
      const t = window.__nanogpt.tours.resolved();
      return { panel: p && { hidden: p.hidden, tour: p.dataset.tour, step: p.dataset.step },
        tab: s.tab, live: s.live, session: s.session, frame: s.frame?.step, frames: (s.frameIndex ?? []).length,
        wants: t && { tab: t.tab, step: t.step, frameStep: t.frameStep, found: t.found } };
    });
    throw new Error(`tour ${id} step ${n} not on screen: ${JSON.stringify(now)}: ${e.message}`);
  });
}

/** Live, the panel re-renders as the run moves on (a reveal's numbers follow the newest frame):
 *  the choice buttons must stay the same elements, or a click on one replaced under the pointer
 *  is lost. The live train sends a frame every 5 steps. */
async function choicesOutliveRenders(page, what) {
  await page.evaluate(() => {
    const lastStep = () => {
      const s = window.__nanogpt.store.get();
      return (s.metrics[s.session] ?? []).at(-1)?.step ?? 0;
    };
    const probe = window.__choiceProbe = { button: document.querySelector('[data-testid="tour-choice"]'), from: lastStep(), renders: 0 };
    // Setting textContent replaces the text node even when the text is the same: one record per
    // render. Counted once two frames have arrived since the mark.
    probe.observer = new MutationObserver(() => { if (lastStep() >= probe.from + 10) probe.renders++; });
    probe.observer.observe(document.querySelector('[data-testid="tour-progress"]'), { childList: true });
  });
  await page.waitForFunction(() => window.__choiceProbe.renders >= 2, null, { timeout: 30_000 });
  const connected = await page.evaluate(() => {
    window.__choiceProbe.observer.disconnect();
    return window.__choiceProbe.button.isConnected;
  });
  assert.ok(connected, `${what}: the choices are the same buttons after the panel re-rendered with newer steps`);
}

/** Walks every step of a tour with Next, checking and photographing each; returns what each step said. */
async function walk(page, tour, folder) {
  await page.evaluate((id) => window.dispatchEvent(new CustomEvent('nanogpt:start-tour', { detail: { id } })), tour.id);
  const seen = [];
  for (let i = 0; i < tour.steps.length; i++) {
    await waitStep(page, tour.id, i + 1);
    // Live, the run moves on under the tour: an anchor can turn up mid-step, and the panel follows
    // within its refresh delay. So each check reads the step's resolution and the page in one go
    // and waits until they agree (on a recorded run they agree at once).
    const r = await (await page.waitForFunction(() => {
      const r = window.__nanogpt.tours.resolved();
      const note = document.querySelector('[data-testid="tour-fallback"]');
      return note && note.hidden === (r.found && !r.needsCompare) ? JSON.parse(JSON.stringify(r)) : false;
    }, null, { timeout: 10_000 }).catch(async (e) => {
      const now = await page.evaluate(() => ({ r: window.__nanogpt.tours.resolved(),
        noteHidden: document.querySelector('[data-testid="tour-fallback"]')?.hidden }));
      throw new Error(`${tour.id} ${i + 1}: the fallback note disagrees with the step: ${JSON.stringify(now)}: ${e.message}`);
    })).jsonValue();
    const text = await h.byTestId(page, 'tour-text').innerText();
    assert.ok(text.length > 30, `${tour.id} ${i + 1}: a text`);
    assert.doesNotMatch(text, /\{[a-z_]+(:[^}]*)?\}/i, `${tour.id} ${i + 1}: no unfilled placeholder`);
    if (r.region) {
      // Live, a region reaching the newest step grows as steps arrive: only its chart and start are fixed.
      await page.waitForFunction((live) => {
        const g = window.__nanogpt.tours.resolved()?.region;
        const v = g && document.querySelector(`[data-testid="chart-${g.chart}"]`)?.dataset.tourRegion;
        return g && (live ? v?.startsWith(`${g.from}-`) : v === `${g.from}-${g.to}`);
      }, folder === 'live', { timeout: 10_000 }).catch(async (e) => {
        const now = await page.evaluate(() => {
          const g = window.__nanogpt.tours.resolved()?.region;
          return { region: g, drawn: g && document.querySelector(`[data-testid="chart-${g.chart}"]`)?.dataset.tourRegion };
        });
        throw new Error(`${tour.id} ${i + 1}: the chart region is not the step's: ${JSON.stringify(now)}: ${e.message}`);
      });
    }
    if (tour.steps[i].predict) {
      assert.equal(await h.byTestId(page, 'tour-reveal').count(), 0, 'the answer waits for a pick');
      if (folder === 'live') await choicesOutliveRenders(page, `${tour.id} ${i + 1}`);
      await h.byTestId(page, 'tour-choice').first().click();
      await h.byTestId(page, 'tour-reveal').waitFor({ state: 'visible', timeout: 5000 });
    }
    await h.saveShot(page, `tours/${folder}/${tour.id}-${i + 1}`);
    seen.push({ found: r.found, step: r.step, text });
    if (i < tour.steps.length - 1) await h.byTestId(page, 'tour-next').click();
  }
  await h.byTestId(page, 'tour-next').click(); // "Finish"
  await h.byTestId(page, 'tour-panel').waitFor({ state: 'hidden', timeout: 5000 });
  return seen;
}

describe('guided tours', { skip: skip ?? false }, () => {
  let browser, serve, live, spikeSession, otherSession;

  before(async () => {
    const keep = process.env.NANOGPT_E2E_TOURS_RUNS;
    const dir = keep ?? h.workDir();
    let runsDir = join(dir, 'runs');
    if (!(keep && existsSync(runsDir) && readdirSync(runsDir).length >= 2)) {
      mkdirSync(dir, { recursive: true });
      const data = await h.prepareCharData(dir);
      runsDir = await withSpike(() => h.recordRun(dir, data, { maxIters: STEPS, vizInterval: 5 }));
      await h.recordRun(dir, data, { maxIters: 60, vizInterval: 5 });
    }
    serve = await h.startServe(runsDir);
    const list = (await (await h.hubFetch(serve.url, 'api/sessions')).json()).sessions;
    spikeSession = list.reduce((a, b) => (b.last_step > a.last_step ? b : a)).session;
    otherSession = list.find((s) => s.session !== spikeSession).session;
    browser = await h.launchBrowser({ webgl: true });
  });
  after(async () => {
    if (live) h.saveText('tours/live-train.log', live.log());
    await h.stopAll();
  });

  test('every tour walks all its steps on a recorded run with a loss spike', async (t) => {
    const page = await h.openDashboard(browser, serve.url, { query: `?session=${spikeSession}` });
    t.after(async () => { if (page.errors.length) h.saveText('tours/recorded.errors.txt', page.errors.join('\n')); await page.close(); });
    await page.waitForFunction((id) => {
      const s = window.__nanogpt.store.get();
      return s.session === id && s.frameIndex.length > 10 && [...(s.insights[id]?.byId.values() ?? [])].some((i) => i.kind === 'loss_spike');
    }, spikeSession, { timeout: h.WAIT_MS });
    await page.evaluate(() => window.__nanogpt.ready);
    for (const tour of TOUR_LIST) {
      const seen = await walk(page, tour, 'recorded');
      if (tour.id === 'loss-spike') {
        assert.equal(seen[0].found, true, 'the spike of this run anchors the tour');
        assert.ok(seen[0].step >= SPIKE && seen[0].step <= SPIKE + 3, `at the spike (${seen[0].step})`);
        assert.match(seen[0].text, /Loss spike at step/);
      }
      if (tour.id === 'compare') {
        assert.equal(await page.evaluate(() => window.__nanogpt.store.get().compare), null, 'leaving restores the compare picker');
        assert.ok(seen[0].text.includes(otherSession), 'the second run was picked and named');
      }
    }
    assert.deepEqual(page.errors, []);
  });

  test('a tour driven by the keyboard alone', async (t) => {
    const page = await h.openDashboard(browser, serve.url, { query: `?session=${spikeSession}` });
    t.after(() => page.close());
    await page.waitForFunction(() => window.__nanogpt.store.get().frameIndex.length > 10, null, { timeout: h.WAIT_MS });
    // Tab to the Tours button, open the menu, go down to "Why LayerNorm" and start it.
    for (let i = 0; i < 40; i++) {
      if (await page.evaluate(() => document.activeElement?.dataset.testid === 'tour-menu')) break;
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'tour-menu', 'Tab reaches the Tours button');
    await page.keyboard.press('Enter');
    const target = TOUR_LIST.findIndex((x) => x.id === 'layernorm');
    for (let i = 0; i < target; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const tour = TOUR_LIST[target];
    await waitStep(page, tour.id, 1);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'tour-step-title', 'focus moves into the panel');
    await page.keyboard.press('ArrowRight');
    await waitStep(page, tour.id, 2);
    await page.keyboard.press('ArrowLeft');
    await waitStep(page, tour.id, 1);
    await page.keyboard.press('ArrowRight');
    await waitStep(page, tour.id, 2);
    await page.keyboard.press('2'); // the prediction: pick choice 2
    await h.byTestId(page, 'tour-reveal').waitFor({ state: 'visible', timeout: 5000 });
    await h.saveShot(page, 'tours/keyboard-predict');
    await page.keyboard.press('p');
    assert.equal(await panelAttr(page, 'data-paused'), 'true');
    await page.keyboard.press('p');
    assert.equal(await panelAttr(page, 'data-paused'), 'false');
    for (let i = 2; i < tour.steps.length; i++) { await page.keyboard.press('n'); await waitStep(page, tour.id, i + 1); }
    await page.keyboard.press('Escape');
    await h.byTestId(page, 'tour-panel').waitFor({ state: 'hidden', timeout: 5000 });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'tour-menu', 'focus goes back to the Tours button');
    assert.equal(await page.evaluate(() => window.__nanogpt.store.get().tab), 'training', 'the tab before the tour is back');
  });

  test('a deep link opens the right tour and step, and the address follows the tour', async (t) => {
    const page = await h.openDashboard(browser, serve.url, { query: `?session=${spikeSession}&tour=loss-spike&step=3` });
    t.after(() => page.close());
    await waitStep(page, 'loss-spike', 3);
    assert.equal(await page.evaluate(() => window.__nanogpt.store.get().tab), 'params');
    await h.saveShot(page, 'tours/deep-link');
    await h.byTestId(page, 'tour-next').click();
    await waitStep(page, 'loss-spike', 4);
    assert.match(await page.evaluate(() => location.search), /tour=loss-spike&step=4/);
    await h.byTestId(page, 'tour-leave').click();
    assert.doesNotMatch(await page.evaluate(() => location.search), /tour=/);
    // The offline report's form: #tour=ID&step=N.
    const p2 = await h.openDashboard(browser, serve.url, { query: `?session=${spikeSession}` });
    t.after(() => p2.close());
    await p2.goto(`${p2.url().split('#')[0]}#tour=phases&step=2`); // the hub's cookie carries the token
    await p2.reload();
    await p2.waitForFunction(() => window.__nanogpt?.tours, null, { timeout: h.WAIT_MS });
    await p2.waitForFunction(() => document.querySelector('[data-testid="tour-panel"]')?.dataset.step, null, { timeout: 10_000 }).catch(() => {});
    h.saveText('tours/hash-link.txt', JSON.stringify(await p2.evaluate(() => ({ href: location.href, tour: window.__nanogpt.tours.state() }))));
    await waitStep(p2, 'phases', 2);
    assert.match(await p2.evaluate(() => location.hash), /tour=phases&step=2/);
  });

  test('every tour walks all its steps on a live run', async (t) => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    live = await h.startLiveTrain(dir, data, { vizInterval: 5 });
    const page = await h.openDashboard(browser, live.url);
    // The tiny model trains far faster than the page draws (CI: 20k steps during the walk), and
    // with software WebGL the compositor shares two cores with it: actions get more time to land.
    page.setDefaultTimeout(60_000);
    t.after(async () => { if (page.errors.length) h.saveText('tours/live.errors.txt', page.errors.join('\n')); await page.close(); });
    // Far enough for an evaluation and a few frames.
    await page.waitForFunction(() => {
      const s = window.__nanogpt.store.get();
      return s.live && (s.metrics[s.session] ?? []).some((r) => r.val_loss != null && r.step > 0) && s.frame;
    }, null, { timeout: h.WAIT_MS * 2 });
    await page.evaluate(() => window.__nanogpt.ready);
    for (const tour of TOUR_LIST) await walk(page, tour, 'live');
    assert.deepEqual(page.errors, []);
  });
});
