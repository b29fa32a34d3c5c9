// scene/embedding_cloud.js: token (wte) or position (wpe) embeddings as a three.js point cloud (R2.2).
// createEmbeddingCloud({offset: [x,y,z], radius, pointSize}) (offset and radius: cloudWte or
//   cloudWpe of geometry/network_geometry.js) -> {object, place({offset, radius}), update(cloud, maxPoints),
//   drawn (points on screen), worldPosition(i, outVector3), dispose()}
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
    },
  };
}
