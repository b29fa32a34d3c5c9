// tours/t6_overfitting.js: T6, overfitting (§4.2 T6), anchored to overfitting / gap_growing.
export default {
  id: 'overfitting',
  title: 'Overfitting',
  summary: 'Train loss against validation loss: the best step, the gap, and what memorisation looks like.',
  steps: [
    {
      title: 'Two curves',
      tab: 'training', at: { best: 'val', else: { last: true } }, region: { chart: 'loss', from: { step: 0 }, to: { last: true } },
      text: 'The solid line is the training loss, the dots the validation loss on text the model never trains on. Best validation so far: {best_val} at step {best_step}; latest {val_last}.',
      fallback: 'This run has no evaluation yet, so there is no validation loss to compare with. The dots will appear at each evaluation.',
    },
    {
      title: 'The gap',
      tab: 'training', at: { first: 'gap_growing', else: { last: true } }, region: { chart: 'loss', from: { first: 'gap_growing' }, to: { last: true } },
      text: '{ins} (from step {ins_step}). Part of any gap is just that the validation text is different text; the growing part is the model starting to memorise its training text.',
      fallback: 'The engine saw no growing gap between validation and training loss in this run: validation still keeps up with training (latest val {val_last}, train {loss_last}).',
    },
    {
      title: 'Predict first',
      tab: 'training', at: { last: true },
      text: 'Suppose training loss keeps falling while validation loss rises for several evaluations.',
      predict: {
        question: 'Which checkpoint would you keep?',
        choices: ['The last one: it has the lowest training loss', 'The one with the best validation loss'],
        answer: 1,
        reveal: 'The best validation loss: that model predicts unseen text best. nanoGPT saves only improving checkpoints when always_save_checkpoint is off.',
      },
    },
    {
      title: 'Overfitting, if it happened',
      tab: 'training', at: { first: 'overfitting', else: { best: 'val', else: { last: true } } }, region: { chart: 'loss', around: 60 },
      text: '{ins}: validation rose above its best on 2 evaluations in a row while training still fell. From here on the run memorises.',
      fallback: 'This run did not overfit: validation loss never rose above its best ({best_val} at step {best_step}) for 2 evaluations while training fell. ' +
        'For comparison, nanoGPT\'s GPU shakespeare_char config reaches its best val (~1.47) around step 1250-1750 and then overfits to ~1.74 by step 5000.',
    },
    {
      title: 'What to try',
      tab: 'training', at: { last: true },
      text: 'Against overfitting: stop at the best checkpoint, more data, more dropout (this run: {dropout}), a smaller model, weight decay (this run: {weight_decay}).',
    },
  ],
};
