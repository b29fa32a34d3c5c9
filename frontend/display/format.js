// display/format.js: numbers (and run ids) for people, the one formatter every view uses:
// tooltips, the stats panel, the legend, the charts' axes and legends, the run summary, the pickers.
// Pure.
//
// - formatNumber(x, digits = 3): `digits` significant digits; plain between 1e-3 and 1e4
//   ('0.0123', '1.23', '1230'), exponent outside ('1.2e-4', '-3e7'); trailing zeros dropped.
//   formatSigned(x, digits) the same with a '+' on positive values (changes).
// - formatCompact(x, unit): SI suffixes for large values: '12.3k', '4.56M tok/s'.
//   formatTick(x): formatCompact for axis labels, '' when missing.
// - formatDecimals(x, decimals = 4): fixed decimals, like the trainer's log of losses. formatExponent(x, digits = 3): '6.000e-4'
//   (learning rates). formatPercent(fraction): '41.2%'. formatInteger(n): '12,345'.
// - shortId(session): '20261126-080538-13ed' -> '08:05·13ed' (time and suffix), other ids as they are.
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

export function formatSigned(x, digits = 3) {
  const s = formatNumber(x, digits);
  return x > 0 && Number.isFinite(x) ? `+${s}` : s;
}

export const formatTick = (x) => (x == null || Number.isNaN(x) ? '' : formatCompact(x));

export function formatDecimals(x, decimals = 4) {
  const s = special(x);
  return s ?? x.toFixed(decimals);
}

export function formatExponent(x, digits = 3) {
  const s = special(x);
  return s ?? x.toExponential(digits);
}

export function formatPercent(fraction, digits = 3) {
  const s = special(fraction);
  return s ?? `${formatNumber(fraction * 100, digits)}%`;
}

export function formatInteger(n) {
  const s = special(n);
  if (s !== null) return s;
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function shortId(id) {
  if (!id) return '';
  // Session ids look like 20261126-080538-13ed: keep time and suffix.
  const m = /^\d{8}-(\d{2})(\d{2})\d{2}-(\w+)$/.exec(id);
  return m ? `${m[1]}:${m[2]}·${m[3]}` : id;
}
