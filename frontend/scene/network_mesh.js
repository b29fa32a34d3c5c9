// scene/network_mesh.js: the transformer as three.js meshes in the spirit of bbycroft's llm-viz,
// placed by geometry/network_geometry.js. Embeddings at the bottom (geometry.cloud*, drawn by
// scene/embedding_cloud.js), one slab per layer going up; on each slab the watched
// weight matrices (qkvw, attprojw, fcw, fcprojw: G x G grids) stand as textured planes, one
// texel per cell, and the LayerNorm weight/bias vectors as thin strips beside them; lnf on top.
// Colours: colour-blind-safe diverging map, symmetric scale per tensor (display_data's scale).
//
// createNetworkMesh() -> {object, geometry (the networkGeometry in use), layers, update(data,
//   {visible(name, layer), cellStride, effects, selected, aspect}), meshes() (pickable planes;
//   mesh.userData = {name, layer, rows, cols}), mesh(name, layer), highlight(item),
//   flag(highlights, colours), dispose()}
// flag(highlights, {severity: '#rrggbb'}) (highlights: state/insights.js paramHighlights)
// outlines what the insights flag: a flagged tensor gets a double frame in its severity's colour,
// a flagged layer a frame around its whole row.
// Each matrix owns one DataTexture, rebuilt only when its displayed values change or the cell
// stride (level of detail, R2.7) changes.
import * as THREE from 'three';
import { fillDiverging } from '../display/colormap.js';
import { matShown, matScale } from '../state/display_data.js';
import { flatColor } from './scene.js';
import { MATRIX_SIDE, networkGeometry } from '../geometry/network_geometry.js';

const S = MATRIX_SIDE;

function makeMatrixMesh(name, layer, planeGeometry) {
  const material = new THREE.MeshBasicMaterial({ side: THREE.DoubleSide });
  const mesh = new THREE.Mesh(planeGeometry, material);
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

export function createNetworkMesh() {
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
  // Insight flags: frames in the severity colours, rebuilt when the flags or the meshes change.
  const flagGroup = new THREE.Group();
  flagGroup.renderOrder = 2;
  group.add(flagGroup);
  const flagMaterials = {}; // severity -> material, made on first use
  const flagMaterial = (severity, colours) => {
    if (!flagMaterials[severity]) {
      const hex = colours[severity] ?? colours.info ?? '#ffffff';
      flagMaterials[severity] = new THREE.LineBasicMaterial({ color: flatColor(parseInt(hex.slice(1), 16)) });
    }
    return flagMaterials[severity];
  };
  let flags = null;
  let flagColours = {};
  const meshes = new Map(); // `${name}:${layer}` -> mesh
  const slabs = [];
  let geometry = networkGeometry(0);
  let L = -1;
  let lastAspect = 0;
  const live = new Set();

  function rebuild(newL, aspect) {
    for (const m of meshes.values()) { group.remove(m); m.userData.texture?.dispose(); m.material.dispose(); }
    meshes.clear();
    for (const s of slabs) group.remove(s);
    slabs.length = 0;
    L = newL;
    geometry = networkGeometry(L, aspect);
    for (let l = 0; l < L; l++) {
      const slab = new THREE.Mesh(slabGeometry, slabMaterial);
      slab.scale.set(geometry.width + 0.5, 0.05, 1.1);
      slab.position.set(geometry.towerX(l), geometry.layerY(l) - S / 2 - 0.1, 0);
      slabs.push(slab);
      group.add(slab);
    }
  }

  function meshFor(name, layer) {
    const key = `${name}:${layer}`;
    let m = meshes.get(key);
    if (m) return m;
    m = makeMatrixMesh(name, layer, plane);
    const col = geometry.columns[name];
    m.scale.set(col.w, col.h, 1);
    m.position.set(...geometry.pos(name, layer), 0);
    const outline = new THREE.LineSegments(edges, frameMaterial);
    outline.name = 'outline';
    m.add(outline);
    meshes.set(key, m);
    group.add(m);
    return m;
  }

  function frame(x, y, w, h, severity) {
    for (const grow of [0, 0.07]) {
      const f = new THREE.LineSegments(edges, flagMaterial(severity, flagColours));
      f.position.set(x, y, 0.003);
      f.scale.set(w + grow * 2, h + grow * 2, 1);
      flagGroup.add(f);
    }
  }
  let placedKey = null;
  function placeFlags() {
    // Rebuilt only when the flags, the geometry or the flagged meshes' visibility changed.
    const key = flags && `${L}:${geometry.towers}:${[...flags.tensors.keys()].map((k) => `${k}${meshes.get(k)?.visible ? '+' : '-'}`)}:${[...flags.layers.keys()]}`;
    if (key === placedKey) return;
    placedKey = key;
    flagGroup.clear();
    if (!flags) return;
    for (const f of flags.tensors.values()) {
      const m = meshes.get(`${f.name}:${f.layer}`);
      if (!m || !m.visible) continue;
      frame(m.position.x, m.position.y, m.scale.x * 1.1 + 0.1, m.scale.y * 1.1 + 0.1, f.severity);
    }
    for (const f of flags.layers.values()) {
      if (f.layer >= L || f.layer < -1) continue;
      frame(geometry.towerX(f.layer), geometry.layerY(f.layer), geometry.width + 0.6, S + 0.5, f.severity);
    }
  }

  return {
    object: group,
    get geometry() { return geometry; },
    flag(highlights, colours = {}) { flags = highlights; flagColours = colours; placedKey = null; placeFlags(); },
    get layers() { return L; },
    update(data, { visible, cellStride = 1, effects = true, selected = null, aspect = 1.3 }) {
      const frameL = data.frame?.model?.L ?? 0;
      // The tower count follows the stage's shape; recomputed only when the aspect changes.
      if (frameL !== L) rebuild(frameL, aspect);
      else if (Math.abs(aspect - lastAspect) > 0.01) {
        if (networkGeometry(frameL, aspect).towers !== geometry.towers) rebuild(frameL, aspect);
      }
      lastAspect = aspect;
      live.clear();
      for (const [map, isVector] of [[data.mats, false], [data.vecs, true]]) {
        for (const [key, mat] of map) {
          if (!geometry.columns[mat.name]) continue;
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
      placeFlags(); // meshes may have moved or hidden
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
      for (const m of Object.values(flagMaterials)) m.dispose();
    },
  };
}
