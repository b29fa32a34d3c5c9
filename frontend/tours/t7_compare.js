// tours/t7_compare.js: T7, comparing two runs (§4.2 T7). Needs a second run: the runner picks
// one in the compare picker (store key `compare`) when there is another run to pick.
export default {
  id: 'compare',
  title: 'Comparing two runs',
  summary: 'Overlay a second run on the loss chart and read what differs: final loss, speed, phases.',
  needs: 'compare',
  steps: [
    {
      title: 'Two runs on one chart',
      tab: 'training', at: { last: true }, region: { chart: 'loss', from: { step: 0 }, to: { last: true } }, needsCompare: true,
      text: 'The dashed lines are run {cmp_id}, picked in the "compare" menu at the top. Read both at the same step; when batch sizes differ, compare by tokens seen instead.',
      noCompare: 'This tour needs a second run, and there is only one here. Record another run (e.g. with a different learning rate) in the same runs folder, then pick it in the "compare" menu at the top.',
    },
    {
      title: 'Predict first',
      tab: 'training', at: { last: true }, needsCompare: true,
      text: 'The project ran its CPU demo config with learning rate 1e-3 and 2e-3.',
      noCompare: 'The project ran its CPU demo config with learning rate 1e-3 and 2e-3.',
      predict: {
        question: 'Which of the two ended with the lower validation loss after 2000 steps?',
        choices: ['lr 1e-3', 'lr 2e-3', 'They tied'],
        answer: 1,
        reveal: 'lr 2e-3: 1.845 against 1.922. Within the stable range a larger learning rate gets further in the same number of steps.',
      },
    },
    {
      title: 'The numbers',
      tab: 'training', at: { last: true }, needsCompare: true,
      text: 'This run: last train loss {loss_last}, best validation {best_val}. Run {cmp_id}: last train loss {cmp_loss_last}, best validation {cmp_best_val}.',
      noCompare: 'This run: last train loss {loss_last}, best validation {best_val}. With a second run picked, its numbers appear beside these.',
    },
    {
      title: 'Phases side by side',
      tab: 'training', at: { first: ['shoulder', 'slowdown', 'power_law'], else: { frac: 0.5 } }, needsCompare: true,
      text: 'The bands above the chart are this run\'s phases; {ins} started at step {ins_step}. Switch the run picker to the other run to see its bands: when a run leaves a shoulder or reaches its best validation is the comparison to read.',
      fallback: 'The bands above the chart are this run\'s phases (no shoulder, slowdown or power law was found here). Switch the run picker to the other run to see its bands.',
    },
  ],
};
