// views/params/insight_notes.js: the Parameters tab's "insights at this step": the parameter and
// probe insights that apply at the frame on screen (the ones the picture outlines), one line
// each (severity, title, what it names). Clicking a line selects the tensor it names and opens its
// explanation (store key focusInsight: the page's popover shows it on this tab).
// createInsightNotes(host, store) -> {update(highlights, frame)} (highlights: state/insights.js
// paramHighlights).
import { el } from '../dom.js';
import { severityTag } from '../insight_card.js';
import { itemOfSubject, subjectText } from '../../state/insights.js';

export function createInsightNotes(host, store) {
  const box = el('section', { class: 'pv-notes', 'data-testid': 'params-insights', 'aria-label': 'insights at this step', hidden: '' });
  const title = el('h3', { class: 'pv-notes-title' }, 'Insights at this step');
  const list = el('ul', { class: 'pv-notes-list' });
  box.append(title, list);
  host.prepend(box);
  let key = '';
  return {
    update(h, frame) {
      const k = `${frame?.step}|${h.notes.map((n) => `${n.id}:${n.stepEnd}`).join(',')}`;
      if (k === key) return;
      key = k;
      box.hidden = !h.notes.length;
      title.textContent = `Insights at step ${frame?.step ?? ''}`;
      list.replaceChildren(...h.notes.map((ins) => {
        const b = el('button', { type: 'button', class: 'pv-note-item', 'data-id': String(ins.id),
          title: 'Select what it names and show its explanation' });
        b.append(severityTag(ins.severity), el('span', { class: 'pv-note-text' }, ins.title),
          el('span', { class: 'pv-note-subject' }, subjectText(ins.subject)));
        b.addEventListener('click', () => {
          const item = itemOfSubject(ins.subject);
          if (item) store.set({ selected: item });
          store.set({ focusInsight: { id: ins.id, at: performance.now() } });
        });
        const li = el('li');
        li.append(b);
        return li;
      }));
    },
  };
}
