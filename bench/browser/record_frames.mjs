// record_frames.mjs: records real parameter frames of the GPT-2 small (124M) shape for the browser
// benchmark, cheaply: one step of configs/gpt2_small.toml at T=1024 makes a model with maxT 1024
// (so wpe has its full 1024 rows), then a few steps from it at B=1, T=32 with a frame every step.
// Frames have the default sample (2048 tokens, 1024 positions, 32x32 grids, 12 layers).
// A recording already in `cacheDir` is reused. Returns the recorded run's directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function run(bin, args, cwd) {
  process.stderr.write(`$ nanogpt ${args.join(' ')}\n`);
  const r = spawnSync(bin, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`nanogpt ${args[0]} failed (${r.status ?? r.signal})`);
}

function recordedRun(runsDir) {
  if (!existsSync(runsDir)) return null;
  for (const s of readdirSync(runsDir)) {
    const frames = join(runsDir, s, 'frames');
    if (existsSync(frames) && readdirSync(frames).filter((f) => f.endsWith('.bin')).length >= 10) return join(runsDir, s);
  }
  return null;
}

export function recordGpt2Frames({ bin, repo, input, cacheDir, steps = 20 }) {
  const runsDir = join(cacheDir, 'runs');
  const found = recordedRun(runsDir);
  if (found) return found;
  mkdirSync(cacheDir, { recursive: true });
  const data = join(cacheDir, 'data');
  run(bin, ['prepare', '--tokenizer', 'gpt2', '--input', input, '--out', data], repo);
  const config = join(repo, 'configs/gpt2_small.toml');
  const common = ['--config', config, '--data-dir', data, '--eval-iters', '1', '--eval-interval', '100000',
    '--sample-tokens', '0'];
  run(bin, ['train', ...common, '--out-dir', join(cacheDir, 'init'), '--max-iters', '1', '--viz-off'], repo);
  run(bin, ['train', ...common, '--out-dir', join(cacheDir, 'out'), '--init-from', join(cacheDir, 'init/model.bin'),
    '--block-size', '32', '--batch-size', '1', '--max-iters', String(steps), '--always-save-checkpoint', '0',
    '--viz-port', '0', '--viz-runs-dir', runsDir, '--viz-interval', '1'], repo);
  // The checkpoints are 1.5 GB and only served to make the frames.
  rmSync(join(cacheDir, 'init'), { recursive: true, force: true });
  rmSync(join(cacheDir, 'out'), { recursive: true, force: true });
  const made = recordedRun(runsDir);
  if (!made) throw new Error(`no frames recorded under ${runsDir}`);
  return made;
}
