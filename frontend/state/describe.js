// state/describe.js: what a hovered point or cell is, read from the current frame (R3.3). No DOM.
// describeItem(frame, prevFrame, {name, layer, row, col}) -> {name, layer, row, col, gridRow,
//   gridCol, value, grad, change, title, lines: [[label, text]]} | null
// The input row/col index the frame's tensor (grid cell, vector channel, or points3d row). The
// output row/col name the model's tensor: a grid cell's matrix row and column (meta.blocks
// rows[gridRow], cols[gridCol]; value === frame.get(name, 'value', layer).data[gridRow * G +
// gridCol]); a LayerNorm channel (col 0); an embedding point's token or position id (col 0), whose
// `value` is that row's L2 norm. Values come from the frame itself, never from the tweened picture.

import { formatNumber, formatSigned } from '../display/format.js';

// Numbers in the tooltip (and the stats panel, the legend): 4 significant digits.
export const DIGITS = 4;
const fmt = (v) => formatNumber(v, DIGITS);

const TENSOR_TITLE = {
  wte: 'token embedding', wpe: 'position embedding', qkvw: 'attention QKV weight', attprojw: 'attention output projection',
  fcw: 'MLP up-projection', fcprojw: 'MLP down-projection', ln1w: 'LayerNorm 1 weight', ln1b: 'LayerNorm 1 bias',
  ln2w: 'LayerNorm 2 weight', ln2b: 'LayerNorm 2 bias', lnfw: 'final LayerNorm weight', lnfb: 'final LayerNorm bias',
};
export const tensorTitle = (name) => TENSOR_TITLE[name] ?? name;
const layerText = (layer) => (layer < 0 ? 'outside the blocks' : `layer ${layer}`);

function tokenText(s) {
  if (s == null) return '';
  return JSON.stringify(s); // shows "\n" and " " visibly
}

function describePoint(frame, prevFrame, name, row) {
  const xyz = frame.get(name, 'xyz');
  if (!xyz || row < 0 || row >= xyz.shape[0]) return null;
  const block = frame.block(name);
  const id = block?.rows?.[row] ?? row;
  const norm = frame.get(name, 'norm')?.data[row];
  const grad = frame.get(name, 'grad_norm')?.data[row];
  // The previous frame may watch other rows: match by token/position id.
  let change = null;
  const pBlock = prevFrame?.block(name);
  const pNorm = prevFrame?.get(name, 'norm')?.data;
  if (pBlock && pNorm) {
    const j = pBlock.rows?.[row] === id ? row : pBlock.rows?.indexOf(id) ?? -1;
    if (j >= 0 && norm != null) change = norm - pNorm[j];
  }
  const isToken = name === 'wte';
  const text = block?.text?.[row];
  const title = isToken ? `token ${tokenText(text)} (id ${id})` : `position ${id}`;
  const lines = [
    ['tensor', `${name} · ${tensorTitle(name)}`],
    [isToken ? 'token' : 'position', isToken ? `${tokenText(text)} id ${id}, frequency rank ${row + 1}` : String(id)],
    ['norm', fmt(norm)],
    ['grad norm', fmt(grad)],
    ['Δ norm since last frame', change == null ? 'n/a (no earlier frame)' : formatSigned(change, DIGITS)],
  ];
  return { name, layer: -1, row: id, col: 0, gridRow: row, gridCol: 0, value: norm, grad, change, title, lines };
}

function describeCell(frame, prevFrame, name, layer, row, col) {
  const t = frame.get(name, 'value', layer);
  if (!t) return null;
  const isVector = t.kind === 'vector';
  const cols = isVector ? 1 : t.shape[1];
  const rows = t.shape[0];
  if (row < 0 || row >= rows || col < 0 || col >= cols) return null;
  const i = row * cols + col;
  const value = t.data[i];
  const grad = frame.get(name, 'grad', layer)?.data[i];
  const prev = prevFrame?.get(name, 'value', layer);
  const change = prev && prev.data.length === t.data.length ? value - prev.data[i] : null;
  const block = frame.block(name, layer);
  const where = isVector
    ? `channel ${row} of ${frame.model?.C ?? rows}`
    : `row ${block?.rows?.[row] ?? row}, col ${block?.cols?.[col] ?? col} (cell ${row}, ${col} of the ${rows}×${cols} grid)`;
  const lines = [
    ['tensor', `${name} · ${tensorTitle(name)}`],
    ['layer', layerText(layer)],
    [isVector ? 'channel' : 'position', where],
    ['value', fmt(value)],
    ['gradient', fmt(grad)],
    ['change since last frame', change == null ? 'n/a (no earlier frame)' : formatSigned(change, DIGITS)],
  ];
  const tRow = isVector ? row : block?.rows?.[row] ?? row;
  const tCol = isVector ? 0 : block?.cols?.[col] ?? col;
  return { name, layer, row: tRow, col: tCol, gridRow: row, gridCol: col, value, grad, change, title: `${name} ${layerText(layer)}`, lines };
}

export function describeItem(frame, prevFrame, item) {
  if (!frame || !item) return null;
  if (item.name === 'wte' || item.name === 'wpe') return describePoint(frame, prevFrame, item.name, item.row);
  return describeCell(frame, prevFrame, item.name, item.layer, item.row, item.col ?? 0);
}
