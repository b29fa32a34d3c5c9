// views/params/tooltip.js: the hover tooltip of the parameter views (R3.3), a DOM element over the stage.
// createTooltip(overlay) -> {show(info, x, y), hide(), element, current}
// `info` comes from describe.js; the element carries data-name, data-layer, data-row, data-col,
// data-value (the frame's exact number, for tests and screen readers) and shows a readable table.
import { el } from '../dom.js';

export function createTooltip(overlay) {
  const box = el('div', { class: 'pv-tooltip', 'data-testid': 'tooltip', role: 'tooltip', hidden: '' });
  overlay.append(box);
  let current = null;
  return {
    element: box,
    get current() { return current; },
    show(info, x, y) {
      current = info;
      box.dataset.name = info.name;
      box.dataset.layer = String(info.layer);
      box.dataset.row = String(info.row);
      box.dataset.col = String(info.col);
      box.dataset.value = info.value == null ? '' : String(info.value);
      box.dataset.grad = info.grad == null ? '' : String(info.grad);
      box.dataset.change = info.change == null ? '' : String(info.change);
      box.replaceChildren(el('div', { class: 'pv-tooltip-title' }, info.title));
      const table = el('dl');
      for (const [k, v] of info.lines) table.append(el('dt', {}, k), el('dd', {}, v));
      box.append(table, el('p', { class: 'pv-tooltip-hint' }, `press ? for what ${info.name} is`));
      box.hidden = false;
      // Keep the box inside the stage: flip to the left/top near the edges.
      const w = overlay.clientWidth; const h = overlay.clientHeight;
      const bw = box.offsetWidth; const bh = box.offsetHeight;
      const left = x + 16 + bw > w ? Math.max(4, x - 16 - bw) : x + 16;
      const top = y + 16 + bh > h ? Math.max(4, y - 16 - bh) : y + 16;
      box.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
    },
    hide() {
      current = null;
      box.hidden = true;
    },
  };
}
