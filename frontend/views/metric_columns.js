// views/metric_columns.js: turns metrics rows (docs/protocol.md `metrics` messages, as kept in the
// store) into uPlot's columnar arrays, incrementally: only rows not seen before are read, so a
// redraw during a long run costs the new rows, not the whole history. No DOM (testable in node).
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
 * Keeps at most `max` x values for drawing: every k-th point, always the last one, and every
 * point where a sparse column (val loss) has a value, so evaluations never disappear.
 */
export function decimate(columns, max, keepColumns = []) {
  const n = columns[0].length;
  if (n <= max) return columns;
  const stride = Math.ceil(n / max);
  const keep = [];
  for (let i = 0; i < n; i++) {
    if (i % stride === 0 || i === n - 1 || keepColumns.some((c) => columns[c][i] != null)) keep.push(i);
  }
  return columns.map((col) => keep.map((i) => col[i]));
}
