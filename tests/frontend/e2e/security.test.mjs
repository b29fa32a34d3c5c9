// security.test.mjs: the dashboard's access rules and headers in a real browser, against a live
// `nanogpt train` (docs/protocol.md, "Security"). The page loads under its Content-Security-Policy
// with no violation (the inline import map is allowed by its hash; every script, style and
// connection is the hub's own), the token leaves the address bar once read and the cookie carries a
// reload, a browser without the token gets 401, and a page on another origin of this machine
// (another port of 127.0.0.1: the same *site*, so the SameSite cookie still goes along) can open
// neither the WebSocket nor read the REST history, even knowing the token.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as h from './harness.mjs';

const skip = h.missingPrerequisite();

// Records Content-Security-Policy violations from the first script of every page of `context` on
// (openDashboard also catches the console line Chromium prints for one; the event names the directive).
function watchViolations(context) {
  return context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

describe('access and headers in the browser', { skip: skip ?? false }, () => {
  let browser, run, attacker;

  before(async () => {
    const dir = h.workDir();
    const data = await h.prepareCharData(dir);
    run = await h.startLiveTrain(dir, data, { vizInterval: 2 });
    browser = await h.launchBrowser({ webgl: true });
    // A page of "another site" on this machine: 127.0.0.1 on another port.
    attacker = createServer((req, res) => { res.setHeader('Content-Type', 'text/html'); res.end('<!doctype html><title>elsewhere</title>'); });
    await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
    h.onCleanup(() => new Promise((r) => attacker.close(r)));
  });
  after(async () => {
    if (run) h.saveText('security-train.log', run.log());
    await h.stopAll();
  });

  test('the page loads under its CSP with no violation, and the token leaves the address bar', async (t) => {
    const context = await browser.newContext();
    t.after(() => context.close());
    await watchViolations(context);
    const page = await h.openDashboard(context, run.url);
    const res = await page.request.get(run.url);  // the same cookie jar as the page
    const csp = res.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/, csp);
    assert.equal(res.headers()['referrer-policy'], 'no-referrer');
    await page.waitForFunction(() => window.__nanogpt.store.get().connection === 'open', null, { timeout: h.WAIT_MS });
    await page.waitForFunction(() => Object.values(window.__nanogpt.store.get().metrics ?? {}).some((m) => m.length > 0),
      null, { timeout: h.WAIT_MS });
    await h.showTab(page, 'params');
    await h.waitFrameAfter(page, -1);
    assert.ok(!new URL(page.url()).searchParams.has('token'), `token still in the address: ${page.url()}`);
    // A reload without ?token= gets in on the cookie (HTTP and the WebSocket).
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => window.__nanogpt?.store?.get().connection === 'open', null, { timeout: h.WAIT_MS });
    await h.waitFrameAfter(page, -1);
    const violations = await page.evaluate(() => window.__cspViolations);
    assert.deepEqual(violations, [], `CSP violations: ${violations.join(' | ')}`);
    assert.deepEqual(page.errors, [], `page errors: ${page.errors.join(' | ')}`);
    await h.saveShot(page, 'security-page-under-csp');
  });

  test('a browser without the token is refused', async (t) => {
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    const res = await page.goto(run.url);
    assert.equal(res.status(), 401);
    assert.match(await page.content(), /missing or wrong token/);
  });

  test('a page on another origin can open neither the WebSocket nor read the history', async (t) => {
    const context = await browser.newContext();
    t.after(() => context.close());
    // First the real page, so the browser holds the hub's cookie; then the other origin.
    const own = await h.openDashboard(context, run.url);
    await own.waitForFunction(() => window.__nanogpt.store.get().connection === 'open', null, { timeout: h.WAIT_MS });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${attacker.address().port}/`);
    const hub = new URL(run.url);
    const result = await page.evaluate(async ({ host, token }) => {
      const ws = await new Promise((resolve) => {
        const s = new WebSocket(`ws://${host}/ws?token=${token}`);
        s.onopen = () => { s.close(); resolve('opened'); };
        s.onerror = () => resolve('refused');
      });
      let rest;
      try {
        const r = await fetch(`http://${host}/api/sessions?token=${token}`);
        rest = `read ${r.status}`;
      } catch (e) {
        rest = 'blocked';
      }
      return { ws, rest };
    }, { host: hub.host, token: run.token });
    assert.equal(result.ws, 'refused', 'a page on another origin opened the WebSocket');
    assert.equal(result.rest, 'blocked', 'a page on another origin read the REST history');
  });
});
