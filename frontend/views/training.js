// views/training.js: the Training tab: loss (train and val, plus a compared run), learning rate,
// gradient norm and throughput charts, the run summary, the latest text sample and the events.
//
// createTrainingView(root, store, {onPick(mark)}) -> {charts(), insightMarks(), dispose()}
// Reads store keys: metrics {[session]: rows}, events {[session]: events}, insights, session,
// compare, sessions, hello, runInfo {[session]: run.json: its reference_levels}, frame (its step
// is marked on the charts), focusInsight. The loss chart also shows the run's insights
// (views/chart_insights.js: phase bands, n-gram levels, event marks); clicking a mark calls
// onPick(mark) (app.js: playback jumps to its step and its card opens).
// Metrics arrive every step; the charts redraw at most every REDRAW_MS (batched), from columns
// that are updated incrementally (metric_columns.js).
import { createChartPanel } from './chart_panel.js';
import { tourRegionPlugin } from './tour_region.js';
import { createInsightsLayer } from './chart_insights.js';
import { insightList, insightMarks, phaseBands } from '../state/insights.js';
import { createColumns, updateColumns, joinOnStep, decimate } from '../state/metric_columns.js';
import { COLORS } from './theme.js';
import { el } from './dom.js';
import { cardButton } from './explain_card.js';
import { EVENT_KINDS } from '../net/protocol.js';
import { formatCompact, formatExponent, formatInteger, formatDecimals, formatPercent, MISSING, shortId } from '../display/format.js';
import { runState } from './status.js';

const REDRAW_MS = 250;
const MAX_DRAWN = 2000;    // x values per chart, about; beyond, buckets keep their extremes (decimate)
const MAX_EVENTS = 200;


const LEVEL_NAMES = ['uniform', 'unigram', 'bigram', 'trigram'];
const AXES = [['linear', 'linear'], ['logy', 'log loss'], ['loglog', 'log-log']];

