// display/colormap.js: colour maps for values (docs/frontend.md). Pure; no DOM.
//
// diverging(t), t in [-1, 1]: dark blue (-1) - white (0) - dark orange (+1). The blue arm uses
// ColorBrewer RdBu's blue stops, the orange arm PuOr's orange stops; both avoid red against green,
// so the two signs stay apart for protan/deutan viewers. Stops are interpolated in CIELAB, so
// lightness rises monotonically from each end to the centre (the sign reads by hue, the size by
// lightness). sequential(t), t in [0, 1]: viridis (9 stops, interpolated in CIELAB, lightness rising).
//
// Choices beyond docs/frontend.md:
// - Out-of-range t is clamped; NaN or infinite values map to NAN_COLOR (mid grey) in the fill
//   functions and in diverging/sequential.
// - legend(name, n = 9) returns [{at, color}] with `at` in 0..1 and `color` a CSS 'rgb(...)'
//   string; legendGradient(name) is the ready CSS linear-gradient. name: 'diverging' | 'sequential'.
// - fillDiverging(values, scale, out) maps values[i] / scale; scale <= 0 or not finite paints
//   everything white. out is optional (allocated when missing) and returned.
// - Extra helpers: fillSequential(values, lo, hi, out), maxAbs(values), lightness(rgb) (CIE L*),
//   linearToLab(rgb) (CIELAB of a linear-RGB colour: the colour tests' vision simulation).

export const NAN_COLOR = Object.freeze([0.5, 0.5, 0.5]);

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);

const DIVERGING_STOPS = [
  // blue arm, t = -1 .. 0 (RdBu)
  '#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0',
  '#f7f7f7',
  // orange arm, t = 0 .. 1 (PuOr)
  '#fee0b6', '#fdb863', '#e08214', '#b35806', '#7f3b08',
].map(hex);

const VIRIDIS_STOPS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779',
  '#6ece58', '#fde725'].map(hex);

// sRGB <-> CIELAB (D65).
const toLinear = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toGamma = (c) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
const WHITE = [0.95047, 1, 1.08883];
const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
const finv = (t) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));

/** CIELAB of a colour in linear RGB (0..1). */
export function linearToLab([R, G, B]) {
  const x = (0.4124 * R + 0.3576 * G + 0.1805 * B) / WHITE[0];
  const y = (0.2126 * R + 0.7152 * G + 0.0722 * B) / WHITE[1];
  const z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / WHITE[2];
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
const rgbToLab = (rgb) => linearToLab(rgb.map(toLinear));

function labToRgb([L, a, b]) {
  const fy = (L + 16) / 116;
  const x = finv(fy + a / 500) * WHITE[0], y = finv(fy) * WHITE[1], z = finv(fy - b / 200) * WHITE[2];
  const R = 3.2406 * x - 1.5372 * y - 0.4986 * z;
  const G = -0.9689 * x + 1.8758 * y + 0.0415 * z;
  const B = 0.0557 * x - 0.204 * y + 1.057 * z;
  return [R, G, B].map((c) => Math.min(1, Math.max(0, toGamma(c))));
}

/** CIE L* (0..100) of an sRGB colour with components in 0..1. */
export const lightness = (rgb) => rgbToLab(rgb)[0];

// A lookup table of `n` colours interpolated in CIELAB between evenly spaced stops.
function buildLut(stops, n) {
  const labs = stops.map(rgbToLab);
  const lut = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const x = (i / (n - 1)) * (labs.length - 1);
    const k = Math.min(labs.length - 2, Math.floor(x));
    const w = x - k;
    const lab = [0, 1, 2].map((c) => labs[k][c] * (1 - w) + labs[k + 1][c] * w);
    lut.set(labToRgb(lab), i * 3);
  }
  return lut;
}

const LUT_SIZE = 1025;  // odd, so the diverging centre is an entry of its own
const DIVERGING_LUT = buildLut(DIVERGING_STOPS, LUT_SIZE);
const VIRIDIS_LUT = buildLut(VIRIDIS_STOPS, LUT_SIZE);

// Writes lut colour at u in [0, 1] into out[o..o+2].
function lookup(lut, u, out, o) {
  if (!Number.isFinite(u)) {
    out[o] = NAN_COLOR[0]; out[o + 1] = NAN_COLOR[1]; out[o + 2] = NAN_COLOR[2];
    return;
  }
  const i = Math.round((u < 0 ? 0 : u > 1 ? 1 : u) * (LUT_SIZE - 1)) * 3;
  out[o] = lut[i]; out[o + 1] = lut[i + 1]; out[o + 2] = lut[i + 2];
}

/** t in [-1, 1] (clamped) -> [r, g, b] in 0..1: blue - white - orange. */
export function diverging(t) {
  const out = [0, 0, 0];
  lookup(DIVERGING_LUT, (t + 1) / 2, out, 0);
  return out;
}

/** t in [0, 1] (clamped) -> [r, g, b] in 0..1: viridis. */
export function sequential(t) {
  const out = [0, 0, 0];
  lookup(VIRIDIS_LUT, t, out, 0);
  return out;
}

/** Colours values[i] / scale with the diverging map into out (RGB triples); returns out. */
export function fillDiverging(values, scale, out = new Float32Array(values.length * 3)) {
  const inv = scale > 0 && Number.isFinite(scale) ? 1 / scale : 0;
  for (let i = 0; i < values.length; i++) lookup(DIVERGING_LUT, (values[i] * inv + 1) / 2, out, i * 3);
  return out;
}

/** Colours values in [lo, hi] with viridis into out (RGB triples); returns out. */
export function fillSequential(values, lo, hi, out = new Float32Array(values.length * 3)) {
  const span = hi - lo;
  const inv = span > 0 && Number.isFinite(span) ? 1 / span : 0;
  for (let i = 0; i < values.length; i++) lookup(VIRIDIS_LUT, (values[i] - lo) * inv, out, i * 3);
  return out;
}

/** Largest finite |v| (0 for none): the symmetric scale for fillDiverging. */
export function maxAbs(values) {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m && a !== Infinity) m = a;
  }
  return m;
}

const css = ([r, g, b]) => `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;

/** Stops for a CSS gradient: [{at: 0..1, color: 'rgb(...)'}] for 'diverging' or 'sequential'. */
export function legend(name, n = 9) {
  const map = { diverging: (u) => diverging(u * 2 - 1), sequential }[name];
  if (!map) throw new Error(`colormap: unknown map '${name}' (use 'diverging' or 'sequential')`);
  return Array.from({ length: n }, (_, i) => ({ at: i / (n - 1), color: css(map(i / (n - 1))) }));
}

/** A CSS linear-gradient (left to right) of the named map. */
export function legendGradient(name, direction = 'to right') {
  const stops = legend(name).map((s) => `${s.color} ${(s.at * 100).toFixed(1)}%`);
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}
