// params_view.js: the Parameters tab's 3D view (R2, R3): token and position embeddings as point
// clouds at the bottom, the transformer as a tower of layer slabs holding its sampled weight
// matrices, hover tooltips, filters, per-tensor stats over time.
//
// createParamsView(container, store) -> {update(frame, prevFrame), record(frame), setActive(on),
//   resize(), dispose(), snapshot() -> HTMLCanvasElement, kind: '3d',
//   hoverAt(clientX, clientY) -> info | null, pickables() -> [{x, y, name, layer, row, col, value}]}
// setActive(false) stops the render loop (the tab is hidden: no tween, no render); record(frame)
// then only feeds the stats history, and the host applies the latest frame with update() when
// the tab shows again. The first render of a new frame sets store key `drawn` {session, step, at}.
// Throws at construction when WebGL is missing (app.js then builds fallback2d.js). After that,
// every error in update() or in the render loop is caught and shown inside the container
// (data-testid view-error, store.viewError); nothing is thrown to the caller (R6.5).
// Reads store keys filters, colorBy, field, selected; writes selected, fps, quality, viewError, drawn.
import { buildLayout, el } from './layout.js';
import { createScene } from './scene.js';
import { createDisplayData, matScale } from './display_data.js';
import { createEmbeddingCloud } from './embedding_cloud.js';
import { createNetworkModel, networkLayout } from './network_model.js';
import { createLabels } from './labels.js';
import { createTooltip } from './tooltip.js';
import { createPicker } from './picking.js';
import { createFilterPanel } from './filter_panel.js';
import { createStatsPanel } from './stats_panel.js';
import { createLegend } from './legend.js';
import { describeItem } from './describe.js';
import { bindSelects, createGuard, showFps } from './controls.js';
import { createGovernor } from '../../render/quality.js';
import * as THREE from 'three';

// Quality levels for the governor (render/quality.js), cheapest first. Software WebGL (no GPU)
// is bound by pixels filled, so the lowest levels also render at a fraction of the CSS size.
export const LEVELS = Object.freeze([
  { maxPoints: 256, cellStride: 4, effects: false, pixelRatio: 0.5 },
  { maxPoints: 512, cellStride: 2, effects: false, pixelRatio: 0.75 },
  { maxPoints: 1024, cellStride: 2, effects: false, pixelRatio: 1 },
  { maxPoints: 2048, cellStride: 1, effects: true, pixelRatio: 1 },
  { maxPoints: Infinity, cellStride: 1, effects: true, pixelRatio: 2 },
]);

const COLUMN_TITLE = { qkvw: 'qkvw', attprojw: 'attn proj', fcw: 'fc', fcprojw: 'fc proj', ln1w: 'ln1', ln2w: 'ln2' };

