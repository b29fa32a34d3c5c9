// state/metric_columns.js: turns metrics rows (docs/protocol.md `metrics` messages, as kept in the
// store) into uPlot's columnar arrays, incrementally: only rows not seen before are read, so a
// redraw during a long run costs the new rows, not every row again. No DOM (testable in node).
//
// Rows come sorted by step. A row whose step equals the previous one's (the final evaluation adds
// val_loss to a step) updates that column entry instead of adding a point.

const FIELDS = { train: 'train_loss', val: 'val_loss', lr: 'lr', gn: 'grad_norm', tps: 'tokens_per_s', mfu: 'mfu' };

export function createColumns() {
  const c = { rows: null, n: 0, step: [], hasMfu: false };
  for (const k of Object.keys(FIELDS)) c[k] = [];
  return c;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Brings `cols` up to date with `rows` (the same array growing, or a new one: then it restarts). */
export function updateColumns(cols, rows) {
  if (!rows) rows = [];
  if (rows !== cols.rows || rows.length < cols.n) {
    Object.assign(cols, createColumns(), { rows });
  }
  // Re-read the last row seen: it may have gained fields since (same-step merge in the store).
  let i = cols.n;
  if (i > 0) {
    const r = rows[i - 1];
    const last = cols.step.length - 1;
    for (const [k, f] of Object.entries(FIELDS)) if (num(r[f]) != null) cols[k][last] = num(r[f]);
    if (num(r.mfu) != null) cols.hasMfu = true;
  }
  for (; i < rows.length; i++) {
    const r = rows[i];
    const last = cols.step.length - 1;
    if (last >= 0 && cols.step[last] === r.step) {
      for (const [k, f] of Object.entries(FIELDS)) if (num(r[f]) != null) cols[k][last] = num(r[f]);
    } else {
      cols.step.push(r.step);
      for (const [k, f] of Object.entries(FIELDS)) cols[k].push(num(r[f]));
    }
    if (num(r.mfu) != null) cols.hasMfu = true;
  }
  cols.n = rows.length;
  return cols;
}

/**
 * Joins two runs on the step axis: xs is the sorted union, each y column gets null where its run
 * has no point. a = {step, ys: [cols...]}, b likewise (or null). Returns [xs, ...a.ys, ...b.ys].
 */
export function joinOnStep(a, b) {
  if (!b) return [a.step, ...a.ys];
  const xs = [];
  const outA = a.ys.map(() => []);
  const outB = b.ys.map(() => []);
  let i = 0; let j = 0;
  while (i < a.step.length || j < b.step.length) {
    const sa = i < a.step.length ? a.step[i] : Infinity;
    const sb = j < b.step.length ? b.step[j] : Infinity;
    const s = Math.min(sa, sb);
    xs.push(s);
    a.ys.forEach((y, k) => outA[k].push(sa === s ? y[i] : null));
    b.ys.forEach((y, k) => outB[k].push(sb === s ? y[j] : null));
    if (sa === s) i++;
    if (sb === s) j++;
  }
  return [xs, ...outA, ...outB];
}

/**
 * Keeps about `max` x values for drawing (a chart is at most a few thousand pixels wide): the
 * points are cut into max/2 buckets and each bucket keeps its first point plus, for every dense
 * column, the points holding its lowest and highest value, so a loss spike or a gradient-norm
 * blow-up is never thinned away. The last point and every point where a sparse column (val
 * loss, in keepColumns) has a value are always kept.
 */
export function decimate(columns, max, keepColumns = []) {
  const n = columns[0].length;
  if (n <= max) return columns;
  const dense = [];
  for (let c = 1; c < columns.length; c++) if (!keepColumns.includes(c)) dense.push(columns[c]);
  const stride = Math.ceil(n / Math.max(1, Math.floor(max / 2)));
  const keep = new Set();
  for (let start = 0; start < n; start += stride) {
    const end = Math.min(n, start + stride);
    keep.add(start);
    for (const col of dense) {
      let lo = -1, hi = -1;
      for (let i = start; i < end; i++) {
        const v = col[i];
        if (v == null || !Number.isFinite(v)) continue;
        if (lo < 0 || v < col[lo]) lo = i;
        if (hi < 0 || v > col[hi]) hi = i;
      }
      if (lo >= 0) { keep.add(lo); keep.add(hi); }
    }
    for (let i = start; i < end; i++) if (keepColumns.some((c) => columns[c][i] != null)) keep.add(i);
  }
  keep.add(n - 1);
  const kept = [...keep].sort((a, b) => a - b);
  return columns.map((col) => kept.map((i) => col[i]));
}
