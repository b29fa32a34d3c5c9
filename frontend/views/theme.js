// views/theme.js: the dashboard's colours in one place, shared by the charts, the export and the
// CSS (style.css repeats the surface colours). Series colours are the Okabe-Ito palette, which stays
// distinguishable with the common colour-vision deficiencies; a compared run is also dashed so it
// never depends on colour alone.
export const COLORS = {
  bg: '#0f1318',
  panel: '#161b22',
  grid: 'rgba(200, 210, 225, 0.09)',
  axis: '#8b96a5',
  text: '#d8dee6',
  muted: '#8b96a5',
  train: '#56B4E9',       // sky blue
  trainFaint: 'rgba(86, 180, 233, 0.3)', // the raw curve under a smoothed one
  val: '#E69F00',         // orange
  compareTrain: '#CC79A7', // reddish purple, dashed
  compareVal: '#F0E442',  // yellow, dashed
  lr: '#009E73',          // bluish green
  gradnorm: '#D55E00',    // vermillion
  tokens: '#56B4E9',
  mfu: '#E69F00',
  marker: 'rgba(240, 228, 66, 0.55)', // the step of the frame on screen
};

// Insights (views/chart_insights.js, the insights panel, the timeline). Phase bands are these
// colours at BAND_ALPHA behind the loss curve, each with its label written in the band (colour is
// never the only carrier); the lr schedule's phases (warm-up, annealing) sit in a strip of their
// own. Severities differ in shape as well as colour (info circle, notice diamond, warning
// triangle, critical square); none is yellow, the colour of the Parameters views' selection
// outline. tests/frontend/unit/theme.test.js checks these stay apart for protan and deutan viewers.
export const PHASE_COLORS = {
  rapid_descent: '#009E73', // bluish green
  slowdown: '#F0E442',      // yellow
  shoulder: '#F0E442',      // a slowdown seen offline
  power_law: '#0072B2',     // blue
  phase: '#999999',         // offline segments: neutral, alternating lightness
  warmup: '#CC79A7',        // reddish purple (schedule strip)
  annealing: '#D55E00',     // vermillion (schedule strip)
};
export const BAND_ALPHA = 0.18;
export const SEVERITY_STYLE = {
  info: { color: '#56B4E9', shape: 'circle' },
  notice: { color: '#009E73', shape: 'diamond' },
  warning: { color: '#E69F00', shape: 'triangle' },
  critical: { color: '#D55E00', shape: 'square' },
};
// Token groups an insight names (embedding clusters): rings around their members, one colour per
// group, each with its label beside it (Okabe-Ito without the sky blue of info marks).
export const GROUP_COLORS = ['#E69F00', '#009E73', '#F0E442', '#CC79A7', '#0072B2', '#D55E00'];
export const LEVEL_LINE = 'rgba(216, 222, 230, 0.5)'; // n-gram reference levels: dotted, labelled

// A guided tour's step range on a chart (views/tour_region.js): light, neutral, outlined.
export const TOUR_REGION = { fill: 'rgba(255, 255, 255, 0.10)', stroke: 'rgba(255, 255, 255, 0.85)' };
export const FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif';
