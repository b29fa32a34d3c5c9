// state/playback.js: the timeline of stored frames and the playback state (R4.2-R4.4). Pure; no
// DOM, no clock: the page calls advance() with the time since the last animation frame.
//
// A timeline is {steps: ascending unique ints}. The playback state is the store's `playback`:
// {mode: 'live'|'replay', playing, speed (frames per second), step, carryMs}. Every function returns
// a new state (or the same object when nothing changes), never mutates.
// Choices beyond docs/frontend.md:
// - seek() before the first stored step gives the first; on an empty timeline it gives null.
// - next/prev stay on the last/first step at the ends.
// - advance(state, dtMs, timeline) takes the timeline as a third argument; it moves
//   floor(speed * time) frames and carries the remainder in `carryMs`, so uneven animation frames
//   add up to the right rate. Reaching the last step stops playing there. Live mode does not move.
// - play() from live mode, or from the last step, starts replay at the first step.
// - follow(state, timeline): in live mode the state's step becomes the newest step; call it
//   whenever a step arrives. goLive() switches back to live and follows.
// - Any manual move (seekTo, stepForward, stepBack) leaves live mode and pauses.

export const SPEEDS = [0.5, 1, 2, 4, 8, 16, 32, 64];

export function createTimeline(steps = []) {
  const sorted = [...new Set(steps.map(Number).filter(Number.isFinite))].sort((a, b) => a - b);
  return { steps: sorted };
}

/** The timeline with `step` added (the same timeline when it is there already). */
export function addStep(timeline, step) {
  const s = timeline.steps;
  if (s.length && step > s[s.length - 1]) return { steps: [...s, step] };
  if (s.includes(step)) return timeline;
  return createTimeline([...s, step]);
}

// Index of the last step <= step, -1 when step is before the first.
function floorIndex(steps, step) {
  let lo = 0, hi = steps.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= step) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** The stored step at or before `step` (the first one when `step` is earlier; null when empty). */
export function seek(timeline, step) {
  const s = timeline.steps;
  if (!s.length) return null;
  return s[Math.max(0, floorIndex(s, step))];
}

export function next(timeline, step) {
  const s = timeline.steps;
  if (!s.length) return null;
  const i = floorIndex(s, step);
  return s[Math.min(s.length - 1, i + 1)];
}

export function prev(timeline, step) {
  const s = timeline.steps;
  if (!s.length) return null;
  const i = floorIndex(s, step);
  return s[Math.max(0, s[i] === step ? i - 1 : i)];
}

export const first = (timeline) => timeline.steps[0] ?? null;
export const last = (timeline) => timeline.steps[timeline.steps.length - 1] ?? null;

export function initialPlayback() {
  return { mode: 'live', playing: false, speed: 4, step: null, carryMs: 0 };
}

/** The state after playing for dtMs at state.speed frames per second. */
export function advance(state, dtMs, timeline) {
  if (state.mode !== 'replay' || !state.playing || !(dtMs > 0) || !(state.speed > 0)) return state;
  const s = timeline.steps;
  if (!s.length) return state;
  const msPerFrame = 1000 / state.speed;
  const total = (state.carryMs ?? 0) + dtMs;
  const frames = Math.floor(total / msPerFrame);
  if (frames === 0) return { ...state, carryMs: total };
  const i = Math.max(0, floorIndex(s, state.step ?? s[0]));
  const j = Math.min(s.length - 1, i + frames);
  if (j === s.length - 1) return { ...state, step: s[j], playing: false, carryMs: 0 };
  return { ...state, step: s[j], carryMs: total - frames * msPerFrame };
}

export function play(state, timeline) {
  const atEnd = state.step === null || state.step === undefined || state.step >= last(timeline);
  const startOver = state.mode === 'live' || atEnd;
  return { ...state, mode: 'replay', playing: true, carryMs: 0, step: startOver ? first(timeline) : seek(timeline, state.step) };
}

export const pause = (state) => (state.playing ? { ...state, playing: false, carryMs: 0 } : state);

export const setSpeed = (state, speed) => ({ ...state, speed: Math.max(0.1, Number(speed) || 1) });

export const seekTo = (state, timeline, step) =>
  ({ ...state, mode: 'replay', playing: false, carryMs: 0, step: seek(timeline, step) });

export const stepForward = (state, timeline) => seekTo(state, timeline, next(timeline, state.step ?? -Infinity));

export const stepBack = (state, timeline) => seekTo(state, timeline, prev(timeline, state.step ?? Infinity));

/** In live mode, show the newest step. */
export function follow(state, timeline) {
  if (state.mode !== 'live') return state;
  const newest = last(timeline);
  return newest === state.step ? state : { ...state, step: newest };
}

export const goLive = (state, timeline) => follow({ ...state, mode: 'live', playing: false, carryMs: 0 }, timeline);

/**
 * Where `step` lies along the timeline's slider, 0..1: the slider moves frame by frame, so a
 * step between two stored frames lies between their positions in proportion. Steps before the
 * first frame give 0, after the last 1; null on an empty timeline.
 */
export function fractionOf(timeline, step) {
  const s = timeline.steps;
  if (!s.length) return null;
  if (s.length === 1) return step >= s[0] ? 1 : 0;
  const i = floorIndex(s, step);
  if (i < 0) return 0;
  if (i >= s.length - 1) return 1;
  return (i + (step - s[i]) / (s[i + 1] - s[i])) / (s.length - 1);
}
