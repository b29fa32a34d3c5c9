// views/dom.js: el(tag, attrs, text), the one helper the views build their DOM with.
// Attributes are set as given (`class` included); `text` becomes the element's textContent.
export function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}