export function createParamsView(container, store) {
  const ui = buildLayout(container, '3d');
  let sc;
  try {
    sc = createScene(ui.stage);
  } catch (e) {
    ui.remove();
    throw e;
  }
  const guard = createGuard(ui, store);
  const data = createDisplayData();
  const net = createNetworkModel();
  const base = networkLayout(0);
  const wte = createEmbeddingCloud(base.cloudWte);
  const wpe = createEmbeddingCloud({ ...base.cloudWpe, pointSize: 0.2 });
  let layoutKey = '';
  const aspect = () => Math.max(0.3, ui.stage.clientWidth / Math.max(1, ui.stage.clientHeight));

  // After the network's layout changed (model shape, towers for the stage's aspect): clouds,
  // labels and the camera follow.
  function syncLayout() {
    const lay = net.layout;
    const key = `${lay.L}:${lay.towers}`;
    if (key === layoutKey) return;
    layoutKey = key;
    wte.place(lay.cloudWte);
    wpe.place(lay.cloudWpe);
    buildLabels(lay.L);
    sc.frameBox(lay.box);
    sc.resetView();
  }
  sc.scene.add(net.object, wte.object, wpe.object);
  const labels = createLabels(ui.overlay);
  const tooltip = createTooltip(ui.overlay);
  const filters = createFilterPanel(ui.filters, ui.stage, store);
  const stats = createStatsPanel(ui.side, store);
  const legend = createLegend(ui.legend);
  const gov = createGovernor({ target: 30, levels: LEVELS });
  const picker = createPicker({ camera: sc.camera, canvas: sc.canvas, clouds: [{ name: 'wte', view: wte }, { name: 'wpe', view: wpe }], network: net });
  const unbind = bindSelects(ui, store);
  ui.overlay.append(el('div', { class: 'pv-help' }, 'drag: orbit · scroll: zoom · right-drag: pan · hover: values · click: select tensor · n / p: step through items'));

  let visibleKeys = new Set();
  let lastT = null;
  let pointer = null; // pending hover position (client coords), handled once per animation frame
  let hovered = null; // {name, layer, row, col} under the pointer
  let hoverXY = [0, 0];
  let cameraMoved = true;
  let level = gov.level;

  const isVisible = (name, layer) => visibleKeys.has(`${name}:${layer}`);

  function refreshVisibility() {
    visibleKeys = filters.visibleKeys();
    wte.visible = isVisible('wte', -1);
    wpe.visible = isVisible('wpe', -1);
    labels.setVisible((it) => (it.layer == null ? true : it.layer === 'wte' || it.layer === 'wpe'
      ? isVisible(it.layer, -1) : [...visibleKeys].some((k) => k.endsWith(`:${it.layer}`))));
    cameraMoved = true;
  }

  // The most frequent tokens get a text label beside their point (they move with the tween).
  const TOKEN_LABELS = 12;
  let tokenKey = '';
  let tokenLabels = [];
  const tokenText = (t) => (t === '\n' ? '↵' : t === ' ' ? '␣' : t.replace(/\s/g, '·'));

  function buildLabels(L) {
    const lay = net.layout;
    const list = [];
    const text = data.frame?.block('wte')?.text ?? [];
    tokenLabels = text.slice(0, TOKEN_LABELS).map((t, i) => ({ text: tokenText(String(t)), world: new THREE.Vector3(), cls: 'pv-label-token', anchor: '6px, -50%', layer: 'wte', idx: i }));
    for (let l = -1; l < L; l++) {
      const left = lay.towerX(l) - lay.towerW / 2 - 0.35;
      list.push({ text: l < 0 ? 'ln_f' : `layer ${l}`, world: new THREE.Vector3(left, lay.layerY(l), 0), cls: 'pv-label-layer', anchor: '-100%, -50%', layer: l });
    }
    // Column titles above the top row of each tower.
    for (let t = 0; t < lay.towers; t++) {
      const k = Math.min((t + 1) * lay.perTower, L + 1) - 1;
      const top = k >= L ? -1 : k;
      for (const [name, title] of Object.entries(COLUMN_TITLE)) {
        const c = lay.columns[name];
        const x = lay.towerX(top) + (name.startsWith('ln') ? c.x + c.w / 2 + 0.015 : c.x);
        list.push({ text: title, world: new THREE.Vector3(x, lay.layerY(top) + 0.62, 0), cls: 'pv-label-col', anchor: '-50%, -100%' });
      }
    }
    const cw = lay.cloudWte; const cp = lay.cloudWpe;
    list.push({ text: 'wte · tokens (PCA)', world: new THREE.Vector3(cw.offset[0], cw.offset[1] - cw.radius - 0.35, 0), cls: 'pv-label-cloud', layer: 'wte' });
    list.push({ text: 'wpe · positions (PCA)', world: new THREE.Vector3(cp.offset[0], cp.offset[1] - cp.radius - 0.55, 0), cls: 'pv-label-cloud', layer: 'wpe' });
    list.push(...tokenLabels); // last: they give way to the structural labels when crowded
    labels.set(list);
    refreshVisibility();
  }

  function legendMat() {
    const sel = store.get().selected;
    const m = (sel && (data.mats.get(`${sel.name}:${sel.layer}`) ?? data.vecs.get(`${sel.name}:${sel.layer}`)))
      ?? [...data.mats.values()].find((x) => isVisible(x.name, x.layer));
    return m ? { name: m.name, layer: m.layer, scale: matScale(m), centre: m.centre } : null;
  }

  function showHover(item, x, y) {
    const info = item && describeItem(data.frame, data.prevFrame, item);
    net.highlight(info && item.name !== 'wte' && item.name !== 'wpe' ? item : null);
    dirty = true;
    if (!info) { hovered = null; tooltip.hide(); return null; }
    hovered = item; hoverXY = [x, y];
    const r = ui.overlay.getBoundingClientRect();
    tooltip.show(info, x - r.left, y - r.top);
    return info;
  }

  function pickAt(x, y) {
    sc.scene.updateMatrixWorld();
    return picker.pick(x, y);
  }

  // Renders only when something changed (a tween, the camera, hover, filters, size): an idle
  // view costs nothing. The governor is fed the intervals between consecutive rendered frames.
  let dirty = true;
  const invalidate = () => { dirty = true; };
  function draw(now) {
    if (ui.stage.clientWidth === 0) { lastT = null; return; } // tab hidden: no work, no fps samples
    const moving = data.tick(now);
    const moved = sc.controls.update(); // damping continues after the pointer lets go
    if (!(moving || moved || dirty || cameraMoved || pointer)) { lastT = null; showFps(ui, store, gov, now, LEVELS.length, true); return; }
    dirty = false;
    if (lastT !== null) gov.tick(now - lastT);
    lastT = now;
    const lod = gov.lod();
    if (gov.level !== level || !draw.started) {
      level = gov.level;
      draw.started = true;
      sc.setPixelRatio(Math.min(window.devicePixelRatio || 1, lod.pixelRatio));
    }
    wte.update(data.clouds.get('wte'), lod.maxPoints);
    wpe.update(data.clouds.get('wpe'), lod.maxPoints);
    net.update(data, { visible: isVisible, cellStride: lod.cellStride, effects: lod.effects, selected: store.get().selected, aspect: aspect() });
    syncLayout();
    sc.renderer.render(sc.scene, sc.camera);
    if (data.frame && data.frame !== draw.frame) {
      draw.frame = data.frame; // the first render of a new frame (benchmarks: received -> drawn)
      store.set({ drawn: { session: data.frame.session, step: data.frame.step, at: performance.now() } });
    }
    const wteCloud = data.clouds.get('wte');
    if (wteCloud && wteCloud.version !== draw.tokenVersion) {
      draw.tokenVersion = wteCloud.version;
      for (const t of tokenLabels) t.idx < wte.drawn && wte.worldPosition(t.idx, t.world);
      cameraMoved = true;
    }
    if (cameraMoved) {
      labels.place(sc.camera, ui.stage.clientWidth, ui.stage.clientHeight);
      cameraMoved = false;
    }
    if (pointer) {
      const [x, y] = pointer; pointer = null;
      showHover(picker.pick(x, y), x, y);
    }
    legend.update({ cloud: wte.visible ? data.clouds.get('wte') : null, mat: legendMat(), field: data.options.field });
    showFps(ui, store, gov, now, LEVELS.length);
  }

  function loop(now) {
    if (guard.failed && now - (draw.failedAt ?? 0) < 1000) return; // back off while broken
    const t0 = performance.now();
    const r = guard.run(draw, now);
    // CPU time of the last draw (JS + GL submission), for benchmarks: data-draw-ms on the fps element.
    ui.fps.dataset.drawMs = (performance.now() - t0).toFixed(2);
    if (r === undefined && guard.failed) draw.failedAt = now;
  }
  let active = true;
  sc.renderer.setAnimationLoop(loop);

  // Pointer and keyboard.
  let userMoved = false; // until the user moves the camera, resizes re-frame the model
  sc.controls.addEventListener('change', () => { cameraMoved = true; });
  sc.controls.addEventListener('start', () => { userMoved = true; });
  const onMove = (e) => { pointer = [e.clientX, e.clientY]; };
  const onLeave = () => { pointer = null; hovered = null; tooltip.hide(); net.highlight(null); dirty = true; };
  let downAt = null;
  const onDown = (e) => { downAt = [e.clientX, e.clientY]; };
  const onUp = (e) => guard.run(() => {
    // A click (not the end of a drag) selects the tensor under the pointer.
    if (!downAt || Math.hypot(e.clientX - downAt[0], e.clientY - downAt[1]) > 4) return;
    const item = pickAt(e.clientX, e.clientY);
    if (item) store.set({ selected: { name: item.name, layer: item.layer } });
  });
  // Keyboard: n / p step the tooltip through visible items, Enter selects the shown tensor,
  // Escape clears; arrow keys pan (OrbitControls).
  let keyIndex = -1;
  const onKey = (e) => guard.run(() => {
    if (e.key === 'Escape') { store.set({ selected: null }); tooltip.hide(); net.highlight(null); hovered = null; return; }
    if (e.key === 'Enter' && hovered) { store.set({ selected: { name: hovered.name, layer: hovered.layer } }); return; }
    if (e.key !== 'n' && e.key !== 'p') return;
    sc.scene.updateMatrixWorld();
    const items = picker.candidates(40);
    if (!items.length) return;
    keyIndex = (keyIndex + (e.key === 'n' ? 1 : -1) + items.length) % items.length;
    const it = items[keyIndex];
    showHover(it, it.x, it.y);
  });
  sc.canvas.addEventListener('pointermove', onMove);
  sc.canvas.addEventListener('pointerleave', onLeave);
  sc.canvas.addEventListener('pointerdown', onDown);
  sc.canvas.addEventListener('pointerup', onUp);
  sc.canvas.addEventListener('keydown', onKey);
  ui.reset.addEventListener('click', () => { sc.resetView(); userMoved = false; cameraMoved = true; });

  const offs = [
    store.on('filters', () => guard.run(refreshVisibility)),
    store.on('selected', invalidate),
    store.on('colorBy', (v) => guard.run(() => data.frame && data.setOptions({ colorBy: v }, performance.now()))),
    store.on('field', (v) => guard.run(() => data.frame && data.setOptions({ field: v }, performance.now()))),
  ];
  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => view.resize()) : null;
  ro?.observe(ui.stage);

  const view = {
    kind: '3d',
    // For benchmarks and dev pages: the governor (setLevel, setAuto) and one timed full render.
    debug: {
      governor: gov,
      renderMs(n = 10) {
        const gl = sc.renderer.getContext(); const px = new Uint8Array(4);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) { sc.renderer.render(sc.scene, sc.camera); gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px); }
        return (performance.now() - t0) / n;
      },
    },
    setActive(on) {
      if (on === active) return;
      active = on;
      lastT = null; // no fps sample across the pause
      if (on) { dirty = true; cameraMoved = true; }
      sc.renderer.setAnimationLoop(on ? loop : null);
    },
    record(frame) { guard.run(() => frame && stats.record(frame)); },
    update(frame, prevFrame) {
      guard.run(() => {
        if (!frame) return;
        const s = store.get();
        data.setFrame(frame, prevFrame, { field: s.field ?? 'value', colorBy: s.colorBy ?? 'frequency' }, performance.now());
        filters.update(frame);
        refreshVisibility();
        net.update(data, { visible: isVisible, cellStride: gov.lod().cellStride, effects: gov.lod().effects, selected: store.get().selected, aspect: aspect() });
        const key = (frame.block('wte')?.text ?? []).slice(0, TOKEN_LABELS).join('\u0000');
        syncLayout();
        if (key !== tokenKey) {
          tokenKey = key;
          buildLabels(net.layout.L);
        }
        draw.tokenVersion = -1;
        stats.update(frame);
        // A tooltip on screen follows the new frame's numbers for the same item.
        if (hovered) showHover(hovered, hoverXY[0], hoverXY[1]);
        guard.ok();
      });
    },
    resize() {
      guard.run(() => {
        sc.resize();
        cameraMoved = true;
        dirty = true;
        if (data.frame) { sc.frameBox(net.layout.box); if (!userMoved) sc.resetView(); }
      });
    },
    snapshot() {
      return guard.run(() => {
        sc.renderer.render(sc.scene, sc.camera);
        const src = sc.canvas;
        const out = document.createElement('canvas');
        out.width = src.width; out.height = src.height;
        const ctx = out.getContext('2d');
        ctx.drawImage(src, 0, 0);
        labels.drawInto(ctx, src.width / Math.max(1, ui.stage.clientWidth));
        return out;
      }) ?? sc.canvas;
    },
    hoverAt(x, y) {
      return guard.run(() => showHover(pickAt(x, y), x, y)) ?? null;
    },
    pickables() {
      return guard.run(() => {
        sc.scene.updateMatrixWorld();
        // Rows and columns as the tooltip names them (describe.js): tensor row/col or token id.
        return picker.candidates().map((p) => {
          const info = describeItem(data.frame, data.prevFrame, p);
          return info && { x: p.x, y: p.y, name: info.name, layer: info.layer, row: info.row, col: info.col, value: info.value };
        }).filter(Boolean);
      }) ?? [];
    },
    dispose() {
      sc.renderer.setAnimationLoop(null);
      ro?.disconnect();
      offs.forEach((f) => f?.());
      unbind();
      filters.dispose(); stats.dispose(); labels.dispose();
      wte.dispose(); wpe.dispose(); net.dispose();
      sc.dispose();
      ui.remove();
    },
  };
  if (store.get().frame) view.update(store.get().frame, store.get().prevFrame);
  return view;
}
