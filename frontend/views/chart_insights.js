// views/chart_insights.js: the insights on the loss chart, as a uPlot plugin: phase bands behind
// the curves (the lr schedule's phases in a strip above the plot, the curve's phases in the plot,
// each labelled), the data's n-gram reference levels as labelled dotted lines, and the events as
// marks (a glyph above the plot whose shape and colour say the severity, a thin line through the
// plot, a bar over a span). Hovering a mark (or a band's label) shows its title; clicking a mark
// calls onPick(mark). Everything is drawn on uPlot's canvas in its hooks: no DOM per point, and
// the data (bands, marks, levels) is prepared once per change, not per draw.
//
// createInsightsLayer({get: () => ({bands, marks, levels, focusId}), onPick(mark)}) ->
//   {plugin (give to uPlot through chart_panel's `plugins`), padTop (px the chart must reserve
//   above its plot), marksOnScreen() -> [{id, step, x, y}] client coordinates (tests),
//   hoverTip (the tip element)}
// levels: [{name, value}] (nats/token); bands: state/insights.js phaseBands; marks: insightMarks.
// The chart container gets data-bands, data-marks and data-levels: how many of each were drawn.
import { BAND_ALPHA, COLORS, LEVEL_LINE, PHASE_COLORS, SEVERITY_STYLE } from './theme.js';
import { markAt } from '../state/insights.js';
import { formatNumber } from '../display/format.js';
import { el } from './dom.js';

const STRIP_H = 13;   // the schedule strip above the plot
const GLYPH_ROW = 15; // the mark glyphs' row, between the strip and the plot
export const PAD_TOP = STRIP_H + GLYPH_ROW + 4;
const LABEL_H = 13;   // one lane of band labels, at the foot of the plot
const HIT_PX = 6;

const rgba = (hex, a) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
};

/** Draws a severity glyph centred at (x, y), r its half size in device px. */
export function drawGlyph(ctx, shape, x, y, r) {
  ctx.beginPath();
  if (shape === 'circle') ctx.arc(x, y, r * 0.85, 0, 2 * Math.PI);
  else if (shape === 'diamond') { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); }
  else if (shape === 'triangle') { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); }
  else ctx.rect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6);
  ctx.closePath();
}

