// views/tour_panel.js: the guided tours' DOM runner (R5.3; docs/frontend.md "Tours"). The tour
// data and every decision (anchors, texts, navigation) are tours/engine.js's; this file shows a
// step and applies it to the page: tab, playback step, camera (store key tourCamera), the
// selected tensor, the embedding colouring, a chart region (store key tourRegion), the compare run.
//
// createTourPanel(store, {tours, insightList, seek(step), goLive(), selectTab(name), compare(id)})
//   -> {start(id, index = 0), leave(), next(), back(), pause(), resume(), state(), resolved()}
// Starts on: the "Tours" menu in the top bar, window event `nanogpt:start-tour` {detail: {id,
// step?}}, or a deep link ?tour=ID&step=N (#tour=ID&step=N on file:, the offline report). Store
// key `tour` = {id, index, paused} while one runs. Leaving restores the tab, selection,
// colouring and compare run the page had before, and the whole-model camera.
// Keys while a tour runs (not while typing in a field): → or n next, ← or b back, p pause/resume,
// Escape leave, 1-9 pick a prediction's choice.
import * as E from '../tours/engine.js';
import { batched, el } from './dom.js';

// el() with element children as well as text.
const h = (tag, attrs = {}, ...kids) => {
  const e = el(tag, attrs);
  for (const k of kids) e.append(k);
  return e;
};


