// state/latest_loader.js: the two pieces a source of things fetched by step shares (frames,
// probe records): a small LRU cache in front of a fetch, and a loader that keeps one request in
// flight and only the newest wish (fast playback or a dragged slider never queues a backlog).
// Pure; no DOM.
//
// createLru(size, fetch(session, step) -> Promise) -> {get(session, step) -> Promise, put(session,
//   step, value), clear()}
// createLatestLoader({load(wish) -> Promise, stale(wish) -> bool, done(value, wish), failed(err,
//   wish)}) -> {want(wish) -> Promise (settles when the loader is idle), clear()}
//   A wish superseded while its request was in flight (another want()) or `stale` afterwards is
//   dropped; otherwise done() gets the value, failed() the error.

export function createLru(size, fetch) {
  const cache = new Map(); // `${session}:${step}` -> value, in use order
  const key = (session, step) => `${session}:${step}`;
  const put = (session, step, value) => {
    const k = key(session, step);
    cache.delete(k);
    cache.set(k, value);
    while (cache.size > size) cache.delete(cache.keys().next().value);
  };
  return {
    async get(session, step) {
      const k = key(session, step);
      if (cache.has(k)) { const v = cache.get(k); put(session, step, v); return v; }
      const v = await fetch(session, step);
      put(session, step, v);
      return v;
    },
    put,
    clear: () => cache.clear(),
  };
}

export function createLatestLoader({ load, stale = () => false, done, failed }) {
  let busy = false;
  let wanted = null;
  async function pump() {
    if (busy) return;
    busy = true;
    try {
      while (wanted) {
        const wish = wanted;
        wanted = null;
        try {
          const value = await load(wish);
          if (wanted || stale(wish)) continue; // superseded
          done(value, wish);
        } catch (err) {
          failed(err, wish);
        }
      }
    } finally {
      busy = false;
    }
  }
  return {
    want(wish) { wanted = wish; return pump(); },
    clear() { wanted = null; },
  };
}
