// scene/embedding_cloud.js: token (wte) or position (wpe) embeddings as a three.js point cloud (R2.2).
// createEmbeddingCloud({offset: [x,y,z], radius, pointSize}) (offset and radius: cloudWte or
//   cloudWpe of geometry/network_geometry.js) -> {object, place({offset, radius}), update(cloud, maxPoints),
//   drawn (points on screen), worldPosition(i, outVector3), emphasise(rows, colour), dispose()}
// emphasise([{rows, colour: '#rrggbb'}]) rings the given rows (an insight's token groups) in their
// group's colour, following them as they move; emphasise([]) removes the rings.
// `cloud` is a display_data Cloud (positions about unit radius, colour parameter in 0..1).
// Level of detail (R2.6): only the first maxPoints rows are drawn; rows come most frequent
// first, so the rarest tokens go first. Buffers grow only, and are reused across frames.
import * as THREE from 'three';
import { fillSequential } from '../display/colormap.js';
import { cloudPos, cloudAttrShown } from '../state/display_data.js';

// A soft round sprite so points read as dots, not squares.
function dotTexture() {
  const size = 64;
  const c = document.createElement('canvas');
  c.width = size; c.height = size;
  const g = c.getContext('2d');
  const grad = g.createRadialGradient(size / 2, size / 2, 0, size / 2, size / 2, size / 2);
  grad.addColorStop(0, 'rgba(255,255,255,1)');
  grad.addColorStop(0.6, 'rgba(255,255,255,1)');
  grad.addColorStop(0.8, 'rgba(255,255,255,0.5)');
  grad.addColorStop(1, 'rgba(255,255,255,0)');
  g.fillStyle = grad;
  g.fillRect(0, 0, size, size);
  const t = new THREE.CanvasTexture(c);
  t.colorSpace = THREE.NoColorSpace;
  return t;
}

// A ring sprite: the members of a flagged cluster, drawn around their dots.
function ringTexture() {
  const size = 64;
  const c = document.createElement('canvas');
  c.width = size; c.height = size;
  const g = c.getContext('2d');
  g.strokeStyle = '#ffffff';
  g.lineWidth = 7;
  g.beginPath(); g.arc(size / 2, size / 2, size / 2 - 6, 0, 2 * Math.PI); g.stroke();
  const t = new THREE.CanvasTexture(c);
  t.colorSpace = THREE.NoColorSpace;
  return t;
}

export function createEmbeddingCloud({ offset, radius, pointSize = 0.26 }) {
  const buffers = new THREE.BufferGeometry();
  let capacity = 0;
  let position; let color;
  const texture = dotTexture();
  const material = new THREE.PointsMaterial({
    size: pointSize, sizeAttenuation: true, vertexColors: true, map: texture,
    transparent: true, alphaTest: 0.2, depthWrite: true,
  });
  const points = new THREE.Points(buffers, material);
  points.frustumCulled = false; // positions move every tween step; bounds would go stale
  const group = new THREE.Group();
  group.position.set(...offset);
  group.scale.setScalar(radius);
  group.add(points);
  let drawn = 0;
  let lastVersion = -1;
  let lastMax = -1;
  // The rings of emphasised rows: their own points, positioned from the cloud's.
  const ringTex = ringTexture();
  const ringBuffers = new THREE.BufferGeometry();
  const ringMaterial = new THREE.PointsMaterial({ size: pointSize * 2.4, sizeAttenuation: true, map: ringTex,
    transparent: true, depthTest: false, vertexColors: true });
  const rings = new THREE.Points(ringBuffers, ringMaterial);
  rings.frustumCulled = false;
  rings.renderOrder = 4;
  group.add(rings);
  let ringRows = []; // [{row, rgb}]
  let ringPos = new THREE.BufferAttribute(new Float32Array(3), 3);
  let ringCol = new THREE.BufferAttribute(new Float32Array(3), 3);
  ringBuffers.setAttribute('position', ringPos);
  ringBuffers.setAttribute('color', ringCol);
  ringBuffers.setDrawRange(0, 0);
  function placeRings() {
    const rows = ringRows.filter((r) => r.row < drawn);
    if (ringPos.array.length < 3 * rows.length) {
      ringPos = new THREE.BufferAttribute(new Float32Array(3 * rows.length), 3);
      ringCol = new THREE.BufferAttribute(new Float32Array(3 * rows.length), 3);
      ringPos.setUsage(THREE.DynamicDrawUsage);
      ringBuffers.setAttribute('position', ringPos);
      ringBuffers.setAttribute('color', ringCol);
    }
    rows.forEach((r, j) => {
      ringPos.array.set(position.array.subarray(3 * r.row, 3 * r.row + 3), 3 * j);
      ringCol.array.set(r.rgb, 3 * j);
    });
    ringPos.needsUpdate = true;
    ringCol.needsUpdate = true;
    ringBuffers.setDrawRange(0, rows.length);
  }

  function grow(n) {
    capacity = Math.max(n, Math.ceil(capacity * 1.5));
    position = new THREE.BufferAttribute(new Float32Array(capacity * 3), 3);
    color = new THREE.BufferAttribute(new Float32Array(capacity * 3), 3);
    position.setUsage(THREE.DynamicDrawUsage);
    color.setUsage(THREE.DynamicDrawUsage);
    buffers.setAttribute('position', position);
    buffers.setAttribute('color', color);
  }

  return {
    object: group,
    get drawn() { return drawn; },
    get visible() { return group.visible; },
    set visible(v) { group.visible = v; },
    update(cloud, maxPoints) {
      if (!cloud) { drawn = 0; buffers.setDrawRange(0, 0); return; }
      if (cloud.version === lastVersion && maxPoints === lastMax) return;
      lastVersion = cloud.version; lastMax = maxPoints;
      const n = Math.min(cloud.count, maxPoints);
      if (n > capacity) grow(n);
      position.array.set(cloudPos(cloud).subarray(0, 3 * n));
      const attr = cloudAttrShown(cloud).subarray(0, n);
      fillSequential(attr, 0, 1, color.array.subarray(0, 3 * n));
      position.needsUpdate = true;
      color.needsUpdate = true;
      buffers.setDrawRange(0, n);
      drawn = n;
      // Fewer, larger dots for small clouds; many small ones for large clouds.
      material.size = pointSize * (n > 1500 ? 0.7 : n < 200 ? 1.4 : 1);
      ringMaterial.size = material.size * 2.2;
      if (ringRows.length) placeRings();
    },
    emphasise(groups = []) {
      const rgbOf = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
      ringRows = groups.flatMap((g) => g.rows.map((row) => ({ row, rgb: rgbOf(g.colour) })));
      if (position) placeRings(); else ringBuffers.setDrawRange(0, 0);
    },
    place({ offset: o, radius: r }) { group.position.set(...o); group.scale.setScalar(r); group.updateMatrixWorld(); },
    worldPosition(i, out) {
      out.set(position.array[3 * i], position.array[3 * i + 1], position.array[3 * i + 2]);
      return out.applyMatrix4(group.matrixWorld);
    },
    dispose() {
      buffers.dispose();
      material.dispose();
      texture.dispose();
      ringBuffers.dispose(); ringMaterial.dispose(); ringTex.dispose();
    },
  };
}
