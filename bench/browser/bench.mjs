// bench.mjs: the dashboard's own performance in headless chromium (software WebGL, swiftshader)
// with default settings on GPT-2 small (124M) shape frames arriving live:
//   - frames per second while frames arrive: requestAnimationFrame callbacks counted in the page,
//     and the page's own `fps` element;
//   - JS heap (forced GC through CDP, then Runtime.getHeapUsage) after --first minutes vs after
//     --minutes of replay, plus DOM node and listener counts (flat means no leak);
//   - time from a binary frame received (WebSocket message event) to the store holding it, and to
//     the next animation frame after that (when the views draw it).
// Frames come from replay_server.mjs at --rate per second, recorded once by record_frames.mjs.
// Prints a table; writes JSON (--out). No thresholds: it reports figures.
//
// Usage: node bench/browser/bench.mjs [--minutes 30] [--first 1] [--rate 10] [--tab params]
//          [--run runs/<session>] [--out build/bench-browser/result.json] [--no-webgl]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { recordGpt2Frames } from './record_frames.mjs';
import { startReplayServer } from './replay_server.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: arg } = parseArgs({ options: {
  minutes: { type: 'string', default: '30' }, first: { type: 'string', default: '1' },
  rate: { type: 'string', default: '10' }, tab: { type: 'string', default: 'params' },
  run: { type: 'string' }, out: { type: 'string', default: 'build/bench-browser/result.json' },
  cache: { type: 'string', default: 'build/bench-browser/gpt2-frames' },
  bin: { type: 'string', default: process.env.NANOGPT_BIN || 'build/nanogpt' },
  input: { type: 'string', default: '../shared/data/tinyshakespeare/input.txt' },
  chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  'sample-every': { type: 'string', default: '30' }, 'no-webgl': { type: 'boolean', default: false },
} });
const minutes = Number(arg.minutes), first = Number(arg.first), rate = Number(arg.rate);
const sampleEvery = Number(arg['sample-every']);
if (!(minutes > first && first > 0 && rate > 0 && sampleEvery > 0))
  throw new Error('need --minutes > --first > 0, --rate > 0 and --sample-every > 0');
if (!['params', 'training'].includes(arg.tab)) throw new Error('--tab is params or training');

const runDir = arg.run ? resolve(arg.run) : recordGpt2Frames({ bin: resolve(REPO, arg.bin), repo: REPO,
  input: resolve(REPO, arg.input), cacheDir: resolve(REPO, arg.cache) });
