// app.js: wires the store, the hub connection and the views; owns the tabs (docs/frontend.md).
//
// Start-up: connect the WebSocket; `hello` says whether a run is training here (live) or the hub
// is `nanogpt serve` (recorded runs only). The session list comes from /api/sessions; the run on
// screen gets its metrics, events and frame index over REST, then (live) keeps growing from the
// WebSocket, or (recorded) shows its last frame. ?session=<id> picks a run at load.
// The Parameters view is loaded and called only through views/params/host.js, so an error there
// never reaches the Training tab (R6.5). URL flags: ?token=..., ?failview=1|init (tests, R6.5),
// ?tab=params (open on the Parameters tab).
import { createStore } from './state/store.js';
import { TYPES } from './state/filters.js';
import { createApi } from './net/api.js';
import { createConnection } from './net/connection.js';
import { createTabs } from './views/tabs.js';
import { createTrainingView } from './views/training.js';
import { createSessionPicker } from './views/session_picker.js';
import { createPlaybackBar } from './views/playback_bar.js';
import { createExport } from './views/export.js';
import { createFrameSource } from './state/frame_source.js';
import { createParamsHost } from './views/params/host.js';
import { renderStatus } from './views/status.js';

const query = new URLSearchParams(location.search);
const token = query.get('token');
const failView = query.get('failview');

const store = createStore({
  sessions: [], session: null, live: false, hello: null, connection: 'connecting',
  metrics: {}, events: {}, runInfo: {}, compare: null,
  frameIndex: [], frame: null, prevFrame: null,
  playback: { mode: 'live', playing: false, speed: 4, step: null },
  filters: { types: new Set(TYPES), layers: null },
  colorBy: 'frequency', field: 'value', selected: null, quality: null, fps: null,
  tab: 'training', viewError: null, drawn: null,
});

const rest = createApi({ token });
const frames = createFrameSource(store, { fetchFrame: (session, step) => rest.getFrame(session, step) });

// --- loading a run -------------------------------------------------------------------------------
const liveSession = () => (store.get().hello?.live ? store.get().hello.session : null);
let loadToken = 0;
// A session's history comes over REST once (`loaded`); WebSocket messages for it that arrive while
// that is in flight wait in `pending` and merge after it. Messages for a session that is neither
// loaded nor loading are dropped: REST has them when that session is picked.
const loaded = new Set();
const pending = new Map();

function mergeMetrics(rows, msg) {
  const last = rows[rows.length - 1];
  if (last && last.step === msg.step) { Object.assign(last, msg); return rows; }
  if (last && msg.step < last.step) return rows; // already in the history
  rows.push(msg);
  return rows;
}

const sameEvent = (a, b) => a.step === b.step && a.kind === b.kind && a.text === b.text;

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
    const [metrics, events, run] = await Promise.all([rest.getMetrics(session), rest.getEvents(session),
      rest.getRun(session).catch(() => null)]);
    const st = store.get();
    store.set({
      metrics: { ...st.metrics, [session]: metrics },
      events: { ...st.events, [session]: events },
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
    setTimeout(() => {
      if (store.get().session === session && !loaded.has(session)) reloadHistory(session);
    }, 2000);
  }
}

/** Shows `session`: its history, its frame index and a frame (newest). */
async function selectSession(session) {
  const my = ++loadToken;
  const live = session === liveSession();
  frames.clear();
  store.set({
    session, live, frame: null, prevFrame: null, frameIndex: [], loadError: null,
    compare: store.get().compare === session ? null : store.get().compare,
    playback: { ...store.get().playback, mode: 'live', playing: false, step: null, carryMs: 0 },
  });
  history.replaceState(null, '', urlWith({ session }));
  try {
    const [, index] = await Promise.all([loadHistory(session), rest.getFrameIndex(session)]);
    if (my !== loadToken) return;
    const list = index;
    const known = store.get().frameIndex; // live frames may have arrived meanwhile
    const merged = [...list, ...known.filter((k) => !list.some((e) => e.step === k.step))]
      .sort((a, b) => a.step - b.step);
    store.set({ frameIndex: merged });
    if (!store.get().frame && merged.length) await frames.show(merged[merged.length - 1].step);
  } catch (err) {
    console.error(`loading ${session}:`, err);
    store.set({ loadError: `could not load run ${session}: ${err.message}` });
  }
}

