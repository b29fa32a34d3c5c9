// views/dom.js: the helpers the views build their DOM with.
// el(tag, attrs, text): attributes are set as given (`class` included); `text` becomes the
//   element's textContent.
// reconcile(parent, nodes): makes parent's children exactly `nodes`, in order, moving only the
//   nodes that are out of place and removing the rest; the nodes already in place are left
//   alone (no layout for them, and an element under the pointer keeps its click).
// batched(fn, ms = REDRAW_MS) -> soon(): soon() calls fn once, ms later, however often it is
//   called meanwhile; soon.cancel() drops a pending call. A live run changes the store every
//   step, hundreds of times a second for a small model, and every redraw is a repaint.
export const REDRAW_MS = 250;

export function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

export function batched(fn, ms = REDRAW_MS) {
  let timer = null;
  const soon = () => { if (!timer) timer = setTimeout(() => { timer = null; fn(); }, ms); };
  soon.cancel = () => { clearTimeout(timer); timer = null; };
  return soon;
}

export function reconcile(parent, nodes) {
  let at = parent.firstChild;
  for (const n of nodes) {
    if (n === at) at = at.nextSibling;
    else parent.insertBefore(n, at);
  }
  while (at) {
    const next = at.nextSibling;
    at.remove();
    at = next;
  }
}
