// views/first_visit.js: the first visit's welcome (R5.1): a short panel under the tab bar that
// says what the page shows (the three tabs, playback, insights, the "?" cards) and offers the
// guided tours. It sits in the page's flow (nothing is covered or blocked) and is dismissed with
// its × button, "Not now", Escape while focus is inside it, or by starting a tour; once dismissed
// it does not come back (localStorage `nanogpt.firstVisit`).
//
// createFirstVisit({tours, query, storage, before, onStart}) -> {element | null, shown, dismiss(), ready}
//   tours: [{id, title, summary}] (frontend/tours/index.js TOURS, passed in by app.js), or a
//     function returning a promise of them (called only when the panel shows, so a page that does
//     not show it never loads the tours), or null/[]: then the panel says the tours are unavailable.
//     `ready` resolves once the list is in place. Choosing one dispatches
//     `nanogpt:start-tour` ({detail: {id}}) on window (the tours listen for it) and calls onStart(id).
//   query: URLSearchParams; ?firstvisit=0 never shows it (tests), ?firstvisit=1 always does.
//   before: the element the panel goes before (default <main>).
// Test ids: first-visit, first-visit-close, first-visit-later, first-visit-tours,
// first-visit-tour-<id>, first-visit-no-tours.
import { el } from './dom.js';

export const FIRST_VISIT_KEY = 'nanogpt.firstVisit';

function seen(storage) {
  try { return storage?.getItem(FIRST_VISIT_KEY) === 'dismissed'; } catch { return false; }
}
function remember(storage) {
  try { storage?.setItem(FIRST_VISIT_KEY, 'dismissed'); } catch { /* private mode: shown again next time */ }
}

export function createFirstVisit({ tours = null, query = new URLSearchParams(location.search), storage = globalThis.localStorage,
  before = document.querySelector('main'), onStart } = {}) {
  const flag = query.get('firstvisit');
  if (flag === '0' || (flag !== '1' && seen(storage))) return { element: null, shown: false, dismiss() {}, ready: Promise.resolve() };

  const panel = el('section', { class: 'first-visit', 'data-testid': 'first-visit', role: 'region', 'aria-labelledby': 'fv-title' });
  const close = el('button', { type: 'button', class: 'fv-close', 'data-testid': 'first-visit-close', 'aria-label': 'Close the welcome' }, '×');
  const intro = el('div', { class: 'fv-intro' });
  intro.append(el('h2', { id: 'fv-title' }, 'Welcome: this page shows a GPT-2 model as it trains'));
  const ul = el('ul', { class: 'fv-points' });
  const point = (strong, text) => { const li = el('li'); li.append(el('strong', { class: strong === '?' ? 'card-q fv-q' : '' }, strong), ` ${text}`); ul.append(li); };
  point('Training', 'the loss, learning rate, gradient norm and speed of the run, with the phases and events the insights engine found on the loss chart and in the Insights list.');
  point('Parameters', 'the model\'s weight matrices (a sampled grid of each), LayerNorm gains and embeddings, from the parameter frames; hover one for its numbers, click it for its statistics over time.');
  point('Attention', 'where each head looks on a fixed probe text, at each evaluation.');
  point('Playback', 'the slider under the tabs moves through the recorded frames; "live" follows the newest.');
  point('?', 'buttons next to charts, tensors, scores and insights open a card: what it is, its shape in this model, how it starts, what to watch.');
  intro.append(ul);

  const side = el('div', { class: 'fv-tours' });
  side.append(el('h3', {}, 'Guided tours'));
  const later = el('button', { type: 'button', class: 'fv-later', 'data-testid': 'first-visit-later' }, 'Not now');
  const slot = el('div', { class: 'fv-tour-slot' });
  const loading = el('p', { class: 'muted' }, 'loading the tours…');
  slot.append(loading);
  side.append(slot, later);
  function showTours(given) {
  const list = Array.isArray(given) ? given.filter((t) => t && t.id) : [];
  slot.replaceChildren();
  if (list.length) {
    const ol = el('ul', { class: 'fv-tour-list', 'data-testid': 'first-visit-tours' });
    for (const t of list) {
      const li = el('li');
      const b = el('button', { type: 'button', class: 'fv-tour', 'data-testid': `first-visit-tour-${t.id}`, 'data-tour': t.id }, t.title ?? t.id);
      b.addEventListener('click', () => {
        dismiss();
        window.dispatchEvent(new CustomEvent('nanogpt:start-tour', { detail: { id: t.id } }));
        onStart?.(t.id);
      });
      li.append(b);
      if (t.summary) li.append(el('span', { class: 'fv-tour-summary muted' }, t.summary));
      ol.append(li);
    }
    slot.append(ol);
  } else {
    slot.append(el('p', { class: 'muted', 'data-testid': 'first-visit-no-tours' }, 'The guided tours are unavailable in this build of the page.'));
  }
  }
  panel.append(intro, side, close);
  const ready = Promise.resolve(typeof tours === 'function' ? Promise.resolve().then(tours).catch(() => null) : tours)
    .then((t) => { showTours(t); });

  let gone = false;
  function dismiss() {
    if (gone) return;
    gone = true;
    remember(storage);
    const hadFocus = panel.contains(document.activeElement);
    panel.remove();
    if (hadFocus) document.querySelector('[role="tab"][aria-selected="true"]')?.focus({ preventScroll: true });
    window.dispatchEvent(new Event('resize')); // the charts and views take the freed height
  }
  close.addEventListener('click', dismiss);
  later.addEventListener('click', dismiss);
  panel.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.stopPropagation(); dismiss(); } });
  (before?.parentNode ?? document.body).insertBefore(panel, before ?? null);
  return { element: panel, get shown() { return !gone; }, dismiss, ready };
}