const server = await startReplayServer({ runDir, staticDir: resolve(REPO, 'frontend'), rate });
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: arg.chromium, headless: true, args: [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
  ...(arg['no-webgl'] ? ['--disable-webgl', '--disable-3d-apis'] : ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist']),
] });
const cleanup = async () => { await browser.close().catch(() => {}); await server.close(); };
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Before any page script: count animation frames, time binary WebSocket messages.
  await page.addInitScript(() => {
    const B = window.__bench = { raf: 0, received: 0, lastBinaryAt: 0, toStore: [], toDraw: [] };
    const loop = () => { B.raf++; requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...a) {
        super(...a);
        // Registered before the page's own handler, so it runs first for each message.
        this.addEventListener('message', (e) => {
          if (typeof e.data !== 'string') { B.received++; B.lastBinaryAt = performance.now(); }
        });
      }
    };
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.__nanogpt?.store, null, { timeout: 60_000 });
  await page.locator(`[data-testid="tab-${arg.tab}"]`).click();
  await page.evaluate(() => {
    const B = window.__bench;
    const receivedAt = new Map(); // "session:step" -> when its WebSocket message arrived
    window.__nanogpt.store.on('frame', (f) => {
      const rec = B.lastBinaryAt, set = performance.now();
      if (!rec || !f) return;
      B.toStore.push(set - rec);
      receivedAt.set(`${f.session}:${f.step}`, rec);
      if (receivedAt.size > 64) receivedAt.delete(receivedAt.keys().next().value);
    });
    window.__nanogpt.onDrawn((d) => {
      const key = `${d.session}:${d.step}`;
      const rec = receivedAt.get(key);
      if (rec === undefined) return;
      receivedAt.delete(key);
      B.toDraw.push(d.at - rec);
    });
  });
  const webgl = await page.evaluate(() => !!document.createElement('canvas').getContext('webgl2'));
  const cdp = await page.context().newCDPSession(page);
  // Main-thread time by kind (seconds, cumulative): where the time between animation frames goes.
  await cdp.send('Performance.enable');
  const busy = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n) => metrics.find((m) => m.name === n)?.value ?? 0;
    return { task: get('TaskDuration'), script: get('ScriptDuration'), layout: get('LayoutDuration') + get('RecalcStyleDuration') };
  };
  let lastBusy = await busy();

  const heapAfterGc = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const dom = await cdp.send('Memory.getDOMCounters');
    return { usedMB: usedSize / 2 ** 20, nodes: dom.nodes, listeners: dom.jsEventListeners };
  };
  const pct = (xs, p) => {
    if (!xs.length) return NaN;
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))];
  };

  const samples = [];
  const t0 = Date.now();
  let last = await page.evaluate(() => ({ raf: window.__bench.raf, received: window.__bench.received, t: performance.now() }));
  let heapFirst = null;
  const rows = [];
  const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');  // null, NaN: '-'
  console.log(`replaying ${server.frameCount} frames of ${runDir} at ${rate}/s for ${minutes} min; tab ${arg.tab}; WebGL ${webgl}`);
  console.log('  min | rAF fps | page fps | quality | frames/s in | to store ms p50/p95 | to draw ms p50/p95 | heap MB | busy (script, layout)');
  while ((Date.now() - t0) / 60000 < minutes) {
    const elapsedMin = (Date.now() - t0) / 60000;
    const wait = Math.min(sampleEvery * 1000, (minutes - elapsedMin) * 60000);
    await page.waitForTimeout(wait);
    const now = await page.evaluate(() => {
      const B = window.__bench, s = window.__nanogpt.store.get();
      const out = { raf: B.raf, received: B.received, t: performance.now(), toStore: B.toStore.splice(0),
        toDraw: B.toDraw.splice(0), fpsText: document.querySelector('[data-testid="fps"]')?.textContent ?? null,
        quality: s.quality ?? null, step: s.frame?.step ?? null };
      return out;
    });
    const dt = (now.t - last.t) / 1000;
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const b = await busy();
    const share = (k) => (b[k] - lastBusy[k]) / dt;
    const mainThread = { task: share('task'), script: share('script'), layout: share('layout') };
    lastBusy = b;
    const m = (Date.now() - t0) / 60000;
    const sample = {
      minute: m, rafFps: (now.raf - last.raf) / dt, pageFps: Number((now.fpsText?.match(/[\d.]+/) ?? [])[0] ?? NaN),
      fpsText: now.fpsText, quality: now.quality, framesPerS: (now.received - last.received) / dt, step: now.step,
      toStoreP50: pct(now.toStore, 0.5), toStoreP95: pct(now.toStore, 0.95),
      toDrawP50: pct(now.toDraw, 0.5), toDrawP95: pct(now.toDraw, 0.95), heapMB: usedSize / 2 ** 20, mainThread,
    };
    samples.push(sample);
    last = now;
    if (!heapFirst && m >= first) heapFirst = { minute: m, ...(await heapAfterGc()) };
    const row = `${fmt(m).padStart(5)} | ${fmt(sample.rafFps).padStart(7)} | ${String(sample.pageFps ?? '-').padStart(8)} | ` +
      `${String(JSON.stringify(sample.quality) ?? '-').padStart(7)} | ${fmt(sample.framesPerS).padStart(11)} | ` +
      `${fmt(sample.toStoreP50)} / ${fmt(sample.toStoreP95)} | ${fmt(sample.toDrawP50)} / ${fmt(sample.toDrawP95)} | ${fmt(sample.heapMB)} | ` +
      `${fmt(100 * mainThread.task, 0)}% (${fmt(100 * mainThread.script, 0)}%, ${fmt(100 * mainThread.layout, 0)}%)`;
    rows.push(row);
    console.log(row);
  }
  const heapLast = { minute: (Date.now() - t0) / 60000, ...(await heapAfterGc()) };
  const steady = samples.filter((s) => s.minute > 0.5);
  const mean = (k) => {
    const xs = steady.map((s) => s[k]).filter(Number.isFinite);
    return xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : null;
  };
  const result = {
    when: new Date().toISOString(), runDir, rate, minutes, tab: arg.tab, webgl,
    frameBytes: server.frameBytes, framesSent: server.stats.sent, framesDropped: server.stats.dropped,
    summary: {
      rafFpsMean: mean('rafFps'), pageFpsMean: mean('pageFps'), framesPerSMean: mean('framesPerS'),
      toStoreP50Mean: mean('toStoreP50'), toDrawP50Mean: mean('toDrawP50'), toDrawP95Mean: mean('toDrawP95'),
      heapFirst, heapLast, heapRatio: heapFirst ? heapLast.usedMB / heapFirst.usedMB : null,
    },
    samples, pageErrors: errors.slice(0, 20),
  };
  mkdirSync(dirname(resolve(REPO, arg.out)), { recursive: true });
  writeFileSync(resolve(REPO, arg.out), JSON.stringify(result, null, 1));
  const s = result.summary;
  console.log(`\nfps while frames arrive (mean after 30 s): rAF ${fmt(s.rafFpsMean)}, page ${fmt(s.pageFpsMean)}; ` +
    `frames in ${fmt(s.framesPerSMean)}/s (sent ${server.stats.sent}, dropped ${server.stats.dropped})`);
  console.log(`frame received -> in store ${fmt(s.toStoreP50Mean)} ms, -> drawn by the Parameters view ${fmt(s.toDrawP50Mean)} ms (p50), ${fmt(s.toDrawP95Mean)} ms (p95)`);
  if (heapFirst) console.log(`JS heap after GC: ${fmt(heapFirst.usedMB)} MB at ${fmt(heapFirst.minute)} min, ${fmt(heapLast.usedMB)} MB at ${fmt(heapLast.minute)} min ` +
    `(ratio ${fmt(s.heapRatio, 2)}); DOM nodes ${heapFirst.nodes} -> ${heapLast.nodes}, listeners ${heapFirst.listeners} -> ${heapLast.listeners}`);
  if (errors.length) console.log(`page errors (${errors.length}): ${errors.slice(0, 3).join(' | ')}`);
  console.log(`wrote ${resolve(REPO, arg.out)}`);
} finally {
  await cleanup();
}
