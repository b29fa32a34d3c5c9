// harness.mjs: shared fixture of the end-to-end dashboard tests. Starts real `nanogpt` processes
// (prepare, train with the dashboard on a free port, serve a recorded run), drives Debian's
// chromium through playwright-core, and saves screenshots as test artefacts.
//
// Contract:
// - Environment: NANOGPT_BIN (default build/nanogpt), NANOGPT_SHARED_DATA (default ../shared/data,
//   must hold tinyshakespeare/input.txt), NANOGPT_E2E_ARTEFACTS (default build/e2e-artefacts),
//   CHROMIUM (default /usr/bin/chromium), NANOGPT_E2E_WAIT_MS (how long to wait for the page,
//   default 90000).
// - Every process started here is killed by stopAll(), which tests call in `after`, and again on
//   process exit, so a failing test never leaves a trainer or a browser behind.
// - The UI is reached only through docs/frontend.md's data-testid selectors and window.__nanogpt.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = resolve(REPO, process.env.NANOGPT_BIN || 'build/nanogpt');
export const SHARED = resolve(REPO, process.env.NANOGPT_SHARED_DATA || '../shared/data');
export const ARTEFACTS = resolve(REPO, process.env.NANOGPT_E2E_ARTEFACTS || 'build/e2e-artefacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Generous: two cores are shared by the trainer, swiftshader and the test itself.
export const WAIT_MS = Number(process.env.NANOGPT_E2E_WAIT_MS) || 90_000;

/**
 * Why these tests cannot run on this machine (no browser), or null when they can. A missing
 * nanogpt binary or corpus is not a reason to skip: requireInputs() fails the tests instead.
 */
export function missingPrerequisite() {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM}`;
  if (!existsSync(join(REPO, 'node_modules/playwright-core'))) return 'npm playwright-core is not installed';
  return null;
}

/** Throws a clear error when the nanogpt binary or the corpus is missing. */
export function requireInputs() {
  if (!existsSync(BIN)) throw new Error(`no nanogpt binary at ${BIN} (build it, or set NANOGPT_BIN)`);
  const input = join(SHARED, 'tinyshakespeare/input.txt');
  if (!existsSync(input)) throw new Error(`no ${input} (set NANOGPT_SHARED_DATA)`);
}

// ---- processes -----------------------------------------------------------------------------

const children = new Set();
const cleanups = [];

/**
 * Starts a process; resolves once its combined output matches `ready` (a RegExp), with the match.
 * Rejects when the process exits first or `timeoutMs` passes. `log()` returns everything printed.
 */
export function startProcess(cmd, args, { ready, timeoutMs = WAIT_MS, cwd = REPO } = {}) {
  const proc = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  const handle = { proc, log: () => out, match: null };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(
      `${cmd} ${args.join(' ')}: no ${ready} within ${timeoutMs} ms; output:\n${out}`)), timeoutMs);
    const onData = (chunk) => {
      out += chunk.toString();
      if (ready && !handle.match) {
        const m = out.match(ready);
        if (m) { handle.match = m; clearTimeout(timer); resolvePromise(handle); }
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code, signal) => {
      children.delete(proc);
      handle.exitCode = code;
      if (!handle.match) {
        clearTimeout(timer);
        if (!ready && code === 0) resolvePromise(handle);
        else reject(new Error(`${cmd} ${args.join(' ')} exited (${code ?? signal}) early; output:\n${out}`));
      }
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Runs a command to completion; throws with its output when it fails. */
export async function runToEnd(cmd, args, opts = {}) {
  const h = await startProcess(cmd, args, { ...opts, ready: null, timeoutMs: opts.timeoutMs ?? 600_000 });
  if (h.exitCode === undefined) await new Promise((r) => h.proc.on('exit', r));
  return h;
}

/** Kills every process started here (SIGTERM, then SIGKILL) and runs registered cleanups. */
export async function stopAll() {
  while (cleanups.length) {
    try { await cleanups.pop()(); } catch { /* best effort: keep cleaning */ }
  }
  await Promise.all([...children].map((p) => new Promise((r) => {
    const kill9 = setTimeout(() => { try { p.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
    p.once('exit', () => { clearTimeout(kill9); r(); });
    try { p.kill('SIGTERM'); } catch { clearTimeout(kill9); r(); }
  })));
}
process.on('exit', () => { for (const p of children) { try { p.kill('SIGKILL'); } catch { /* gone */ } } });

/** Registers a function stopAll() runs (browsers, temp dirs). */
export function onCleanup(fn) { cleanups.push(fn); }

/** A fresh temporary directory, removed by stopAll(). */
export function workDir(prefix = 'nanogpt-e2e-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---- nanogpt ---------------------------------------------------------------------------------

/** Tiny Shakespeare as characters (65 tokens) into dir/data; returns that path. */
export async function prepareCharData(dir) {
  requireInputs();
  const data = join(dir, 'data');
  await runToEnd(BIN, ['prepare', '--tokenizer', 'char', '--input',
    join(SHARED, 'tinyshakespeare/input.txt'), '--out', data]);
  return data;
}

// A tiny model: 2 layers, 64 wide, about 70 ms a step on two cores.
const TINY = ['--n-layer', '2', '--n-head', '2', '--n-embd', '64', '--block-size', '32',
  '--batch-size', '4', '--learning-rate', '2e-3', '--warmup-iters', '5', '--dropout', '0',
  '--eval-interval', '20', '--eval-iters', '2', '--log-interval', '10', '--sample-tokens', '40',
  '--device', 'cpu'];

function trainArgs(dir, data, { maxIters, vizInterval, port = 0, runsDir = join(dir, 'runs'), outDir = join(dir, 'out') }) {
  return ['train', ...TINY, '--data-dir', data, '--out-dir', outDir,
    '--max-iters', String(maxIters), '--lr-decay-iters', String(maxIters),
    '--viz-port', String(port), '--viz-runs-dir', runsDir, '--viz-interval', String(vizInterval)];
}

// The hub's address as printed ("http://127.0.0.1:<port>/?token=<hex>"), split into the base URL
// the tests use and the token, remembered per base URL so openDashboard() and hubFetch() add it.
const ADDRESS = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=([0-9a-f]+)/;
const tokens = new Map();
function remember(match) {
  tokens.set(match[1], match[2]);
  return { url: match[1], token: match[2] };
}

/** fetch() of a path under a hub started here, with its token (Authorization: Bearer). */
export function hubFetch(url, path, init = {}) {
  const token = tokens.get(url);
  const headers = { ...(init.headers ?? {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  return fetch(new URL(path, url), { ...init, headers });
}

/**
 * A live training run with the dashboard on a free port (or `port`: taken, the trainer moves on).
 * It trains far longer than any test watches (stopAll() ends it), so a slow machine never sees
 * the run finish under a test. `runsDir`/`outDir` default to dir/runs and dir/out. Resolves
 * {url, token, runsDir, proc, log, banner} (banner: the whole "dashboard: ..." line).
 */
export async function startLiveTrain(dir, data, { vizInterval = 2, maxIters = 100000, port = 0,
  runsDir = join(dir, 'runs'), outDir = join(dir, 'out') } = {}) {
  const h = await startProcess(BIN, trainArgs(dir, data, { maxIters, vizInterval, port, runsDir, outDir }),
    { ready: new RegExp(`dashboard: ${ADDRESS.source}.*`) });
  return { ...remember(h.match), runsDir, proc: h.proc, log: h.log, banner: h.match[0] };
}

/** A finished, recorded training run; returns its runs directory. */
export async function recordRun(dir, data, { maxIters = 30, vizInterval = 2 } = {}) {
  await runToEnd(BIN, trainArgs(dir, data, { maxIters, vizInterval }));
  return join(dir, 'runs');
}

/** `nanogpt serve --runs DIR` on a free port; resolves {url, token, proc, log}. */
export async function startServe(runsDir) {
  const h = await startProcess(BIN, ['serve', '--runs', runsDir, '--port', '0'],
    { ready: new RegExp(`serving .* at ${ADDRESS.source}`) });
  return { ...remember(h.match), proc: h.proc, log: h.log };
}

// ---- browser ---------------------------------------------------------------------------------

const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-dev-shm-usage'];
// swiftshader: software WebGL, so the 3D view runs on a machine without a GPU.
const WEBGL_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
const NO_WEBGL_ARGS = ['--disable-webgl', '--disable-3d-apis'];

/** Launches headless chromium, with software WebGL or with WebGL disabled; stopAll() closes it. */
export async function launchBrowser({ webgl = true, extraArgs = [] } = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: [...BASE_ARGS, ...(webgl ? WEBGL_ARGS : NO_WEBGL_ARGS), ...extraArgs],
  });
  onCleanup(() => browser.close());
  return browser;
}

/** Which WebGL the page can create: 'webgl2', 'webgl' or null. */
export function webglKind(page) {
  return page.evaluate(() => {
    const c = document.createElement('canvas');
    if (c.getContext('webgl2')) return 'webgl2';
    if (c.getContext('webgl')) return 'webgl';
    return null;
  });
}

/**
 * Opens the dashboard in a new page (1280x800) and collects its console errors and uncaught
 * exceptions in page.errors (a Content-Security-Policy violation is one: Chromium reports it as a
 * console error). Waits until window.__nanogpt exists. The hub's token (from its printed address)
 * goes into the address, as a person opens it; `query` ('?failview=1') adds parameters;
 * `firstvisit=0` is added unless the query sets it (the welcome panel would shift the layout).
 */
export async function openDashboard(browser, url, { query = '' } = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  const address = new URL(url);
  for (const [k, v] of new URLSearchParams(query)) address.searchParams.set(k, v);
  // The first visit's welcome stays away unless a test asks for it (?firstvisit=1, cards.test.mjs).
  if (!address.searchParams.has('firstvisit')) address.searchParams.set('firstvisit', '0');
  if (tokens.has(url)) address.searchParams.set('token', tokens.get(url));
  await page.goto(address.href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__nanogpt && window.__nanogpt.store, null,
    { timeout: WAIT_MS }).catch((e) => {
    throw new Error(`window.__nanogpt.store never appeared (${e.message}); page errors: ${page.errors.join(' | ')}`);
  });
  return page;
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Clicks a tab button and waits until it reports aria-selected="true". */
export async function showTab(page, name) {
  const tab = byTestId(page, `tab-${name}`);
  await tab.click();
  await page.waitForFunction((n) => document.querySelector(`[data-testid="tab-${n}"]`)
    ?.getAttribute('aria-selected') === 'true', name, { timeout: WAIT_MS });
}

/** Numeric attribute of a test id's element (NaN when absent). */
export async function numAttr(page, id, attr) {
  const v = await byTestId(page, id).first().getAttribute(attr, { timeout: WAIT_MS });
  return v === null ? NaN : Number(v);
}

/** Waits until a test id's numeric attribute is above `than`; returns the value. */
export async function waitAttrAbove(page, id, attr, than, timeout = WAIT_MS) {
  const h = await page.waitForFunction(([i, a, t]) => {
    const v = Number(document.querySelector(`[data-testid="${i}"]`)?.getAttribute(a));
    return Number.isFinite(v) && v > t ? v : false;
  }, [id, attr, than], { timeout, polling: 200 });
  return h.jsonValue();
}

/** The step of the frame the store holds now (undefined before the first). */
export function storeFrameStep(page) {
  return page.evaluate(() => window.__nanogpt.store.get().frame?.step);
}

/** Waits until the store holds a frame with step > `than`; returns its step. */
export async function waitFrameAfter(page, than = -1, timeout = WAIT_MS) {
  const h = await page.waitForFunction((t) => {
    const s = window.__nanogpt.store.get().frame?.step;
    return typeof s === 'number' && s > t ? s : false;
  }, than, { timeout, polling: 100 });
  return h.jsonValue();
}

/** window.__nanogpt.pickables(), as plain objects. */
export function pickables(page) {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__nanogpt.pickables() ?? [])));
}

/** The tooltip's data-* attributes once it shows a name, or null when it shows nothing in time. */
export async function tooltipAfterHover(page, x, y, timeout = 10_000) {
  await page.mouse.move(x - 3, y - 3);
  await page.mouse.move(x, y, { steps: 3 });
  try {
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-testid="tooltip"]');
      return t && t.getAttribute('data-name') && t.checkVisibility?.() !== false;
    }, null, { timeout, polling: 100 });
  } catch { return null; }
  return page.evaluate(() => {
    const t = document.querySelector('[data-testid="tooltip"]');
    const attrs = { text: t.textContent };
    for (const a of ['name', 'layer', 'row', 'col', 'value']) attrs[a] = t.getAttribute(`data-${a}`);
    return attrs;
  });
}

// ---- artefacts and pixels --------------------------------------------------------------------

/** Saves a screenshot of the page (or of one element) as ARTEFACTS/<name>.png; returns the PNG. */
export async function saveShot(page, name, locator = null) {
  mkdirSync(ARTEFACTS, { recursive: true });
  const path = join(ARTEFACTS, `${name}.png`);
  const png = locator ? await locator.screenshot({ path }) : await page.screenshot({ path });
  return png;
}

/** Writes a text artefact (page errors, process logs) next to the screenshots. */
export function saveText(name, text) {
  mkdirSync(ARTEFACTS, { recursive: true });
  writeFileSync(join(ARTEFACTS, name), text);
}

/**
 * Compares PNGs by decoding them in a scratch page of `browser` (no PNG decoder in node).
 * Returns {distinct: colours in a, changed: fraction of pixels that differ between a and b by
 * more than `tol` in any channel, nonBackground: fraction of a's pixels unlike its most common colour}.
 */
export async function comparePngs(browser, a, b, tol = 8) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async ([a64, b64, t]) => {
      const load = async (b) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width; c.height = img.height;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        return g.getImageData(0, 0, c.width, c.height);
      };
      const A = await load(a64), B = await load(b64);
      const n = A.width * A.height;
      const counts = new Map();
      for (let i = 0; i < n; i++) {
        const k = (A.data[4 * i] << 16) | (A.data[4 * i + 1] << 8) | A.data[4 * i + 2];
        counts.set(k, (counts.get(k) || 0) + 1);
      }
      const top = Math.max(...counts.values());
      let changed = 0;
      if (A.width === B.width && A.height === B.height) {
        for (let i = 0; i < n; i++) {
          for (let ch = 0; ch < 3; ch++) {
            if (Math.abs(A.data[4 * i + ch] - B.data[4 * i + ch]) > t) { changed++; break; }
          }
        }
      } else changed = n;
      return { distinct: counts.size, changed: changed / n, nonBackground: 1 - top / n };
    }, [a.toString('base64'), b.toString('base64'), tol]);
  } finally {
    await page.close();
  }
}
