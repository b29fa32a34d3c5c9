// views/export.js: the two download buttons (R4.6, groundwork for R5.6).
// - `export-png`: a PNG of the current view (the Parameters view's snapshot(), or the four training
//   charts) with a caption band: run id, step of the frame on screen, what the picture shows.
// - `export-data`: the frame on screen as JSON with decoded tensors (plain number arrays).
// Both download through an <a download> element.
//
// createExport(store, {paramsHost(), trainingView()}) -> {pngCanvas(), frameJSON()}
import { COLORS } from './theme.js';

const BAND = 56; // caption band height in CSS pixels

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

/** The four charts side by side (2 x 2), each with its title. */
function composeCharts(charts) {
  const dpr = devicePixelRatio || 1;
  const canvases = charts.map((c) => ({ title: c.title, canvas: c.canvas() })).filter((c) => c.canvas);
  if (!canvases.length) return null;
  const cw = Math.max(...canvases.map((c) => c.canvas.width));
  const ch = Math.max(...canvases.map((c) => c.canvas.height));
  const titleH = 22 * dpr;
  const out = document.createElement('canvas');
  out.width = cw * 2;
  out.height = (ch + titleH) * Math.ceil(canvases.length / 2);
  const ctx = out.getContext('2d');
  ctx.fillStyle = COLORS.panel;
  ctx.fillRect(0, 0, out.width, out.height);
  canvases.forEach((c, i) => {
    const x = (i % 2) * cw;
    const y = Math.floor(i / 2) * (ch + titleH);
    ctx.fillStyle = COLORS.text;
    ctx.font = `600 ${13 * dpr}px system-ui, sans-serif`;
    ctx.fillText(c.title, x + 10 * dpr, y + 16 * dpr);
    ctx.drawImage(c.canvas, x, y + titleH);
  });
  return out;
}

/** Adds the caption band above `picture`. */
function withCaption(picture, lines) {
  const scale = Math.max(1, picture.width / 1400);
  const band = Math.round(BAND * scale);
  const out = document.createElement('canvas');
  out.width = picture.width;
  out.height = picture.height + band;
  const ctx = out.getContext('2d');
  ctx.fillStyle = COLORS.bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(picture, 0, band);
  ctx.fillStyle = COLORS.text;
  ctx.font = `600 ${Math.round(16 * scale)}px system-ui, sans-serif`;
  ctx.fillText(lines[0], 12 * scale, 22 * scale);
  ctx.fillStyle = COLORS.muted;
  ctx.font = `${Math.round(13 * scale)}px system-ui, sans-serif`;
  ctx.fillText(lines[1], 12 * scale, 44 * scale);
  return out;
}

function describeParams(state, kind) {
  const f = state.filters;
  const types = f?.types ? [...f.types].join(', ') : 'all types';
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
      caption = `Training curves up to step ${lastStep ?? '–'}: loss (train line, val dots` +
        `${s.compare ? `, compared run ${s.compare} dashed` : ''}), learning rate, gradient norm, throughput`;
    }
    if (!picture) return null;
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
