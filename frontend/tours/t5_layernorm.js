// tours/t5_layernorm.js: T5, why LayerNorm (§4.2 T5).
export default {
  id: 'layernorm',
  title: 'Why LayerNorm',
  summary: 'What the LayerNorm gains and biases do, how they drift, and why gradients still reach the first layer.',
  steps: [
    {
      title: 'Gains 1, biases 0',
      tab: 'params', at: { step: 0 }, camera: { tensor: 'ln1w', layer: 0 }, select: { name: 'ln1w', layer: 0 },
      text: 'Before attention, every token\'s {C} channels are normalised: y = γ ⊙ (x − μ) / √(σ² + 1e-5) + β, with μ and σ² taken over that token\'s channels. ' +
        'At step {frame_step} the gains γ (ln1w of layer 0) have mean {mean:ln1w:0} and the biases β mean {mean:ln1b:0}: they start at 1 and 0.',
    },
    {
      title: 'Predict first',
      tab: 'params', at: { step: 0 }, select: { name: 'ln1w', layer: 0 },
      text: 'nanoGPT applies weight decay only to tensors with two or more dimensions.',
      predict: {
        question: 'Are the LayerNorm gains pulled towards 0 by weight decay?',
        choices: ['Yes, like every weight', 'No: they are vectors, so they are not decayed'],
        answer: 1,
        reveal: 'No. Gains and biases are 1-D, so nanoGPT leaves them out of weight decay; they move only where the gradient says so.',
      },
    },
    {
      title: 'How the gains drift',
      tab: 'params', at: { last: true }, camera: { tensor: 'ln1w', layer: 0 }, select: { name: 'ln1w', layer: 0 },
      text: 'Frame {frame_step}: ln1w of layer 0 now has mean {mean:ln1w:0}, smallest {min:ln1w:0}, largest {max:ln1w:0}; the final LayerNorm\'s gains (lnfw) have mean {mean:lnfw}. ' +
        'Normalisation fixes each token\'s scale; the gains let the model choose which channels to amplify.',
    },
    {
      title: 'Gradients still flow',
      tab: 'params', at: { last: true }, select: { name: 'qkvw', layer: 0 },
      text: 'Gradient RMS of qkvw: layer 0 {grad_rms:qkvw:0}, layer 1 {grad_rms:qkvw:1}; over all {L} layers they differ by a factor {grad_spread:qkvw}. ' +
        'Pre-LN blocks (normalise, then attend, then add back to the residual stream) keep a clean path for the gradient, so a factor of up to ~10 between layers is normal.',
    },
  ],
};
