// views/explain_card.js: shows the explanation cards of explain/cards.js (R5.1) beside what they
// explain, without leaving the view.
//
// createCardLayer(store) -> {open(id, anchor, {pinned}), close(), current(), element, dispose()}
// cardButton(id, {label, layer, tensor, for: selector}) -> a "?" <button> that opens card `id`.
//
// Any element with `data-card="<card id>"` is an anchor (delegated on the document, so views only
// mark their buttons): a click (or Enter/Space on a button) opens the card pinned, a hover of
// HOVER_MS opens it until the pointer leaves both the anchor and the card, `?` opens the card of
// the tensor under the Parameters tooltip, else of the focused anchor. Escape or × closes it and
// gives focus back to the anchor; a click elsewhere closes a pinned card. The card is placed
// beside the thing it explains (`data-card-for`: a selector of the anchor's ancestor, e.g. the
// chart's card), right, left, below or above, the first side where it fits the window; failing
// that beside the anchor itself; it never covers the anchor. Optional anchor attributes:
// data-card-layer (which layer of a per-layer tensor), data-card-tensor (the stats panel's
// tensor, for the sparkline cards), data-card-head ("l.h") and data-card-value (a head's score),
// data-card-help (how to read the panel the anchor belongs to: the chart panels' own help text).
// The live numbers follow the frame, metrics and insights on screen while the card is open.
//
// The card: data-testid explain-card (data-card-id, data-placement), explain-card-title,
// explain-card-shape, explain-card-init, explain-card-live (dd data-key per number),
// explain-card-close.
import { batched, el } from './dom.js';
import { cardFor } from '../explain/cards.js';
import { insightList } from '../state/insights.js';

const HOVER_MS = 350;
const LEAVE_MS = 250;
const GAP = 8;
const MARGIN = 6;

export function cardButton(id, { label, layer, tensor, for: forSel } = {}) {
  const b = el('button', { type: 'button', class: 'card-q', 'data-card': id, 'data-testid': `card-q-${id}`,
    'aria-label': label ?? `What is this? (${id.split(':')[1]})`, 'aria-haspopup': 'dialog', 'aria-expanded': 'false' }, '?');
  if (layer != null) b.dataset.cardLayer = String(layer);
  if (tensor) b.dataset.cardTensor = tensor;
  if (forSel) b.dataset.cardFor = forSel;
  return b;
}

function contextOf(store, anchor) {
  const s = store.get();
  const session = s.session;
  const frame = s.frame ?? null;
  const model = s.runInfo?.[session]?.model ?? (s.hello?.session === session ? s.hello?.model : null) ?? frame?.model ?? null;
  const metrics = s.metrics?.[session] ?? [];
  const d = anchor?.dataset ?? {};
  const layer = d.cardLayer != null && d.cardLayer !== '' ? Number(d.cardLayer) : undefined;
  let head = null;
  if (d.cardHead) {
    const [l, h] = d.cardHead.split('.').map(Number);
    const key = { 'score:prev_token': 'prevToken', 'score:induction': 'induction', 'score:entropy': 'entropy' }[d.card];
    head = { layer: l, head: h, [key]: Number(d.cardValue) };
  }
  return { model, frame, step: frame?.step ?? metrics.at(-1)?.step ?? null, metrics, layer, tensor: d.cardTensor || null,
    events: s.events?.[session] ?? [], insights: insightList(s.insights?.[session]), head };
}

/** Where a w x h box goes beside `r` inside the window: the first side that fits, or null. */
export function placeBeside(r, w, h, vw, vh) {
  const fitsX = (x) => x >= MARGIN && x + w <= vw - MARGIN;
  const fitsY = (y) => y >= MARGIN && y + h <= vh - MARGIN;
  const clampY = (y) => Math.max(MARGIN, Math.min(vh - MARGIN - h, y));
  const clampX = (x) => Math.max(MARGIN, Math.min(vw - MARGIN - w, x));
  const tries = [
    ['right', r.right + GAP, clampY(r.top)],
    ['left', r.left - GAP - w, clampY(r.top)],
    ['below', clampX(r.left), r.bottom + GAP],
    ['above', clampX(r.left), r.top - GAP - h],
  ];
  for (const [side, x, y] of tries) if (fitsX(x) && fitsY(y)) return { side, x, y };
  return null;
}

