// tours/t2_phases.js: T2, the phases of a training run, anchored to the detected phases (§4.2 T2).
export default {
  id: 'phases',
  title: 'The phases of a training run',
  summary: 'Walk the loss curve of this run phase by phase: uniform guess, warm-up, rapid descent, shoulder, power law, annealing.',
  steps: [
    {
      title: 'What the loss is',
      tab: 'training', at: { step: 0 }, region: { chart: 'loss', from: { step: 0 }, to: { last: true } },
      text: 'The loss is the average surprise, in nats, at the next token. At step 0 this run had {loss_first}; guessing all {V} tokens equally often costs ln {V} = {ln_V}. ' +
        'The dotted lines are n-gram tables counted on this data: unigram {level:unigram}, bigram {level:bigram}, trigram {level:trigram}.',
    },
    {
      title: 'Warm-up',
      tab: 'training', at: { warmupEnd: true, else: { step: 0 } }, region: { chart: 'lr', from: { step: 0 }, to: { warmupEnd: true } },
      text: 'For the first {warmup_end} steps the learning rate rises to its peak {lr_peak}. Adam divides each step by a running estimate of the gradient\'s size; ' +
        'early on that estimate rests on a few batches only, so the first updates are kept small.',
      fallback: 'This run has no warm-up: its learning rate starts at its peak {lr_peak}.',
    },
    {
      title: 'Rapid descent',
      tab: 'training', at: { first: 'rapid_descent', edge: 'end', else: { frac: 0.1 } },
      region: { chart: 'loss', from: { first: 'rapid_descent' }, to: { first: 'rapid_descent', edge: 'end' } },
      text: '{ins}: steps {ins_step}–{ins_end}. First the model learns the cheap statistics: how common each token is (unigram {level:unigram}), then which token follows which. Loss at step {step}: {loss}.',
      fallback: 'The engine found no rapid-descent phase in this run. The first steps of a run usually are one: loss at step {step} is {loss}, from {loss_first} at the start.',
    },
    {
      title: 'Predict: the bigram level',
      tab: 'training', at: { first: 'level_crossed', subject: 'bigram', else: { frac: 0.3 } },
      region: { chart: 'loss', around: 40 },
      text: 'The bigram level {level:bigram} is what a table of "which token follows which" achieves.',
      fallback: 'The bigram level {level:bigram} is what a table of "which token follows which" achieves. This run has not gone below it (its loss at step {step}: {loss}).',
      predict: {
        question: 'To get below the bigram level, what must the model start to use?',
        choices: ['A bigger learning rate', 'More than the previous token: attention over the context', 'More dropout'],
        answer: 1,
        reveal: 'A table of pairs can only look one token back. Beating it needs the model to read further back, which is what attention does.',
      },
    },
    {
      title: 'Shoulder or slowdown',
      tab: 'training', at: { first: ['shoulder', 'slowdown'], else: { frac: 0.4 } },
      region: { chart: 'loss', from: { first: ['shoulder', 'slowdown'] }, to: { first: ['shoulder', 'slowdown'], edge: 'end' } },
      text: '{ins}: steps {ins_step}–{ins_end}. Progress slows while the model has learned what short context gives and has not yet found how to use more. Such shoulders often end abruptly.',
      fallback: 'The engine found no shoulder or slowdown in this run. In the CPU demo run one sat near the bigram level from step ~40 to ~350; short or small runs often show none.',
    },
    {
      title: 'Power-law descent',
      tab: 'training', at: { first: 'power_law', else: { frac: 0.7 } },
      region: { chart: 'loss', from: { first: 'power_law' }, to: { first: 'power_law', edge: 'end' } },
      text: '{ins} (from step {ins_step}). On log-log axes (the loss chart\'s "log-log" button) this stretch is a straight line: each doubling of steps cuts the loss by the same fraction.',
      fallback: 'No power-law stretch was found in this run (it needs a steady slope over a factor 1.5 in steps). Try the loss chart\'s "log-log" axes: a steady descent shows as a straight line.',
    },
    {
      title: 'Annealing',
      tab: 'training', at: { first: 'annealing', else: { last: true } },
      region: { chart: 'lr', from: { first: 'annealing' }, to: { last: true } },
      text: 'From step {ins_step} the learning rate is below 20 % of its peak (now {lr}, floor {lr_min}). Smaller steps let the weights settle; the loss flattens out.',
      fallback: 'This run has not (yet) annealed: its learning rate at step {step} is {lr}, not below 20 % of its peak {lr_peak}.',
    },
    {
      title: 'Where this run ended',
      tab: 'training', at: { last: true }, region: { chart: 'loss', from: { step: 0 }, to: { last: true } },
      text: 'At step {last_step}: train loss {loss_last}, validation {val_last} (best {best_val} at step {best_step}). ' +
        'The bands above the chart are the phases the engine found; the Insights card lists each with its evidence.',
    },
  ],
};
