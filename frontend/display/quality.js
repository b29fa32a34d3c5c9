// display/quality.js: the frame-rate governor and level of detail (R2.6, R2.7, R6.4). The page feeds
// it each frame's duration; it lowers quality after sustained slow frames and raises it again
// after sustained headroom, with hysteresis so it never flips every frame. Pure; no DOM, no clock.
//
// Choices beyond docs/frontend.md:
// - Levels run from 0 (cheapest) to levels.length - 1 (best); the governor starts at the best.
//   `levels` is an array of LOD objects (default DEFAULT_LEVELS) or a count (DEFAULT_LEVELS' last
//   `count` entries, so the cheapest are dropped first).
// - Slow: the mean of the last `slowFrames` (20) frames exceeds the budget 1000/target ms.
//   Headroom: the mean of the last `raiseFrames` (90) frames is under `headroom` (0.6) x budget.
//   After any change the window starts empty, so two changes are at least `slowFrames` apart.
//   If a raise is undone by a lower within `raiseFrames * 4` frames, the wait before the next raise
//   doubles (up to 32x): a level that cannot hold the target is not retried every second.
// - Frames longer than 1 s (a hidden tab, a debugger pause) are ignored, not counted as slow.
// - LOD: {maxPoints (embedding points drawn: the first rows, which the trainer sends most frequent
//   first), cellStride (draw every n-th row and column of a weight grid), effects (antialiasing,
//   point sprites, lights), pixelRatio (cap on devicePixelRatio)}. lod() exists both as a module
//   function and as a governor method.
// - Extras: governor.level, governor.fps (from the recent mean), setLevel(n) and setAuto(bool) for a
//   manual override, reset().

export const DEFAULT_LEVELS = Object.freeze([
  Object.freeze({ maxPoints: 256, cellStride: 4, effects: false, pixelRatio: 1 }),
  Object.freeze({ maxPoints: 512, cellStride: 2, effects: false, pixelRatio: 1 }),
  Object.freeze({ maxPoints: 1024, cellStride: 2, effects: false, pixelRatio: 1 }),
  Object.freeze({ maxPoints: 2048, cellStride: 1, effects: false, pixelRatio: 1.5 }),
  Object.freeze({ maxPoints: Infinity, cellStride: 1, effects: true, pixelRatio: 2 }),
]);

const MAX_FRAME_MS = 1000;
const MAX_BACKOFF = 32;

/** The level of detail at `level` (clamped) in `levels`. */
export function lod(level, levels = DEFAULT_LEVELS) {
  return levels[Math.max(0, Math.min(levels.length - 1, Math.round(level)))];
}

export function createGovernor({ target = 30, levels = DEFAULT_LEVELS, slowFrames = 20, raiseFrames = 90,
  headroom = 0.6, start } = {}) {
  const table = typeof levels === 'number' ? DEFAULT_LEVELS.slice(DEFAULT_LEVELS.length - levels) : levels;
  if (!table.length) throw new Error('quality: no levels');
  const top = table.length - 1;
  const budget = 1000 / target;
  const ring = new Float64Array(raiseFrames);  // the last raiseFrames frame times, preallocated
  let count = 0, next = 0;  // frames in the window, next slot
  let frame = 0, lastRaise = -Infinity, backoff = 1;

  const mean = (n) => {
    let s = 0;
    for (let i = 1; i <= n; i++) s += ring[(next - i + raiseFrames) % raiseFrames];
    return s / n;
  };

  const gov = {
    level: start ?? top,
    auto: true,
    fps: 0,
    tick(frameMs) {
      if (!(frameMs >= 0) || frameMs > MAX_FRAME_MS) return gov.level;
      frame++;
      ring[next] = frameMs;
      next = (next + 1) % raiseFrames;
      if (count < raiseFrames) count++;
      const recent = mean(Math.min(count, slowFrames));
      gov.fps = recent > 0 ? 1000 / recent : 0;
      if (!gov.auto) return gov.level;
      if (count >= slowFrames && recent > budget && gov.level > 0) {
        if (frame - lastRaise < raiseFrames * 4) backoff = Math.min(MAX_BACKOFF, backoff * 2);
        change(gov.level - 1);
      } else if (count >= raiseFrames && gov.level < top && mean(raiseFrames) < headroom * budget) {
        // Sustained headroom; after a failed raise also wait `backoff` windows.
        if (frame - lastRaise >= raiseFrames * backoff) {
          lastRaise = frame;
          change(gov.level + 1);
        }
      }
      return gov.level;
    },
    lod(level = gov.level) { return lod(level, table); },
    setLevel(level) { change(Math.max(0, Math.min(top, level))); },
    setAuto(on) { gov.auto = !!on; count = 0; },
    reset() { count = 0; next = 0; frame = 0; lastRaise = -Infinity; backoff = 1; gov.level = start ?? top; },
  };

  function change(level) {
    gov.level = level;
    count = 0;  // judge the new level on its own frames
  }
  return gov;
}
