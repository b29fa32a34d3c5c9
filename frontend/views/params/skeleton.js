// views/params/skeleton.js: the DOM skeleton the Parameters tab's views share (3D and 2D fallback).
// buildSkeleton(container, kind) -> {root, toolbar, filters, stage, overlay, side, fps, legend,
//   colorBy, field, reset, errorBox, showError(msg), clearError(), remove()}
// The stage is where the view puts its canvas; overlay holds labels and the tooltip on top of it.
// Everything is plain DOM (views/dom.js el) with data-testid selectors from docs/frontend.md.

import { el } from '../dom.js';

const COLOR_BY = [
  ['frequency', 'token frequency'],
  ['norm', 'embedding norm'],
  ['grad_norm', 'gradient norm'],
  ['update', 'update size'],
];
const FIELDS = [
  ['value', 'weights'],
  ['grad', 'gradients'],
  ['update', 'updates (change since last frame)'],
];

function labelledSelect(id, label, options, testid) {
  const wrap = el('label', { class: 'pv-field' });
  wrap.append(el('span', {}, label));
  const sel = el('select', { 'data-testid': testid, id });
  for (const [value, text] of options) sel.append(el('option', { value }, text));
  wrap.append(sel);
  return { wrap, sel };
}

let skeletonCount = 0;

// The views bring their own stylesheet, so a page needs no <link> for them.
function ensureStyles() {
  const have = [...document.querySelectorAll('link[rel=stylesheet]')].some((l) => l.href.endsWith('/views/params/params.css'));
  // A saved report inlines it (<style data-nanogpt-asset>), and its modules have no URL to resolve against.
  if (have || document.querySelector('style[data-nanogpt-asset$="/views/params/params.css"]')) return;
  const link = el('link', { rel: 'stylesheet', href: new URL('./params.css', import.meta.url).href, 'data-pv-styles': '' });
  document.head.append(link);
}

export function buildSkeleton(container, kind) {
  ensureStyles();
  const n = ++skeletonCount;
  const root = el('div', { class: `pv-root pv-${kind}` });
  const toolbar = el('div', { class: 'pv-toolbar', role: 'toolbar', 'aria-label': 'parameter view controls' });
  const colorBy = labelledSelect(`pv-color-by-${n}`, 'colour points by', COLOR_BY, 'color-by');
  const field = labelledSelect(`pv-field-${n}`, 'matrices show', FIELDS, 'field-select');
  const reset = el('button', { type: 'button', 'data-testid': 'reset-view', class: 'pv-button' }, 'reset view');
  const fps = el('span', { 'data-testid': 'fps', class: 'pv-fps', 'aria-live': 'off', title: 'measured frames per second and quality level (lowered automatically to stay at 30 fps or more)' }, '– fps');
  toolbar.append(colorBy.wrap, field.wrap, reset, fps);

  const body = el('div', { class: 'pv-body' });
  const filters = el('div', { class: 'pv-filters', role: 'group', 'aria-label': 'filters' });
  const stage = el('div', { class: 'pv-stage' });
  const overlay = el('div', { class: 'pv-overlay' });
  const legend = el('div', { class: 'pv-legend', 'aria-label': 'colour legend' });
  const errorBox = el('div', { class: 'pv-error', role: 'alert', hidden: '' });
  stage.append(overlay, errorBox);
  const side = el('div', { class: 'pv-side' });
  side.append(legend); // beside the picture, never over it
  body.append(filters, stage, side);
  root.append(toolbar, body);
  container.append(root);

  return {
    root, toolbar, filters, stage, overlay, side, fps, legend, errorBox,
    colorBy: colorBy.sel, field: field.sel, reset,
    showError(msg) {
      // data-testid view-error, unless the page has its own (app.js's host): one per page.
      const other = [...document.querySelectorAll('[data-testid="view-error"]')].some((e) => e !== errorBox);
      if (other) errorBox.removeAttribute('data-testid'); else errorBox.setAttribute('data-testid', 'view-error');
      errorBox.hidden = false;
      errorBox.textContent = `The parameter view hit an error and skipped a frame: ${msg}`;
    },
    clearError() {
      if (!errorBox.hidden) { errorBox.hidden = true; errorBox.textContent = ''; }
    },
    remove() { root.remove(); },
  };
}
