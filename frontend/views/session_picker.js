// views/session_picker.js: the two run <select>s in the header. `session-picker` chooses the run
// on screen (live or recorded); `compare-picker` a second run whose loss is overlaid.
//
// createSessionPicker(store, {onPick(id), onCompare(id|null)}) -> {dispose()}
// Reads store keys: sessions (as /api/sessions: `live`, `state`), session, compare, hello (a
// trainer's own run is live). Every live run is marked; a run whose trainer died says "stale".
import { shortId } from '../display/format.js';

function label(s, liveId) {
  const m = /^\d{4}-(\d\d)-(\d\d)T(\d\d:\d\d)/.exec(s.start_time ?? '');
  const when = m ? `${m[1]}-${m[2]} ${m[3]}` : shortId(s.session);
  if (s.session === liveId || s.live) return `● live · ${when} · ${s.session.slice(-4)}`;
  const stale = s.state === 'stale' ? ' · stale' : '';
  return `${when} · ${s.session.slice(-4)}${s.last_step != null ? ` · ${s.last_step} steps` : ''}${stale}`;
}

export function createSessionPicker(store, { onPick, onCompare }) {
  const pick = document.getElementById('session-picker');
  const cmp = document.getElementById('compare-picker');

  function render() {
    const { sessions = [], session, compare, hello } = store.get();
    const liveId = hello?.live ? hello.session : null;
    const sorted = [...sessions].sort((a, b) => String(b.session).localeCompare(String(a.session)));
    const opts = sorted.map((s) => {
      const o = document.createElement('option');
      o.value = s.session;
      o.textContent = label(s, liveId);
      o.title = `run ${s.session}, ${s.last_step ?? 0} steps${s.frames != null ? `, ${s.frames} frames` : ''}${s.state || s.status ? `, ${s.state ?? s.status}` : ''}${s.state === 'stale' ? ' (its trainer stopped without saying so)' : ''}`;
      o.dataset.state = s.session === liveId ? 'live' : (s.state ?? (s.live ? 'live' : ''));
      return o;
    });
    if (!opts.length) {
      const o = document.createElement('option');
      o.value = ''; o.textContent = 'no runs recorded yet'; o.disabled = true;
      opts.push(o);
    }
    pick.replaceChildren(...opts);
    pick.value = session ?? '';
    const none = document.createElement('option');
    none.value = ''; none.textContent = 'none';
    cmp.replaceChildren(none, ...sorted.filter((s) => s.session !== session).map((s) => {
      const o = document.createElement('option');
      o.value = s.session; o.textContent = label(s, liveId);
      return o;
    }));
    cmp.value = compare && compare !== session ? compare : '';
    cmp.disabled = sorted.length < 2;
    cmp.title = cmp.disabled ? 'record a second run to compare' : 'overlay another run on the loss chart';
  }

  pick.addEventListener('change', () => { if (pick.value) onPick(pick.value); });
  cmp.addEventListener('change', () => onCompare(cmp.value || null));
  const offs = ['sessions', 'session', 'compare', 'hello'].map((k) => store.on(k, render));
  render();
  return { dispose: () => offs.forEach((off) => off()) };
}