export function createCardLayer(store, { root = document.body } = {}) {
  const box = el('aside', { class: 'xcard', 'data-testid': 'explain-card', role: 'dialog', 'aria-modal': 'false',
    'aria-labelledby': 'xcard-title', tabindex: '-1', hidden: '' });
  root.append(box);
  const st = { id: null, anchor: null, pinned: false, hoverTimer: null, leaveTimer: null };

  function render() {
    const card = cardFor(st.id, contextOf(store, st.anchor));
    if (!card) return false;
    box.dataset.cardId = st.id;
    const close = el('button', { type: 'button', class: 'xcard-close', 'data-testid': 'explain-card-close', 'aria-label': 'Close the explanation' }, '×');
    close.addEventListener('click', () => closeCard(true));
    const head = el('header', { class: 'xcard-head' });
    head.append(el('h3', { id: 'xcard-title', 'data-testid': 'explain-card-title' }, card.title), close);
    const facts = el('dl', { class: 'xcard-facts' });
    const fact = (label, text, testid) => { if (text) facts.append(el('dt', {}, label), el('dd', { 'data-testid': testid }, text)); };
    fact('Formula', card.formula, 'explain-card-formula');
    fact(card.shapeLabel ?? (card.group === 'param' ? 'Shape in this model' : 'What it measures'), card.shape, 'explain-card-shape');
    fact(card.group === 'param' ? 'Initialised' : 'At the start', card.init, 'explain-card-init');
    fact('What to watch', card.watch, 'explain-card-watch');
    fact('How to read this chart', st.anchor?.dataset.cardHelp, 'explain-card-help');
    const live = el('dl', { class: 'xcard-live', 'data-testid': 'explain-card-live' });
    for (const n of card.live ?? []) live.append(el('dt', {}, n.label), el('dd', { 'data-key': n.key }, n.value));
    const liveHead = el('h4', {}, 'On screen now');
    const parts = [head, el('p', { class: 'xcard-what' }, card.what), facts];
    if (card.live?.length || card.liveNote) parts.push(liveHead, live);
    if (card.liveNote) parts.push(el('p', { class: 'xcard-note muted' }, card.liveNote));
    box.replaceChildren(...parts);
    return true;
  }

  function place() {
    const vw = window.innerWidth; const vh = window.innerHeight;
    box.style.maxHeight = `${vh - 2 * MARGIN}px`;
    const w = box.offsetWidth; const h = box.offsetHeight;
    const a = st.anchor;
    const subject = a?.dataset.cardFor ? a.closest(a.dataset.cardFor) : null;
    let p = null;
    let beside = 'subject';
    if (subject && subject !== a) p = placeBeside(subject.getBoundingClientRect(), w, h, vw, vh);
    if (!p) { beside = 'anchor'; p = a ? placeBeside(a.getBoundingClientRect(), w, h, vw, vh) : null; }
    if (!p) {
      // Nowhere fits whole: below the anchor (or above when it sits low), scrolled inside.
      const r = a?.getBoundingClientRect() ?? { left: MARGIN, bottom: MARGIN, top: MARGIN };
      const below = r.bottom < vh / 2;
      const y = below ? r.bottom + GAP : MARGIN;
      box.style.maxHeight = `${Math.max(120, below ? vh - y - MARGIN : r.top - GAP - MARGIN)}px`;
      p = { side: below ? 'below' : 'above', x: Math.max(MARGIN, Math.min(vw - MARGIN - w, r.left)), y };
    }
    box.style.left = `${Math.round(p.x)}px`;
    box.style.top = `${Math.round(p.y)}px`;
    box.dataset.placement = `${p.side} of ${beside}`;
  }

  function open(id, anchor, { pinned = true } = {}) {
    clearTimeout(st.hoverTimer); clearTimeout(st.leaveTimer);
    if (st.anchor && st.anchor !== anchor) st.anchor.setAttribute('aria-expanded', 'false');
    st.id = id; st.anchor = anchor ?? null; st.pinned = pinned || (st.pinned && st.id === id);
    if (!render()) { closeCard(false); return false; }
    box.hidden = false;
    box.style.left = '0px'; box.style.top = '0px';
    place();
    anchor?.setAttribute('aria-expanded', 'true');
    if (pinned) box.focus({ preventScroll: true });
    return true;
  }

  function closeCard(restoreFocus) {
    clearTimeout(st.hoverTimer); clearTimeout(st.leaveTimer);
    if (box.hidden) return;
    const a = st.anchor;
    const hadFocus = box.contains(document.activeElement);
    box.hidden = true;
    a?.setAttribute('aria-expanded', 'false');
    st.id = null; st.anchor = null; st.pinned = false;
    if (restoreFocus && a?.isConnected && (hadFocus || document.activeElement === document.body)) a.focus?.({ preventScroll: true });
  }

  const anchorOf = (t) => (t instanceof Element ? t.closest('[data-card]') : null);
  const onClick = (ev) => {
    const a = anchorOf(ev.target);
    if (a) {
      ev.preventDefault();
      ev.stopPropagation();
      if (!box.hidden && st.anchor === a && st.pinned) closeCard(true);
      else open(a.dataset.card, a, { pinned: true });
      return;
    }
    if (!box.hidden && st.pinned && !box.contains(ev.target)) closeCard(false);
  };
  const onOver = (ev) => {
    const a = anchorOf(ev.target);
    if (a) {
      clearTimeout(st.leaveTimer);
      if (st.anchor === a || st.pinned) return;
      clearTimeout(st.hoverTimer);
      st.hoverTimer = setTimeout(() => open(a.dataset.card, a, { pinned: false }), HOVER_MS);
    } else if (box.contains(ev.target)) {
      clearTimeout(st.leaveTimer);
    }
  };
  const onOut = (ev) => {
    const a = anchorOf(ev.target);
    const to = ev.relatedTarget;
    if (!a && !box.contains(ev.target)) return;
    if (to && (box.contains(to) || (a && a.contains(to)))) return;
    clearTimeout(st.hoverTimer);
    if (!box.hidden && !st.pinned) st.leaveTimer = setTimeout(() => closeCard(false), LEAVE_MS);
  };
  const onKey = (ev) => {
    if (ev.key === 'Escape' && !box.hidden) {
      ev.stopPropagation();
      ev.preventDefault();
      closeCard(true);
      return;
    }
    if (ev.key !== '?' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t instanceof Element && t.matches('input, textarea, select, [contenteditable="true"]')) return;
    // The tensor under the Parameters tooltip (what the pointer is on), else the focused anchor.
    const tip = document.querySelector('[data-testid="tooltip"]:not([hidden])');
    if (tip?.dataset.name) {
      ev.preventDefault();
      tip.dataset.card = `param:${tip.dataset.name}`;
      tip.dataset.cardLayer = tip.dataset.layer ?? '';
      open(tip.dataset.card, tip);
      return;
    }
    const focused = anchorOf(t);
    if (focused) { ev.preventDefault(); open(focused.dataset.card, focused); }
  };
  document.addEventListener('click', onClick);
  document.addEventListener('pointerover', onOver);
  document.addEventListener('pointerout', onOut);
  document.addEventListener('keydown', onKey, true);
  const onResize = () => { if (!box.hidden) place(); };
  window.addEventListener('resize', onResize);

  // Live numbers: re-render the open card when what it reads changes, at most every REDRAW_MS.
  const soon = batched(() => { if (!box.hidden) render(); });
  const refresh = () => { if (!box.hidden) soon(); };
  const offs = ['frame', 'metrics', 'insights', 'events', 'session', 'runInfo'].map((k) => store.on(k, refresh));

  return {
    element: box,
    open: (id, anchor, opts) => open(id, anchor, opts),
    close: () => closeCard(true),
    current: () => (box.hidden ? null : { id: st.id, pinned: st.pinned, placement: box.dataset.placement }),
    dispose() {
      soon.cancel();
      offs.forEach((off) => off());
      document.removeEventListener('click', onClick);
      document.removeEventListener('pointerover', onOver);
      document.removeEventListener('pointerout', onOut);
      document.removeEventListener('keydown', onKey, true);
      window.removeEventListener('resize', onResize);
      box.remove();
    },
  };
}
