// views/params/legend.js: the colour legends of the parameter views (text values beside every colour, so the
// colours are never the only carrier of meaning).
// createLegend(host) -> {update({cloud, mat, field})}
//   cloud: display_data Cloud (attrLo, attrHi, attrLabel) or null;
//   mat: {name, layer, scale, centre} the tensor whose symmetric scale is shown, or null.
import { legendGradient } from '../../display/colormap.js';
import { el } from '../dom.js';
import { DIGITS } from '../../state/describe.js';
import { formatNumber } from '../../display/format.js';

const FIELD_TEXT = { value: 'weight', grad: 'gradient', update: 'update' };

function row(title, gradient) {
  const r = el('div', { class: 'pv-legend-row' });
  const t = el('div', { class: 'pv-legend-title' }, title);
  const bar = el('div', { class: 'pv-legend-bar' });
  bar.style.background = gradient;
  const ticks = el('div', { class: 'pv-legend-ticks' });
  const lo = el('span'); const mid = el('span'); const hi = el('span');
  ticks.append(lo, mid, hi);
  r.append(t, bar, ticks);
  return { r, t, lo, mid, hi };
}

export function createLegend(host) {
  const points = row('points', legendGradient('sequential'));
  const cells = row('cells', legendGradient('diverging'));
  host.append(points.r, cells.r);
  let last = '';
  return {
    update({ cloud, mat, field }) {
      const key = [cloud?.attrLabel, cloud?.attrLo, cloud?.attrHi, mat?.name, mat?.layer, mat?.scale?.toPrecision(2), mat?.centre, field].join('|');
      if (key === last) return;
      last = key;
      points.r.hidden = !cloud;
      if (cloud) {
        points.t.textContent = `points: ${cloud.attrLabel}`;
        points.lo.textContent = typeof cloud.attrLo === 'number' ? formatNumber(cloud.attrLo, DIGITS) : cloud.attrLo;
        points.mid.textContent = '';
        points.hi.textContent = typeof cloud.attrHi === 'number' ? formatNumber(cloud.attrHi, DIGITS) : cloud.attrHi;
      }
      cells.r.hidden = !mat;
      host.hidden = !cloud && !mat;
      if (mat) {
        const where = mat.layer < 0 ? '' : ` layer ${mat.layer}`;
        cells.t.textContent = `cells: ${FIELD_TEXT[field] ?? field}, scale per tensor (${mat.name}${where} shown)`;
        const c = mat.centre ?? 0;
        cells.lo.textContent = formatNumber(c - mat.scale, DIGITS);
        cells.mid.textContent = String(c);
        cells.hi.textContent = formatNumber(c + mat.scale, DIGITS);
      }
    },
  };
}
