// state/frame_source.js: puts parameter frames on screen (store keys `frame` and `prevFrame`).
// Live frames come from the WebSocket (pushLive); recorded ones are fetched by step (show), one
// request at a time: while one is in flight only the newest wish is kept, so fast playback or a
// dragged slider never queues a backlog. A small LRU cache keeps memory flat over long sessions.
// prevFrame is the stored frame just before the one shown (for "change since the last frame"),
// not whatever was on screen before a jump.
//
// createFrameSource(store, {fetchFrame(session, step) -> Promise<Frame>}) ->
//   {show(step) -> Promise, pushLive(frame), clear()}

import { createLatestLoader, createLru } from './latest_loader.js';

const CACHE_FRAMES = 12;

export function createFrameSource(store, { fetchFrame }) {
  const cache = createLru(CACHE_FRAMES, fetchFrame);

  const stepsBefore = (step) => {
    const idx = store.get().frameIndex ?? [];
    let prev = null;
    for (const e of idx) { if (e.step < step) prev = e.step; else break; }
    return prev;
  };

  let latest = null; // the step last asked for by show(), fetched or already on screen
  const loader = createLatestLoader({
    load: ({ session, step }) => {
      const prevStep = stepsBefore(step);
      return Promise.all([cache.get(session, step), prevStep == null ? null : cache.get(session, prevStep).catch(() => null)]);
    },
    // Superseded: another session, or another step asked for meanwhile (even the one on screen).
    stale: ({ session, step }) => store.get().session !== session || latest?.step !== step,
    done: ([frame, prev]) => store.set({ prevFrame: prev, frame }),
    failed: (err, { session, step }) => {
      console.error(`frame ${step} of ${session}:`, err);
      store.set({ frameError: `could not load frame ${step}: ${err.message}` });
    },
  });

  return {
    show(step) {
      const { session } = store.get();
      if (!session || step == null) return Promise.resolve();
      latest = { session, step };
      if (store.get().frame?.step === step && store.get().frame?.session === session) return Promise.resolve();
      return loader.want({ session, step });
    },
    pushLive(frame) {
      latest = null; // a recorded frame still being fetched must not replace the live one
      const prev = store.get().frame;
      cache.put(frame.session, frame.step, frame);
      store.set({ prevFrame: prev && prev.session === frame.session ? prev : null, frame });
    },
    clear() { cache.clear(); loader.clear(); latest = null; },
  };
}
