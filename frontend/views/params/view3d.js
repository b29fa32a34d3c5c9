// views/params/view3d.js: the Parameters tab's 3D view (R2, R3): token and position embeddings as
// point clouds at the bottom, the transformer as a tower of layer slabs holding its watched weight
// matrices (a subset of their rows and columns, as the frames carry them). This file is the 3D painter; views/params/shell.js gives it hover tooltips, filters,
// per-tensor stats over time, the render loop and the view API (docs/frontend.md).
//
// createParamsView(container, store) -> the shell's view, kind '3d'.
// Throws at construction when WebGL is missing (views/params/host.js then builds view2d.js).
// The three.js objects are scene/'s; where they stand is geometry/network_geometry.js's.
import * as THREE from 'three';
import { createParamsShell } from './shell.js';
import { createScene } from '../../scene/scene.js';
import { createEmbeddingCloud } from '../../scene/embedding_cloud.js';
import { createNetworkMesh } from '../../scene/network_mesh.js';
import { createLabels } from '../../scene/labels.js';
import { createPicker } from '../../scene/picking.js';
import { COLUMN_TITLES, isStrip, networkGeometry } from '../../geometry/network_geometry.js';
import { GROUP_COLORS, SEVERITY_STYLE } from '../theme.js';

// Quality levels for the governor (display/quality.js), cheapest first. Software WebGL (no GPU)
// is bound by pixels filled, so the lowest levels also render at a fraction of the CSS size.
export const LEVELS = Object.freeze([
  { maxPoints: 256, cellStride: 4, effects: false, pixelRatio: 0.5 },
  { maxPoints: 512, cellStride: 2, effects: false, pixelRatio: 0.75 },
  { maxPoints: 1024, cellStride: 2, effects: false, pixelRatio: 1 },
  { maxPoints: 2048, cellStride: 1, effects: true, pixelRatio: 1 },
  { maxPoints: Infinity, cellStride: 1, effects: true, pixelRatio: 2 },
]);

// The most frequent tokens get a text label beside their point (they move with the tween).
const TOKEN_LABELS = 12;
const tokenText = (t) => (t === '\n' ? '↵' : t === ' ' ? '␣' : t.replace(/\s/g, '·'));

export function createParamsView(container, store) {
  return createParamsShell(container, store, '3d', paint3d);
}

