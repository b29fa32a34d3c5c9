// views/params/shell.js: the life of a Parameters view, shared by the 3D view (view3d.js) and the
// 2D fallback (view2d.js), which supply only a painter. The shell owns the DOM skeleton, the error
// guard (R6.5), the displayed data and its tweens (state/display_data.js), the filters, the stats
// panel, the legend, the tooltip and hover, keyboard stepping, click-to-select, the frame-rate
// governor, the render loop and the view API the host calls.
//
// createParamsShell(container, store, kind, makePainter, {reason}) -> view
//   view = {kind, update(frame, prevFrame), record(frame), setActive(on), resize(), snapshot() ->
//     HTMLCanvasElement, hoverAt(clientX, clientY) -> info | null, pickables() -> [{x, y, name,
//     layer, row, col, value}], dispose(), debug: {governor, ...painter.debug}}
//   makePainter(parts) -> painter, with parts = {ui (skeleton.js), store, data (display_data),
//     isVisible(name, layer), visibleKeys() -> Set('name:layer'), lod() (the governor's level of
//     detail), invalidate() (draw again on the next animation frame), flags() (what the insights
//     flag at the frame on screen: state/insights.js paramHighlights)}. A painter that throws here
//     (no WebGL) leaves nothing behind: the shell removes its DOM and rethrows.
//   painter = {
//     canvas,                  the element that gets pointer and key events
//     levels,                  quality levels for display/quality.js (an array of LODs)
//     help?,                   a line of usage help shown over the stage
//     picksFromLastPaint?,     true when pick()/candidates() read what render() last drew: the
//                              shell then draws a stale picture before answering hoverAt/pickables
//     render(lod, nowMs),      draws the picture from parts.data
//     animate?(nowMs) -> bool, its own motion (camera damping); true when it must draw again
//     pick(clientX, clientY) -> {name, layer, row, col} | null
//     candidates(max?) -> [{x, y, name, layer, row, col}]  visible items, where they are on screen
//     highlight?(item | null), marks the hovered item in the picture
//     flagsChanged?(),         parts.flags() changed: outline flagged tensors and layers, emphasise
//                              cluster members (the canvas's data-flags lists them for tests)
//     frameChanged?(frame),    after a new frame is in parts.data (3D: meshes, labels)
//     visibilityChanged?(),    after the filters changed what parts.isVisible lets through
//     shown?(),                the view is active again (the tab shows)
//     resize(), resetView?(), snapshot() -> HTMLCanvasElement, dispose(), debug?
//   }
// Rendering is on demand: a frame is drawn only when the data tweens, the painter animates, or
// something marked the picture stale (a frame, the filters, the selection, hover, the size); an
// idle view costs nothing and feeds the governor nothing. setActive(false) stops the loop; record()
// then only feeds the stat series. The first render of a new frame sets store key `drawn`
// {session, step, at}. Every error in update() or in the loop is caught and shown in the view
// (data-testid view-error, store.viewError); after a failed draw the loop waits 1 s before the next.
// Reads store keys filters, colorBy, field, selected, insights, runInfo; writes selected, fps,
// quality, viewError, drawn (and focusInsight, from the "insights at this step" list).
import { buildSkeleton } from './skeleton.js';
import { el } from '../dom.js';
import { createTooltip } from './tooltip.js';
import { createFilterPanel } from './filter_panel.js';
import { createStatsPanel } from './stats_panel.js';
import { createLegend } from './legend.js';
import { bindSelects, createGuard, showFps } from './controls.js';
import { createDisplayData, matScale } from '../../state/display_data.js';
import { describeItem } from '../../state/describe.js';
import { createGovernor } from '../../display/quality.js';
import { createInsightNotes } from './insight_notes.js';
import { NO_HIGHLIGHTS, holdSteps, insightList, paramHighlights } from '../../state/insights.js';

const RETRY_AFTER_FAILED_DRAW_MS = 1000;
const CLICK_SLOP_PX = 4; // a press that moves further is a drag (orbit), not a click
const KEY_CANDIDATES = 40;

