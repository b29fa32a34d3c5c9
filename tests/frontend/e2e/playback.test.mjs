// playback.test.mjs: playback of a recorded run on `nanogpt serve` (R4.2-R4.4): jump to a chosen
// step, the page shows that frame (`frame-step`, the store), and a tooltip's value equals the
// value in the stored frame, fetched from /api/sessions/<id>/frames/<step> and decoded here with
// the page's own frontend/net/protocol.js. The stats panel then describes that step too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeFrame } from '../../../frontend/net/protocol.js';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();
const GRIDS = new Set(['qkvw', 'attprojw', 'fcw', 'fcprojw']);

/** Index of a tooltip's row/col in a sampled block: the tensor row it names, else a plain index. */
function indexIn(list, v) {
  if (v === null || v === undefined || v === '') return -1;
  const n = Number(v);
  const at = Array.isArray(list) ? list.indexOf(n) : -1;
  return at >= 0 ? at : n;
}

/** The stored values a tooltip over (name, layer, row, col) may be showing for field `value`. */
export function storedValues(frame, tip) {
  const layer = tip.layer === null || tip.layer === '' ? -1 : Number(tip.layer);
  const block = frame.block(tip.name, layer) ?? {};
  const out = [];
  const value = frame.get(tip.name, 'value', layer);
  if (value && value.shape.length === 2) {
    const [r, c] = [indexIn(block.rows, tip.row), indexIn(block.cols, tip.col)];
    if (r >= 0 && c >= 0 && r < value.shape[0] && c < value.shape[1]) out.push(value.data[r * value.shape[1] + c]);
  } else if (value && value.shape.length === 1) {
    for (const v of [tip.col, tip.row]) {
      const i = indexIn(null, v);
      if (i >= 0 && i < value.shape[0]) out.push(value.data[i]);
    }
  } else {
    // An embedding point: its value is the row's norm.
    const norm = frame.get(tip.name, 'norm', layer);
    const i = indexIn(block.rows, tip.row);
    if (norm && i >= 0 && i < norm.data.length) out.push(norm.data[i]);
  }
  return out;
}

describe('playback on nanogpt serve', { skip: skip ?? false }, () => {
  let serve, session, steps, chosen;

  before(async () => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    const runs = await h.recordRun(dir, data, { maxIters: 30, vizInterval: 2 });
    serve = await h.startServe(runs);
    const sessions = await (await h.hubFetch(serve.url, 'api/sessions')).json();
    session = sessions.sessions[0].session;
    const frames = await (await h.hubFetch(serve.url, `api/sessions/${session}/frames`)).json();
    steps = frames.frames.map((f) => f.step);
    // A step in the middle: neither the first nor the newest frame a page shows by default.
    chosen = steps[Math.floor(steps.length / 2)];
  });
  after(() => h.stopAll());

  test('jump to a step shows that frame and the tooltip matches the stored frame', async (t) => {
    assert.ok(steps.length >= 5, `recorded run has frames ${steps}`);
    const browser = await h.launchBrowser({ webgl: true });
    const page = await h.openDashboard(browser, serve.url);
    t.after(async () => {
      if (page.errors.length) h.saveText('playback.errors.txt', page.errors.join('\n'));
      await page.close();
    });
    const picker = h.byTestId(page, 'session-picker');
    await page.waitForFunction((s) => [...(document.querySelector('[data-testid="session-picker"]')
      ?.options ?? [])].some((o) => o.value === s), session, { timeout: h.WAIT_MS });
    await picker.selectOption(session);
    await h.showTab(page, 'params');
    await h.waitFrameAfter(page, -1);

    const jump = h.byTestId(page, 'jump-step');
    await jump.fill(String(chosen));
    await jump.press('Enter');
    await page.waitForFunction((s) => {
      const text = document.querySelector('[data-testid="frame-step"]')?.textContent ?? '';
      return Number((text.match(/\d+/) ?? [])[0]) === s && window.__nanogpt.store.get().frame?.step === s;
    }, chosen, { timeout: h.WAIT_MS });
    await page.waitForTimeout(1500);  // the tween to the jumped-to frame ends
    assert.equal(await h.storeFrameStep(page), chosen, 'the page moved off the chosen step by itself');
    // The stats panel describes the frame on screen, not the newest step.
    const panel = h.byTestId(page, 'stats-panel');
    assert.equal(await panel.getAttribute('data-step'), String(chosen), 'stats panel data-step');
    assert.equal((await h.byTestId(page, 'stats-step').innerText()).trim(), String(chosen),
      `stats panel "at step" is not the step on screen (${chosen}; newest ${steps[steps.length - 1]})`);

    const bin = await h.hubFetch(serve.url, `api/sessions/${session}/frames/${chosen}`);
    assert.equal(bin.status, 200);
    const frame = decodeFrame(await bin.arrayBuffer());
    assert.equal(frame.step, chosen);

    // Hover cells first (their value is unambiguous), then anything else offered.
    const items = await h.pickables(page);
    items.sort((a, b) => Number(GRIDS.has(b.name)) - Number(GRIDS.has(a.name)));
    let checked = 0;
    for (const p of items.slice(0, 8)) {
      const tip = await h.tooltipAfterHover(page, p.x, p.y, 5000);
      if (!tip) continue;
      const want = storedValues(frame, tip);
      if (!want.length) continue;
      const got = Number(tip.value);
      assert.ok(want.some((w) => Math.abs(got - w) <= 1e-2 * Math.abs(w) + 1e-6),
        `tooltip ${JSON.stringify(tip)} shows ${got}; step ${chosen} stores ${want}`);
      if (checked++ === 0) await h.saveShot(page, 'playback-tooltip');
    }
    assert.ok(checked > 0, `no tooltip named a stored value; pickables ${JSON.stringify(items.slice(0, 8))}`);
    await h.saveShot(page, 'playback-params-tab');
  });
});
