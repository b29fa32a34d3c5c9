// state/frame_source.js: puts parameter frames on screen (store keys `frame` and `prevFrame`).
// Live frames come from the WebSocket (pushLive); recorded ones are fetched by step (show), one
// request at a time: while one is in flight only the newest wish is kept, so fast playback or a
// dragged slider never queues a backlog. A small LRU cache keeps memory flat over long sessions.
// prevFrame is the stored frame just before the one shown (for "change since the last frame"),
// not whatever was on screen before a jump.
//
// createFrameSource(store, {fetchFrame(session, step) -> Promise<Frame>}) ->
//   {show(step) -> Promise, pushLive(frame), clear()}

const CACHE_FRAMES = 12;

export function createFrameSource(store, { fetchFrame }) {
  const cache = new Map(); // `${session}:${step}` -> Frame, in use order
  const key = (session, step) => `${session}:${step}`;
  const put = (f) => {
    const k = key(f.session, f.step);
    cache.delete(k);
    cache.set(k, f);
    while (cache.size > CACHE_FRAMES) cache.delete(cache.keys().next().value);
  };
  async function get(session, step) {
    const k = key(session, step);
    if (cache.has(k)) { const f = cache.get(k); cache.delete(k); cache.set(k, f); return f; }
    const f = await fetchFrame(session, step);
    put(f);
    return f;
  }

  const stepsBefore = (step) => {
    const idx = store.get().frameIndex ?? [];
    let prev = null;
    for (const e of idx) { if (e.step < step) prev = e.step; else break; }
    return prev;
  };

  let busy = false;
  let wanted = null; // {session, step}
  let latest = null; // the step last asked for by show(), fetched or already on screen
  async function pump() {
    if (busy) return;
    busy = true;
    try {
      while (wanted) {
        const { session, step } = wanted;
        wanted = null;
        try {
          const prevStep = stepsBefore(step);
          const [frame, prev] = await Promise.all([get(session, step),
            prevStep == null ? null : get(session, prevStep).catch(() => null)]);
          // Superseded: another step was asked for meanwhile, even the one already on screen.
          if (wanted || store.get().session !== session || latest?.step !== step) continue;
          store.set({ prevFrame: prev, frame });
        } catch (err) {
          console.error(`frame ${step} of ${session}:`, err);
          store.set({ frameError: `could not load frame ${step}: ${err.message}` });
        }
      }
    } finally {
      busy = false;
    }
  }

  return {
    show(step) {
      const { session } = store.get();
      if (!session || step == null) return Promise.resolve();
      latest = { session, step };
      if (store.get().frame?.step === step && store.get().frame?.session === session) return Promise.resolve();
      wanted = { session, step };
      return pump();
    },
    pushLive(frame) {
      latest = null; // a recorded frame still being fetched must not replace the live one
      const prev = store.get().frame;
      put(frame);
      store.set({ prevFrame: prev && prev.session === frame.session ? prev : null, frame });
    },
    clear() { cache.clear(); wanted = null; latest = null; },
  };
}
