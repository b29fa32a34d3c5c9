// state/probes.js: the run's probes (docs/protocol.md, Probe) as the Attention tab reads them: the
// index of every probe's scores (REST /probes, then the WebSocket's `probe` messages) and the
// records (each head's attention pattern, REST /probes/<step>) fetched on demand. No DOM: the
// REST client is injected, so node tests drive it.
//
// createProbes({store, rest, cacheSize}) -> {onText(msg), ensureIndex(session) -> Promise,
//   show(step) -> Promise, clear()}
// - ensureIndex(session) fetches a session's index once (store key `probes` {[session]:
//   [probe messages by step]}); `probe` messages that arrive meanwhile wait and merge after it,
//   those for a session not loaded are dropped (REST has them when it loads). A message for a
//   step already there replaces it.
// - show(step) puts the record of that step on screen (store key `probeRecord`, a decoded
//   net/probe.js Probe, or null; `probeError` says why one could not load): one request at a
//   time, only the newest wish kept (playback runs faster than records load), a small LRU cache.
// nearestEarlier(steps, step) -> the last step <= step, or null: probes exist at evaluations
// only, so the frame on screen shows the newest probe at or before it.
import { MESSAGE_TYPES } from '../net/protocol.js';
import { createLatestLoader, createLru } from './latest_loader.js';

/** The last of the ascending `steps` at or before `step` (null when none is). */
export function nearestEarlier(steps, step) {
  let lo = 0; let hi = steps.length - 1; let found = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= step) { found = steps[mid]; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** Merges a `probe` message into a step-sorted index (in place); returns whether it changed. */
export function mergeProbe(index, msg) {
  if (!Number.isInteger(msg?.step)) return false;
  let i = index.length;
  while (i > 0 && index[i - 1].step > msg.step) i--;
  if (i > 0 && index[i - 1].step === msg.step) { index[i - 1] = msg; return true; }
  index.splice(i, 0, msg);
  return true;
}

export function createProbes({ store, rest, cacheSize = 6 }) {
  const loaded = new Set();
  const pending = new Map(); // session -> messages that arrived while its index was in flight

  function onText(msg) {
    if (msg?.type !== MESSAGE_TYPES.probe) return;
    if (pending.has(msg.session)) { pending.get(msg.session).push(msg); return; }
    if (!loaded.has(msg.session)) return;
    const index = store.get().probes[msg.session];
    if (mergeProbe(index, msg)) store.set({ probes: { ...store.get().probes, [msg.session]: index } });
  }

  async function ensureIndex(session) {
    if (!session || loaded.has(session) || pending.has(session)) return;
    pending.set(session, []);
    try {
      const index = [...await rest.getProbeIndex(session)].sort((a, b) => a.step - b.step);
      store.set({ probes: { ...store.get().probes, [session]: index } });
      loaded.add(session);
    } catch (err) {
      console.error(`probes of ${session}:`, err);
      store.set({ probeError: `could not load the probes of ${session}: ${err.message}` });
    } finally {
      const waiting = pending.get(session) ?? [];
      pending.delete(session);
      for (const m of waiting) onText(m);
    }
  }

  const cache = createLru(cacheSize, (session, step) => rest.getProbe(session, step));
  const loader = createLatestLoader({
    load: ({ session, step }) => cache.get(session, step),
    stale: ({ session }) => store.get().session !== session,
    done: (record) => store.set({ probeRecord: record, probeError: null }),
    failed: (err, { session, step }) => {
      console.error(`probe ${step} of ${session}:`, err);
      store.set({ probeError: `could not load the probe of step ${step}: ${err.message}` });
    },
  });

  return {
    onText,
    ensureIndex,
    show(step) {
      const { session, probeRecord } = store.get();
      if (!session || step == null || (probeRecord?.session === session && probeRecord.step === step)) {
        loader.clear();
        return Promise.resolve();
      }
      return loader.want({ session, step });
    },
    clear() { cache.clear(); loader.clear(); },
  };
}