export function createInsightsLayer({ get, onPick }) {
  const tip = el('div', { class: 'insight-tip', 'data-testid': 'insight-tip', role: 'tooltip', hidden: '' });
  let card = null; // the chart's card, where the tip lives (known once a plot exists)
  let plot = null;
  let hovered = null;    // the mark or band under the pointer
  let downAt = null;

  const dpr = () => devicePixelRatio || 1;
  // x of a step in device px on the canvas; steps left of a log axis's range sit at its edge.
  const xOf = (u, step) => {
    const min = u.scales.x.min ?? step;
    const x = u.valToPos(Math.max(step, u.scales.x.distr === 3 && min > 0 ? min : step), 'x', true);
    return Number.isFinite(x) ? x : u.bbox.left;
  };
  const inPlotX = (u, x) => Math.max(u.bbox.left, Math.min(u.bbox.left + u.bbox.width, x));

  function drawBands(u) {
    const { bands } = get();
    const { ctx, bbox } = u;
    const d = dpr();
    const right = bbox.left + bbox.width;
    const placed = [];
    ctx.save();
    ctx.font = `${11 * d}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left'; // uPlot leaves its axes' alignment on the context
    let phaseIndex = 0;
    for (const b of bands) {
      const x0 = inPlotX(u, xOf(u, b.from)); const x1 = inPlotX(u, xOf(u, b.to));
      if (x1 - x0 < 1) continue;
      const colour = PHASE_COLORS[b.kind] ?? PHASE_COLORS.phase;
      // Offline segments have no hue of their own: alternate their lightness so neighbours part.
      const alpha = b.kind === 'phase' ? BAND_ALPHA * (phaseIndex++ % 2 ? 0.5 : 1.2) : BAND_ALPHA;
      if (b.row === 'schedule') {
        ctx.fillStyle = rgba(colour, 0.55);
        ctx.fillRect(x0, bbox.top - PAD_TOP * d + d, x1 - x0, (STRIP_H - 2) * d);
      } else {
        ctx.fillStyle = rgba(colour, alpha);
        ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
        ctx.fillStyle = rgba(colour, 0.85); // the band's edge, so touching bands part without colour
        ctx.fillRect(x0, bbox.top, Math.max(1, d), bbox.height);
      }
      placed.push({ b, x0, x1, colour });
    }
    // The strip's name, left of it (over the y axis), once it has a band.
    if (placed.some((p) => p.b.row === 'schedule')) {
      ctx.fillStyle = COLORS.muted;
      ctx.textAlign = 'right';
      ctx.fillText('lr schedule', bbox.left - 4 * d, bbox.top - PAD_TOP * d + d + (STRIP_H - 2) * d / 2);
      ctx.textAlign = 'left';
    }
    // Labels: inside the band when it fits; else just after it, or ending at its right edge,
    // wherever the row has room (no other label there, inside the plot); else none (the hover
    // tip names the band).
    const taken = []; // [row|lane, from, to] of the labels drawn
    const free = (key, a, z) => a >= bbox.left && z <= right && !taken.some(([k, f, t]) => k === key && a < t && z > f);
    for (const p of placed) {
      const { b, x0, x1, colour } = p;
      const key = `${b.row}|${b.lane}`;
      const y = b.row === 'schedule' ? bbox.top - PAD_TOP * d + d + (STRIP_H - 2) * d / 2
        : bbox.top + bbox.height - (LABEL_H / 2 + 3 + b.lane * LABEL_H) * d;
      const text = b.open ? `${b.label} …` : b.label;
      const w = ctx.measureText(text).width + 8 * d;
      const inside = w <= x1 - x0;
      const at = [inside ? x0 : null, x1, x1 - w].find((a) => a != null && free(key, a, a + w));
      if (at == null) continue;
      taken.push([key, at, at + w]);
      // On the schedule strip: dark on the band, the band's colour beside it, light across its edge.
      if (b.row !== 'schedule') ctx.fillStyle = COLORS.text;
      else ctx.fillStyle = inside ? '#0f1318' : at >= x1 ? colour : '#e8eef5';
      ctx.fillText(text, at + 4 * d, y);
    }
    ctx.restore();
    return placed.length;
  }

  function drawLevels(u) {
    const { levels } = get();
    const { ctx, bbox } = u;
    const d = dpr();
    const y = u.scales.y;
    let drawn = 0;
    ctx.save();
    ctx.font = `${11 * d}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    for (const lv of levels) {
      if (!(lv.value >= y.min && lv.value <= y.max)) continue;
      const py = u.valToPos(lv.value, 'y', true);
      drawn++;
      ctx.strokeStyle = LEVEL_LINE;
      ctx.lineWidth = d;
      ctx.setLineDash([2 * d, 3 * d]);
      ctx.beginPath(); ctx.moveTo(bbox.left, py); ctx.lineTo(bbox.left + bbox.width, py); ctx.stroke();
      ctx.setLineDash([]);
      const text = `${lv.name} ${formatNumber(lv.value, 3)}`;
      ctx.fillStyle = 'rgba(15, 19, 24, 0.75)';
      const w = ctx.measureText(text).width;
      ctx.fillRect(bbox.left + bbox.width - w - 6 * d, py - 13 * d, w + 4 * d, 12 * d);
      ctx.fillStyle = COLORS.muted;
      ctx.fillText(text, bbox.left + bbox.width - 4 * d, py - 1.5 * d);
    }
    ctx.restore();
    return drawn;
  }

  function drawMarks(u) {
    const { marks, focusId } = get();
    const { ctx, bbox } = u;
    const d = dpr();
    const gy = bbox.top - (GLYPH_ROW / 2 + 2) * d;
    let drawn = 0;
    ctx.save();
    for (const m of marks) {
      const x = xOf(u, m.step);
      if (x < bbox.left - 1 || x > bbox.left + bbox.width + 1) continue;
      drawn++;
      const st = SEVERITY_STYLE[m.severity] ?? SEVERITY_STYLE.info;
      const on = m.id === focusId || m.id === hovered?.id;
      ctx.strokeStyle = rgba(st.color, on ? 0.95 : 0.5);
      ctx.lineWidth = (on ? 1.5 : 1) * d;
      ctx.setLineDash(m.severity === 'info' ? [2 * d, 3 * d] : []);
      ctx.beginPath(); ctx.moveTo(x, gy); ctx.lineTo(x, bbox.top + bbox.height); ctx.stroke();
      ctx.setLineDash([]);
      if (m.stepEnd > m.step) {
        const x1 = inPlotX(u, xOf(u, m.stepEnd));
        ctx.fillStyle = rgba(st.color, 0.6);
        ctx.fillRect(x, gy - 1.5 * d, x1 - x, 3 * d);
      }
      drawGlyph(ctx, st.shape, x, gy, (on ? 6.5 : 5) * d);
      ctx.fillStyle = st.color;
      ctx.fill();
      ctx.strokeStyle = on ? '#ffffff' : '#0f1318';
      ctx.lineWidth = d;
      ctx.stroke();
    }
    ctx.restore();
    return drawn;
  }

  // --- hover and click, on the chart's whole canvas (the glyph row is above uPlot's cursor area)
  function pointerAt(ev) {
    const u = plot;
    const r = u.root.querySelector('.u-wrap').getBoundingClientRect();
    return { u, x: (ev.clientX - r.left) * dpr(), y: (ev.clientY - r.top) * dpr() };
  }
  function find(ev) {
    if (!plot) return null;
    const { u, x, y } = pointerAt(ev);
    const d = dpr();
    if (y > u.bbox.top + u.bbox.height || x < u.bbox.left - HIT_PX * d) return null;
    const mark = markAt(get().marks, (s) => xOf(u, s), x, HIT_PX * d);
    if (mark) return { ...mark, what: 'mark' };
    // Over a band's label row (the schedule strip, or the foot of the plot): the band.
    const inStrip = y < u.bbox.top - GLYPH_ROW * d;
    const inFoot = y > u.bbox.top + u.bbox.height - 4 * LABEL_H * d;
    if (!inStrip && !inFoot) return null;
    const band = get().bands.find((b) => (b.row === 'schedule') === inStrip && x >= xOf(u, b.from) && x <= xOf(u, b.to));
    return band ? { ...band, what: 'band' } : null;
  }
  function showTip(item, ev) {
    if (!item) { tip.hidden = true; return; }
    tip.replaceChildren();
    if (item.what === 'mark') {
      const st = SEVERITY_STYLE[item.severity] ?? SEVERITY_STYLE.info;
      tip.dataset.id = String(item.id);
      tip.dataset.severity = item.severity;
      tip.className = `insight-tip sev-${item.severity}`;
      tip.append(el('span', { class: `sev-tag sev-${item.severity}`, 'data-shape': st.shape }, item.severity),
        el('strong', {}, item.title),
        el('span', { class: 'muted' }, item.stepEnd > item.step ? `steps ${item.step}–${item.stepEnd}` : `step ${item.step}`),
        el('span', { class: 'muted insight-tip-hint' }, 'click: show this step and its explanation'));
    } else {
      tip.dataset.id = '';
      tip.className = 'insight-tip';
      tip.append(el('strong', {}, item.label), el('span', { class: 'muted' }, item.open ? `from step ${item.from} (ongoing)` : `steps ${item.from}–${item.to}`));
    }
    tip.hidden = false;
    const r = card.getBoundingClientRect();
    const x = Math.min(ev.clientX - r.left + 12, r.width - tip.offsetWidth - 6);
    tip.style.left = `${Math.max(4, x)}px`;
    tip.style.top = `${Math.max(4, ev.clientY - r.top + 14)}px`;
  }
  function onMove(ev) {
    const item = find(ev);
    const changed = (item?.id ?? null) !== (hovered?.id ?? null) || item?.what !== hovered?.what;
    hovered = item;
    showTip(item, ev);
    if (plot) plot.over.style.cursor = item?.what === 'mark' ? 'pointer' : '';
    if (changed) plot?.redraw(false, false);
  }
  function onLeave() {
    if (!hovered) return;
    hovered = null; tip.hidden = true; plot?.redraw(false, false);
  }
  const onDown = (ev) => { downAt = [ev.clientX, ev.clientY]; };
  function onClick(ev) {
    // The end of a drag (uPlot's zoom) is not a click.
    if (downAt && Math.hypot(ev.clientX - downAt[0], ev.clientY - downAt[1]) > 4) return;
    const item = find(ev);
    if (item?.what === 'mark') onPick?.(item);
  }

  const plugin = {
    hooks: {
      init: [(u) => {
        plot = u;
        if (!card) { card = u.root.closest('.card') ?? u.root.parentNode; card.append(tip); }
        const wrap = u.root.querySelector('.u-wrap');
        wrap.addEventListener('pointermove', onMove);
        wrap.addEventListener('pointerleave', onLeave);
        wrap.addEventListener('pointerdown', onDown);
        wrap.addEventListener('click', onClick);
      }],
      drawClear: [(u) => { u.root.parentNode && (countOf(u).bands = drawBands(u)); }],
      drawAxes: [(u) => { countOf(u).levels = drawLevels(u); }],
      draw: [(u) => {
        const c = countOf(u);
        c.marks = drawMarks(u);
        const box = u.root.parentNode;
        if (box) for (const k of ['bands', 'levels', 'marks']) box.dataset[k] = String(c[k] ?? 0);
      }],
      destroy: [(u) => { if (plot === u) plot = null; }],
    },
  };
  const counts = new WeakMap();
  function countOf(u) { if (!counts.has(u)) counts.set(u, {}); return counts.get(u); }

  return {
    plugin,
    padTop: PAD_TOP,
    hoverTip: tip,
    marksOnScreen() {
      if (!plot) return [];
      const r = plot.root.querySelector('.u-wrap').getBoundingClientRect();
      const d = dpr();
      const gy = plot.bbox.top - (GLYPH_ROW / 2 + 2) * d;
      return get().marks.map((m) => ({ id: m.id, step: m.step, x: r.left + xOf(plot, m.step) / d, y: r.top + gy / d }))
        .filter((m) => m.x >= r.left + plot.bbox.left / d - 1 && m.x <= r.left + (plot.bbox.left + plot.bbox.width) / d + 1);
    },
  };
}
