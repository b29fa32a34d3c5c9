// display/tween.js: moves arrays of numbers (point positions, cell colours) smoothly from one frame to
// the next (R2.4: new frames are tweened, never jumped to). Pure; no DOM, no clock of its own.
//
// Choices beyond docs/frontend.md:
// - createTween(from, to, durationMs = 400, ease = ease.inOutCubic, startMs) copies `from` (callers
//   may pass the buffer they write into) and keeps `to` by reference (a frame's data, not mutated).
//   Without startMs the clock starts at the first tweenAt().
// - retarget(tween, to, nowMs) starts a new leg from wherever the tween is now, so a frame that
//   arrives mid-tween bends the motion instead of jumping; it reuses the tween's buffer (no
//   allocation per frame). If the new target has another length there is nothing to move from:
//   the tween then starts and ends at `to`.
// - durationMs <= 0 finishes at once.

export const ease = {
  linear: (u) => u,
  outCubic: (u) => 1 - (1 - u) ** 3,
  inOutCubic: (u) => (u < 0.5 ? 4 * u * u * u : 1 - (-2 * u + 2) ** 3 / 2),
};

export function createTween(from, to, durationMs = 400, easeFn = ease.inOutCubic, startMs = undefined) {
  if (from.length !== to.length)
    throw new Error(`tween: arrays differ in length (${from.length} and ${to.length})`);
  return { from: Float32Array.from(from), to, durationMs, ease: easeFn, start: startMs };
}

// Progress in [0, 1] at nowMs, starting the clock on first use.
function progress(tween, nowMs) {
  if (tween.start === undefined) tween.start = nowMs;
  if (!(tween.durationMs > 0)) return 1;
  const u = (nowMs - tween.start) / tween.durationMs;
  return u <= 0 ? 0 : u >= 1 ? 1 : u;
}

/** Writes the tween's values at nowMs into out (length of the arrays); true when it has arrived. */
export function tweenAt(tween, nowMs, out) {
  const u = progress(tween, nowMs);
  const { from, to } = tween;
  if (u >= 1) {
    out.set(to);
    return true;
  }
  const e = tween.ease(u);
  for (let i = 0; i < from.length; i++) out[i] = from[i] + (to[i] - from[i]) * e;
  return false;
}

/** Continues toward a new target from the current position, starting at nowMs. Returns the tween. */
export function retarget(tween, to, nowMs) {
  if (to.length !== tween.from.length) {
    tween.from = Float32Array.from(to);
  } else {
    const u = progress(tween, nowMs);
    const e = u >= 1 ? 1 : tween.ease(u);
    const { from, to: old } = tween;
    for (let i = 0; i < from.length; i++) from[i] += (old[i] - from[i]) * e;
  }
  tween.to = to;
  tween.start = nowMs;
  return tween;
}
