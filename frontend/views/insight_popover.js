// views/insight_popover.js: the explanation of a clicked insight on a tab without the insights
// panel (Parameters, Attention): a card under the tab bar, over the view, with the same content as
// the panel's (insight_card.js), open. It never takes the keyboard focus from the view (the work
// goes on); Escape or its close button hides it, and so does going to the Training tab, where the
// panel shows the same card.
//
// createInsightPopover(store, {onJump, onReveal}) -> {dispose()}
// Reads store keys focusInsight ({id, at}), insights, session, tab.
import { el } from './dom.js';
import { insightCard } from './insight_card.js';

export function createInsightPopover(store, { onJump, onReveal } = {}) {
  const box = document.getElementById('insight-popover');

  function hide() { box.hidden = true; box.replaceChildren(); }

  // Shown when an insight is picked while another tab than Training is on screen.
  function render() {
    const { focusInsight: f, insights, session, tab } = store.get();
    if (!f || tab === 'training') { hide(); return; }
    const ins = insights?.[session]?.byId.get(f.id);
    if (!ins) { hide(); return; }
    const card = insightCard(ins, { onJump, onReveal, open: true });
    const close = el('button', { type: 'button', class: 'pop-close', 'data-testid': 'insight-popover-close',
      'aria-label': 'Close the explanation', title: 'Close (Escape)' }, '×');
    close.addEventListener('click', hide);
    box.replaceChildren(close, card);
    box.hidden = false;
  }
  const onKey = (ev) => { if (ev.key === 'Escape' && !box.hidden) hide(); };
  document.addEventListener('keydown', onKey);
  const safe = (fn) => () => { try { fn(); } catch (err) { console.error('insight popover:', err); } };
  const offs = [
    store.on('focusInsight', safe(render)),
    store.on('tab', safe(() => { if (store.get().tab === 'training') hide(); })),
    store.on('session', safe(hide)),
  ];
  return { dispose: () => { document.removeEventListener('keydown', onKey); offs.forEach((off) => off()); } };
}
