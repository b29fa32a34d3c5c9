// views/params/view2d.js: the Parameters tab without WebGL (R2.5): the same data as the 3D view on
// a plain 2D canvas: the token (and position) embeddings as a scatter of their first two PCA
// components, and every watched weight matrix (a subset of its rows and columns) and LayerNorm
// vector as a heatmap, one row per layer (layer 0 at the bottom as in the 3D tower, ln_f on top;
// columns and titles from geometry/network_geometry.js). This file is the 2D painter; views/params/shell.js gives it the
// tooltip, filters, stats panel, legend, tweening, render loop and view API.
//
// createParamsView2D(container, store, {reason}) -> the shell's view, kind '2d'. `reason`, when
// given, is shown above the view (data-testid fallback-note).
import { createParamsShell } from './shell.js';
import { el } from '../dom.js';
import { cloudPos, cloudAttrShown, matShown, matScale } from '../../state/display_data.js';
import { fillDiverging, fillSequential } from '../../display/colormap.js';
import { DEFAULT_LEVELS } from '../../display/quality.js';
import { COLUMN_TITLES, SLAB_COLUMNS, isStrip } from '../../geometry/network_geometry.js';
import { GROUP_COLORS, SEVERITY_STYLE } from '../theme.js';
import { drawGlyph } from '../chart_insights.js';
import { kindLabel } from '../../state/insights.js';

const BG = '#11151c';
const BUCKETS = 32;
const BUCKET_COLORS = Array.from({ length: BUCKETS }, (_, b) => {
  const [r, g, b2] = fillSequential([(b + 0.5) / BUCKETS], 0, 1);
  return `rgb(${r * 255 | 0}, ${g * 255 | 0}, ${b2 * 255 | 0})`;
});
const bucketLen = new Int32Array(BUCKETS);
const bucketStart = new Int32Array(BUCKETS);
let bucketIdx = new Int32Array(0);
// Column widths in units of a matrix side: LayerNorm strips are wider than in 3D, to stay visible.
const STRIP_2D = 0.14;
const COLS = SLAB_COLUMNS.map((name) => [name, isStrip(name) ? STRIP_2D : 1]);

export function createParamsView2D(container, store, { reason } = {}) {
  return createParamsShell(container, store, '2d', paint2d, { reason });
}

