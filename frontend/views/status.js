// views/status.js: the header's run status line (`status`): which run, live or recorded, its
// latest step and the hub connection. data-state on the element: live | recorded | offline |
// connecting (the dot's colour; the text says the same in words).
//
// renderStatus(store) -> unsubscribe
import { MISSING } from '../display/format.js';
import { batched } from './dom.js';

export function renderStatus(store) {
  const el = document.getElementById('status');
  const text = el.querySelector('.status-text');
  let lastText = '';

  function render() {
    const s = store.get();
    const rows = s.metrics?.[s.session];
    const step = rows?.length ? rows[rows.length - 1].step : null;
    const info = s.sessions?.find((x) => x.session === s.session);
    let state;
    let words;
    if (s.report) { // a saved report (net/embedded.js): no hub at all
      state = 'recorded';
      words = `saved report · run ${s.session ?? MISSING} · ${step != null ? `last step ${step}` : 'no metrics'}`;
    } else if (s.connection !== 'open' && s.connection !== 'connecting' && s.hello) {
      state = 'offline';
      words = `hub disconnected, reconnecting… (showing ${s.session ?? 'nothing'})`;
    } else if (!s.hello) {
      state = 'connecting';
      words = 'connecting to the hub…';
    } else if (!s.session) {
      state = 'recorded';
      words = s.sessions?.length ? 'choose a run' : 'no runs recorded yet: start one with nanogpt train';
    } else if (s.live) {
      state = 'live';
      words = `run ${s.session} · training (live) · step ${step ?? MISSING}`;
    } else {
      state = 'recorded';
      words = `run ${s.session} · recorded (${runState(info)}) · ${step != null ? `last step ${step}` : 'no metrics'}`;
    }
    if (s.loadError) words += ` · ${s.loadError}`;
    el.dataset.state = state;
    if (words !== lastText) { text.textContent = words; lastText = words; }
  }
  // The step in the line moves at most every REDRAW_MS (dom.js batched); the rest shows at once.
  const soon = batched(render);
  const offs = ['hello', 'session', 'live', 'sessions', 'connection', 'loadError', 'report'].map((k) => store.on(k, render));
  offs.push(store.on('metrics', soon));
  render();
  return () => { soon.cancel(); offs.forEach((off) => off()); };
}

/** How a recorded run ended, in words: its status, or why there is none. */
export function runState(info) {
  if (info?.status) return info.status;
  if (info?.live) return 'still training';
  return 'not finished: still running elsewhere, or stopped';
}
