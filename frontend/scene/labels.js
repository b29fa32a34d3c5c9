// scene/labels.js: text labels for layers and tensors, as HTML over the 3D canvas (crisp at any zoom).
// createLabels(overlay) -> {set([{text, world: THREE.Vector3, cls}]), place(camera, w, h),
//   drawInto(ctx, scale), dispose()}
// place() projects every label to the screen; call it when the camera or the size changed. Labels
// that would overlap one placed before them are hidden (earlier in the list wins), so crowded
// views (deep models, dense token clusters) stay legible; zooming in brings them back.
// drawInto() paints the same labels on a 2D canvas (the PNG snapshot has no HTML in it).
import * as THREE from 'three';

function div(cls, text) {
  const d = document.createElement('div');
  d.className = cls;
  if (text != null) d.textContent = text;
  return d;
}

export function createLabels(overlay) {
  const layer = div('pv-labels');
  layer.setAttribute('aria-hidden', 'true');
  overlay.append(layer);
  let items = [];
  const v = new THREE.Vector3();
  return {
    set(list) {
      layer.replaceChildren();
      items = list.map((l) => {
        const node = div(`pv-label ${l.cls ?? ''}`, l.text);
        layer.append(node);
        return { ...l, node, x: 0, y: 0, on: false };
      });
    },
    place(camera, w, h) {
      const placed = [];
      for (const it of items) {
        if (!it.w) { it.w = it.node.offsetWidth; it.h = it.node.offsetHeight; }
        v.copy(it.world).project(camera);
        it.on = v.z < 1 && Math.abs(v.x) < 1.2 && Math.abs(v.y) < 1.2 && (it.visible ?? true);
        it.x = (v.x + 1) / 2 * w; it.y = (1 - v.y) / 2 * h;
        if (it.on && it.w > 0) {
          // The box on screen, from the anchor ('-50%, -100%' etc.; a px offset counts as 0).
          const [ax, ay] = (it.anchor ?? '-50%, -50%').split(',').map((a) => (a.includes('%') ? parseFloat(a) / 100 : 0));
          const box = [it.x + ax * it.w, it.y + ay * it.h, it.w, it.h];
          const hit = placed.some((b) => box[0] < b[0] + b[2] && b[0] < box[0] + box[2] && box[1] < b[1] + b[3] && b[1] < box[1] + box[3]);
          if (hit) it.on = false; else placed.push(box);
        }
        it.node.style.display = it.on ? '' : 'none';
        if (it.on) it.node.style.transform = `translate(${it.x.toFixed(1)}px, ${it.y.toFixed(1)}px) translate(${it.anchor ?? '-50%, -50%'})`;
      }
    },
    setVisible(pred) { for (const it of items) it.visible = pred(it); },
    drawInto(ctx, scale) {
      ctx.save();
      ctx.textBaseline = 'middle';
      for (const it of items) {
        if (!it.on) continue;
        const cs = getComputedStyle(it.node);
        ctx.font = `${cs.fontWeight} ${parseFloat(cs.fontSize) * scale}px ${cs.fontFamily}`;
        ctx.fillStyle = cs.color;
        const r = it.node.getBoundingClientRect(); const o = layer.getBoundingClientRect();
        ctx.fillText(it.text, (r.left - o.left) * scale, (r.top - o.top + r.height / 2) * scale);
      }
      ctx.restore();
    },
    dispose() { layer.remove(); items = []; },
  };
}
