// display/format.js: numbers for people (tooltips, stats panel, status line, charts). Pure.
//
// - formatNumber(x, digits = 3): 3 significant digits; plain between 1e-3 and 1e4 ('0.0123',
//   '1.23', '1230'), exponent outside ('1.2e-4', '-3e7'); trailing zeros dropped.
// - formatCompact(x, unit): SI suffixes for large values: '12.3k', '4.56M tok/s'.
// - formatRate(tokensPerS): '12.3k tok/s'. formatLoss(x): 4 decimals like the trainer's log.
// - formatPercent(fraction): '41.2%'. formatStep(n): '12,345'. formatBytes(n): '1.5 MiB'.
// - formatDuration(ms): '350 ms', '1.2 s', '3 min 5 s', '2 h 3 min'.
// Missing (null, undefined) or NaN values print as '–' (an en dash); infinities as '∞' / '-∞'.

export const MISSING = '–';

function special(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return MISSING;
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '-∞';
  return null;
}

const trimZeros = (m) => (m.includes('.') ? m.replace(/\.?0+$/, '') : m);

export function formatNumber(x, digits = 3) {
  if (typeof x !== 'number') x = x === null || x === undefined ? x : Number(x);
  const s = special(x);
  if (s !== null) return s;
  if (x === 0) return '0';
  const rounded = Number(x.toPrecision(digits));
  const a = Math.abs(rounded);
  if (a >= 1e-3 && a < 1e4) return String(rounded);
  const [m, e] = x.toExponential(digits - 1).split('e');
  return `${trimZeros(m)}e${e.replace('+', '')}`;
}

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

export function formatCompact(x, unit = '', digits = 3) {
  if (typeof x !== 'number') x = x === null || x === undefined ? x : Number(x);
  const s = special(x);
  const suffix = unit ? ` ${unit}` : '';
  if (s !== null) return s === MISSING ? s : `${s}${suffix}`;
  let k = Math.abs(x) >= 1000 ? Math.min(SI.length - 1, Math.floor(Math.log10(Math.abs(x)) / 3)) : 0;
  let v = Number((x / 1000 ** k).toPrecision(digits));
  if (Math.abs(v) >= 1000 && k < SI.length - 1) {  // 999.95k rounds to 1000k: say 1M
    k++;
    v = Number((x / 1000 ** k).toPrecision(digits));
  }
  return `${k ? String(v) : formatNumber(x, digits)}${SI[k]}${suffix}`;
}

export const formatRate = (tokensPerS) => formatCompact(tokensPerS, 'tok/s');

export function formatLoss(x) {
  const s = special(x);
  return s ?? x.toFixed(4);
}

export function formatPercent(fraction, digits = 3) {
  const s = special(fraction);
  return s ?? `${formatNumber(fraction * 100, digits)}%`;
}

export function formatStep(n) {
  const s = special(n);
  if (s !== null) return s;
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatBytes(n) {
  const s = special(n);
  if (s !== null) return s;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let k = 0, v = n;
  while (Math.abs(v) >= 1024 && k < units.length - 1) { v /= 1024; k++; }
  return `${k ? formatNumber(v) : String(Math.round(v))} ${units[k]}`;
}

export function formatDuration(ms) {
  const s = special(ms);
  if (s !== null) return s;
  if (Math.abs(ms) < 1000) return `${formatNumber(ms)} ms`;
  const sec = ms / 1000;
  if (sec < 60) return `${formatNumber(sec)} s`;
  const total = Math.round(sec);
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), r = total % 60;
  return h ? `${h} h ${m} min` : `${m} min ${r} s`;
}
