// views/insights_panel.js: the Training tab's list of what the insights engine found (R5.2,
// R5.4, R5.5), newest first, filterable by family (phases, events, parameters, probe). Each
// entry is an insight_card.js card: closed it reads severity, steps and title; opened, the
// explanation, evidence, causes and what to try. Entries that apply at the frame on screen say
// "now". Store key `focusInsight` ({id, at}: a mark was clicked) opens that card and scrolls
// the list (not the page) to it.
//
// createInsightsPanel(root, store, {onJump(step, ins), onReveal(ins, where)}) -> {dispose()}
// Reads store keys insights, session, frame, focusInsight, runInfo; the list is brought up to date
// when the session's insight set changes (its version), the "now" marks when the frame moves.
// Live, insights arrive several times a second: a card is made again only when its insight
// changed (a new version of a span), the others stay the same elements (an open card, a button
// under the pointer), and only the cards that moved are inserted or removed.
import { el, reconcile } from './dom.js';
import { insightCard, openInsightCard } from './insight_card.js';
import { activeAt, familyCounts, holdSteps, insightList } from '../state/insights.js';

const MAX_SHOWN = 300;
const FILTERS = [['all', 'all'], ['event', 'events'], ['phase', 'phases'], ['parameter', 'parameters'], ['probe', 'probe']];

export function createInsightsPanel(root, store, { onJump, onReveal } = {}) {
  const card = root.querySelector('#insights-card');
  const listEl = card.querySelector('#insights');
  const countEl = card.querySelector('#insights-count');
  const filter = el('select', { 'data-testid': 'insights-filter', 'aria-label': 'Which insights to list' });
  for (const [v, t] of FILTERS) filter.append(el('option', { value: v }, t));
  card.querySelector('.ins-head-tools').append(filter);

  let shown = { set: null, version: -1, filter: null };
  const open = new Set(); // ids whose card is open: kept across rebuilds
  let items = new Map(); // id -> {ins, card, li} of the cards listed

  function currentSet() {
    const { insights, session } = store.get();
    return insights?.[session] ?? null;
  }

  function rebuild() {
    const set = currentSet();
    if (shown.set === set && shown.version === (set?.version ?? -1) && shown.filter === filter.value) return;
    shown = { set, version: set?.version ?? -1, filter: filter.value };
    const all = insightList(set);
    const c = familyCounts(all);
    for (const opt of filter.options) {
      const n = opt.value === 'all' ? all.length : c[opt.value] ?? 0;
      opt.textContent = `${FILTERS.find(([v]) => v === opt.value)[1]} (${n})`;
    }
    countEl.textContent = all.length ? String(all.length) : '';
    const picked = (filter.value === 'all' ? all : all.filter((i) => i.family === filter.value)).slice(-MAX_SHOWN).reverse();
    const before = items;
    items = new Map();
    const cards = picked.map((ins) => {
      let entry = before.get(ins.id);
      if (entry?.ins !== ins) {
        const d = insightCard(ins, { onJump, onReveal, open: open.has(ins.id) });
        d.addEventListener('toggle', () => { if (d.open) open.add(ins.id); else open.delete(ins.id); });
        const li = el('li');
        li.append(d);
        entry = { ins, card: d, li };
      }
      items.set(ins.id, entry);
      return entry.li;
    });
    if (!cards.length) {
      const li = el('li', { class: 'muted ins-empty' }, all.length ? 'none of this kind'
        : 'nothing yet: the insights engine reports the run\'s phases, spikes and patterns here as it finds them');
      cards.push(li);
    }
    reconcile(listEl, cards);
    markNow();
  }

  function markNow() {
    const step = store.get().frame?.step ?? null;
    const now = new Set(activeAt(insightList(currentSet()), step, { hold: holdSteps(store.get().runInfo?.[store.get().session]) }).map((i) => i.id));
    for (const [id, { card }] of items) card.classList.toggle('is-now', now.has(id));
  }

  function focus() {
    const f = store.get().focusInsight;
    if (!f) return;
    if (!items.has(f.id) && filter.value !== 'all') { filter.value = 'all'; rebuild(); }
    const d = items.get(f.id)?.card;
    if (!d) return;
    openInsightCard(d);
    open.add(f.id);
    // Scroll the list, never the page (the chart the person clicked stays where it is).
    const top = d.getBoundingClientRect().top - listEl.getBoundingClientRect().top + listEl.scrollTop;
    if (top < listEl.scrollTop || top + d.offsetHeight > listEl.scrollTop + listEl.clientHeight) {
      listEl.scrollTop = Math.max(0, top - 8);
    }
    d.classList.remove('flash');
    void d.offsetWidth; // restart the animation
    d.classList.add('flash');
  }

  const safe = (fn) => () => { try { fn(); } catch (err) { console.error('insights panel:', err); } };
  filter.addEventListener('change', safe(rebuild));
  const offs = [
    store.on('insights', safe(rebuild)),
    store.on('session', safe(() => { open.clear(); rebuild(); })),
    store.on('frame', safe(markNow)),
    store.on('focusInsight', safe(() => { rebuild(); focus(); })),
  ];
  rebuild();
  return { dispose: () => offs.forEach((off) => off()) };
}
