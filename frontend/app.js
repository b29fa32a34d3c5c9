// app.js: wires the store, the hub connection and the views; owns the tabs (docs/frontend.md).
//
// Start-up: connect the WebSocket; `hello` says whether a run is training here (live) or the hub
// is `nanogpt serve` (recorded runs only). Which run is on screen, and how its REST history merges
// with the WebSocket's messages, is state/sessions.js's job; ?session=<id> picks a run at load.
// The Parameters view is loaded and called only through views/params/host.js, so an error there
// never reaches the Training tab (R6.5). URL flags: ?token=... (removed from the address once
// read: net/api.js takeTokenFromUrl), ?failview=1|init (tests, R6.5),
// ?tab=params|attention (open on that tab). If this module graph cannot load (three.js or uPlot
// missing), load_check.js says what to run instead. Insights (views/insight_actions.js): a mark
// picked on the loss chart or the timeline moves playback to its step and opens its explanation.
// ?firstvisit=0 hides the first visit's welcome (tests), ?firstvisit=1 shows it again.
// A saved report (`nanogpt report`: the page carries its run as #nanogpt-report) takes its data
// from net/embedded.js instead of REST and never opens a socket; views/share.js is the header's
// share button (the same file, from the hub).
import { createStore, defaultState } from './state/store.js';
import { createFrameSource } from './state/frame_source.js';
import { createSessions } from './state/sessions.js';
import { createProbes } from './state/probes.js';
import { createApi, takeTokenFromUrl } from './net/api.js';
import { createConnection } from './net/connection.js';
import { createTabs } from './views/tabs.js';
import { createTrainingView } from './views/training.js';
import { createSessionPicker } from './views/session_picker.js';
import { createPlaybackBar } from './views/playback_bar.js';
import { createExport } from './views/export.js';
import { createParamsHost } from './views/params/host.js';
import { renderStatus } from './views/status.js';
import { createInsightActions } from './views/insight_actions.js';
import { createInsightsPanel } from './views/insights_panel.js';
import { createInsightPopover } from './views/insight_popover.js';
import { createAttentionHost } from './views/attention/host.js';
import { createCardLayer } from './views/explain_card.js';
import { createCompareView } from './views/compare_view.js';
import { createFirstVisit } from './views/first_visit.js';
import { readEmbeddedReport, createEmbeddedApi, createEndedConnection, reportBanner } from './net/embedded.js';
import { createShareButton } from './views/share.js';
import { createTourPanel } from './views/tour_panel.js';
import { TOUR_LIST } from './tours/index.js';
import { insightList } from './state/insights.js';

const query = new URLSearchParams(location.search);
const report = readEmbeddedReport(); // null unless this page is a saved report
const token = report ? null : takeTokenFromUrl(); // and out of the address bar: the hub's cookie covers a reload

const store = createStore(defaultState());
const rest = report ? createEmbeddedApi(report) : createApi({ token });
const frames = createFrameSource(store, { fetchFrame: (session, step) => rest.getFrame(session, step) });

function urlWith(params) {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(params)) if (v == null) q.delete(k); else q.set(k, v);
  return `${location.pathname}?${q}${location.hash}`; // the hash keeps a tour deep link (#tour=…)
}
const probes = createProbes({ store, rest });
const sessions = createSessions({ store, rest, frames, wanted: query.get('session'),
  onShown: (session) => { if (!report) history.replaceState(null, '', urlWith({ session })); } });

const connection = report ? createEndedConnection() : createConnection({
  token,
  onMessage: (msg) => { try { sessions.onText(msg); probes.onText(msg); } catch (err) { console.error('message:', err); } },
  onFrame: (frame) => { try { sessions.onFrame(frame); } catch (err) { console.error('frame:', err); } },
  onError: (err) => console.error('hub stream:', err),
  onStatus: (state) => store.set({ connection: state }),
});

// --- views -----------------------------------------------------------------------------------------
let paramsHost = null;
let playbackBar = null;
const tabs = createTabs(store, {
  onShow: (name) => { if (name === 'params') paramsHost?.resize(); },
});
const insight = createInsightActions(store, { seek: (step) => playbackBar?.seek(step), selectTab: (name) => tabs.select(name) });
const trainingView = createTrainingView(document.getElementById('panel-training'), store, { onPick: insight.pick });
createInsightsPanel(document.getElementById('panel-training'), store, { onJump: insight.jump, onReveal: insight.reveal });
createInsightPopover(store, { onJump: insight.jump, onReveal: insight.reveal });
createSessionPicker(store, { onPick: sessions.select, onCompare: sessions.compare });
playbackBar = createPlaybackBar(store, { show: (step) => frames.show(step), onPick: insight.pick });
const attention = createAttentionHost(document.getElementById('attention-host'), store, probes);
createExport(store, { paramsHost: () => paramsHost, trainingView: () => trainingView });
createShareButton(store, { token, saved: !!report });
if (report) {
  const banner = document.getElementById('report-banner');
  banner.textContent = reportBanner(report);
  banner.hidden = false;
  store.set({ report: report.selection ?? {}, connection: 'closed' });
  sessions.refreshSessions().then(() => sessions.select(report.session));
}
renderStatus(store);
// The teaching layer: "?" explanation cards, the compare view, the first visit's welcome. The
// tours (frontend/tours/) load on their own; the welcome lists them when they are there.
const explain = createCardLayer(store);
createCompareView(document.getElementById('panel-training'), store,
  { getFrameIndex: (id) => rest.getFrameIndex(id), getFrame: (id, step) => rest.getFrame(id, step) });
createFirstVisit({ tours: () => import('./tours/index.js').then((m) => m.TOURS), query });
// Guided tours (views/tour_panel.js): the Tours menu, `nanogpt:start-tour` events, ?tour=ID&step=N.
const tours = createTourPanel(store, { tours: TOUR_LIST, insightList, seek: (step) => playbackBar.seek(step),
  goLive: () => playbackBar.goLive(), selectTab: (name) => tabs.select(name), compare: sessions.compare });

// The Parameters view: built at load (R2.1), fed every frame change, resized with the window.
const paramsReady = createParamsHost(document.getElementById('params-host'), store,
  { failView: query.get('failview') }).then((host) => {
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
  selectSession: sessions.select,
  connection,
  ready: paramsReady.then(() => true), // resolves once the Parameters view (3D or 2D) is mounted
  // cb({session, step, at}) each time the Parameters view first draws a new frame (at: the
  // performance.now() of that render); returns an unsubscribe function.
  onDrawn: (cb) => store.on('drawn', (d) => { if (d) cb(d); }),
  // Client positions of the insight marks on the loss chart and the timeline; the Attention
  // tab's test hooks (null until the tab was first shown) and a promise of its view.
  insightMarks: () => trainingView.insightMarks(),
  charts: () => trainingView.charts(), // the Training tab's chart panels (bench/browser/insights_bench.mjs)
  timelineMarks: () => playbackBar.marksOnScreen(),
  pickInsight: (mark) => insight.pick(mark), // what clicking a mark does ({id, step})
  attention: () => attention.view()?.debug ?? null,
  attentionReady: attention.ready,
  explain, // the explanation cards: open(id, anchor), close(), current()
  tours, // the guided tours' runner: start(id, index), next(), back(), pause(), resume(), leave(), state()
};
if (['params', 'attention'].includes(query.get('tab'))) tabs.select(query.get('tab'));
