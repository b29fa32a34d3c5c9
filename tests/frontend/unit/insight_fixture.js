// insight_fixture.js: `insight` messages shaped as viz/protocol.cpp insight() writes them
// (docs/protocol.md): type, session, id, kind, step, step_end, open, severity, subject, title,
// evidence {name: number|null}, explanation, causes [..], try [..]. The texts are short stand-ins
// for the detectors' own.

let nextId = 1000;

/** One insight message; `over` replaces any field. */
export function insightMsg(over = {}) {
  const step = over.step ?? 10;
  return {
    type: 'insight', session: 's1', id: nextId++, kind: 'loss_spike', step, step_end: step, open: false,
    severity: 'warning', subject: '', title: `Loss spike at step ${step}`,
    evidence: { z: 6.3, threshold: 4, window: 64, loss: 3.1, ema_before: 2.4 },
    explanation: 'The loss jumped far above its recent trend in one step.',
    causes: ['an unusual batch', 'a learning rate at the edge of stability'],
    try: ['nothing, if it recovers', 'lower the peak learning rate'],
    ...over,
  };
}

/**
 * A run's insights as the engine sends them, in order: the warm-up span growing and closing,
 * rapid descent with a bigram crossing, a loss spike, an open slowdown, a flagged tensor, an
 * induction head and an embedding cluster. Ids are fixed so tests can name them.
 */
export function runInsights(session = 's1') {
  const m = (over) => insightMsg({ session, ...over });
  return [
    m({ id: 1, kind: 'warmup', step: 0, step_end: 20, open: true, severity: 'info', title: 'Warm-up', evidence: { lr_peak: 2e-3 } }),
    m({ id: 2, kind: 'rapid_descent', step: 0, step_end: 30, open: true, severity: 'info', title: 'Rapid descent' }),
    m({ id: 1, kind: 'warmup', step: 0, step_end: 100, open: false, severity: 'info', title: 'Warm-up', evidence: { lr_peak: 2e-3 } }),
    m({ id: 3, kind: 'level_crossed', step: 90, severity: 'info', title: 'Below the bigram level (2.48)', evidence: { level: 2.48 } }),
    m({ id: 2, kind: 'rapid_descent', step: 0, step_end: 120, open: false, severity: 'info', title: 'Rapid descent' }),
    m({ id: 4, kind: 'loss_spike', step: 150, severity: 'warning' }),
    m({ id: 5, kind: 'slowdown', step: 130, step_end: 200, open: true, severity: 'notice', title: 'Slowdown' }),
    m({ id: 6, kind: 'update_ratio_outlier', step: 160, step_end: 180, severity: 'warning', subject: 'qkvw:1',
      title: 'qkvw layer 1 moves 8x faster than its peers', evidence: { ratio: 0.08, peer_median: 0.01, z: 4.2 } }),
    m({ id: 7, kind: 'induction_head', step: 170, severity: 'notice', subject: 'head:1.0',
      title: 'Head 0 of layer 1 is an induction head', evidence: { induction: 0.62, threshold: 0.3 } }),
    m({ id: 8, kind: 'embedding_clusters', step: 180, severity: 'info', subject: 'wte',
      title: 'Vowels cluster together', members: [0, 4, 8] }),
  ];
}