function paint3d({ ui, store, data, isVisible, visibleKeys, lod, flags, invalidate }) {
  const sc = createScene(ui.stage);
  const net = createNetworkMesh();
  const base = networkGeometry(0);
  const wte = createEmbeddingCloud(base.cloudWte);
  const wpe = createEmbeddingCloud({ ...base.cloudWpe, pointSize: 0.2 });
  sc.scene.add(net.object, wte.object, wpe.object);
  const labels = createLabels(ui.overlay);
  const picker = createPicker({ camera: sc.camera, canvas: sc.canvas, clouds: [{ name: 'wte', view: wte }, { name: 'wpe', view: wpe }], network: net });
  const aspect = () => Math.max(0.3, ui.stage.clientWidth / Math.max(1, ui.stage.clientHeight));

  // The painter's own state between animation frames.
  const st = {
    geometryKey: '',   // `${L}:${towers}` the clouds, labels and camera were placed for
    tokenKey: '',      // the token texts labelled
    tokenLabels: [],
    tokenVersion: -1,  // the wte cloud version the token labels were placed at
    cameraMoved: true, // labels must be projected again (camera, size, visibility)
    userMoved: false,  // until the user moves the camera, resizes re-frame the model
  };
  sc.controls.addEventListener('change', () => { st.cameraMoved = true; });
  sc.controls.addEventListener('start', () => { st.userMoved = true; });

  // After the network's geometry changed (model shape, towers for the stage's aspect): clouds,
  // labels and the camera follow.
  function syncGeometry() {
    const g = net.geometry;
    const key = `${g.L}:${g.towers}`;
    if (key === st.geometryKey) return;
    st.geometryKey = key;
    wte.place(g.cloudWte);
    wpe.place(g.cloudWpe);
    buildLabels(g.L);
    sc.frameBox(g.box);
    sc.resetView();
  }

  // A guided tour's camera (store key tourCamera: 'home' | 'embeddings' | {tensor, layer}, tours/
  // engine.js): frames that part of the model; the reset button still goes back to the whole.
  function tourCamera(target) {
    const g = net.geometry;
    if (!target || !g || !data.frame) return;
    let box = null;
    if (target === 'embeddings' || target?.tensor === 'wte') {
      const { offset: o, radius: r } = g.cloudWte;
      box = { min: [o[0] - r, o[1] - r, o[2] - r], max: [o[0] + r, o[1] + r, o[2] + r] };
    } else if (target?.tensor && g.columns[target.tensor]) {
      const [x, y] = g.pos(target.tensor, target.layer ?? -1);
      const c = g.columns[target.tensor];
      const w = Math.max(1.4 * c.w, 2.5); const h = Math.max(1.6 * c.h, 2.5); // the slab with its neighbours
      box = { min: [x - w, y - h, -0.3], max: [x + w, y + h, 0.3] };
    }
    if (box) { sc.frameBox(box); sc.resetView(); sc.frameBox(g.box); } else { sc.frameBox(g.box); sc.resetView(); }
    st.userMoved = box != null;
    st.cameraMoved = true;
    invalidate?.();
  }
  const offTourCamera = store.on('tourCamera', (t) => tourCamera(t));

  function labelVisibility() {
    const keys = visibleKeys();
    labels.setVisible((it) => (it.layer == null ? true : it.layer === 'wte' || it.layer === 'wpe'
      ? isVisible(it.layer, -1) : [...keys].some((k) => k.endsWith(`:${it.layer}`))));
    st.cameraMoved = true;
  }

  function buildLabels(L) {
    const g = net.geometry;
    const list = [];
    const text = data.frame?.block('wte')?.text ?? [];
    st.tokenLabels = text.slice(0, TOKEN_LABELS).map((t, i) => ({ text: tokenText(String(t)), world: new THREE.Vector3(), cls: 'pv-label-token', anchor: '6px, -50%', layer: 'wte', idx: i }));
    for (let l = -1; l < L; l++) {
      const left = g.towerX(l) - g.towerW / 2 - 0.35;
      list.push({ text: l < 0 ? 'ln_f' : `layer ${l}`, world: new THREE.Vector3(left, g.layerY(l), 0), cls: 'pv-label-layer', anchor: '-100%, -50%', layer: l });
    }
    // Column titles above the top row of each tower.
    for (let t = 0; t < g.towers; t++) {
      const k = Math.min((t + 1) * g.perTower, L + 1) - 1;
      const top = k >= L ? -1 : k;
      for (const [name, title] of Object.entries(COLUMN_TITLES)) {
        const c = g.columns[name];
        const x = g.towerX(top) + (isStrip(name) ? c.x + c.w / 2 + 0.015 : c.x);
        list.push({ text: title, world: new THREE.Vector3(x, g.layerY(top) + 0.62, 0), cls: 'pv-label-col', anchor: '-50%, -100%' });
      }
    }
    const cw = g.cloudWte; const cp = g.cloudWpe;
    list.push({ text: 'wte · tokens (PCA)', world: new THREE.Vector3(cw.offset[0], cw.offset[1] - cw.radius - 0.35, 0), cls: 'pv-label-cloud', layer: 'wte' });
    list.push({ text: 'wpe · positions (PCA)', world: new THREE.Vector3(cp.offset[0], cp.offset[1] - cp.radius - 0.55, 0), cls: 'pv-label-cloud', layer: 'wpe' });
    list.push(...st.tokenLabels); // last: they give way to the structural labels when crowded
    labels.set(list);
    labelVisibility();
  }

  const updateNet = ({ cellStride, effects }) => net.update(data, { visible: isVisible, cellStride, effects, selected: store.get().selected, aspect: aspect() });

  return {
    canvas: sc.canvas,
    levels: LEVELS,
    help: 'drag: orbit · scroll: zoom · right-drag: pan · hover: values · click: select tensor · n / p: step through items',
    // For benchmarks and dev pages: one timed full render.
    debug: {
      renderMs(n = 10) {
        const gl = sc.renderer.getContext(); const px = new Uint8Array(4);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) { sc.renderer.render(sc.scene, sc.camera); gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px); }
        return (performance.now() - t0) / n;
      },
    },
    animate() {
      const moved = sc.controls.update(); // damping continues after the pointer lets go
      return moved || st.cameraMoved;
    },
    render(l) {
      sc.setPixelRatio(Math.min(window.devicePixelRatio || 1, l.pixelRatio));
      wte.update(data.clouds.get('wte'), l.maxPoints);
      wpe.update(data.clouds.get('wpe'), l.maxPoints);
      updateNet(l);
      syncGeometry();
      sc.renderer.render(sc.scene, sc.camera);
      const wteCloud = data.clouds.get('wte');
      if (wteCloud && wteCloud.version !== st.tokenVersion) {
        st.tokenVersion = wteCloud.version;
        for (const t of st.tokenLabels) t.idx < wte.drawn && wte.worldPosition(t.idx, t.world);
        st.cameraMoved = true;
      }
      if (st.cameraMoved) {
        labels.place(sc.camera, ui.stage.clientWidth, ui.stage.clientHeight);
        st.cameraMoved = false;
      }
    },
    pick(x, y) {
      sc.scene.updateMatrixWorld();
      return picker.pick(x, y);
    },
    candidates(max) {
      sc.scene.updateMatrixWorld();
      return picker.candidates(max);
    },
    highlight(item) { net.highlight(item); },
    flagsChanged() {
      const fl = flags();
      net.flag(fl, Object.fromEntries(Object.entries(SEVERITY_STYLE).map(([k, v]) => [k, v.color])));
      for (const [name, cloud] of [['wte', wte], ['wpe', wpe]]) {
        cloud.emphasise(fl.clusters.filter((x) => x.cloud === name)
          .map((c) => ({ rows: c.rows, colour: GROUP_COLORS[c.group % GROUP_COLORS.length] })));
      }
    },
    visibilityChanged() {
      wte.visible = isVisible('wte', -1);
      wpe.visible = isVisible('wpe', -1);
      labelVisibility();
    },
    frameChanged(frame) {
      updateNet(lod());
      const firstPlace = !st.geometryKey;
      syncGeometry();
      if (firstPlace && store.get().tourCamera) tourCamera(store.get().tourCamera);
      const key = (frame.block('wte')?.text ?? []).slice(0, TOKEN_LABELS).join('\u0000');
      if (key !== st.tokenKey) {
        st.tokenKey = key;
        buildLabels(net.geometry.L);
      }
      st.tokenVersion = -1;
    },
    shown() { st.cameraMoved = true; },
    resize() {
      sc.resize();
      st.cameraMoved = true;
      if (data.frame) { sc.frameBox(net.geometry.box); if (!st.userMoved) sc.resetView(); }
    },
    resetView() { sc.resetView(); st.userMoved = false; st.cameraMoved = true; },
    snapshot() {
      sc.renderer.render(sc.scene, sc.camera);
      const src = sc.canvas;
      const out = document.createElement('canvas');
      out.width = src.width; out.height = src.height;
      const ctx = out.getContext('2d');
      ctx.drawImage(src, 0, 0);
      labels.drawInto(ctx, src.width / Math.max(1, ui.stage.clientWidth));
      return out;
    },
    dispose() {
      offTourCamera();
      labels.dispose();
      wte.dispose(); wpe.dispose(); net.dispose();
      sc.dispose();
    },
  };
}
