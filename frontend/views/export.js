// views/export.js: the two download buttons (R4.6, groundwork for R5.6).
// - `export-png`: a PNG of the current view (the Parameters view's snapshot(), or the four training
//   charts) with a caption band: run id, step of the frame on screen, what the picture shows, and
//   the insights active at that step (severity and title: explain/annotations.js).
// - `export-data`: the frame on screen as JSON with decoded tensors (plain number arrays).
// Both download through an <a download> element.
//
// createExport(store, {paramsHost(), trainingView()}) -> {pngCanvas(), frameJSON()}
import { MISSING } from '../display/format.js';
import { COLORS } from './theme.js';
import { annotationText } from '../explain/annotations.js';
import { holdSteps, insightList } from '../state/insights.js';

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Draws `items` [{label, stroke, dash}] as a legend row from (x, y); returns the end x. */
function drawLegend(ctx, items, x, y, dpr) {
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  for (const it of items) {
    ctx.strokeStyle = typeof it.stroke === 'function' ? COLORS.text : it.stroke;
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash((it.dash ?? []).map((d) => d * dpr));
    ctx.beginPath();
    ctx.moveTo(x, y - 4 * dpr);
    ctx.lineTo(x + 16 * dpr, y - 4 * dpr);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = COLORS.muted;
    ctx.fillText(it.label, x + 20 * dpr, y);
    x += 28 * dpr + ctx.measureText(it.label).width;
  }
  return x;
}