async function selectCompare(session) {
  store.set({ compare: session });
  if (session) {
    try { await loadHistory(session); } catch (err) { console.error(`compare ${session}:`, err); }
  }
}

function urlWith(params) {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(params)) if (v == null) q.delete(k); else q.set(k, v);
  return `${location.pathname}?${q}`;
}

// --- the WebSocket ---------------------------------------------------------------------------------
function onText(msg) {
  const st = store.get();
  switch (msg.type) {
    case 'hello': {
      const shown = st.session;
      const wasLive = st.live;
      store.set({ hello: msg, connection: 'open', live: !!msg.live && msg.session === shown });
      refreshSessions().then(() => {
        if (shown) {
          // A reconnect. A new run on this hub replaces the live one on screen; otherwise the run
          // on screen reloads its history, since messages sent while we were away are lost.
          if (wasLive && msg.live && msg.session !== shown) { selectSession(msg.session); return; }
          reloadHistory(shown);
          return;
        }
        const wanted = query.get('session');
        const sessions = store.get().sessions;
        const pick = (wanted && sessions.some((s) => s.session === wanted) && wanted) ||
          (msg.live ? msg.session : [...sessions].sort((a, b) => String(b.session).localeCompare(String(a.session)))[0]?.session);
        if (pick) selectSession(pick);
      });
      break;
    }
    case 'metrics': {
      if (pending.has(msg.session)) { pending.get(msg.session).push(msg); break; }
      if (!loaded.has(msg.session)) break;
      const rows = st.metrics[msg.session];
      // The rows array grows in place (views read it incrementally); the map is new so the
      // store notifies.
      mergeMetrics(rows, msg);
      store.set({ metrics: { ...st.metrics, [msg.session]: rows } });
      break;
    }
    case 'event': {
      if (pending.has(msg.session)) { pending.get(msg.session).push(msg); break; }
      if (!loaded.has(msg.session)) break;
      const list = st.events[msg.session] ?? [];
      if (list.slice(-20).some((e) => sameEvent(e, msg))) break; // also in the REST history
      list.push(msg);
      store.set({ events: { ...st.events, [msg.session]: list } });
      if (msg.kind === 'checkpoint' || msg.kind === 'eval') refreshSessions();
      break;
    }
    case 'frame': {
      if (msg.session !== st.session) break;
      if (!st.frameIndex.some((e) => e.step === msg.step)) {
        store.set({ frameIndex: [...st.frameIndex, { step: msg.step, bytes: msg.bytes, annotated: false }] });
      }
      break;
    }
    case 'error':
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

const connection = createConnection({
  token,
  onMessage: (msg) => { try { onText(msg); } catch (err) { console.error('message:', err); } },
  onFrame: (frame) => { try { onFrame(frame); } catch (err) { console.error('frame:', err); } },
  onError: (err) => console.error('hub stream:', err),
  onStatus: (state) => store.set({ connection: state }),
});

// --- views -----------------------------------------------------------------------------------------
const trainingView = createTrainingView(document.getElementById('panel-training'), store);
let paramsHost = null;
const tabs = createTabs(store, {
  onShow: (name) => { if (name === 'params') paramsHost?.resize(); },
});
createSessionPicker(store, { onPick: selectSession, onCompare: selectCompare });
createPlaybackBar(store, { show: (step) => frames.show(step) });
createExport(store, { paramsHost: () => paramsHost, trainingView: () => trainingView });
renderStatus(store);

// The Parameters view: built at load (R2.1), fed every frame change, resized with the window.
const paramsReady = createParamsHost(document.getElementById('params-host'), store, { failView }).then((host) => {
  paramsHost = host;
  const feed = () => { const { frame, prevFrame } = store.get(); if (frame) host.update(frame, prevFrame); };
  store.on('frame', feed);
  feed();
  window.addEventListener('resize', () => { if (store.get().tab === 'params') host.resize(); });
  return host;
});

window.__nanogpt = {
  store,
  hoverAt: (x, y) => paramsHost?.hoverAt(x, y),
  pickables: () => paramsHost?.pickables() ?? [],
  selectSession,
  connection,
  ready: paramsReady.then(() => true), // resolves once the Parameters view (3D or 2D) is mounted
  // cb({session, step, at}) each time the Parameters view first draws a new frame (at: the
  // performance.now() of that render); returns an unsubscribe function.
  onDrawn: (cb) => store.on('drawn', (d) => { if (d) cb(d); }),
};
if (query.get('tab') === 'params') tabs.select('params');
