// insight_script.mjs: a replayed run with a known story, for the insight tests' rendering path
// (bench/browser/replay_server.mjs plays it): a loss curve that falls from the uniform level past
// the unigram and bigram levels, spikes at step 80 and then slows down; the insights the engine
// would send about it (spans re-sent as they grow and close, as viz/insights/emitter.h does); and
// probes at 50, 100, 150 and 200 where a previous-token head and then an induction head appear.
import { probeMessage, probeRecord } from '../unit/probe_fixture.js';

export const SPIKE_STEP = 80;
export const LEVELS = { uniform: 4.1744, unigram: 3.35, bigram: 2.48, trigram: 2.05 };
export const MAX_STEPS = 230;

/** The metrics of a step: the curve, the spike, a warm-up and a cosine lr. */
export function metricsAt(step) {
  const base = 1.75 + 2.45 * Math.exp(-step / 28) + 0.02 * Math.sin(step * 1.7);
  const spike = step === SPIKE_STEP ? 0.85 : step === SPIKE_STEP + 1 ? 0.3 : 0;
  const lr = step < 20 ? 2e-3 * (step + 1) / 21 : 2e-4 + 0.9e-3 * (1 + Math.cos(Math.PI * (step - 20) / 210));
  return { train_loss: base + spike, lr, grad_norm: step === SPIKE_STEP - 1 ? 4.2 : 0.9 + 0.1 * Math.cos(step),
    ...(step % 50 === 0 && step > 0 ? { val_loss: base + 0.04 } : {}) };
}

const texts = {
  explanation: 'The training loss jumped to 2.9, far above its recent trend (z = 7.4 against the last 64 steps), and came back within a few steps.',
  causes: ['an unusual batch meeting the current weights', 'a learning rate near the edge of stability'],
  try: ['nothing, if it recovers within ~50 steps', 'lower the peak learning rate, or lengthen the warm-up'],
};
const insight = (o) => ({ open: false, severity: 'info', subject: '', evidence: {}, explanation: '', causes: [], try: [], step_end: o.step, ...o });

/** [{at, msg}]: each message is sent when the replay reaches step `at`. */
export function insightScript() {
  return [
    { at: 5, msg: insight({ id: 1, kind: 'warmup', step: 0, step_end: 5, open: true, title: 'Warm-up' }) },
    { at: 10, msg: insight({ id: 2, kind: 'rapid_descent', step: 0, step_end: 10, open: true, title: 'Rapid descent' }) },
    { at: 20, msg: insight({ id: 1, kind: 'warmup', step: 0, step_end: 20, title: 'Warm-up', evidence: { lr_peak: 2e-3 },
      explanation: 'The learning rate rose to its peak over 20 steps, so the first, poorly informed updates stayed small.' }) },
    { at: 14, msg: insight({ id: 3, kind: 'level_crossed', step: 14, title: 'Below the unigram level (3.35)', evidence: { level: 3.35, loss: 3.3 } }) },
    { at: 38, msg: insight({ id: 9, kind: 'level_crossed', step: 38, title: 'Below the bigram level (2.48)', evidence: { level: 2.48, loss: 2.47 } }) },
    { at: 60, msg: insight({ id: 2, kind: 'rapid_descent', step: 0, step_end: 60, title: 'Rapid descent' }) },
    { at: 80, msg: insight({ id: 10, kind: 'grad_spike', step: SPIKE_STEP - 1, severity: 'notice', title: `Gradient spike at step ${SPIKE_STEP - 1}`,
      evidence: { z: 8.1, grad_norm: 4.2 } }) },
    { at: 82, msg: insight({ id: 4, kind: 'loss_spike', step: SPIKE_STEP, severity: 'warning', title: `Loss spike at step ${SPIKE_STEP}`,
      evidence: { z: 7.4, threshold: 4, window: 64, loss: 2.9, ema_before: 2.05 }, ...texts }) },
    { at: 100, msg: insight({ id: 5, kind: 'slowdown', step: 60, step_end: 100, open: true, severity: 'notice', title: 'Slowdown' }) },
    { at: 100, msg: insight({ id: 7, kind: 'previous_token_head', step: 100, subject: 'head:0.0', title: 'Head 0 of layer 0 reads the previous token',
      evidence: { prev_token: 0.95, threshold: 0.4 } }) },
    { at: 110, msg: insight({ id: 6, kind: 'update_ratio_outlier', step: 90, step_end: 110, severity: 'warning', subject: 'qkvw:1',
      title: 'qkvw of layer 1 moves 8× faster than its peers', evidence: { ratio: 0.083, peer_median: 0.0104 },
      explanation: 'Its update/weight ratio is 8 times that of the same tensor in the other layers.' }) },
    { at: 120, msg: insight({ id: 12, kind: 'embedding_clusters', step: 120, subject: 'wte', title: 'The vowels gather in the embedding',
      members: [39, 43, 47, 53, 59] }) },
    { at: 150, msg: insight({ id: 8, kind: 'induction_head', step: 150, severity: 'notice', subject: 'head:1.1',
      title: 'Head 1 of layer 1 is an induction head', evidence: { induction: 0.9, threshold: 0.3 } }) },
    { at: 160, msg: insight({ id: 5, kind: 'slowdown', step: 60, step_end: 160, severity: 'notice', title: 'Slowdown' }) },
    { at: 190, msg: insight({ id: 11, kind: 'power_law', step: 160, step_end: 190, open: true, title: 'Power-law descent' }) },
    { at: 200, msg: insight({ id: 13, kind: 'annealing', step: 180, step_end: 200, open: true, title: 'Annealing' }) },
  ];
}

const KINDS = {
  50: [['uniform', 'uniform'], ['uniform', 'uniform']],
  100: [['prev', 'uniform'], ['uniform', 'uniform']],
  150: [['prev', 'uniform'], ['uniform', 'induction']],
  200: [['prev', 'uniform'], ['uniform', 'induction']],
};

/** [{at, msg, record}]: probes of a 2-layer, 2-head model on 16 tokens. */
export function probeScript() {
  return Object.entries(KINDS).map(([s, kinds]) => {
    const step = Number(s);
    const o = { step, L: 2, NH: 2, T: 16, kinds, text: 'First Citizen:\nBefore we proceed' };
    return { at: step, msg: probeMessage(o), record: probeRecord(o) };
  });
}
