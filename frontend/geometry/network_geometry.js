// geometry/network_geometry.js: where each part of the network sits, from the model's shape alone
// (like llm-viz's GptModelLayout.ts). Pure: no three.js, no DOM; plain numbers and arrays, so the
// 3D scene (scene/network_mesh.js, scene/embedding_cloud.js) and the 2D view (views/params/view2d.js)
// read the same order, titles and sizes, and node tests can check it.
//
// World units: a weight matrix is a 1 x 1 plane; y grows upwards, layer 0 at the bottom.
// SLAB_COLUMNS: the tensors on one layer's slab, left to right in the order data flows through a
//   block; isStrip(name): LayerNorm vectors, drawn as thin upright strips; COLUMN_TITLES: the
//   column headings shown above a tower (the LayerNorm pair shares one).
// networkGeometry(L, aspect = 1.3) -> {L, towers, perTower, towerW, width, topY, columns:
//   {name: {x, w, h}} (x: centre within a tower), layerY(l), towerX(l), towerOf(l),
//   pos(name, l) -> [x, y], cloudWte, cloudWpe ({offset: [x, y, z], radius}),
//   box: {min: [x, y, z], max: [x, y, z]} (what the camera frames)}
// Layer -1 is ln_f: it takes the row after the last layer. Deep models stand in up to 3 towers
// side by side (layers continue bottom to top in the next tower), whichever makes the matrices
// largest at the stage's aspect ratio (width / height).

export const MATRIX_SIDE = 1.0;
export const STRIP_WIDTH = 0.09;
export const LAYER_DY = 1.4;

export const SLAB_COLUMNS = Object.freeze(['ln1w', 'ln1b', 'qkvw', 'attprojw', 'ln2w', 'ln2b', 'fcw', 'fcprojw']);
export const isStrip = (name) => name.startsWith('ln');
export const COLUMN_TITLES = Object.freeze({
  qkvw: 'qkvw', attprojw: 'attn proj', fcw: 'fc', fcprojw: 'fc proj', ln1w: 'ln1', ln2w: 'ln2',
});

// Space after each column (a LayerNorm pair sits close together).
const GAP = { ln1w: 0.03, ln1b: 0.18, qkvw: 0.2, attprojw: 0.4, ln2w: 0.03, ln2b: 0.18, fcw: 0.2, fcprojw: 0 };
const TOWER_GAP = 1.7; // between towers: room for the next tower's layer labels
const BASE = 2.3; // room for the embedding clouds under layer 0

export function networkGeometry(L, aspect = 1.3) {
  const columns = {};
  let x = 0;
  for (const name of SLAB_COLUMNS) {
    const w = isStrip(name) ? STRIP_WIDTH : MATRIX_SIDE;
    columns[name] = { x: x + w / 2, w, h: MATRIX_SIDE };
    x += w + GAP[name];
  }
  for (const c of Object.values(columns)) c.x -= x / 2;
  columns.lnfw = { ...columns.ln1w }; columns.lnfb = { ...columns.ln1b };
  const towerW = x;
  const rows = L + 1; // ln_f takes the row after the last layer
  const sizeFor = (T) => {
    const per = Math.ceil(rows / T);
    const w = T * towerW + (T - 1) * TOWER_GAP + 1.2;
    const h = BASE + 1.6 + (per - 1) * LAYER_DY + MATRIX_SIDE;
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
  const topY = BASE + (Math.min(per, rows) - 1) * LAYER_DY + MATRIX_SIDE;
  const x0 = towerX(0);
  return {
    L, towers: T, perTower: per, towerW, layerY, towerX, towerOf, columns, width: towerW, topY,
    pos: (name, l) => [towerX(l) + columns[name].x, layerY(l)],
    cloudWte: { offset: [x0 - towerW / 5, 0.4, 0], radius: 1.45 },
    cloudWpe: { offset: [x0 + towerW / 3 + 0.2, 0.4, 0], radius: 0.8 },
    box: { min: [-totalW / 2 - 1.0, -1.3, -1.0], max: [totalW / 2 + 0.3, topY + 0.5, 1.0] },
  };
}
