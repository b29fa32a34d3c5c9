// tours/t3_loss_spike.js: T3, reading a loss spike (§4.2 T3), anchored to the first loss_spike.
const SPIKE = { first: 'loss_spike', else: { frac: 0.5 } };
export default {
  id: 'loss-spike',
  title: 'Reading a loss spike',
  summary: 'Zoom into this run\'s first loss spike: what the gradient did, which tensors moved, how fast it recovered.',
  steps: [
    {
      title: 'The spike',
      tab: 'training', at: SPIKE, region: { chart: 'loss', around: 40 },
      text: '{ins}. The training loss reached {ev:loss} against a smoothed {ev:smoothed_before} just before: z = {ev:z} ' +
        '(a spike needs z > {ev:z_threshold} over the last {ev:window} steps and a jump of at least 2 %).',
      fallback: 'This run had no loss spike: no step scored z > 5 against the smoothed loss of its last 128 steps. ' +
        'Here is where to look: a spike would show as a warning mark above the loss chart, with a bar until the loss recovers. The shaded region is the middle of this run.',
    },
    {
      title: 'Was the gradient unusual?',
      tab: 'training', at: SPIKE, region: { chart: 'gradnorm', around: 40 },
      text: 'The gradient norm at step {step} was {grad_norm} (clipping threshold {grad_clip}). A gradient spike at the same step means one batch pushed hard; clipping then caps the step\'s size, not its direction.',
      fallback: 'No spike to inspect, so here is the gradient norm in the middle of the run: {grad_norm} at step {step}, clipping threshold {grad_clip}. A spike usually shows here first.',
    },
    {
      title: 'Which weights moved',
      tab: 'params', at: { ...SPIKE, frameAfter: true }, camera: 'home', select: { name: 'qkvw', layer: 0 },
      text: 'The Parameters tab at the first stored frame after the spike (step {frame_step}). The selected qkvw of layer 0 moved by {ratio:qkvw:0} of its size in one update (update/weight ratio); fcw of layer 0: {ratio:fcw:0}. ' +
        'Step back and forward with the playback buttons to compare with the frame before.',
      fallback: 'No spike here, so these are ordinary update/weight ratios at frame {frame_step}: qkvw layer 0 {ratio:qkvw:0}, fcw layer 0 {ratio:fcw:0}. During a spike they jump.',
    },
    {
      title: 'Recovery',
      tab: 'training', at: { first: 'loss_spike', edge: 'end', else: { frac: 0.5 } }, region: { chart: 'loss', from: SPIKE, to: { first: 'loss_spike', edge: 'end' } },
      text: 'The smoothed loss was back within 1 % of its value before the spike {ev:recovery_steps} steps later (step {ins_end}). Loss now: {loss}.',
      fallback: 'Without a spike there is nothing to recover from. When one happens, the engine closes its span once the smoothed loss is back within 1 % of where it was.',
    },
    {
      title: 'What people do',
      tab: 'training', at: SPIKE,
      text: 'Likely causes, in order: an unusual batch meeting the current weights (PaLM found the same batches did not spike from an earlier checkpoint); a learning rate at the edge of stability; a warm-up too short.',
      fallback: 'This run had no spike, but when one comes the likely causes are, in order: an unusual batch meeting the current weights (PaLM found the same batches did not spike from an earlier checkpoint); a learning rate at the edge of stability; a warm-up too short.',
      predict: {
        question: 'A single spike that recovers within a few dozen steps: what should you do?',
        choices: ['Stop the run and lower the learning rate', 'Usually nothing: watch whether it recurs', 'Double the batch size at once'],
        answer: 1,
        reveal: 'A one-off spike that recovers is common and usually harmless. If spikes recur or grow: lower the peak lr, lengthen warm-up, or skip updates whose loss z-score is extreme (llm.c\'s -sl option).',
      },
    },
  ],
};
