// scene/picking.js: which point or cell is under the pointer in the 3D view.
// createPicker({camera, canvas, clouds: [{name, view}], network}) ->
//   {pick(clientX, clientY) -> {name, layer, row, col} | null, candidates(max) -> [{x, y, name, layer, row, col}]}
// Points use a screen-space nearest search (cheap, robust for small dots at any zoom); matrix
// cells use a ray against the matrix planes and the hit's texture coordinate.
import * as THREE from 'three';

const POINT_RADIUS_PX = 9;

export function createPicker({ camera, canvas, clouds, network }) {
  const ray = new THREE.Raycaster();
  const ndc = new THREE.Vector2();
  const v = new THREE.Vector3();

  function toScreen(world, rect) {
    v.copy(world).project(camera);
    if (v.z > 1 || v.z < -1) return null;
    return { x: rect.left + (v.x + 1) / 2 * rect.width, y: rect.top + (1 - v.y) / 2 * rect.height, depth: v.z };
  }

  function nearestPoint(cx, cy, rect) {
    let best = null; let bestD = POINT_RADIUS_PX * POINT_RADIUS_PX;
    for (const { name, view } of clouds) {
      if (!view.visible) continue;
      for (let i = 0; i < view.drawn; i++) {
        const s = toScreen(view.worldPosition(i, v), rect);
        if (!s) continue;
        const d = (s.x - cx) ** 2 + (s.y - cy) ** 2;
        // Among points equally close, prefer the one in front.
        if (d < bestD || (best && d === bestD && s.depth < best.depth)) { bestD = d; best = { name, layer: -1, row: i, col: 0, depth: s.depth }; }
      }
    }
    return best;
  }

  function cellAt(cx, cy, rect) {
    ndc.set((cx - rect.left) / rect.width * 2 - 1, -((cy - rect.top) / rect.height) * 2 + 1);
    ray.setFromCamera(ndc, camera);
    const hits = ray.intersectObjects(network.meshes(), false);
    const hit = hits.find((h) => h.uv && h.object.userData.rows > 0);
    if (!hit) return null;
    const u = hit.object.userData;
    const row = Math.min(u.rows - 1, Math.floor((1 - hit.uv.y) * u.rows));
    const col = Math.min(u.cols - 1, Math.floor(hit.uv.x * u.cols));
    return { name: u.name, layer: u.layer, row, col, distance: hit.distance };
  }

  return {
    pick(cx, cy) {
      const rect = canvas.getBoundingClientRect();
      if (cx < rect.left || cy < rect.top || cx > rect.right || cy > rect.bottom) return null;
      const p = nearestPoint(cx, cy, rect);
      if (p) return p;
      return cellAt(cx, cy, rect);
    },
    // A few visible items and where they are on screen, for tests (window.__nanogpt.pickables).
    candidates(max = 12) {
      const rect = canvas.getBoundingClientRect();
      const inside = (s) => s && s.x > rect.left + 2 && s.y > rect.top + 2 && s.x < rect.right - 2 && s.y < rect.bottom - 2;
      const out = [];
      for (const { name, view } of clouds) {
        if (!view.visible) continue;
        for (let i = 0, taken = 0; i < view.drawn && taken < 3; i++) {
          const s = toScreen(view.worldPosition(i, new THREE.Vector3()), rect);
          // Only points the picker would return at that spot (no nearer neighbour in the way).
          if (!inside(s)) continue;
          const back = nearestPoint(s.x, s.y, rect);
          if (back && back.name === name && back.row === i) { out.push({ x: s.x, y: s.y, name, layer: -1, row: i, col: 0 }); taken++; }
        }
      }
      for (const mesh of network.meshes()) {
        if (out.length >= max) break;
        const u = mesh.userData;
        if (!(u.rows > 0)) continue;
        // The centre of the cell at the middle of the matrix.
        const row = Math.floor(u.rows / 2); const col = Math.floor(u.cols / 2);
        const local = new THREE.Vector3((col + 0.5) / u.cols - 0.5, 0.5 - (row + 0.5) / u.rows, 0);
        const s = toScreen(mesh.localToWorld(local), rect);
        if (!inside(s)) continue;
        const back = this.pick(s.x, s.y);
        if (back && back.name === u.name && back.layer === u.layer) out.push({ x: s.x, y: s.y, name: u.name, layer: u.layer, row: back.row, col: back.col });
      }
      return out.slice(0, max);
    },
  };
}
