// insights_bench.mjs: what drawing the insights costs the loss chart (views/chart_insights.js, a
// uPlot plugin). A replayed tiny run of --steps steps (replay_server.mjs, a scripted curve) with
// --marks point events and --bands phase bands; in headless chromium the loss chart is redrawn
// --n times with the insights and --n times with none (the same data), each redraw timed from the
// call to the end of uPlot's commit. Prints medians and means side by side; no thresholds.
//
// Usage: node bench/browser/insights_bench.mjs --run runs/<session> [--steps 5000] [--marks 300]
//          [--bands 40] [--n 200]
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startReplayServer } from './replay_server.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: arg } = parseArgs({ options: {
  run: { type: 'string' }, steps: { type: 'string', default: '5000' }, marks: { type: 'string', default: '300' },
  bands: { type: 'string', default: '40' }, n: { type: 'string', default: '200' },
  chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
} });
if (!arg.run) throw new Error('--run runs/<session>: a recorded run (its frames are replayed)');
const steps = Number(arg.steps), nMarks = Number(arg.marks), nBands = Number(arg.bands), n = Number(arg.n);

const insight = (o) => ({ open: false, severity: 'info', subject: '', evidence: { z: 5 }, explanation: '', causes: [], try: [], step_end: o.step, ...o });
const script = [];
for (let i = 0; i < nBands; i++) {
  const from = Math.floor(i * steps / nBands);
  script.push({ at: 1, msg: insight({ id: 1 + i, kind: ['rapid_descent', 'slowdown', 'power_law'][i % 3], step: from,
    step_end: Math.floor((i + 1) * steps / nBands), title: 'band' }) });
}
for (let i = 0; i < nMarks; i++) {
  const step = Math.floor((i + 0.5) * steps / nMarks);
  script.push({ at: 1, msg: insight({ id: 10000 + i, kind: 'loss_spike', step, severity: ['info', 'notice', 'warning', 'critical'][i % 4], title: `mark ${i}` }) });
}
const server = await startReplayServer({ runDir: resolve(arg.run), staticDir: resolve(REPO, 'frontend'), rate: 1000,
  maxSteps: steps, keepFrames: 8, script: { insights: script },
  metricsAt: (s) => ({ train_loss: 1.7 + 2.4 * Math.exp(-s / (steps / 8)) + 0.02 * Math.sin(s) }),
  runInfo: { reference_levels: { uniform: 4.17, unigram: 3.35, bigram: 2.48, trigram: 2.05 } } });
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: arg.chromium, headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-webgl', '--disable-3d-apis'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url);
  await page.waitForFunction((s) => (window.__nanogpt?.store.get().metrics[window.__nanogpt.store.get().session] ?? []).length >= s - 1,
    steps, { timeout: 600_000, polling: 500 });
  await page.waitForTimeout(1500);
  const result = await page.evaluate(async (count) => {
    const { insightSetOf } = await import('/state/insights.js');
    const store = window.__nanogpt.store;
    const loss = window.__nanogpt.charts()[0];
    const time = async () => {
      const out = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        loss.redraw();
        await Promise.resolve(); // uPlot commits in a microtask queued by redraw()
        out.push(performance.now() - t0);
      }
      // performance.now() is coarse (0.1 ms) in chromium: the mean of many redraws says more.
      const mean = out.reduce((a, b) => a + b, 0) / out.length;
      out.sort((a, b) => a - b);
      return { median: out[out.length >> 1], mean };
    };
    const box = document.querySelector('[data-testid="chart-loss"]');
    const drawn = () => ({ bands: Number(box.dataset.bands), marks: Number(box.dataset.marks), levels: Number(box.dataset.levels), points: Number(box.dataset.points) });
    await time();
    const withIns = await time();
    const shownWith = drawn();
    const { session, insights } = store.get();
    store.set({ insights: { ...insights, [session]: insightSetOf([]) } });
    await new Promise((r) => setTimeout(r, 600)); // the view's batched redraw takes the empty set
    await time();
    const without = await time();
    return { withIns, without, shownWith, shownWithout: drawn() };
  }, n);
  console.log(`loss chart redraw, median of ${n}, ${steps} steps (${result.shownWith.points} x values drawn), chromium headless, no GPU`);
  console.log(`| insights | bands | marks | levels | redraw ms, median | mean |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const [name, t, d] of [['on', result.withIns, result.shownWith], ['off', result.without, result.shownWithout]]) {
    console.log(`| ${name} | ${d.bands} | ${d.marks} | ${d.levels} | ${t.median.toFixed(2)} | ${t.mean.toFixed(3)} |`);
  }
} finally {
  await browser.close();
  await server.close();
}