export function createTrainingView(root, store, { onPick } = {}) {
  const chartsEl = root.querySelector('#charts');
  const markerStep = () => store.get().frame?.step ?? null;
  const prefs = loadPrefs();
  const smoothSel = el('select', { 'aria-label': 'Smoothing of the training loss (exponential moving average)',
    title: 'Smooth the training loss (exponential moving average, bias-corrected); the raw curve stays faint' });
  for (const [v, t] of [['0', 'raw'], ['0.6', 'EMA 0.6'], ['0.9', 'EMA 0.9'], ['0.99', 'EMA 0.99']]) {
    smoothSel.append(el('option', { value: v }, t));
  }
  smoothSel.value = String(prefs.smooth);
  const axesSel = el('select', { 'data-testid': 'loss-axes', 'aria-label': 'Loss chart axes',
    title: 'Axes of the loss chart: log-log shows a power-law descent as a straight line' });
  for (const [v, t] of AXES) axesSel.append(el('option', { value: v }, t));
  axesSel.value = prefs.axes;
  const onPref = () => {
    prefs.smooth = Number(smoothSel.value);
    prefs.axes = axesSel.value;
    savePrefs(prefs);
    schedule();
  };
  smoothSel.addEventListener('change', onPref);
  axesSel.addEventListener('change', onPref);
  // The insights drawn on the loss chart, prepared in draw() (batched), read by the plugin's hooks.
  const shownInsights = { key: '', bands: [], marks: [], levels: [], focusId: null };
  const layer = createInsightsLayer({ get: () => shownInsights, onPick: (m) => onPick?.(m) });
  const loss = createChartPanel(chartsEl, {
    testid: 'chart-loss', title: 'Loss', yLabel: 'cross-entropy', markerStep, controls: [smoothSel, axesSel],
    plugins: [layer.plugin, tourRegionPlugin(store, 'loss')], padTop: layer.padTop,
    help: 'Training loss at every step (line) and validation loss at each evaluation (dots); a compared run is dashed. ' +
      'Coloured bands are the phases the insights engine found (the strip above the plot: the learning-rate schedule); ' +
      'dotted lines are what a unigram, bigram or trigram table of this data would score; ' +
      'the symbols above the plot mark events (circle info, diamond notice, triangle warning, square critical): ' +
      'hover one for its title, click it to see that step and its explanation. ' +
      'The dashed vertical line marks the parameter frame on screen.',
  });
  const lr = createChartPanel(chartsEl, {
    testid: 'chart-lr', title: 'Learning rate', yLabel: 'lr', markerStep, plugins: [tourRegionPlugin(store, 'lr')],
    help: 'Learning rate used at each step (warm-up, then cosine decay).',
  });
  const gradnorm = createChartPanel(chartsEl, {
    testid: 'chart-gradnorm', title: 'Gradient norm', yLabel: '‖g‖₂', markerStep, plugins: [tourRegionPlugin(store, 'gradnorm')],
    help: 'Global L2 norm of the gradient before clipping. Spikes often precede loss spikes.',
  });
  const throughput = createChartPanel(chartsEl, {
    testid: 'chart-throughput', title: 'Throughput', yLabel: 'tokens/s', markerStep,
    help: 'Tokens processed per second (and model FLOPs utilisation, MFU, when the trainer reports it).',
  });

  const cache = new Map();  // session -> columns
  const columnsOf = (session) => {
    if (!session) return null;
    if (!cache.has(session)) cache.set(session, createColumns());
    return updateColumns(cache.get(session), store.get().metrics?.[session]);
  };

  function draw() {
    const { session, compare } = store.get();
    const a = columnsOf(session) ?? createColumns();
    const b = compare && compare !== session ? columnsOf(compare) : null;
    // Run ids in the legend only when two runs share the chart.
    const shortA = b ? shortId(session) : '';
    const k = prefs.smooth;
    const lossSeries = [];
    const ysA = [];
    if (k > 0) {
      lossSeries.push({ label: `train ${shortA} raw`.replace('  ', ' '), stroke: COLORS.trainFaint, width: 1, fmt: formatDecimals });
      ysA.push(a.train);
    }
    lossSeries.push(
      { label: `train ${shortA}${k > 0 ? ` EMA ${k}` : ''}`.replace('  ', ' ').trim(), stroke: COLORS.train, fmt: formatDecimals },
      { label: `val ${shortA}`.trim(), stroke: COLORS.val, points: true, width: 1, fmt: formatDecimals },
    );
    ysA.push(k > 0 ? ema(a.train, k) : a.train, a.val);
    if (b) {
      const shortB = shortId(compare);
      lossSeries.push(
        { label: `train ${shortB}${k > 0 ? ` EMA ${k}` : ''}`, stroke: COLORS.compareTrain, dash: [6, 4], fmt: formatDecimals },
        { label: `val ${shortB}`, stroke: COLORS.compareVal, dash: [2, 3], points: true, width: 1, fmt: formatDecimals },
      );
    }
    const logX = prefs.axes === 'loglog';
    loss.configure(lossSeries, { logY: prefs.axes !== 'linear', logX });
    const joined = joinOnStep({ step: a.step, ys: ysA },
      b ? { step: b.step, ys: [k > 0 ? ema(b.train, k) : b.train, b.val] } : null);
    const valCols = [ysA.length];
    if (b) valCols.push(ysA.length + 2);
    prepareInsights(session, a.step[a.step.length - 1] ?? null);
    loss.setData(decimate(logX ? withoutStepZero(joined) : joined, MAX_DRAWN, valCols));

    lr.configure([{ label: 'lr', stroke: COLORS.lr, fmt: formatExponent }]);
    lr.setData(decimate([a.step, a.lr], MAX_DRAWN));
    gradnorm.configure([{ label: 'grad norm', stroke: COLORS.gradnorm, fmt: formatDecimals }]);
    gradnorm.setData(decimate([a.step, a.gn], MAX_DRAWN));

    if (a.hasMfu) {
      throughput.configure([{ label: 'tokens/s', stroke: COLORS.tokens, fmt: formatInteger },
        { label: 'MFU', stroke: COLORS.mfu, scale: 'mfu', fmt: formatPercent }],
      { rightAxis: { label: 'MFU', scale: 'mfu', percent: true } });
      throughput.setData(decimate([a.step, a.tps, a.mfu], MAX_DRAWN));
    } else {
      throughput.configure([{ label: 'tokens/s', stroke: COLORS.tokens, fmt: formatInteger }]);
      throughput.setData(decimate([a.step, a.tps], MAX_DRAWN));
    }
    drawSummary(a);
  }

  // --- insights on the loss chart ---------------------------------------------------------------
  function prepareInsights(session, lastStep) {
    const s = store.get();
    const set = s.insights?.[session];
    const levels = s.runInfo?.[session]?.reference_levels ?? null;
    const key = `${session}|${set?.version ?? -1}|${lastStep}|${JSON.stringify(levels)}`;
    if (key === shownInsights.key) return;
    shownInsights.key = key;
    const list = insightList(set);
    shownInsights.bands = phaseBands(list, lastStep);
    shownInsights.marks = insightMarks(list);
    shownInsights.levels = LEVEL_NAMES.filter((n) => Number.isFinite(levels?.[n])).map((n) => ({ name: n, value: levels[n] }));
  }

  // --- run summary, sample, events -------------------------------------------------------------
  const summaryEl = root.querySelector('#run-summary');
  function drawSummary(a) {
    const s = store.get();
    const info = s.sessions?.find((x) => x.session === s.session);
    const run = s.runInfo?.[s.session];
    const model = run?.model ?? s.hello?.model;
    const lastIdx = lastIndexWith(a.train);
    const bestVal = a.val.reduce((m, v) => (v != null && (m == null || v < m) ? v : m), null);
    const rows = [
      ['run', s.session ?? MISSING],
      ['state', s.session && s.session === s.hello?.session && s.hello?.live ? 'training (live)'
        : runState(info)],
      ['step', a.step.length ? String(a.step[a.step.length - 1]) : MISSING],
      ['train loss', lastIdx >= 0 ? formatDecimals(a.train[lastIdx]) : MISSING],
      ['best val loss', formatDecimals(bestVal)],
      ['model', model ? `L${model.L} · H${model.NH} · C${model.C} · V${model.V} · T${model.maxT}` +
        (model.params ? ` · ${formatCompact(model.params)} params` : '') : MISSING],
      ['device', run?.device ?? MISSING],
      ['tokens/s', lastIdx >= 0 ? formatInteger(a.tps[lastIdx]) : MISSING],
    ];
    summaryEl.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v;
      return [dt, dd];
    }));
  }

  const sampleEl = root.querySelector('#sample-text');
  const sampleStepEl = root.querySelector('#sample-step');
  const eventsEl = root.querySelector('#events');
  let eventsShown = { list: null, n: 0 };
  function drawEvents() {
    const { session, events } = store.get();
    const list = events?.[session] ?? [];
    if (eventsShown.list === list && eventsShown.n === list.length) return;
    eventsShown = { list, n: list.length };
    const sample = findLast(list, (e) => e.kind === EVENT_KINDS.sample);
    sampleEl.textContent = sample ? sample.text : 'no sample yet (the trainer writes one at each evaluation)';
    sampleStepEl.textContent = sample ? `step ${sample.step}` : '';
    const shown = list.filter((e) => e.kind !== EVENT_KINDS.sample).slice(-MAX_EVENTS);
    eventsEl.replaceChildren(...shown.reverse().map((e) => {
      const li = document.createElement('li');
      li.className = `ev ev-${e.kind}`;
      const tag = document.createElement('span'); tag.className = 'ev-kind'; tag.textContent = e.kind;
      const step = document.createElement('span'); step.className = 'ev-step'; step.textContent = `step ${e.step}`;
      const text = document.createElement('span'); text.className = 'ev-text'; text.textContent = e.text;
      li.append(tag);
      if (Object.values(EVENT_KINDS).includes(e.kind)) li.append(cardButton(`event:${e.kind}`, { label: `What is a ${e.kind} event?`, for: '.ev' }));
      li.append(step, text);
      return li;
    }));
    if (!shown.length) {
      const li = document.createElement('li'); li.className = 'muted'; li.textContent = 'no evaluations or checkpoints yet';
      eventsEl.append(li);
    }
  }

  // --- batching ---------------------------------------------------------------------------------
  let timer = null;
  let lastDraw = 0;
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, REDRAW_MS - (performance.now() - lastDraw));
    timer = setTimeout(() => {
      timer = null;
      lastDraw = performance.now();
      try { draw(); drawEvents(); } catch (err) { console.error('training view:', err); }
    }, wait);
  };
  const offs = ['metrics', 'session', 'compare', 'sessions', 'hello', 'runInfo', 'events', 'insights']
    .map((k) => store.on(k, schedule));
  // A guided tour's chart region (views/tour_region.js): redraw the charts, bring its chart into view.
  offs.push(store.on('tourRegion', (r) => {
    for (const c of [loss, lr, gradnorm]) c.redraw();
    const c = { loss, lr, gradnorm }[r?.chart];
    c?.el.scrollIntoView?.({ block: 'nearest' });
  }));
  offs.push(store.on('focusInsight', (f) => { shownInsights.focusId = f?.id ?? null; loss.redraw(); }));
  // The frame marker moves with the frame on screen: a redraw, batched like the data.
  let markedStep = null;
  let markerTimer = null;
  offs.push(store.on('frame', () => {
    if (markerStep() === markedStep || markerTimer) return;
    markerTimer = setTimeout(() => {
      markerTimer = null;
      markedStep = markerStep();
      for (const c of [loss, lr, gradnorm, throughput]) c.redraw();
    }, REDRAW_MS);
  }));
  schedule();

  return {
    charts: () => [loss, lr, gradnorm, throughput],
    insightMarks: () => layer.marksOnScreen(),
    drawNow: () => { draw(); drawEvents(); },
    dispose: () => offs.forEach((off) => off()),
  };
}

