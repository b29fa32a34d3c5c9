// network_model.js: the transformer as a 3D model in the spirit of bbycroft's llm-viz.
// Embeddings at the bottom (layout.cloud*), one slab per layer going up; on each slab the sampled
// weight matrices (qkvw, attprojw, fcw, fcprojw: G x G grids) stand as textured planes, one
// texel per cell, and the LayerNorm weight/bias vectors as thin strips beside them; lnf on top.
// Colours: colour-blind-safe diverging map, symmetric scale per tensor (display_data's scale).
//
// networkLayout(L, aspect) -> {towers, layerY(l), towerX(l), pos(name, l) -> [x, y], columns:
//   {name: {x, w, h}} within a tower, cloudWte, cloudWpe, topY, box}
// createNetworkModel() -> {object, layout, update(data, {visible(name, layer), cellStride,
//   effects, selected, aspect}), meshes() (pickable planes; mesh.userData = {name, layer, rows,
//   cols}), highlight(item), dispose()}
// Each matrix owns one DataTexture, rebuilt only when its displayed values change or the cell
// stride (level of detail, R2.7) changes.
import * as THREE from 'three';
import { fillDiverging } from '../../render/colormap.js';
import { matShown, matScale } from './display_data.js';
import { flatColor } from './scene.js';

const S = 1.0; // matrix side
const STRIP = 0.09; // LayerNorm strip width
const LAYER_DY = 1.4;

// Left to right on a slab, in the order data flows through a block.
const COLUMNS = [
  ['ln1w', STRIP], ['ln1b', STRIP], ['qkvw', S], ['attprojw', S],
  ['ln2w', STRIP], ['ln2b', STRIP], ['fcw', S], ['fcprojw', S],
];
const GAP = { ln1w: 0.03, ln1b: 0.18, qkvw: 0.2, attprojw: 0.4, ln2w: 0.03, ln2b: 0.18, fcw: 0.2, fcprojw: 0 };

const TOWER_GAP = 1.7; // between towers: room for the next tower's layer labels
const BASE = 2.3; // room for the embedding clouds under layer 0

// Deep models stand in up to 3 towers side by side (layers continue bottom to top in the next
// tower), whichever makes the matrices largest at the stage's aspect ratio (width / height).
export function networkLayout(L, aspect = 1.3) {
  const columns = {};
  let x = 0;
  for (const [name, w] of COLUMNS) { columns[name] = { x: x + w / 2, w, h: S }; x += w + GAP[name]; }
  for (const c of Object.values(columns)) c.x -= x / 2;
  columns.lnfw = { ...columns.ln1w }; columns.lnfb = { ...columns.ln1b };
  const towerW = x;
  const rows = L + 1; // ln_f takes the row after the last layer
  const sizeFor = (T) => {
    const per = Math.ceil(rows / T);
    const w = T * towerW + (T - 1) * TOWER_GAP + 1.2;
    const h = BASE + 1.6 + (per - 1) * LAYER_DY + S;
    return { T, per, w, h, fit: Math.min(aspect / w, 1 / h) };
  };
  let best = sizeFor(1);
  for (let T = 2; T <= 3 && T <= rows; T++) {
    const c = sizeFor(T);
    if (c.fit > best.fit * 1.15) best = c; // another tower only for a clear gain
  }
  const { T, per } = best;
  const totalW = T * towerW + (T - 1) * TOWER_GAP;
  const towerOf = (l) => Math.floor((l < 0 ? L : l) / per);
  const towerX = (l) => -totalW / 2 + towerOf(l) * (towerW + TOWER_GAP) + towerW / 2;
  const layerY = (l) => BASE + ((l < 0 ? L : l) % per) * LAYER_DY; // layer -1 (ln_f) after the last
  const topY = BASE + (Math.min(per, rows) - 1) * LAYER_DY + S;
  const x0 = towerX(0);
  return {
    L, towers: T, perTower: per, towerW, layerY, towerX, towerOf, columns, width: towerW, topY,
    pos: (name, l) => [towerX(l) + columns[name].x, layerY(l)],
    cloudWte: { offset: [x0 - towerW / 5, 0.4, 0], radius: 1.45 },
    cloudWpe: { offset: [x0 + towerW / 3 + 0.2, 0.4, 0], radius: 0.8 },
    box: new THREE.Box3(new THREE.Vector3(-totalW / 2 - 1.0, -1.3, -1.0), new THREE.Vector3(totalW / 2 + 0.3, topY + 0.5, 1.0)),
  };
}

