// state/sessions.js: which run is on screen, and its history (the run's recorded past: metrics,
// events, run.json and frame index over REST) merged with what the WebSocket brings while it runs.
// No DOM: the REST client, the frame source, the URL and the clock are injected, so node tests
// drive it (tests/frontend/unit/sessions.test.js).
//
// createSessions({store, rest, frames, wanted, onShown, setTimeout, retryMs}) -> {
//   select(session) -> Promise   shows a run: its history, its frame index and its newest frame
//   compare(session|null) -> Promise   a second run whose history the loss chart overlays
//   onText(msg)                  a parsed WebSocket text message (net/protocol.js MESSAGE_TYPES)
//   onFrame(frame)               a decoded binary frame
//   loadHistory(session), reloadHistory(session), refreshSessions()
// }
// rest: net/api.js's client (listSessions, getRun, getMetrics, getEvents, getFrameIndex);
// frames: state/frame_source.js's {show(step), pushLive(frame), clear()}; wanted: the session the
// page's URL asks for (?session=), or null; onShown(session): the run on screen changed (app.js
// writes it into the URL). Store keys written: sessions, session, live, hello, connection,
// metrics, events, insights, runInfo, compare, frameIndex, frame, prevFrame, playback, loadError.
//
// The merge rules:
// - A session's history comes over REST once (`loaded`). WebSocket metrics and events for it
//   that arrive while that request is in flight wait (`pending`) and merge after it, in order.
//   If the request fails they are dropped: the retry fetches them again.
// - Messages for a session that is neither loaded nor loading are dropped: REST has them when
//   that session is picked.
// - A metrics row for the last row's step updates that row (the final evaluation adds val_loss);
//   one for an earlier step is already in the history. Rows grow in place (views read them
//   incrementally); the map around them is new, so the store notifies.
// - An event equal to one of the last 20 (same step, kind and text) is a duplicate of the history.
// - `insight` lines of the REST events and `insight` messages go to store key `insights`
//   (state/insights.js: the latest version per id wins, in whatever order they come).
// - After a reconnect (a second `hello`) the run on screen reloads its history, since messages
//   sent while the page was away are lost; a failed reload is retried after retryMs while that
//   run is still on screen. A new live run on this hub replaces the live one on screen.
// - A run is live when the hub trains it (hello) or the list says so (`nanogpt serve` follows
//   every run still being written: `live`/`state` of /api/sessions, and a `sessions` message
//   whenever a run appears, ends or goes stale). A run on screen that comes back to life (resumed)
//   reloads its history; one that ends or goes stale stops being live. A page with no run on
//   screen shows the first live run that appears.
import { EVENT_KINDS, MESSAGE_TYPES } from '../net/protocol.js';
import { insightSetOf, mergeInsight } from './insights.js';

const RECENT_EVENTS = 20;

/** Merges one `metrics` message into a session's rows (in place); returns the rows. */
export function mergeMetrics(rows, msg) {
  const last = rows[rows.length - 1];
  if (last && last.step === msg.step) { Object.assign(last, msg); return rows; }
  if (last && msg.step < last.step) return rows; // already in the history
  rows.push(msg);
  return rows;
}

const sameEvent = (a, b) => a.step === b.step && a.kind === b.kind && a.text === b.text;

/** Appends an `event` message unless one of the last few is the same; returns whether it did. */
export function mergeEvent(list, msg) {
  if (list.slice(-RECENT_EVENTS).some((e) => sameEvent(e, msg))) return false;
  list.push(msg);
  return true;
}

