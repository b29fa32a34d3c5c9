// views/tour_region.js: the step range a guided tour points at on a chart (store key `tourRegion`
// {chart: 'loss'|'lr'|'gradnorm', from, to} or null), drawn as a shaded band with a solid outline
// by a uPlot plugin. createTourRegion(store, chart) -> uPlot plugin; the chart sets
// data-tour-region="from-to" on its element while a region is drawn (tests read it).
import { TOUR_REGION } from './theme.js';

export function tourRegionPlugin(store, chart) {
  return {
    hooks: {
      draw: [(u) => {
        const r = store.get().tourRegion;
        const box = u.root.closest('[data-testid]') ?? u.root;
        if (!r || r.chart !== chart) { box.removeAttribute?.('data-tour-region'); return; }
        const x0 = Math.max(u.bbox.left, u.valToPos(r.from, 'x', true));
        const x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(Math.max(r.to, r.from + 1e-9), 'x', true));
        box.setAttribute?.('data-tour-region', `${r.from}-${r.to}`);
        if (!(x1 >= x0)) return;
        const { ctx } = u;
        ctx.save();
        ctx.fillStyle = TOUR_REGION.fill;
        ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
        ctx.strokeStyle = TOUR_REGION.stroke;
        ctx.lineWidth = 2 * (devicePixelRatio || 1);
        ctx.strokeRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
        ctx.restore();
      }],
    },
  };
}
