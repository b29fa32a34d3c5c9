// views/insight_actions.js: what the page does when someone picks an insight: a mark on the loss
// chart or the timeline, or a card's buttons.
// - pick(mark) / jump(step, ins): playback goes to that step (the stored frame at or before it)
//   and store key focusInsight {id, at} opens its explanation (the panel on the Training tab, the
//   popover elsewhere);
// - reveal(ins, where): shows what the insight is about: 'params' selects its tensor (the
//   Parameters tab's stats panel then describes it; filters that hide it are reset) and shows
//   that tab; 'attention' selects its head (store key attentionHead {layer, head}) and shows the
//   Attention tab.
//
// createInsightActions(store, {seek(step), selectTab(name)}) -> {pick, jump, reveal}
import { itemOfSubject, parseSubject } from '../state/insights.js';
import { TYPES, showsItem } from '../state/filters.js';

export function createInsightActions(store, { seek, selectTab }) {
  const focus = (id) => store.set({ focusInsight: { id, at: performance.now() } });
  const jump = (step, ins) => {
    seek(step);
    if (ins) focus(ins.id);
  };
  return {
    jump,
    pick: (mark) => jump(mark.step, mark),
    reveal(ins, where) {
      const p = parseSubject(ins.subject);
      if (where === 'attention' && p.type === 'head') {
        store.set({ attentionHead: { layer: p.layer, head: p.head } });
        selectTab('attention');
        return;
      }
      const item = itemOfSubject(ins.subject);
      if (!item) return;
      if (!showsItem(store.get().filters, item.name, item.layer)) store.set({ filters: { types: new Set(TYPES), layers: null } });
      store.set({ selected: item });
      selectTab('params');
    },
  };
}
