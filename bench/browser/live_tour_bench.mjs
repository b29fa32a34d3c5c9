// live_tour_bench.mjs: how responsive the dashboard stays on a fast live run. Opens the page of a
// running `nanogpt train` (its printed address, token and all) in headless chromium with software
// WebGL, lets it follow the run for --soak seconds, then walks a guided tour with Next and prints,
// per step, how long the screenshot and the Next click took, with the run's step, the page's DOM
// node count and the medians. No thresholds: compare two versions of the page on the same run
// settings (bench/RESULTS.md says which).
//
// Usage: node bench/browser/live_tour_bench.mjs --url 'http://127.0.0.1:PORT/?token=...'
//          [--soak 150] [--tour phases]
import { parseArgs } from 'node:util';

const { values: arg } = parseArgs({ options: {
  url: { type: 'string' }, soak: { type: 'string', default: '150' }, tour: { type: 'string', default: 'phases' },
  chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
} });
if (!arg.url) throw new Error("--url 'http://127.0.0.1:PORT/?token=...': the dashboard address a running nanogpt train printed");

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: arg.chromium, headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.setDefaultTimeout(120_000);
await page.goto(arg.url);
await page.waitForFunction(() => window.__nanogpt?.store?.get().frame, null, { timeout: 120_000 });
await page.evaluate(() => window.__nanogpt.ready);

const where = () => page.evaluate(() => {
  const s = window.__nanogpt.store.get();
  return { step: (s.metrics[s.session] ?? []).at(-1)?.step ?? null, nodes: document.getElementsByTagName('*').length };
});
const timed = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

for (let left = Number(arg.soak); left > 0; left -= 30) {
  await new Promise((r) => setTimeout(r, Math.min(30, left) * 1000));
  console.log('following', JSON.stringify(await where()));
}
await page.evaluate((id) => window.dispatchEvent(new CustomEvent('nanogpt:start-tour', { detail: { id } })), arg.tour);
const shots = [], clicks = [];
for (let i = 1; ; i++) {
  await page.waitForFunction((n) => document.querySelector('[data-testid="tour-panel"]')?.dataset.step === String(n), i);
  shots.push(await timed(() => page.screenshot()));
  const last = (await page.locator('[data-testid="tour-next"]').innerText()).includes('Finish');
  clicks.push(await timed(() => page.locator('[data-testid="tour-next"]').click()));
  const w = await where();
  console.log(`step ${i}: screenshot ${shots.at(-1).toFixed(0)} ms, Next ${clicks.at(-1).toFixed(0)} ms (run at step ${w.step}, ${w.nodes} DOM nodes)`);
  if (last) break;
}
console.log(`median: screenshot ${median(shots).toFixed(0)} ms, Next ${median(clicks).toFixed(0)} ms; max Next ${Math.max(...clicks).toFixed(0)} ms`);
await browser.close();