function makeMatrixMesh(name, layer, geometry) {
  const material = new THREE.MeshBasicMaterial({ side: THREE.DoubleSide });
  const mesh = new THREE.Mesh(geometry, material);
  mesh.userData = { name, layer, rows: 0, cols: 0, version: -1, stride: 0, texture: null };
  return mesh;
}

// Writes the matrix's colours into its texture; stride > 1 averages stride x stride cells.
let rgb = new Float32Array(0);
let pooled = new Float32Array(0);
function paint(mesh, mat, stride, isVector) {
  const u = mesh.userData;
  // Vectors are drawn upright: C rows, one column.
  const rows = isVector ? mat.cols : mat.rows;
  const cols = isVector ? 1 : mat.cols;
  const s = isVector ? Math.max(1, stride) : stride;
  const tw = Math.max(1, Math.ceil(cols / (isVector ? 1 : s)));
  const th = Math.max(1, Math.ceil(rows / s));
  if (!u.texture || u.texture.image.width !== tw || u.texture.image.height !== th) {
    u.texture?.dispose();
    u.texture = new THREE.DataTexture(new Uint8Array(tw * th * 4), tw, th, THREE.RGBAFormat);
    u.texture.magFilter = THREE.NearestFilter;
    u.texture.minFilter = THREE.NearestFilter;
    u.texture.colorSpace = THREE.NoColorSpace;
    mesh.material.map = u.texture;
    mesh.material.needsUpdate = true;
  }
  const shown = matShown(mat);
  const n = tw * th;
  if (pooled.length < n) pooled = new Float32Array(n);
  if (rgb.length < 3 * n) rgb = new Float32Array(3 * n);
  const cs = isVector ? 1 : s;
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      let sum = 0; let cnt = 0;
      for (let r = ty * s; r < Math.min(rows, (ty + 1) * s); r++) {
        for (let c = tx * cs; c < Math.min(cols, (tx + 1) * cs); c++) { sum += shown[r * cols + c]; cnt++; }
      }
      pooled[ty * tw + tx] = cnt ? sum / cnt : 0;
    }
  }
  fillDiverging(pooled.subarray(0, n), matScale(mat), rgb.subarray(0, 3 * n));
  const px = u.texture.image.data;
  // Texture row 0 is the bottom of the plane; matrix row 0 goes on top.
  for (let ty = 0; ty < th; ty++) {
    const dst = (th - 1 - ty) * tw;
    for (let tx = 0; tx < tw; tx++) {
      const i = ty * tw + tx; const o = (dst + tx) * 4;
      px[o] = rgb[3 * i] * 255; px[o + 1] = rgb[3 * i + 1] * 255; px[o + 2] = rgb[3 * i + 2] * 255; px[o + 3] = 255;
    }
  }
  u.texture.needsUpdate = true;
  u.rows = rows; u.cols = cols;
}

