// serve_live.test.mjs: every live run in one page. Two trainers start at once on one port (the
// second moves to the next free one and says so), recording into one runs directory; `nanogpt serve`
// over that directory shows both live in one page, told apart by session id: each one's metrics and
// frames arrive as they are written, the run picker switches between them, the compare picker
// overlays the other (its metrics keep growing too), and a trainer killed with SIGKILL shows as
// stale without a reload.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();

describe('nanogpt serve follows two live runs', { skip: skip ?? false }, () => {
  let browser, trainers, serve;

  before(async () => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    const runsDir = join(dir, 'runs');
    const port = 20000 + Math.floor(Math.random() * 20000);
    trainers = await Promise.all(['a', 'b'].map((name) =>
      h.startLiveTrain(dir, data, { vizInterval: 2, port, runsDir, outDir: join(dir, `out-${name}`) })));
    trainers.port = port;
    serve = await h.startServe(runsDir);
    browser = await h.launchBrowser({ webgl: true });
  });
  after(async () => {
    for (const [i, t] of (trainers ?? []).entries()) h.saveText(`serve-live-train-${i}.log`, t.log());
    if (serve) h.saveText('serve-live-serve.log', serve.log());
    await h.stopAll();
  });

  test('a taken port: the second trainer takes another and says so', () => {
    const [a, b] = trainers;
    assert.notEqual(a.url, b.url);
    const moved = trainers.filter((t) => !t.url.endsWith(`:${trainers.port}/`));
    assert.ok(moved.length >= 1, `both dashboards on ${trainers.port}?`);
    for (const t of moved) assert.match(t.banner, new RegExp(`port ${trainers.port} was in use`), t.banner);
  });

  test('one page shows both live runs, switches and compares between them by session id', async (t) => {
    const page = await h.openDashboard(browser, serve.url);
    t.after(async () => {
      if (page.errors.length) h.saveText('serve-live.errors.txt', page.errors.join('\n'));
      await page.close();
    });
    const liveIds = await (await page.waitForFunction(() => {
      const live = (window.__nanogpt.store.get().sessions ?? []).filter((s) => s.live).map((s) => s.session);
      return live.length === 2 ? live : false;
    }, null, { timeout: h.WAIT_MS, polling: 200 })).jsonValue();
    const labels = await page.$$eval('[data-testid="session-picker"] option', (os) => os.map((o) => [o.value, o.textContent]));
    for (const id of liveIds) {
      const label = labels.find(([v]) => v === id)?.[1] ?? '';
      assert.match(label, /^● live/, `picker shows ${id} as ${label}`);
    }

    // Whichever run is on screen: its own metrics and frames keep arriving.
    const growsLive = async (id) => {
      await page.waitForFunction((s) => window.__nanogpt.store.get().session === s && window.__nanogpt.store.get().live,
        id, { timeout: h.WAIT_MS });
      const f0 = await h.waitFrameAfter(page, -1);
      const f1 = await h.waitFrameAfter(page, f0);
      assert.equal(await page.evaluate(() => window.__nanogpt.store.get().frame.session), id);
      const n0 = await page.evaluate((s) => window.__nanogpt.store.get().metrics[s]?.length ?? 0, id);
      await page.waitForFunction(([s, n]) => (window.__nanogpt.store.get().metrics[s]?.length ?? 0) > n + 3,
        [id, n0], { timeout: h.WAIT_MS, polling: 200 });
      return f1;
    };
    const first = await page.evaluate(() => window.__nanogpt.store.get().session);
    assert.ok(liveIds.includes(first), `on screen: ${first}, live: ${liveIds}`);
    await growsLive(first);
    await h.saveShot(page, 'serve-live-first');

    const other = liveIds.find((id) => id !== first);
    await h.byTestId(page, 'session-picker').selectOption(other);
    await growsLive(other);
    await h.saveShot(page, 'serve-live-other');

    // Compare: the first run's loss overlaid, and still growing while the other is on screen.
    await h.byTestId(page, 'compare-picker').selectOption(first);
    await page.waitForFunction((s) => window.__nanogpt.store.get().compare === s, first, { timeout: h.WAIT_MS });
    const c0 = await page.evaluate((s) => window.__nanogpt.store.get().metrics[s]?.length ?? 0, first);
    await page.waitForFunction(([s, n]) => (window.__nanogpt.store.get().metrics[s]?.length ?? 0) > n + 3,
      [first, c0], { timeout: h.WAIT_MS, polling: 200 });
    await h.saveShot(page, 'serve-live-compare');

    // SIGKILL one trainer: the page learns it is stale from the hub, without a reload.
    const victim = trainers.find((tr) => tr.banner.includes(`run ${other};`));
    assert.ok(victim, `no trainer banner names run ${other}: ${trainers.map((tr) => tr.banner).join(' | ')}`);
    const victimId = other;
    victim.proc.kill('SIGKILL');
    await page.waitForFunction((s) => (window.__nanogpt.store.get().sessions ?? [])
      .some((x) => x.session === s && x.state === 'stale' && !x.live), victimId, { timeout: h.WAIT_MS, polling: 200 });
    const label = await page.$eval(`[data-testid="session-picker"] option[value="${victimId}"]`, (o) => o.textContent);
    assert.match(label, /stale/, label);
    assert.deepEqual(page.errors, [], page.errors.join(' | '));
  });
});