export function createSessions({ store, rest, frames, wanted = null, onShown = () => {},
  setTimeout: setT = globalThis.setTimeout, retryMs = 2000 }) {
  const loaded = new Set();
  const pending = new Map(); // session -> messages that arrived while its history was in flight
  let loadToken = 0;
  const isLive = (id) => {
    const { hello, sessions } = store.get();
    if (hello?.live && hello.session === id) return true;
    return (sessions ?? []).some((s) => s.session === id && s.live);
  };
  const newest = (list) => [...list].sort((a, b) => String(b.session).localeCompare(String(a.session)))[0]?.session;

  async function refreshSessions() {
    try {
      store.set({ sessions: await rest.listSessions() });
    } catch (err) {
      console.error('sessions:', err);
    }
  }

  async function loadHistory(session) {
    if (loaded.has(session) || pending.has(session)) return;
    pending.set(session, []);
    try {
      const [metrics, history, run] = await Promise.all([rest.getMetrics(session), rest.getEvents(session),
        rest.getRun(session).catch(() => null)]);
      const isInsight = (m) => m.type === MESSAGE_TYPES.insight;
      const st = store.get();
      store.set({
        metrics: { ...st.metrics, [session]: metrics },
        events: { ...st.events, [session]: history.filter((m) => !m.type || m.type === MESSAGE_TYPES.event) },
        insights: { ...st.insights, [session]: insightSetOf(history.filter(isInsight)) },
        runInfo: { ...st.runInfo, [session]: run },
      });
      loaded.add(session);
    } finally {
      // Replay what arrived meanwhile (dropped if the history failed: a retry fetches it again).
      const waiting = pending.get(session) ?? [];
      pending.delete(session);
      if (loaded.has(session)) for (const msg of waiting) onText(msg);
    }
  }

  /** Fetches the history of a session on screen again (after a reconnect). */
  async function reloadHistory(session) {
    loaded.delete(session);
    try {
      const [, index] = await Promise.all([loadHistory(session), rest.getFrameIndex(session)]);
      if (store.get().session === session) store.set({ frameIndex: index });
    } catch (err) {
      // Without its history the page would drop this run's live messages: try again shortly.
      console.error(`reloading ${session}:`, err);
      setT(() => {
        if (store.get().session === session && !loaded.has(session)) reloadHistory(session);
      }, retryMs);
    }
  }

  /** Shows `session`: its history, its frame index and a frame (newest). */
  async function select(session) {
    const my = ++loadToken;
    const live = isLive(session);
    frames.clear();
    store.set({
      session, live, frame: null, prevFrame: null, frameIndex: [], loadError: null,
      compare: store.get().compare === session ? null : store.get().compare,
      playback: { ...store.get().playback, mode: 'live', playing: false, step: null, carryMs: 0 },
    });
    onShown(session);
    try {
      const [, index] = await Promise.all([loadHistory(session), rest.getFrameIndex(session)]);
      if (my !== loadToken) return;
      const known = store.get().frameIndex; // live frames may have arrived meanwhile
      const merged = [...index, ...known.filter((k) => !index.some((e) => e.step === k.step))]
        .sort((a, b) => a.step - b.step);
      store.set({ frameIndex: merged });
      if (!store.get().frame && merged.length) await frames.show(merged[merged.length - 1].step);
    } catch (err) {
      console.error(`loading ${session}:`, err);
      store.set({ loadError: `could not load run ${session}: ${err.message}` });
    }
  }

  async function compare(session) {
    store.set({ compare: session });
    if (session) {
      try { await loadHistory(session); } catch (err) { console.error(`compare ${session}:`, err); }
    }
  }

  function onHello(msg) {
    const st = store.get();
    const shown = st.session;
    const wasLive = st.live;
    store.set({ hello: msg, connection: 'open', live: !!msg.live && msg.session === shown });
    return refreshSessions().then(() => {
      if (shown) {
        // A reconnect. A new run on this hub replaces the live one on screen; otherwise the run
        // on screen reloads its history, since messages sent while we were away are lost.
        if (wasLive && msg.live && msg.session !== shown) return select(msg.session);
        return reloadHistory(shown);
      }
      const sessions = store.get().sessions;
      const pick = (wanted && sessions.some((s) => s.session === wanted) && wanted) ||
        (msg.live ? msg.session : newest(sessions.filter((s) => s.live)) ?? newest(sessions));
      return pick ? select(pick) : undefined;
    });
  }

  /** `sessions`: the hub's list changed (serve: a run appeared, ended, went stale or came back). */
  function onSessions(msg) {
    const before = store.get();
    const wasLive = before.live;
    store.set({ sessions: msg.sessions });
    const shown = before.session;
    if (!shown) {
      const first = newest(msg.sessions.filter((s) => s.live));
      return first ? select(first) : undefined;
    }
    const live = isLive(shown);
    if (live === wasLive) return undefined;
    store.set({ live });
    // Resumed: what it wrote after its checkpoint was purged and is written again.
    return live ? reloadHistory(shown) : undefined;
  }

  /** True when `msg` was kept for later or belongs to no loaded session (then it is dropped). */
  function deferred(msg) {
    if (pending.has(msg.session)) { pending.get(msg.session).push(msg); return true; }
    return !loaded.has(msg.session);
  }

  function onText(msg) {
    const st = store.get();
    switch (msg.type) {
      case MESSAGE_TYPES.hello:
        onHello(msg);
        break;
      case MESSAGE_TYPES.sessions:
        if (Array.isArray(msg.sessions)) onSessions(msg);
        break;
      case MESSAGE_TYPES.metrics: {
        if (deferred(msg)) break;
        const rows = mergeMetrics(st.metrics[msg.session], msg);
        store.set({ metrics: { ...st.metrics, [msg.session]: rows } });
        break;
      }
      case MESSAGE_TYPES.event: {
        if (deferred(msg)) break;
        const list = st.events[msg.session] ?? [];
        if (!mergeEvent(list, msg)) break; // also in the REST history
        store.set({ events: { ...st.events, [msg.session]: list } });
        if (msg.kind === EVENT_KINDS.checkpoint || msg.kind === EVENT_KINDS.eval) refreshSessions();
        break;
      }
      case MESSAGE_TYPES.insight: {
        if (deferred(msg)) break;
        const set = st.insights[msg.session];
        if (set && mergeInsight(set, msg)) store.set({ insights: { ...st.insights, [msg.session]: set } });
        break;
      }
      case MESSAGE_TYPES.frame: {
        if (msg.session !== st.session) break;
        if (!st.frameIndex.some((e) => e.step === msg.step)) {
          store.set({ frameIndex: [...st.frameIndex, { step: msg.step, bytes: msg.bytes, annotated: false }] });
        }
        break;
      }
      case MESSAGE_TYPES.error:
        console.warn('hub:', msg.message);
        break;
      default:
        break;
    }
  }

  function onFrame(frame) {
    const st = store.get();
    if (frame.session !== st.session) return;
    if (st.live && st.playback.mode === 'live') frames.pushLive(frame);
  }

  return { select, compare, onText, onFrame, loadHistory, reloadHistory, refreshSessions };
}