export function createNetworkModel() {
  const group = new THREE.Group();
  const plane = new THREE.PlaneGeometry(1, 1);
  const slabGeometry = new THREE.BoxGeometry(1, 1, 1);
  const slabMaterial = new THREE.MeshBasicMaterial({ color: flatColor(0x2a3444), transparent: true, opacity: 0.55, depthWrite: false });
  const frameMaterial = new THREE.LineBasicMaterial({ color: flatColor(0x56657a) });
  const selMaterial = new THREE.LineBasicMaterial({ color: flatColor(0xffd54a) });
  const edges = new THREE.EdgesGeometry(plane);
  const selBox = new THREE.LineSegments(edges, selMaterial);
  selBox.visible = false;
  selBox.renderOrder = 2;
  group.add(selBox);
  // The hovered cell's outline, so the eye finds what the tooltip describes.
  const hoverBox = new THREE.LineSegments(edges, selMaterial);
  hoverBox.visible = false;
  hoverBox.renderOrder = 3;
  group.add(hoverBox);
  const meshes = new Map(); // `${name}:${layer}` -> mesh
  const slabs = [];
  let layout = networkLayout(0);
  let L = -1;
  let lastAspect = 0;
  const live = new Set();

  function rebuild(newL, aspect) {
    for (const m of meshes.values()) { group.remove(m); m.userData.texture?.dispose(); m.material.dispose(); }
    meshes.clear();
    for (const s of slabs) group.remove(s);
    slabs.length = 0;
    L = newL;
    layout = networkLayout(L, aspect);
    for (let l = 0; l < L; l++) {
      const slab = new THREE.Mesh(slabGeometry, slabMaterial);
      slab.scale.set(layout.width + 0.5, 0.05, 1.1);
      slab.position.set(layout.towerX(l), layout.layerY(l) - S / 2 - 0.1, 0);
      slabs.push(slab);
      group.add(slab);
    }
  }

  function meshFor(name, layer) {
    const key = `${name}:${layer}`;
    let m = meshes.get(key);
    if (m) return m;
    m = makeMatrixMesh(name, layer, plane);
    const col = layout.columns[name];
    m.scale.set(col.w, col.h, 1);
    m.position.set(...layout.pos(name, layer), 0);
    const outline = new THREE.LineSegments(edges, frameMaterial);
    outline.name = 'outline';
    m.add(outline);
    meshes.set(key, m);
    group.add(m);
    return m;
  }

  return {
    object: group,
    get layout() { return layout; },
    get layers() { return L; },
    update(data, { visible, cellStride = 1, effects = true, selected = null, aspect = 1.3 }) {
      const frameL = data.frame?.model?.L ?? 0;
      // The tower count follows the stage's shape; recomputed only when the aspect changes.
      if (frameL !== L) rebuild(frameL, aspect);
      else if (Math.abs(aspect - lastAspect) > 0.01) {
        if (networkLayout(frameL, aspect).towers !== layout.towers) rebuild(frameL, aspect);
      }
      lastAspect = aspect;
      live.clear();
      for (const [map, isVector] of [[data.mats, false], [data.vecs, true]]) {
        for (const [key, mat] of map) {
          if (!layout.columns[mat.name]) continue;
          live.add(key);
          const mesh = meshFor(mat.name, mat.layer);
          mesh.visible = visible(mat.name, mat.layer);
          mesh.children[0].visible = effects; // outlines cost a draw call each: an effect
          const u = mesh.userData;
          if (mesh.visible && (u.version !== mat.version || u.stride !== cellStride)) {
            paint(mesh, mat, cellStride, isVector);
            u.version = mat.version; u.stride = cellStride;
          }
        }
      }
      for (const [key, m] of meshes) {
        if (!live.has(key)) { group.remove(m); m.userData.texture?.dispose(); m.material.dispose(); meshes.delete(key); }
      }
      // A slab shows while its layer shows anything (and effects are on).
      slabs.forEach((s, l) => {
        s.visible = effects && [...meshes.values()].some((m) => m.visible && m.userData.layer === l);
      });
      const sel = selected && meshes.get(`${selected.name}:${selected.layer}`);
      selBox.visible = !!(sel && sel.visible);
      if (selBox.visible) {
        selBox.position.copy(sel.position);
        selBox.position.z += 0.002;
        selBox.scale.set(sel.scale.x * 1.08 + 0.04, sel.scale.y * 1.04 + 0.04, 1);
      }
    },
    // Outlines cell (row, col) of a matrix ({name, layer, row, col} in grid indices), or nothing.
    highlight(item) {
      const m = item && meshes.get(`${item.name}:${item.layer}`);
      hoverBox.visible = !!(m && m.visible && m.userData.rows > 0);
      if (!hoverBox.visible) return;
      const u = m.userData;
      // Vectors stand upright: their channel is the row.
      const rows = u.rows; const cols = u.cols;
      const r = Math.min(rows - 1, item.row); const c = Math.min(cols - 1, item.col ?? 0);
      const cw = m.scale.x / cols; const ch = m.scale.y / rows;
      hoverBox.scale.set(Math.max(cw, 0.02), Math.max(ch, 0.02), 1);
      hoverBox.position.set(m.position.x - m.scale.x / 2 + (c + 0.5) * cw, m.position.y + m.scale.y / 2 - (r + 0.5) * ch, m.position.z + 0.004);
    },
    meshes() { return [...meshes.values()].filter((m) => m.visible); },
    mesh(name, layer) { return meshes.get(`${name}:${layer}`); },
    dispose() {
      rebuild(0, 1);
      plane.dispose(); slabGeometry.dispose(); edges.dispose();
      slabMaterial.dispose(); frameMaterial.dispose(); selMaterial.dispose();
    },
  };
}