export function createTourPanel(store, { tours, insightList, seek, goLive, selectTab, compare }) {
  const byId = (id) => tours.find((t) => t.id === id) ?? null;
  let tour = null;
  let nav = null;
  let saved = null;     // the page's view before the tour
  let applied = null;   // {index, step, found} what the current step last did to playback

  // ---- DOM ----
  const menuBtn = h('button', { type: 'button', class: 'tour-menu-btn', 'data-testid': 'tour-menu',
    'aria-haspopup': 'true', 'aria-expanded': 'false', title: 'Guided tours of this run' }, 'Tours');
  const menu = h('ul', { class: 'tour-menu', 'data-testid': 'tour-list', role: 'menu', hidden: '' });
  for (const t of tours) {
    const b = h('button', { type: 'button', role: 'menuitem', 'data-testid': `tour-start-${t.id}`, title: t.summary }, t.title);
    b.addEventListener('click', () => { closeMenu(); start(t.id); });
    menu.append(h('li', { role: 'none' }, b));
  }
  const wrap = h('div', { class: 'tour-menu-wrap' }, menuBtn, menu);
  document.querySelector('.exports')?.before(wrap);
  function closeMenu() { menu.hidden = true; menuBtn.setAttribute('aria-expanded', 'false'); }
  menuBtn.addEventListener('click', () => {
    menu.hidden = !menu.hidden;
    menuBtn.setAttribute('aria-expanded', String(!menu.hidden));
    if (!menu.hidden) menu.querySelector('button')?.focus();
  });
  menu.addEventListener('keydown', (ev) => {
    const items = [...menu.querySelectorAll('button')];
    const i = items.indexOf(document.activeElement);
    if (ev.key === 'Escape') { ev.preventDefault(); closeMenu(); menuBtn.focus(); }
    else if (ev.key === 'ArrowDown') { ev.preventDefault(); items[(i + 1) % items.length].focus(); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
  });

  const heading = h('h2', { class: 'tour-title', tabindex: '-1', 'data-testid': 'tour-step-title' });
  const where = h('div', { class: 'tour-where muted', 'data-testid': 'tour-progress' });
  const textEl = h('p', { class: 'tour-text', 'data-testid': 'tour-text' });
  const note = h('p', { class: 'tour-note', 'data-testid': 'tour-fallback', hidden: '' });
  const predictEl = h('div', { class: 'tour-predict', 'data-testid': 'tour-predict', hidden: '' });
  const backBtn = h('button', { type: 'button', 'data-testid': 'tour-back', title: 'Previous step (← or b)' }, '← Back');
  const pauseBtn = h('button', { type: 'button', 'data-testid': 'tour-pause', 'aria-pressed': 'false',
    title: 'Pause: the tour stops moving the view so you can explore; resume puts it back (p)' }, 'Pause');
  const nextBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'tour-next', title: 'Next step (→ or n)' }, 'Next →');
  const leaveBtn = h('button', { type: 'button', class: 'tour-leave', 'data-testid': 'tour-leave',
    'aria-label': 'Leave the tour (Escape)', title: 'Leave the tour (Escape)' }, '×');
  const keysEl = h('div', { class: 'tour-keys muted' }, 'keys: → next · ← back · p pause · Esc leave');
  const panel = h('aside', { class: 'tour-panel', 'data-testid': 'tour-panel', role: 'dialog', 'aria-modal': 'false',
    'aria-labelledby': 'tour-heading', hidden: '' },
  h('div', { class: 'tour-head' }, h('div', { id: 'tour-heading', class: 'tour-name', 'data-testid': 'tour-name' }), leaveBtn),
  where, heading, textEl, note, predictEl,
  h('div', { class: 'tour-controls' }, backBtn, pauseBtn, nextBtn), keysEl);
  document.body.append(panel);
  // Bottom left over the Parameters and Attention tabs' canvases; over the side column on the
  // Training tab, so the charts a step points at stay in view.
  const place = () => { panel.dataset.side = store.get().tab === 'training' ? 'right' : 'left'; };
  store.on('tab', place);
  place();

  backBtn.addEventListener('click', () => back());
  nextBtn.addEventListener('click', () => (E.isLast(nav, tour) ? leave() : next()));
  pauseBtn.addEventListener('click', () => (nav?.paused ? resume() : pause()));
  leaveBtn.addEventListener('click', () => leave());

  // ---- applying a step ----
  const run = () => E.runOf(store.get(), insightList);

  function applyView(r) {
    const s = store.get();
    const patch = {};
    if (r.select) patch.selected = { name: r.select.name, layer: r.select.layer ?? -1 };
    if (r.colorBy) patch.colorBy = r.colorBy;
    patch.tourRegion = r.region;
    store.set(patch);
    // Every step on the Parameters tab sets the camera (the whole model unless it names a part),
    // again even when it is the same as before: the student may have orbited away meanwhile.
    const camera = r.camera ?? (r.tab === 'params' ? 'home' : null);
    if (camera) { store.set({ tourCamera: null }); store.set({ tourCamera: camera }); }
    if (r.tab && s.tab !== r.tab) selectTab(r.tab);
  }

  function applyPlayback(r) {
    const s = store.get();
    // Before the run's frames are known (a deep link at load) the seek waits: refresh() retries.
    const ready = s.live || (s.frameIndex ?? []).length > 0;
    applied = { index: nav.index, step: ready ? r.step : null, found: r.found };
    if (r.step == null || !ready) return;
    const last = E.resolveAnchor({ last: true }, run()).step;
    if (s.live && r.step === last) goLive?.(); else seek(r.step);
  }

  function render(r) {
    panel.dataset.tour = tour.id;
    panel.dataset.step = String(r.index + 1);
    panel.dataset.found = String(r.found && !r.needsCompare);
    panel.dataset.paused = String(nav.paused);
    panel.querySelector('.tour-name').textContent = `Tour: ${tour.title}`;
    where.textContent = `step ${r.index + 1} of ${r.count}${r.step != null ? ` · training step ${r.step}` : ''}${nav.paused ? ' · paused' : ''}`;
    heading.textContent = r.title;
    textEl.textContent = r.text;
    note.hidden = r.found && !r.needsCompare;
    note.textContent = r.needsCompare ? 'This step needs a second run.' : 'This run has no such event: the text says where to look instead.';
    backBtn.disabled = r.index === 0;
    nextBtn.textContent = r.index === r.count - 1 ? 'Finish' : 'Next →';
    pauseBtn.textContent = nav.paused ? 'Resume' : 'Pause';
    pauseBtn.setAttribute('aria-pressed', String(nav.paused));
    renderPredict(r);
  }

  // The choices are rebuilt only when they change: live, render() runs every few hundred ms and
  // a reveal's numbers move with the run, but a button replaced under the pointer loses the
  // student's click. The reveal's text is updated in place.
  let predictKey = null;
  let revealEl = null;
  function renderPredict(r) {
    const picked = nav.answers[nav.index];
    const p = r.predict;
    const key = JSON.stringify([tour.id, r.index, p ? [p.question, p.choices, p.answer] : null, picked ?? null]);
    if (key !== predictKey) {
      predictKey = key;
      revealEl = null;
      predictEl.replaceChildren();
      predictEl.hidden = !p;
      if (!p) return;
      predictEl.append(h('p', { class: 'tour-question' }, p.question));
      const list = h('div', { class: 'tour-choices', role: 'group', 'aria-label': 'Your prediction' });
      p.choices.forEach((c, i) => {
        const b = h('button', { type: 'button', 'data-testid': 'tour-choice', 'data-choice': String(i) }, `${i + 1}. ${c}`);
        if (picked !== undefined) {
          b.disabled = true;
          if (i === p.answer) b.classList.add('is-answer');
          if (i === picked && i !== p.answer) b.classList.add('is-wrong');
        }
        b.addEventListener('click', () => choose(i));
        list.append(b);
      });
      predictEl.append(list);
      if (picked !== undefined) {
        revealEl = h('p', { class: 'tour-reveal', 'data-testid': 'tour-reveal', role: 'status' });
        predictEl.append(revealEl);
      } else {
        predictEl.append(h('p', { class: 'tour-hint muted' }, 'Pick one to see the answer.'));
      }
    }
    if (revealEl) {
      const verdict = p.answer == null ? '' : picked === p.answer ? 'Right. ' : 'Not quite. ';
      if (revealEl.textContent !== verdict + p.reveal) revealEl.textContent = verdict + p.reveal;
    }
  }

  function show({ focus = true, playback = true } = {}) {
    if (!nav.paused && tour.needs === 'compare' && !store.get().compare) pickCompare();
    const r = E.resolveStep(tour, nav.index, run());
    if (!nav.paused) {
      applyView(r);
      if (playback) applyPlayback(r);
    }
    render(r);
    store.set({ tour: { id: tour.id, index: nav.index, paused: nav.paused } });
    writeLink();
    if (focus) heading.focus({ preventScroll: true });
  }

  // A tour that needs a second run picks the newest other run in the compare picker.
  function pickCompare() {
    const s = store.get();
    const other = (s.sessions ?? []).filter((x) => x.session !== s.session)
      .sort((a, b) => String(b.start_time ?? '').localeCompare(String(a.start_time ?? '')))[0];
    if (other) compare?.(other.session);
  }

  // The run's data changes (live steps, the history arriving after a deep link): refresh the
  // text's numbers and the highlighted chart region (live, an open span or the newest step moves
  // on); move playback again only when the anchor was not there before.
  function refresh() {
    if (!tour) return;
    const r = E.resolveStep(tour, nav.index, run());
    const current = !nav.paused && applied && applied.index === nav.index;
    if (current && (applied.step == null || (!applied.found && r.found))) {
      applyView(r);
      applyPlayback(r);
    } else if (current && JSON.stringify(store.get().tourRegion ?? null) !== JSON.stringify(r.region)) {
      store.set({ tourRegion: r.region });
    }
    render(r);
  }
  const later = batched(refresh);
  const schedule = () => { if (tour) later(); };
  for (const k of ['insights', 'metrics', 'frame', 'frameIndex', 'runInfo', 'compare', 'session']) store.on(k, schedule);

  // ---- navigation ----
  function start(id, index = 0) {
    const t = byId(id);
    if (!t) return false;
    if (!tour) {
      const s = store.get();
      saved = { tab: s.tab, selected: s.selected, colorBy: s.colorBy, compare: s.compare };
    }
    tour = t;
    nav = E.startState(t, index);
    panel.hidden = false;
    document.body.classList.add('touring');
    show();
    return true;
  }
  function leave() {
    if (!tour) return;
    tour = null; nav = null; applied = null;
    panel.hidden = true;
    document.body.classList.remove('touring');
    const back = saved ?? {};
    saved = null;
    store.set({ tour: null, tourRegion: null, tourCamera: 'home', selected: back.selected ?? null, colorBy: back.colorBy ?? 'frequency' });
    if ((back.compare ?? null) !== store.get().compare) compare?.(back.compare ?? null);
    if (back.tab) selectTab(back.tab);
    writeLink();
    menuBtn.focus();
  }
  const next = () => { if (tour) { nav = E.next(nav, tour); show(); } };
  const back = () => { if (tour) { nav = E.back(nav); show(); } };
  const pause = () => { if (tour) { nav = E.setPaused(nav, true); show({ focus: false, playback: false }); } };
  const resume = () => { if (tour) { nav = E.setPaused(nav, false); show({ focus: false }); } };
  function choose(i) {
    if (!tour) return;
    nav = E.answer(nav, i);
    render(E.resolveStep(tour, nav.index, run()));
    predictEl.querySelector('[data-testid="tour-reveal"]')?.focus?.();
    nextBtn.focus();
  }

  // ---- deep links ----
  const useHash = () => location.protocol === 'file:' || /(^|[#&])tour=/.test(location.hash);
  function writeLink() {
    const st = tour ? nav : null;
    if (useHash()) {
      history.replaceState(null, '', `${location.pathname}${location.search}${E.withDeepLink(location.hash || '#', st)}`);
    } else {
      history.replaceState(null, '', `${location.pathname}${E.withDeepLink(location.search, st)}${location.hash}`);
    }
  }

  // ---- keys ----
  const typing = (t) => t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName));
  document.addEventListener('keydown', (ev) => {
    if (!tour || ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) return;
    // Arrow keys keep their own meaning on the tabs, the slider and the 3D canvas.
    // Keys keep their own meaning on the tabs, the menu, the slider and the Parameters canvas
    // (arrows pan, n/p step the tooltip, Escape clears the selection).
    if (ev.target?.closest?.('[role="tab"], [role="menu"], canvas, [data-testid="timeline"]')) return;
    const inPanel = panel.contains(ev.target);
    const k = ev.key;
    let done = true;
    if (k === 'Escape' && (inPanel || !document.querySelector('[data-testid="insight-popover"]:not([hidden])'))) leave();
    else if (k === 'ArrowRight' || k === 'n') { if (!E.isLast(nav, tour)) next(); }
    else if (k === 'ArrowLeft' || k === 'b') back();
    else if (k === 'p') { if (nav.paused) resume(); else pause(); }
    else if (/^[1-9]$/.test(k) && tour.steps[nav.index].predict && Number(k) <= tour.steps[nav.index].predict.choices.length) choose(Number(k) - 1);
    else done = false;
    if (done) ev.preventDefault();
  });

  window.addEventListener('nanogpt:start-tour', (ev) => {
    const d = ev.detail ?? {};
    start(d.id, Number.isInteger(d.step) ? d.step : 0);
  });
  const link = E.parseDeepLink({ search: location.search, hash: location.hash }, tours);
  if (link) start(link.id, link.index);

  return {
    start, leave, next, back, pause, resume,
    state: () => (tour ? { id: tour.id, index: nav.index, paused: nav.paused, answers: { ...nav.answers } } : null),
    // What the current step resolves to on the run on screen (tests): engine.resolveStep's result
    // plus frameStep, the stored frame playback shows for it.
    resolved() {
      if (!tour) return null;
      const r = E.resolveStep(tour, nav.index, run());
      return { ...r, frameStep: E.frameAtOrBefore(run().frameSteps, r.step) };
    },
  };
}
