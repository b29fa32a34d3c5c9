// views/chart_panel.js: one uPlot chart in a titled card. The chart container carries the
// data-testid and `data-points` (number of x values drawn, docs/frontend.md). Series can change
// (a compared run, MFU appearing): configure() rebuilds the plot only when they change.
// The plot follows its card's size (ResizeObserver), so a chart created in a hidden tab draws at
// the right size once the tab is shown. `markerStep()` gives a step to mark with a vertical line
// (the parameter frame on screen), or null. `plugins` are uPlot plugins given to every plot the
// panel builds (views/chart_insights.js draws the loss chart's insights that way); `padTop`
// reserves room above the plot for what they draw there.
import uPlot from 'uplot';
import { COLORS, FONT } from './theme.js';
import { formatNumber, formatPercent, formatTick, MISSING } from '../display/format.js';
import { cardButton } from './explain_card.js';

const MIN_H = 120;
const logRange = (u, min, max) => (min > 0 && max > 0 ? [min / 1.04, max * 1.04] : [1, 10]);

function axis(label, extra = {}) {
  return {
    label, stroke: COLORS.axis, font: FONT, labelFont: FONT, labelSize: 18,
    grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid, width: 1 }, ...extra,
  };
}

export function createChartPanel(parent, { testid, title, help, yLabel, markerStep, controls = [], plugins = [], padTop = null }) {
  const card = document.createElement('section');
  card.className = 'card chart-card';
  const head = document.createElement('h2');
  head.textContent = title;
  // The "?" opens the chart's explanation card (views/explain_card.js, explain/cards.js), beside
  // the chart; the panel's own help text becomes the card's "how to read this chart".
  const info = cardButton(`chart:${testid}`, { label: `What does the ${title} chart show?`, for: '.chart-card' });
  if (help) info.dataset.cardHelp = help;
  head.append(' ', info);
  if (controls.length) {
    const tools = document.createElement('span');
    tools.className = 'chart-tools';
    tools.append(...controls);
    head.append(tools);
  }
  const box = document.createElement('div');
  box.className = 'chart';
  box.dataset.testid = testid;
  box.setAttribute('data-testid', testid);
  box.dataset.points = '0';
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', `${title} chart; hover to read values in the legend`);
  const empty = document.createElement('p');
  empty.className = 'chart-empty muted';
  empty.textContent = 'waiting for data…';
  card.append(head, box, empty);
  parent.append(card);

  let plot = null;
  let seriesKey = '';
  let data = [[]];
  let shown = []; // the configured series

  const size = () => {
    const legend = plot?.root.querySelector('.u-legend');
    const legendH = legend ? legend.offsetHeight : 24;
    const width = Math.max(200, box.clientWidth);
    const height = Math.max(MIN_H, card.clientHeight - head.offsetHeight - legendH - 22);
    return { width, height };
  };

  const markerHook = (u) => {
    const step = markerStep?.();
    if (step == null) return;
    const x = u.valToPos(step, 'x', true);
    if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
    const { ctx } = u;
    ctx.save();
    ctx.strokeStyle = COLORS.marker;
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  };

  /** series: [{label, stroke, dash?, points?, scale?, fmt?}] (after x); rightAxis {label, scale};
   *  logY, logX (a log step axis: the caller leaves out step 0). */
  function configure(series, { rightAxis = null, logY = false, logX = false } = {}) {
    const key = JSON.stringify([series.map((s) => [s.label, s.stroke, s.dash, s.scale, s.points]), rightAxis, logY, logX]);
    if (key === seriesKey && plot) return;
    seriesKey = key;
    shown = series;
    plot?.destroy();
    const opts = {
      ...size(),
      legend: { live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 7 } },
      // Log axes span the data (uPlot would round them out to whole decades, squeezing the curve).
      scales: { x: logX ? { time: false, distr: 3, range: logRange } : { time: false }, y: logY ? { distr: 3, range: logRange } : { auto: true } },
      padding: [padTop, null, null, null],
      plugins,
      series: [
        { label: 'step', value: (u, v) => (v == null ? MISSING : String(v)) },
        ...series.map((s) => ({
          label: s.label, stroke: s.stroke, width: s.width ?? 1.5, dash: s.dash, scale: s.scale ?? 'y',
          spanGaps: true,
          points: s.points ? { show: true, size: 5, fill: s.stroke } : { show: false },
          value: (u, v) => (v == null ? MISSING : s.fmt ? s.fmt(v) : formatNumber(v, 4)),
        })),
      ],
      axes: [
        axis('step'),
        axis(yLabel, { size: 60, values: (u, vals) => vals.map((v) => formatTick(v)) }),
        ...(rightAxis ? [axis(rightAxis.label, { side: 1, scale: rightAxis.scale, size: 56,
          grid: { show: false },
          values: (u, vals) => vals.map((v) => (rightAxis.percent ? formatPercent(v) : formatTick(v))) })] : []),
      ],
      hooks: { draw: [markerHook] },
    };
    if (rightAxis) opts.scales[rightAxis.scale] = { auto: true };
    plot = new uPlot(opts, data.length === series.length + 1 ? data : [[], ...series.map(() => [])], box);
    // data-axes says which axes are on screen once the new plot has its size (marks sit still).
    const axes = logX ? 'loglog' : logY ? 'logy' : 'linear';
    requestAnimationFrame(() => {
      if (!plot) return;
      plot.setSize(size());
      box.dataset.axes = axes;
    });
  }

  /** data: uPlot columns [xs, ...ys] matching the configured series. */
  // In a hidden tab only data-points is kept current; the plot catches up when shown.
  let stale = false;
  const visible = () => card.clientWidth > 0;
  function setData(cols) {
    data = cols;
    const n = cols[0].length;
    box.dataset.points = String(n);
    empty.hidden = n > 0;
    stale = true;
    if (visible()) flush();
  }
  function flush() {
    if (stale && plot && plot.series.length === data.length) { plot.setData(data); stale = false; }
  }

  const observer = new ResizeObserver(() => {
    if (!plot || !visible()) return;
    const s = size();
    if (s.width !== plot.width || s.height !== plot.height) plot.setSize(s);
    if (stale) flush(); else plot.redraw(false, false); // the frame marker may have moved
  });
  observer.observe(card);

  return {
    el: box,
    configure,
    setData,
    redraw: () => { if (visible()) plot?.redraw(false, false); },
    canvas: () => plot?.ctx.canvas ?? null,
    /** The drawn series as [{label, stroke, dash}] (for the PNG export's legend). */
    legend: () => shown.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash })),
    title,
  };
}