export function createParamsShell(container, store, kind, makePainter, { reason } = {}) {
  const ui = buildSkeleton(container, kind);
  if (reason) {
    const note = el('div', { class: 'pv-note', 'data-testid': 'fallback-note', role: 'note' }, `${kind.toUpperCase()} view: ${reason}`);
    ui.root.insertBefore(note, ui.root.children[1]);
  }
  const data = createDisplayData();
  let visibleKeys = new Set();
  const isVisible = (name, layer) => visibleKeys.has(`${name}:${layer}`);
  // What changes from one animation frame to the next.
  const st = {
    dirty: true,          // the picture is stale: draw on the next animation frame
    lastT: null,          // time of the last drawn frame (governor intervals), null after a pause
    drawnFrame: null,     // the frame the last render showed (for store key `drawn`)
    failedAt: -Infinity,  // when a draw last threw
    pointer: null,        // pending hover position (client coords), handled once per animation frame
    hovered: null,        // {name, layer, row, col} under the pointer or chosen with n / p
    hoverXY: [0, 0],
    keyIndex: -1,         // position in the n / p cycle
    downAt: null,         // where the pointer went down (click or drag)
    active: true,
    raf: 0,
  };
  const invalidate = () => { st.dirty = true; };
  let gov = null;
  let painter;
  let flags = NO_HIGHLIGHTS;
  try {
    painter = makePainter({ ui, store, data, isVisible, visibleKeys: () => visibleKeys, lod: () => gov.lod(), invalidate,
      flags: () => flags });
  } catch (e) {
    ui.remove();
    throw e;
  }
  gov = createGovernor({ target: 30, levels: painter.levels });
  const guard = createGuard(ui, store);
  const tooltip = createTooltip(ui.overlay);
  const filters = createFilterPanel(ui.filters, ui.stage, store);
  const stats = createStatsPanel(ui.side, store);
  const legend = createLegend(ui.legend);
  const unbind = bindSelects(ui, store);
  const notes = createInsightNotes(ui.side, store);

  // What the insights flag at the frame on screen (state/insights.js paramHighlights).
  let flagsKey = '';
  function refreshFlags() {
    const f = data.frame;
    const s = store.get();
    const set = f ? s.insights?.[f.session] : null;
    const key = `${f?.session}|${f?.step}|${set?.version ?? -1}`;
    if (key === flagsKey) return;
    flagsKey = key;
    flags = f ? paramHighlights(insightList(set), f.step, f, { hold: holdSteps(s.runInfo?.[f.session]) }) : NO_HIGHLIGHTS;
    painter.canvas.dataset.flags = [...flags.tensors.keys(), ...[...flags.layers.keys()].map((l) => `layer:${l}`),
      ...flags.clusters.map((c) => `cluster:${c.id}`)].join(' ');
    notes.update(flags, f);
    painter.flagsChanged?.();
    st.dirty = true;
  }
  if (painter.help) ui.overlay.append(el('div', { class: 'pv-help' }, painter.help));

  function refreshVisibility() {
    visibleKeys = filters.visibleKeys();
    painter.visibilityChanged?.();
    st.dirty = true;
  }

  function showHover(item, x, y) {
    const info = item && describeItem(data.frame, data.prevFrame, item);
    if (painter.highlight) {
      painter.highlight(info && item.name !== 'wte' && item.name !== 'wpe' ? item : null);
      st.dirty = true;
    }
    if (!info) { st.hovered = null; tooltip.hide(); return null; }
    st.hovered = item; st.hoverXY = [x, y];
    const r = ui.overlay.getBoundingClientRect();
    tooltip.show(info, x - r.left, y - r.top);
    return info;
  }

  function clearHover() {
    st.hovered = null;
    tooltip.hide();
    if (painter.highlight) { painter.highlight(null); st.dirty = true; }
  }

  // The tensor the legend's cell scale describes: the selection, else the first visible matrix.
  function legendMat() {
    const sel = store.get().selected;
    const m = (sel && (data.mats.get(`${sel.name}:${sel.layer}`) ?? data.vecs.get(`${sel.name}:${sel.layer}`)))
      ?? [...data.mats.values()].find((x) => isVisible(x.name, x.layer));
    return m ? { name: m.name, layer: m.layer, scale: matScale(m), centre: m.centre } : null;
  }

  function render(now) {
    painter.render(gov.lod(), now);
    st.dirty = false;
    if (data.frame && data.frame !== st.drawnFrame) {
      st.drawnFrame = data.frame; // the first render of a new frame (benchmarks: received -> drawn)
      store.set({ drawn: { session: data.frame.session, step: data.frame.step, at: performance.now() } });
    }
    legend.update({ cloud: isVisible('wte', -1) ? data.clouds.get('wte') : null, mat: legendMat(), field: data.options.field });
  }

  // One animation frame: draw if anything changed, then answer a pending hover.
  function frame(now) {
    if (ui.stage.clientWidth === 0) { st.lastT = null; return; } // tab hidden: no work, no fps readings
    const moving = data.tick(now);
    const moved = painter.animate?.(now) ?? false;
    const drawn = moving || moved || st.dirty;
    if (drawn) {
      if (st.lastT !== null) gov.tick(now - st.lastT);
      st.lastT = now;
      render(now);
    } else {
      st.lastT = null;
    }
    if (st.pointer) {
      const [x, y] = st.pointer; st.pointer = null;
      showHover(painter.pick(x, y), x, y);
    }
    showFps(ui, store, gov, now, painter.levels.length, !drawn);
  }

  function loop(now) {
    st.raf = st.active ? requestAnimationFrame(loop) : 0;
    if (now - st.failedAt < RETRY_AFTER_FAILED_DRAW_MS) return; // back off while broken
    const t0 = performance.now();
    const ok = guard.run(() => { frame(now); return true; });
    // CPU time of the last frame (JS + GL submission), for benchmarks: data-draw-ms on the fps element.
    ui.fps.dataset.drawMs = (performance.now() - t0).toFixed(2);
    if (!ok) st.failedAt = now;
  }

  /** Draws now when pick() reads the last paint and that paint is stale. */
  function freshen() {
    if (painter.picksFromLastPaint && st.dirty) render(performance.now());
  }

  const select = (item) => { if (item) store.set({ selected: { name: item.name, layer: item.layer } }); };

  // Pointer and keyboard. Keys: n / p step the tooltip through visible items, Enter selects the
  // shown tensor, Escape clears; the painter may handle others (arrow keys pan the 3D camera).
  const onMove = (e) => { st.pointer = [e.clientX, e.clientY]; };
  const onLeave = () => { st.pointer = null; clearHover(); };
  const onDown = (e) => { st.downAt = [e.clientX, e.clientY]; };
  const onUp = (e) => guard.run(() => {
    // A click (not the end of a drag) selects the tensor under the pointer.
    if (!st.downAt || Math.hypot(e.clientX - st.downAt[0], e.clientY - st.downAt[1]) > CLICK_SLOP_PX) return;
    freshen();
    select(painter.pick(e.clientX, e.clientY));
  });
  const onKey = (e) => guard.run(() => {
    if (e.key === 'Escape') { store.set({ selected: null }); clearHover(); return; }
    if (e.key === 'Enter' && st.hovered) { select(st.hovered); return; }
    if (e.key !== 'n' && e.key !== 'p') return;
    freshen();
    const items = painter.candidates(KEY_CANDIDATES);
    if (!items.length) return;
    st.keyIndex = (st.keyIndex + (e.key === 'n' ? 1 : -1) + items.length) % items.length;
    const it = items[st.keyIndex];
    showHover(it, it.x, it.y);
  });
  const canvas = painter.canvas;
  canvas.addEventListener('pointermove', onMove);
  canvas.addEventListener('pointerleave', onLeave);
  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointerup', onUp);
  canvas.addEventListener('keydown', onKey);
  ui.reset.addEventListener('click', () => guard.run(() => { painter.resetView?.(); st.dirty = true; }));

  const setOption = (o) => guard.run(() => data.frame && data.setOptions(o, performance.now()));
  const offs = [
    store.on('filters', () => guard.run(refreshVisibility)),
    store.on('selected', invalidate),
    store.on('insights', () => guard.run(refreshFlags)),
    store.on('colorBy', (v) => setOption({ colorBy: v })),
    store.on('field', (v) => setOption({ field: v })),
  ];
  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => view.resize()) : null;
  ro?.observe(ui.stage);

  const view = {
    kind,
    // For benchmarks and dev pages: the governor (setLevel, setAuto) and the painter's own tools.
    debug: { governor: gov, ...painter.debug },
    setActive(on) {
      if (on === st.active) return;
      st.active = on;
      st.lastT = null; // no fps reading across the pause
      cancelAnimationFrame(st.raf);
      st.raf = 0;
      if (on) {
        st.dirty = true;
        guard.run(() => painter.shown?.());
        st.raf = requestAnimationFrame(loop);
      }
    },
    record(f) { guard.run(() => f && stats.record(f)); },
    update(f, prevFrame) {
      guard.run(() => {
        if (!f) return;
        const s = store.get();
        data.setFrame(f, prevFrame, { field: s.field ?? 'value', colorBy: s.colorBy ?? 'frequency' }, performance.now());
        filters.update(f);
        refreshVisibility();
        painter.frameChanged?.(f);
        refreshFlags();
        stats.update(f);
        // A tooltip on screen follows the new frame's numbers for the same item.
        if (st.hovered) showHover(st.hovered, st.hoverXY[0], st.hoverXY[1]);
        guard.ok();
      });
    },
    resize() { guard.run(() => { painter.resize(); st.dirty = true; }); },
    snapshot() { return guard.run(() => painter.snapshot()) ?? canvas; },
    hoverAt(x, y) { return guard.run(() => { freshen(); return showHover(painter.pick(x, y), x, y); }) ?? null; },
    pickables() {
      return guard.run(() => {
        freshen();
        // Rows and columns as the tooltip names them (describe.js): tensor row/col or token id.
        return painter.candidates().map((p) => {
          const info = describeItem(data.frame, data.prevFrame, p);
          return info && { x: p.x, y: p.y, name: info.name, layer: info.layer, row: info.row, col: info.col, value: info.value };
        }).filter(Boolean);
      }) ?? [];
    },
    dispose() {
      st.active = false;
      cancelAnimationFrame(st.raf);
      ro?.disconnect();
      offs.forEach((off) => off?.());
      unbind();
      filters.dispose(); stats.dispose();
      painter.dispose();
      ui.remove();
    },
  };
  painter.resize();
  st.raf = requestAnimationFrame(loop);
  if (store.get().frame) view.update(store.get().frame, store.get().prevFrame);
  return view;
}