function paint2d({ ui, store, data, isVisible, lod, flags }) {
  const canvas = el('canvas', { class: 'pv-canvas', 'data-testid': 'params-canvas', 'data-view': '2d', tabindex: '0', role: 'img',
    'aria-label': '2D view of the model parameters: embedding scatter on the left, weight heatmaps per layer on the right; values are in the tooltips. Keys n and p step the tooltip through the items, Enter selects, Escape clears.' });
  ui.stage.prepend(canvas);
  // CPU raster: software GL (no GPU, the usual reason for this view) draws paths far slower.
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const scratch = document.createElement('canvas');
  const sg = scratch.getContext('2d', { willReadFrequently: true }); // CPU too: no GPU round trip per matrix
  const images = new Map(); // cell count -> ImageData, reused across draws

  let rects = []; // matrices on screen: {name, layer, x, y, w, h, rows, cols}
  const points = new Map(); // cloud name -> {x, y: Float32Array screen positions by row, n} for hit tests
  let rgb = new Float32Array(0);

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, ui.stage.clientWidth); const h = Math.max(1, ui.stage.clientHeight);
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    canvas.style.width = `${w}px`; canvas.style.height = `${h}px`;
  }

  function paintMatrix(values, rows, cols, scale, x, y, w, h) {
    const n = rows * cols;
    if (rgb.length < 3 * n) rgb = new Float32Array(3 * n);
    fillDiverging(values, scale, rgb);
    if (scratch.width !== cols || scratch.height !== rows) { scratch.width = cols; scratch.height = rows; }
    if (!images.has(n)) images.set(n, sg.createImageData(cols, rows));
    const img = images.get(n).width === cols ? images.get(n) : sg.createImageData(cols, rows);
    for (let i = 0; i < n; i++) { img.data[4 * i] = rgb[3 * i] * 255; img.data[4 * i + 1] = rgb[3 * i + 1] * 255; img.data[4 * i + 2] = rgb[3 * i + 2] * 255; img.data[4 * i + 3] = 255; }
    sg.putImageData(img, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(scratch, x, y, w, h);
    g.strokeStyle = '#56657a';
    g.lineWidth = 1;
    g.strokeRect(x - 0.5, y - 0.5, w + 1, h + 1);
  }

  function drawCloud(cloud, x0, y0, size, maxPoints, title) {
    g.fillStyle = '#aab6c5';
    g.font = '12px system-ui, sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'top';
    g.fillText(title, x0 + size / 2, y0 + size + 4);
    g.strokeStyle = '#2a3340';
    g.strokeRect(x0 + 0.5, y0 + 0.5, size - 1, size - 1);
    const n = Math.min(cloud.count, maxPoints);
    const pos = cloudPos(cloud);
    const attr = cloudAttrShown(cloud);
    let at = points.get(cloud.name);
    if (!at || at.x.length < n) { at = { x: new Float32Array(n), y: new Float32Array(n), n }; points.set(cloud.name, at); }
    at.n = n;
    const r = n > 1500 ? 2 : 3;
    const half = size / 2; const k = half / 1.7; // unit radius (95th percentile) -> 60 % of the half-size
    // One path per colour step (BUCKETS of them) instead of one fill per point: far cheaper.
    for (let b = 0; b < BUCKETS; b++) bucketLen[b] = 0;
    if (bucketIdx.length < n) bucketIdx = new Int32Array(n);
    const bucketOf = (i) => Math.max(0, Math.min(BUCKETS - 1, Math.floor(attr[i] * BUCKETS)));
    for (let i = 0; i < n; i++) bucketLen[bucketOf(i)]++;
    let acc = 0;
    for (let b = 0; b < BUCKETS; b++) { bucketStart[b] = acc; acc += bucketLen[b]; bucketLen[b] = 0; }
    for (let i = 0; i < n; i++) { const b = bucketOf(i); bucketIdx[bucketStart[b] + bucketLen[b]++] = i; }
    for (let b = 0; b < BUCKETS; b++) { // brighter (more frequent) buckets last, on top
      if (!bucketLen[b]) continue;
      g.fillStyle = BUCKET_COLORS[b];
      g.beginPath();
      for (let j = 0; j < bucketLen[b]; j++) {
        const i = bucketIdx[bucketStart[b] + j];
        const px = x0 + half + pos[3 * i] * k; const py = y0 + half - pos[3 * i + 1] * k;
        g.moveTo(px + r, py);
        g.arc(px, py, r, 0, 2 * Math.PI);
        at.x[i] = px; at.y[i] = py;
      }
      g.fill();
    }
  }

  function draw(detail) {
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.width / dpr; const H = canvas.height / dpr;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = BG;
    g.fillRect(0, 0, W, H);
    rects = [];
    for (const p of points.values()) p.n = 0;
    const frame = data.frame;
    if (!frame) return;
    // Left: embeddings.
    const leftW = Math.min(W * 0.36, H * 0.62);
    const wte = data.clouds.get('wte'); const wpe = data.clouds.get('wpe');
    if (wte && isVisible('wte', -1)) drawCloud(wte, 12, 12, leftW - 12, detail.maxPoints, 'wte · token embeddings (PCA 1, 2)');
    if (wpe && isVisible('wpe', -1)) drawCloud(wpe, 12 + (leftW - 12) * 0.2, leftW + 30, (leftW - 12) * 0.6, detail.maxPoints, 'wpe · positions (PCA 1, 2)');
    // Right: one row of heatmaps per layer, layer 0 at the bottom as in the 3D tower; ln_f on top.
    const L = frame.model?.L ?? 0;
    const x0 = leftW + 70; const availW = W - x0 - 16;
    const units = COLS.reduce((s, [, w]) => s + w, 0);
    const gap = 8;
    const rowsN = L + 1;
    const side = Math.max(4, Math.min((availW - gap * (COLS.length - 1)) / units, (H - 60) / rowsN - gap));
    const yOf = (l) => 34 + (l < 0 ? 0 : (L - l)) * (side + gap);
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';
    let x = x0;
    const colX = {};
    for (const [name, w] of COLS) { colX[name] = x; x += w * side + gap; }
    g.fillStyle = '#cfd8e3';
    g.textAlign = 'center';
    for (const [name, title] of Object.entries(COLUMN_TITLES)) {
      const w = isStrip(name) ? 2 * STRIP_2D * side + gap : side;
      g.fillText(title, colX[name] + w / 2, 20);
    }
    g.textAlign = 'right';
    g.fillStyle = '#aab6c5';
    for (let l = -1; l < L; l++) g.fillText(l < 0 ? 'ln_f' : `layer ${l}`, x0 - 8, yOf(l) + side / 2);
    for (const [map, vector] of [[data.mats, false], [data.vecs, true]]) {
      for (const m of map.values()) {
        if (!isVisible(m.name, m.layer)) continue;
        const name = m.layer < 0 ? m.name.replace('lnf', 'ln1') : m.name;
        if (colX[name] == null) continue;
        const w = (COLS.find(([n]) => n === name)[1]) * side;
        const y = yOf(m.layer);
        const rows = vector ? m.cols : m.rows; const cols = vector ? 1 : m.cols;
        paintMatrix(matShown(m), rows, cols, matScale(m), colX[name], y, w, side);
        rects.push({ name: m.name, layer: m.layer, x: colX[name], y, w, h: side, rows, cols });
      }
    }
    const sel = store.get().selected;
    const sr = sel && rects.find((r) => r.name === sel.name && r.layer === sel.layer);
    if (sr) { g.strokeStyle = '#ffd54a'; g.lineWidth = 2; g.strokeRect(sr.x - 3, sr.y - 3, sr.w + 6, sr.h + 6); }
    drawFlags();
  }

  // What the insights flag at this frame: a dashed outline in the severity's colour with its
  // glyph and kind (tensors, whole layers); rings around a token group's members, in the group's
  // colour, with its label.
  function flagLabel(f, x, y) {
    const st = SEVERITY_STYLE[f.severity] ?? SEVERITY_STYLE.info;
    const text = kindLabel(f.kinds[0]) + (f.kinds.length > 1 ? ` +${f.kinds.length - 1}` : '');
    g.font = '11px system-ui, sans-serif';
    g.textAlign = 'left'; g.textBaseline = 'middle';
    const w = g.measureText(text).width;
    g.fillStyle = 'rgba(17, 21, 28, 0.85)';
    g.fillRect(x - 2, y - 7, w + 18, 14);
    drawGlyph(g, st.shape, x + 5, y, 4.5);
    g.fillStyle = st.color; g.fill();
    g.fillStyle = '#e8eef5';
    g.fillText(text, x + 13, y);
  }
  function drawFlags() {
    const fl = flags();
    g.save();
    g.lineWidth = 2;
    g.setLineDash([5, 3]);
    for (const f of fl.tensors.values()) {
      const r = rects.find((q) => q.name === f.name && q.layer === f.layer);
      if (!r) continue;
      g.strokeStyle = (SEVERITY_STYLE[f.severity] ?? SEVERITY_STYLE.info).color;
      g.strokeRect(r.x - 6, r.y - 6, r.w + 12, r.h + 12);
      flagLabel(f, r.x - 6, r.y - 13);
    }
    for (const f of fl.layers.values()) {
      const rs = rects.filter((q) => q.layer === f.layer);
      if (!rs.length) continue;
      const x0 = Math.min(...rs.map((q) => q.x)) - 10; const x1 = Math.max(...rs.map((q) => q.x + q.w)) + 10;
      const y0 = Math.min(...rs.map((q) => q.y)) - 10; const y1 = Math.max(...rs.map((q) => q.y + q.h)) + 10;
      g.strokeStyle = (SEVERITY_STYLE[f.severity] ?? SEVERITY_STYLE.info).color;
      g.strokeRect(x0, y0, x1 - x0, y1 - y0);
      flagLabel(f, x1 - 120, y0 - 1);
    }
    g.setLineDash([]);
    for (const c of fl.clusters) {
      const p = points.get(c.cloud);
      if (!p || !p.n) continue;
      const colour = GROUP_COLORS[c.group % GROUP_COLORS.length];
      g.strokeStyle = colour;
      g.lineWidth = 1.5;
      let mx = 0; let my = 0; let n = 0;
      for (const i of c.rows) {
        if (i >= p.n) continue;
        g.beginPath(); g.arc(p.x[i], p.y[i], 7, 0, 2 * Math.PI); g.stroke();
        mx += p.x[i]; my += p.y[i]; n++;
      }
      if (n) {
        g.font = '600 12px system-ui, sans-serif'; g.fillStyle = colour; g.textAlign = 'center'; g.textBaseline = 'bottom';
        g.fillText(c.label, mx / n, Math.min(...c.rows.filter((i) => i < p.n).map((i) => p.y[i])) - 10);
      }
    }
    g.restore();
  }

  function pick(cx, cy) {
    const b = canvas.getBoundingClientRect();
    const x = cx - b.left; const y = cy - b.top;
    let best = null; let bestD = 8 * 8;
    for (const [name, p] of points) {
      for (let i = p.n - 1; i >= 0; i--) { // drawn later = on top: prefer it on ties
        const d = (p.x[i] - x) ** 2 + (p.y[i] - y) ** 2;
        if (d < bestD) { bestD = d; best = { name, layer: -1, row: i, col: 0 }; }
      }
    }
    if (best) return best;
    const r = rects.find((q) => x >= q.x && x < q.x + q.w && y >= q.y && y < q.y + q.h);
    if (!r) return null;
    return { name: r.name, layer: r.layer, row: Math.floor((y - r.y) / r.h * r.rows), col: Math.floor((x - r.x) / r.w * r.cols) };
  }

  // Points first (a few per cloud), then the centre cell of each matrix on screen.
  function candidates(max = Infinity) {
    const b = canvas.getBoundingClientRect();
    const out = [];
    for (const [name, p] of points) {
      for (let i = 0, taken = 0; i < p.n && taken < 3; i++) {
        const back = pick(b.left + p.x[i], b.top + p.y[i]);
        if (back?.row === i && back.name === name) { out.push({ ...back, x: b.left + p.x[i], y: b.top + p.y[i] }); taken++; }
      }
    }
    for (const r of rects.slice(0, 8)) {
      const row = Math.floor(r.rows / 2); const col = Math.floor(r.cols / 2);
      out.push({ name: r.name, layer: r.layer, row, col, x: b.left + r.x + (col + 0.5) / r.cols * r.w, y: b.top + r.y + (row + 0.5) / r.rows * r.h });
    }
    return out.slice(0, max);
  }

  return {
    canvas,
    levels: DEFAULT_LEVELS,
    picksFromLastPaint: true, // hit tests read the rects and points of the last paint
    render(detail) { draw(detail); },
    pick,
    candidates,
    resize,
    snapshot() {
      draw(lod());
      const out = document.createElement('canvas');
      out.width = canvas.width; out.height = canvas.height;
      out.getContext('2d').drawImage(canvas, 0, 0);
      return out;
    },
    dispose() { canvas.remove(); },
  };
}
