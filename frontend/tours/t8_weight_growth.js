// tours/t8_weight_growth.js: T8, weights grow and settle: weight decay and the update/weight ratio (§4.2 T8).
export default {
  id: 'weight-growth',
  title: 'Weights grow and settle',
  summary: 'How the weights\' size grows until weight decay balances the updates, and what the update/weight ratio says.',
  steps: [
    {
      title: 'Small at the start',
      tab: 'params', at: { step: 0 }, select: { name: 'fcw', layer: 0 }, camera: { tensor: 'fcw', layer: 0 },
      text: 'At step {frame_step} the matrices are random with std 0.02: RMS of wte {rms:wte}, fcw of layer 0 {rms:fcw:0}, qkvw of layer 0 {rms:qkvw:0}. ' +
        'The stats panel on the right draws the selected tensor\'s RMS over time.',
    },
    {
      title: 'They grow',
      tab: 'params', at: { last: true }, select: { name: 'fcw', layer: 0 }, camera: { tensor: 'fcw', layer: 0 },
      text: 'Frame {frame_step}: RMS of wte {rms:wte}, fcw of layer 0 {rms:fcw:0}, qkvw of layer 0 {rms:qkvw:0}. ' +
        'Each update adds a little in some direction; until weight decay ({weight_decay} here) pulls back as hard, the size keeps growing.',
    },
    {
      title: 'The update/weight ratio',
      tab: 'params', at: { frac: 0.15 }, select: { name: 'qkvw', layer: 0 },
      text: 'At step {frame_step} (lr {lr}) one update moved qkvw of layer 0 by {ratio:qkvw:0} of its size (RMS of the update over RMS of the weight); fcw of layer 0: {ratio:fcw:0}. ' +
        'Biases start at 0, so their ratio is meaningless early on: the engine scores only matrices and gains.',
    },
    {
      title: 'Predict first',
      tab: 'params', at: { last: true }, select: { name: 'qkvw', layer: 0 },
      text: 'The learning rate falls from {lr_peak} towards {lr_min} over the run.',
      predict: {
        question: 'What happens to the update/weight ratio as the learning rate falls?',
        choices: ['It falls with it', 'It stays the same', 'It rises'],
        answer: 0,
        reveal: 'It falls: at step {frame_step} (lr {lr}) qkvw of layer 0 moves by {ratio:qkvw:0} per update. With Adam each step is about lr in size, while the weights have grown.',
      },
    },
    {
      title: 'Equilibrium',
      tab: 'params', at: { last: true }, select: { name: 'wte', layer: -1 },
      text: 'With AdamW the size settles where decay balances the updates: per-element RMS ≈ √(lr / 2·wd) = {eq_rms} at the peak lr {lr_peak}, ' +
        'reached after about 1/(lr·wd) = {eq_steps} steps. This run has {max_iters} steps, so its weights have not settled: wte RMS is {rms:wte} at step {frame_step}.',
    },
  ],
};
