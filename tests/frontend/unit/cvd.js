// cvd.js: colour-vision-deficiency checks for the colour tests: Viénot, Brettel & Mollon (1999)
// dichromat simulation in linear RGB, CIELAB distance, and alpha blending over the page's background.
import { linearToLab as lab } from '../../../frontend/display/colormap.js';

export const lin = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
export const SIM = {
  protan: [[0.11238, 0.88762, 0], [0.11238, 0.88762, 0], [0.00401, -0.00401, 1]],
  deutan: [[0.29275, 0.70725, 0], [0.29275, 0.70725, 0], [-0.02234, 0.02234, 1]],
};
/** An sRGB triple (0..1) as a dichromat sees it, in linear RGB. */
export const simulate = (m, rgb) => { const l = rgb.map(lin); return m.map((row) => row[0] * l[0] + row[1] * l[1] + row[2] * l[2]); };
export const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** '#rrggbb' -> [r, g, b] in 0..1. */
export const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
/** `rgb` at opacity `alpha` over `bg` (sRGB, as a canvas composites). */
export const over = (rgb, bg, alpha) => rgb.map((v, i) => alpha * v + (1 - alpha) * bg[i]);

const IDENTITY = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
/** CIELAB distance (ΔE76) between two sRGB colours for normal, protan and deutan vision. */
export function deltaE(a, b) {
  const out = {};
  for (const [kind, m] of [['normal', IDENTITY], ...Object.entries(SIM)]) out[kind] = dist(lab(simulate(m, a)), lab(simulate(m, b)));
  return out;
}