/** The four charts in a 2 x 2 grid, each with its title and legend. */
function composeCharts(charts) {
  const dpr = devicePixelRatio || 1;
  const parts = charts.map((c) => ({ title: c.title, canvas: c.canvas(), legend: c.legend() })).filter((c) => c.canvas);
  if (!parts.length) return null;
  const cw = Math.max(...parts.map((c) => c.canvas.width));
  const ch = Math.max(...parts.map((c) => c.canvas.height));
  const titleH = 42 * dpr; // title, then the legend on its own row
  const out = document.createElement('canvas');
  out.width = cw * 2;
  out.height = (ch + titleH) * Math.ceil(parts.length / 2);
  const ctx = out.getContext('2d');
  ctx.fillStyle = COLORS.panel;
  ctx.fillRect(0, 0, out.width, out.height);
  parts.forEach((c, i) => {
    const x = (i % 2) * cw;
    const y = Math.floor(i / 2) * (ch + titleH);
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 ${13 * dpr}px system-ui, sans-serif`;
    ctx.fillText(c.title, x + 10 * dpr, y + 17 * dpr);
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, cw, titleH);
    ctx.clip(); // a long legend never runs into the next chart
    drawLegend(ctx, c.legend, x + 10 * dpr, y + 35 * dpr, dpr);
    ctx.restore();
    ctx.drawImage(c.canvas, x, y + titleH);
  });
  return out;
}

/** Splits `text` into lines that fit `width` with the context's current font. */
function wrap(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Adds the caption band (title line, then the caption wrapped to the width) above `picture`. */
function withCaption(picture, [title, caption]) {
  const scale = Math.max(1, picture.width / 1400);
  const pad = 12 * scale;
  const measure = document.createElement('canvas').getContext('2d');
  const captionFont = `${Math.round(13 * scale)}px system-ui, sans-serif`;
  measure.font = captionFont;
  const lines = wrap(measure, caption, picture.width - 2 * pad);
  const lineH = 18 * scale;
  const band = Math.round(30 * scale + lines.length * lineH + 8 * scale);
  const out = document.createElement('canvas');
  out.width = picture.width;
  out.height = picture.height + band;
  const ctx = out.getContext('2d');
  ctx.fillStyle = COLORS.bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(picture, 0, band);
  ctx.fillStyle = COLORS.text;
  ctx.font = `600 ${Math.round(16 * scale)}px system-ui, sans-serif`;
  ctx.fillText(title, pad, 22 * scale);
  ctx.fillStyle = COLORS.muted;
  ctx.font = captionFont;
  lines.forEach((l, i) => ctx.fillText(l, pad, 30 * scale + (i + 0.75) * lineH));
  return out;
}

function describeParams(state, kind) {
  const f = state.filters;
  const names = { embeddings: 'embeddings', attention: 'attention', mlp: 'MLP', layernorm: 'LayerNorm' };
  const types = f?.types ? (f.types.size ? [...f.types].map((t) => names[t] ?? t).join(', ') : 'no types')
    : 'all types';
  const layers = f?.layers ? (f.layers.size ? `layers ${[...f.layers].sort((a, b) => a - b).join(', ')}` : 'no layers') : 'all layers';
  return `Parameters (${kind} view): cells show ${state.field ?? 'value'}, points coloured by ` +
    `${state.colorBy ?? 'frequency'}; ${types}; ${layers}`;
}

export function frameToJSON(frame) {
  return {
    format: 'nanogpt-frame-json/1',
    session: frame.session,
    step: frame.step,
    version: frame.version,
    model: frame.model,
    stat_names: frame.statNames,
    blocks: frame.blocks,
    tensors: frame.tensors.map((t) => ({
      name: t.name, kind: t.kind, layer: t.layer, field: t.field, shape: t.shape, data: Array.from(t.data),
    })),
  };
}

export function createExport(store, { paramsHost, trainingView }) {
  const pngBtn = document.getElementById('export-png');
  const dataBtn = document.getElementById('export-data');

  function pngCanvas() {
    const s = store.get();
    const step = s.frame?.step;
    const run = s.session ?? 'no run';
    let picture = null;
    let caption;
    if (s.tab === 'params' && paramsHost()) {
      picture = paramsHost().snapshot();
      caption = describeParams(s, paramsHost().kind());
    }
    if (!picture) {
      picture = composeCharts(trainingView().charts());
      const lastStep = s.metrics?.[s.session]?.at(-1)?.step;
      caption = `Training curves of run ${run} up to step ${lastStep ?? MISSING}: loss (train as a line, ` +
        `validation as dots${s.compare ? `; run ${s.compare} dashed for comparison` : ''}), learning rate, ` +
        'gradient norm (before clipping), throughput. The dashed vertical line marks the parameter frame on screen.';
    }
    if (!picture) return null;
    // The insights active at the step on screen (R5.5): their severity and title join the caption.
    const notes = annotationText(insightList(s.insights?.[s.session]), step ?? s.metrics?.[s.session]?.at(-1)?.step,
      { hold: holdSteps(s.runInfo?.[s.session]) });
    if (notes) caption = `${caption} ${notes}`;
    const title = `nanogpt · run ${run} · ${step != null ? `frame step ${step}` : 'no parameter frame'}` +
      ` · ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    return withCaption(picture, [title, caption]);
  }

  function say(btn, text) {
    const old = btn.textContent;
    btn.textContent = text;
    setTimeout(() => { btn.textContent = old; }, 1500);
  }

  pngBtn.addEventListener('click', () => {
    const c = pngCanvas();
    if (!c) { say(pngBtn, 'nothing to export'); return; }
    const s = store.get();
    const name = `nanogpt-${s.session ?? 'run'}-${s.tab}-step${s.frame?.step ?? 'none'}.png`;
    c.toBlob((blob) => blob && download(blob, name), 'image/png');
  });

  dataBtn.addEventListener('click', () => {
    const { frame } = store.get();
    if (!frame) { say(dataBtn, 'no frame yet'); return; }
    const json = JSON.stringify(frameToJSON(frame));
    download(new Blob([json], { type: 'application/json' }), `nanogpt-${frame.session}-step${frame.step}.json`);
  });

  return { pngCanvas, frameJSON: () => (store.get().frame ? frameToJSON(store.get().frame) : null) };
}