/** Bias-corrected exponential moving average (TensorBoard's smoothing); nulls stay null. */
export function ema(values, k) {
  const out = new Array(values.length);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) { out[i] = null; continue; }
    acc = k * acc + (1 - k) * v;
    n++;
    out[i] = acc / (1 - k ** n);
  }
  return out;
}

const PREFS_KEY = 'nanogpt.training';
function loadPrefs() {
  try {
    const p = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}');
    const axes = AXES.some(([v]) => v === p.axes) ? p.axes : p.logY ? 'logy' : 'linear'; // logY: the old checkbox
    return { smooth: [0, 0.6, 0.9, 0.99].includes(p.smooth) ? p.smooth : 0, axes };
  } catch { return { smooth: 0, axes: 'linear' }; }
}

/** The columns without their points at step 0 (a log step axis has no place for them). */
function withoutStepZero(cols) {
  let i = 0;
  while (i < cols[0].length && !(cols[0][i] > 0)) i++;
  return i ? cols.map((c) => c.slice(i)) : cols;
}
function savePrefs(p) {
  try { localStorage.setItem(PREFS_KEY, JSON.stringify(p)); } catch { /* private mode */ }
}

function lastIndexWith(col) {
  for (let i = col.length - 1; i >= 0; i--) if (col[i] != null) return i;
  return -1;
}

function findLast(list, pred) {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i])) return list[i];
  return undefined;
}

