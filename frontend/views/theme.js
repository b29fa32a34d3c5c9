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

export const FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif';
