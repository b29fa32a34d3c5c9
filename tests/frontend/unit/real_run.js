// real_run.js: test helpers that use the real C++ binary: record a tiny run with `nanogpt train`
// (generated corpus, CPU, a few steps, a frame every step) and serve it with `nanogpt serve`.
// The binary comes from NANOGPT_BIN (ctest sets it) or build/nanogpt; tests skip without it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const binary = process.env.NANOGPT_BIN || join(repo, 'build/nanogpt');
/** false when the binary exists, else the reason to skip (for node:test's `skip`). */
export const skipWithoutBinary = existsSync(binary) ? false : `no nanogpt binary at ${binary} (set NANOGPT_BIN)`;

/** Records a run of `steps` steps (L=2, NH=2, C=16); returns {dir, runs, session, cleanup()}. */
export function recordRun({ steps = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nanogpt-frontend-'));
  const text = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(60);
  writeFileSync(join(dir, 'input.txt'), text);
  const run = (args) => execFileSync(binary, args, { cwd: dir, stdio: 'pipe', timeout: 120000 });
  run(['prepare', '--tokenizer', 'char', '--input', join(dir, 'input.txt'), '--out', join(dir, 'data')]);
  run(['train', '--data-dir', join(dir, 'data'), '--out-dir', join(dir, 'out'), '--viz-runs-dir', join(dir, 'runs'),
    '--viz-port', '0', '--viz-interval', '1', '--max-iters', String(steps), '--n-layer', '2', '--n-head', '2',
    '--n-embd', '16', '--block-size', '8', '--batch-size', '2', '--eval-iters', '1', '--eval-interval', '100',
    '--sample-tokens', '0', '--threads', '1', '--device', 'cpu']);
  const [session] = readdirSync(join(dir, 'runs'));
  return { dir, runs: join(dir, 'runs'), session, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `nanogpt serve` on a free port; resolves {url, stop()} once it prints its address. */
export function serve(runs, { token } = {}) {
  const args = ['serve', '--runs', runs, '--port', '0', ...(token ? ['--token', token] : [])];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`nanogpt serve printed no address: ${out}`)); }, 20000);
    const onData = (d) => {
      out += d;
      const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)\//);
      if (!m) return;
      clearTimeout(timer);
      resolvePromise({
        url: `http://${m[1]}`, host: m[1],
        stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`nanogpt serve exited (${code}): ${out}`)); });
  });
}
