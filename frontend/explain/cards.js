// explain/cards.js: the explanation cards (R5.1) as data: what a parameter tensor, a chart, an
// attention score, an event kind or an insight kind is, its shape in the model on screen, how the
// trainer initialises it (trainer/gpt2.cpp init_random), what to watch, and the live numbers of
// the frame and metrics on screen. Pure: no DOM; views/explain_card.js shows the cards.
//
// Card ids: `param:<tensor>` (PARAM_NAMES, the names of trainer/model_config.cpp ParamLayout),
// `chart:<data-testid>` (CHART_IDS: the Training tab's charts, the stats panel's sparklines and
// histogram), `score:<name>` (SCORE_IDS: the Attention tab's per-head scores), `event:<kind>`
// (net/protocol.js EVENT_KINDS), `insight:<kind>` (INSIGHT_KINDS).
//
// cardFor(id, ctx) -> {id, group, title, what, shape, init, watch, live: [{key, label, value}],
//   liveNote, shapeLabel?, formula? (parameters: where the tensor enters the forward pass)} or null for an unknown id. ctx (every part optional): {model: {L, NH, C, V, maxT},
//   frame (a decoded Frame: its stats rows), layer (which layer of a per-layer tensor), step (the
//   step on screen), metrics (the run's metrics rows), events (its event messages), insights
//   (normalised insights, state/insights.js insightList), head ({layer, head, prevToken, induction,
//   entropy}: the selected head's scores)}. Sentences name this model's numbers; a part that needs
//   a number the context lacks says so instead of guessing.
import { EVENT_KINDS, INSIGHT_KINDS } from '../net/protocol.js';
import { formatCompact, formatInteger, formatNumber, formatExponent, formatPercent, MISSING } from '../display/format.js';

/** Every parameter tensor of the model, in the trainer's layout order. */
export const PARAM_NAMES = Object.freeze(['wte', 'wpe', 'ln1w', 'ln1b', 'qkvw', 'qkvb', 'attprojw', 'attprojb',
  'ln2w', 'ln2b', 'fcw', 'fcb', 'fcprojw', 'fcprojb', 'lnfw', 'lnfb']);
/** The charts that have a card: the Training tab's four, the stats panel's sparklines and histogram. */
export const CHART_IDS = Object.freeze(['chart-loss', 'chart-lr', 'chart-gradnorm', 'chart-throughput',
  'spark-rms', 'spark-grad_rms', 'spark-update_ratio', 'spark-sigma_max', 'spark-stable_rank', 'hist-chart']);
/** The Attention tab's per-head scores (the columns of `attention-scores`). */
export const SCORE_IDS = Object.freeze(['prev_token', 'induction', 'entropy']);

const INIT_STD = 0.02;
const D = 4; // significant digits of live numbers (state/describe.js DIGITS)
const num = (x) => (Number.isFinite(x) ? formatNumber(x, D) : MISSING);
const int = (x) => (Number.isFinite(x) ? formatInteger(x) : MISSING);
const GLOBAL = new Set(['wte', 'wpe', 'lnfw', 'lnfb']);

/** The model's shape numbers, or null when a part is missing. */
function shapeOf(model) {
  const m = model ?? {};
  const ok = ['L', 'NH', 'C', 'V', 'maxT'].every((k) => Number.isFinite(m[k]) && m[k] > 0);
  return ok ? { L: m.L, NH: m.NH, C: m.C, V: m.V, maxT: m.maxT, hs: m.C / m.NH } : null;
}

/** rows x cols of one layer of a tensor (trainer/model_config.cpp; vectors have cols 1). */
export function tensorShape(name, model) {
  const s = shapeOf(model);
  if (!s) return null;
  const { C, V, maxT } = s;
  const dims = { wte: [V, C], wpe: [maxT, C], qkvw: [3 * C, C], qkvb: [3 * C], attprojw: [C, C], attprojb: [C],
    fcw: [4 * C, C], fcb: [4 * C], fcprojw: [C, 4 * C], fcprojb: [C] }[name] ?? (PARAM_NAMES.includes(name) ? [C] : null);
  if (!dims) return null;
  const layers = GLOBAL.has(name) ? 1 : s.L;
  const per = dims.reduce((a, b) => a * b, 1);
  return { dims, layers, perLayer: per, total: per * layers };
}

/** How trainer/gpt2.cpp init_random sets a tensor: {kind: 'normal'|'ones'|'zeros', std}. */
export function initOf(name, model) {
  if (name === 'ln1w' || name === 'ln2w' || name === 'lnfw') return { kind: 'ones', std: 0 };
  if (!['wte', 'wpe', 'qkvw', 'attprojw', 'fcw', 'fcprojw'].includes(name)) return { kind: 'zeros', std: 0 };
  const L = shapeOf(model)?.L;
  if (name === 'attprojw' || name === 'fcprojw') {
    return { kind: 'normal', std: L ? INIT_STD / Math.sqrt(2 * L) : null, residual: true };
  }
  return { kind: 'normal', std: INIT_STD };
}

const dimsText = (d) => d.map(int).join(' × ');

// --- parameters ----------------------------------------------------------------------------------

const PARAM_TEXT = {
  wte: { title: 'wte · token embedding', what: (s) => `One row of ${s ? int(s.C) : 'C'} numbers per token of the vocabulary: the model's first step turns each input token into its row. The same matrix is used again at the very end (weight tying): the logits are the final hidden state times wteᵀ, so a row is also how the model scores that token as the next one.`,
    watch: 'Rows of similar tokens move together as training goes on (the 3D point cloud, the embedding_clusters insight). Rare tokens get few gradient updates and drift slowly; the row-norm colouring shows it.' },
  wpe: { title: 'wpe · position embedding', what: (s) => `One row per position 0…${s ? s.maxT - 1 : 'maxT−1'} of the context, added to the token's row, so the model knows where a token stands. Nothing but training tells it that neighbouring positions are alike.`,
    watch: 'Neighbouring positions usually grow similar rows as training goes on; the stable rank shows how few directions the rows use (2.7 at the end of the CPU demo run).' },
  ln1w: { title: 'ln1w · LayerNorm gain before attention', what: () => 'Each block first normalises its input (zero mean, unit variance across the channels), then multiplies channel by channel by this gain. It sets how loudly each channel speaks to the attention that follows.',
    watch: 'Gains far from 1 mean the block rescales channels strongly; a gain near 0 switches a channel off for that sub-layer.' },
  ln1b: { title: 'ln1b · LayerNorm bias before attention', what: () => 'Added channel by channel after the gain of the first LayerNorm of each block: a learned offset of the normalised input to attention.',
    watch: 'Starts at exactly 0, so its update/weight ratio is huge at first by construction; the insights engine never scores biases.' },
  ln2w: { title: 'ln2w · LayerNorm gain before the MLP', what: () => 'The second normalisation of each block, before the MLP: after normalising the residual stream the channels are multiplied by this gain.',
    watch: 'Like ln1w: values far from 1, or near 0, show channels the MLP is made to hear more, or not at all.' },
  ln2b: { title: 'ln2b · LayerNorm bias before the MLP', what: () => 'A learned offset added after the gain of the second LayerNorm of each block.',
    watch: 'Starts at 0; its ratios are large early on by construction.' },
  qkvw: { title: 'qkvw · query, key and value projection', what: (s) => `Turns each token's normalised vector into a query, a key and a value for every head at once: rows 0…${s ? s.C - 1 : 'C−1'} make the queries, the next ${s ? int(s.C) : 'C'} the keys, the last ${s ? int(s.C) : 'C'} the values, each cut into ${s ? s.NH : 'NH'} heads of ${s ? int(s.hs) : 'C/NH'} channels. A query·key product decides how much one token attends to another.`,
    watch: 'Heads that specialise (previous-token, induction) show up in the Attention tab; a falling stable rank says the matrix uses fewer directions.' },
  qkvb: { title: 'qkvb · query, key and value bias', what: () => 'Added to the queries, keys and values qkvw makes.',
    watch: 'Starts at 0; the key bias cannot change attention at all (it adds the same amount to every score of a query), so its gradient is zero up to rounding.' },
  attprojw: { title: 'attprojw · attention output projection', what: (s) => `Mixes the ${s ? s.NH : 'NH'} heads' outputs (concatenated, ${s ? int(s.C) : 'C'} channels) back into one vector that is added to the residual stream.`,
    watch: 'It writes into the residual stream, so it is initialised smaller than the other matrices; a layer whose update/weight ratio stands far from its peers gets an update_ratio_outlier insight.' },
  attprojb: { title: 'attprojb · attention output bias', what: () => 'Added to the attention output before it joins the residual stream.', watch: 'Starts at 0.' },
  fcw: { title: 'fcw · MLP up-projection', what: (s) => `Expands each token's vector from ${s ? int(s.C) : 'C'} to ${s ? int(4 * s.C) : '4C'} hidden units; a GELU follows. Each row is one unit's detector: it fires when the input points its way.`,
    watch: 'Units that never fire (dead) or always fire (saturated) are counted by the probe (dead_units).' },
  fcb: { title: 'fcb · MLP up-projection bias', what: (s) => `One threshold per hidden unit (${s ? int(4 * s.C) : '4C'} per layer), added before the GELU: it shifts where each unit starts to fire.`, watch: 'Starts at 0; strongly negative biases go with units that rarely fire.' },
  fcprojw: { title: 'fcprojw · MLP down-projection', what: (s) => `Brings the ${s ? int(4 * s.C) : '4C'} hidden units back to ${s ? int(s.C) : 'C'} channels and adds the result to the residual stream.`,
    watch: 'A residual projection like attprojw: initialised smaller, and watched for rank collapse and update-ratio outliers.' },
  fcprojb: { title: 'fcprojb · MLP down-projection bias', what: () => 'Added to the MLP output before it joins the residual stream.', watch: 'Starts at 0.' },
  lnfw: { title: 'lnfw · final LayerNorm gain', what: () => 'After the last block the residual stream is normalised once more and multiplied by this gain, just before the logits (the product with wteᵀ).',
    watch: 'It scales every logit of every token: large gains make the predictions sharper.' },
  lnfb: { title: 'lnfb · final LayerNorm bias', what: () => 'An offset added after the final gain, before the logits.', watch: 'Starts at 0.' },
};

const LN_FORMULA = 'y = γ ⊙ (x − mean(x)) / √(var(x) + ε) + β, over the channels of one token (γ: the gain, β: the bias)';
const FORMULA = {
  wte: 'x₀ = wte[token] + wpe[position]; at the end, logits = h_L · wteᵀ',
  wpe: 'x₀ = wte[token] + wpe[position]',
  ln1w: LN_FORMULA, ln1b: LN_FORMULA, ln2w: LN_FORMULA, ln2b: LN_FORMULA, lnfw: LN_FORMULA, lnfb: LN_FORMULA,
  qkvw: '[q k v] = LN₁(x) · qkvwᵀ + qkvb; per head, attention = softmax(q·kᵀ / √d + causal mask) · v, d = C / NH',
  qkvb: '[q k v] = LN₁(x) · qkvwᵀ + qkvb',
  attprojw: 'x ← x + concat(heads) · attprojwᵀ + attprojb',
  attprojb: 'x ← x + concat(heads) · attprojwᵀ + attprojb',
  fcw: 'u = GELU(LN₂(x) · fcwᵀ + fcb)',
  fcb: 'u = GELU(LN₂(x) · fcwᵀ + fcb)',
  fcprojw: 'x ← x + u · fcprojwᵀ + fcprojb',
  fcprojb: 'x ← x + u · fcprojwᵀ + fcprojb',
};
/** Whether AdamW's weight decay applies (trainer/optimizer.cpp: matrices only). */
const DECAYED = new Set(['wte', 'wpe', 'qkvw', 'attprojw', 'fcw', 'fcprojw']);

function paramShapeText(name, model) {
  const s = shapeOf(model);
  const t = tensorShape(name, model);
  if (!s || !t) return 'The model shape is not known yet (it comes with the first message of the run).';
  const per = `${dimsText(t.dims)} (${formatCompact(t.perLayer)} values)`;
  const where = t.layers > 1 ? `${per} in each of the ${s.L} layers, ${formatCompact(t.total)} in all` : per;
  const model_ = `L=${s.L} layers, NH=${s.NH} heads, C=${s.C} channels, V=${s.V} tokens, context maxT=${s.maxT}`;
  let extra = '';
  if (name === 'wte') extra = ` The trainer pads the rows to a round count with zero rows that no token uses; they are left out here.`;
  if (name === 'qkvw') extra = ` Rows are outputs (${s.C} queries, ${s.C} keys, ${s.C} values), columns inputs.`;
  return `${where}. Model: ${model_}.${extra}`;
}

function paramInitText(name, model) {
  const init = initOf(name, model);
  if (init.kind === 'ones') return 'Every gain starts at exactly 1 (the normalised input passes unchanged); weight rms at init: 1.';
  if (init.kind === 'zeros') return 'Starts at exactly 0, like every bias of the model.';
  const L = shapeOf(model)?.L;
  if (init.residual) {
    return L ? `Normal with mean 0 and standard deviation 0.02 / √(2·L) = 0.02 / √${2 * L} = ${num(init.std)}: each of the ${2 * L} residual projections adds to the same stream, and the smaller start keeps the stream's size from growing with depth (GPT-2).`
      : 'Normal with mean 0 and standard deviation 0.02 / √(2·L) (GPT-2\'s residual scaling); L is not known yet.';
  }
  return 'Normal with mean 0 and standard deviation 0.02 (GPT-2, nanoGPT), so the weight rms starts near 0.02.';
}

function paramLive(name, ctx) {
  const f = ctx.frame;
  if (!f?.stats) return { live: [], liveNote: 'No parameter frame on screen yet.' };
  const layer = GLOBAL.has(name) ? -1 : (Number.isInteger(ctx.layer) && ctx.layer >= 0 ? ctx.layer : 0);
  const st = f.stats(name, layer);
  if (!st) return { live: [], liveNote: `The frame of step ${f.step} has no statistics for ${name}.` };
  const init = initOf(name, ctx.model ?? f.model);
  const live = [
    { key: 'rms', label: 'weight rms', value: num(st.rms) },
    { key: 'init_rms', label: 'rms at init', value: init.kind === 'normal' ? `≈ ${num(init.std)}` : init.kind === 'ones' ? '1' : '0' },
    { key: 'grad_rms', label: 'gradient rms', value: num(st.grad_rms) },
    { key: 'update_ratio', label: 'update / weight', value: num(st.update_ratio) },
  ];
  if (st.sigma_max > 0) live.push({ key: 'sigma_max', label: 'top singular value σ₁', value: num(st.sigma_max) });
  if (st.stable_rank > 0) live.push({ key: 'stable_rank', label: 'stable rank', value: num(st.stable_rank) });
  const where = layer >= 0 ? `layer ${layer}, ` : '';
  return { live, liveNote: `${name}, ${where}frame of step ${f.step}.` };
}

// --- charts --------------------------------------------------------------------------------------

/** The metrics row at or before `step` (the last one when step is null), and the rows up to it. */
function rowAt(rows, step) {
  if (!Array.isArray(rows) || !rows.length) return { row: null, upto: [] };
  let i = rows.length - 1;
  if (Number.isFinite(step)) while (i > 0 && rows[i].step > step) i--;
  return { row: rows[i], upto: rows.slice(0, i + 1) };
}
const lastWith = (rows, key) => { for (let i = rows.length - 1; i >= 0; i--) if (Number.isFinite(rows[i][key])) return rows[i]; return null; };
function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
}

const SPARK = {
  rms: ['Weight rms over time', 'The root mean square of every value of the tensor shown in the stats panel, at each recorded frame: its typical size.', 'rms'],
  grad_rms: ['Gradient rms over time', 'The root mean square of the gradient of the tensor shown, before clipping, at each recorded frame.', 'grad_rms'],
  update_ratio: ['Update / weight over time', 'How far one optimizer step moved the tensor, relative to its size: rms(update) / rms(weight).', 'update_ratio'],
  sigma_max: ['Top singular value σ₁ over time', 'The largest singular value of the matrix shown: how much it can stretch a vector in its strongest direction (power iteration on the trainer\'s side).', 'sigma_max'],
  stable_rank: ['Stable rank over time', 'The stable rank ‖W‖²_F / σ₁²: roughly how many directions the matrix really uses. A random matrix uses many; learning concentrates it.', 'stable_rank'],
};

function chartCard(id, ctx) {
  const s = shapeOf(ctx.model ?? ctx.frame?.model);
  const { row, upto } = rowAt(ctx.metrics, ctx.step);
  const at = row ? `at step ${row.step}` : '';
  const noRow = 'No metrics on screen yet.';
  const first = (key) => (Array.isArray(ctx.metrics) ? ctx.metrics.find((r) => Number.isFinite(r[key])) : null) ?? null;
  switch (id) {
    case 'chart-loss': {
      const val = lastWith(upto, 'val_loss');
      const train = lastWith(upto, 'train_loss');
      return { title: 'Loss chart',
        what: 'The cross-entropy of the next-token prediction, in nats: the training loss at every step (a line) and the validation loss on held-out text at each evaluation (dots). Lower is better; exp(loss) is how many tokens the model is still choosing between, on average.',
        shape: s ? `A model that knows nothing guesses each of the V = ${s.V} tokens equally and scores ln ${s.V} = ${num(Math.log(s.V))}; the dotted lines, when shown, are what unigram, bigram and trigram tables of this data score.` : 'The uniform-guess level ln V needs the model shape, which has not arrived yet.',
        init: `At initialisation every logit is close to 0, so the first loss sits near ln V${s ? ` = ${num(Math.log(s.V))}` : ''}.` +
          (first('train_loss') ? ` This run's first: ${num(first('train_loss').train_loss)} at step ${first('train_loss').step}.` : ''),
        watch: 'A fast drop first (the cheap statistics of the text), then a slower, roughly power-law descent. Validation rising while training falls is overfitting; a sudden jump is a loss spike. Hover the symbols above the plot for the insights.',
        live: row ? [
          { key: 'train_loss', label: train ? `train loss at step ${train.step}` : 'train loss', value: train ? num(train.train_loss) : MISSING },
          { key: 'val_loss', label: val ? `val loss (step ${val.step})` : 'val loss', value: val ? num(val.val_loss) : MISSING },
          ...(s ? [{ key: 'uniform', label: 'uniform guess ln V', value: num(Math.log(s.V)) }] : []),
        ] : [], liveNote: row ? '' : noRow };
    }
    case 'chart-lr': {
      const peak = Math.max(...upto.map((r) => r.lr).filter(Number.isFinite));
      return { title: 'Learning-rate chart',
        what: 'The step size the optimizer (AdamW) used at each step: nanoGPT\'s schedule, a linear warm-up to the peak, then a cosine decay down to the run\'s min_lr.',
        shape: 'One value per step, shared by every parameter.', init: 'Warm-up starts close to 0, because Adam\'s estimate of the gradient\'s size rests on very few batches at first.' +
          (first('lr') ? ` This run starts at ${formatExponent(first('lr').lr)} (step ${first('lr').step}).` : ''),
        watch: 'The loss usually falls faster again late in the decay (annealing): smaller steps let the weights settle.',
        live: row ? [{ key: 'lr', label: `lr ${at}`, value: Number.isFinite(row.lr) ? formatExponent(row.lr) : MISSING },
          { key: 'peak', label: 'highest so far', value: Number.isFinite(peak) ? formatExponent(peak) : MISSING }] : [],
        liveNote: row ? '' : noRow };
    }
    case 'chart-gradnorm': {
      const med = median(upto.map((r) => r.grad_norm));
      return { title: 'Gradient-norm chart',
        what: 'The length (L2 norm) of the whole gradient, all parameters together, before clipping. Updates above the clip threshold are scaled down to it.',
        shape: s ? `One number per step, over all ${formatCompact(PARAM_NAMES.reduce((a, n) => a + (tensorShape(n, s)?.total ?? 0), 0))} parameters.` : 'One number per step, over all parameters.',
        init: 'Usually larger in the first steps, while the randomly initialised model is far from any minimum.' +
          (first('grad_norm') ? ` This run: ${num(first('grad_norm').grad_norm)} at step ${first('grad_norm').step}, median ${num(med)} up to the step on screen.` : ''),
        watch: 'Sudden spikes often come a few steps before loss spikes (grad_spike, instability); a norm above the clip threshold on most steps is common and reported as clipping_active.',
        live: row ? [{ key: 'grad_norm', label: `grad norm ${at}`, value: num(row.grad_norm) },
          { key: 'median', label: 'median so far', value: num(med) }] : [], liveNote: row ? '' : noRow };
    }
    case 'chart-throughput':
      return { title: 'Throughput chart',
        what: 'How many tokens the trainer processes per second, and, when the trainer reports it, the model FLOPs utilisation (MFU): the share of the device\'s peak arithmetic the training used.',
        shape: 'One value per step.', init: first('tokens_per_s') ? `This run's first step: ${int(first('tokens_per_s').tokens_per_s)} tokens/s.` : null,
        watch: 'Dips when the machine is shared, during evaluations or checkpoints. It says nothing about how well the model learns.',
        live: row ? [{ key: 'tokens_per_s', label: `tokens/s ${at}`, value: int(row.tokens_per_s) },
          { key: 'mfu', label: 'MFU', value: Number.isFinite(row.mfu) ? formatPercent(row.mfu) : 'not reported' }] : [],
        liveNote: row ? '' : noRow };
    case 'hist-chart':
      return { title: 'Distribution over time (ridgelines)',
        what: 'One histogram of every value of the selected tensor per refresh, oldest at the back, newest in front; the white ridge is the frame on screen (TensorBoard\'s distribution view).',
        shape: '64 bins between the smallest and the largest value of the tensor at that step.', init: 'A bell curve of width 0.02 for the matrices, a spike at 1 for LayerNorm gains, at 0 for biases.',
        watch: 'Widening shows growing weights; long tails or a second bump show a few values running away.', ...sparkLive('hist', ctx) };
    default: {
      const stat = id.startsWith('spark-') ? id.slice(6) : null;
      const sp = SPARK[stat];
      if (!sp) return null;
      return { title: sp[0], what: sp[1], shape: 'One point per recorded parameter frame of this tensor (layer); the rule marks the frame on screen.',
        init: stat === 'rms' ? 'Matrices start near 0.02 (residual projections smaller), LayerNorm gains at 1, biases at 0.' : stat === 'stable_rank' ? 'A Gaussian random matrix has a high stable rank; it falls as the matrix learns a few strong directions.' : 'Set by the first updates.',
        watch: stat === 'update_ratio' ? 'In this trainer the matrices of a healthy AdamW run sit around 1e-3 to 2e-2 and follow the learning rate; a layer far from its peers is an outlier.' : stat === 'stable_rank' ? 'Below about 1.5 the matrix is essentially rank one (rank_collapse).' : 'Sudden jumps or steady growth out of line with the other layers.',
        ...sparkLive(stat, ctx) };
    }
  }
}

function sparkLive(stat, ctx) {
  const f = ctx.frame;
  const name = ctx.tensor;
  if (!f?.stats || !name) return { live: [], liveNote: 'No tensor selected in the stats panel yet.' };
  const layer = GLOBAL.has(name) ? -1 : (Number.isInteger(ctx.layer) ? ctx.layer : 0);
  const st = f.stats(name, layer);
  if (!st) return { live: [], liveNote: `No statistics for ${name} in the frame of step ${f.step}.` };
  const where = `${name}${layer >= 0 ? ` layer ${layer}` : ''}, step ${f.step}`;
  if (stat === 'hist') return { live: [{ key: 'hist_lo', label: 'smallest value', value: num(st.hist_lo) }, { key: 'hist_hi', label: 'largest value', value: num(st.hist_hi) }], liveNote: where };
  const v = st[stat];
  return { live: [{ key: stat, label: SPARK[stat][0].replace(' over time', ''), value: stat === 'sigma_max' || stat === 'stable_rank' ? (v > 0 ? num(v) : 'not measured') : num(v) }], liveNote: where };
}

// --- attention scores ------------------------------------------------------------------------------

const SCORES = {
  prev_token: ['Previous-token score', 'The share of a head\'s attention that goes to the token just before the query (position t−1), averaged over the probe\'s validation rows.',
    'A head spreading evenly over the past puts little on t−1 (about 6 % at a context of 64); above 0.4 the head is reported as a previous-token head. Such heads are the first half of an induction circuit.', 'prevToken'],
  induction: ['Induction score', 'On the probe\'s random sequence repeated twice, the share of attention that, in the second copy, goes to the token right after the earlier occurrence of the current token: the head looks up "what came next last time" (Olsson et al. 2022).',
    'Even spreading scores about 0.02 on the demo probe; above 0.3 the head is reported as an induction head, usually with the loss on the repeated half falling far below the first half.', 'induction'],
  entropy: ['Attention entropy', 'How spread out a head\'s attention is: its entropy divided by ln(t+1), the entropy of attending evenly to all t+1 visible tokens. 1 is even spreading, 0 is all on one token.',
    'Healthy heads of the CPU demo run stayed between 0.33 and 1; below 0.1 the head is reported as collapsed (a notice when it sits on the previous or first token, a sharp positional head).', 'entropy'],
};

function scoreCard(id, ctx) {
  const sc = SCORES[id];
  if (!sc) return null;
  const s = shapeOf(ctx.model ?? ctx.frame?.model);
  const h = ctx.head;
  const live = h && Number.isFinite(h[sc[3]]) ? [{ key: id, label: `head ${h.layer}.${h.head}`, value: num(h[sc[3]]) }] : [];
  return { title: sc[0], what: sc[1], shape: s ? `One number per head: ${s.L} layers × ${s.NH} heads = ${s.L * s.NH} heads, measured at each probe (every evaluation).` : 'One number per head, at each probe.',
    init: 'At initialisation queries and keys are nearly random, so attention is close to even over the visible tokens.', watch: sc[2], live,
    liveNote: live.length ? `the selected head, at the probe shown` : 'Select a head to see its number.' };
}

// --- events and insights -------------------------------------------------------------------------

const EVENTS = {
  eval: ['Evaluation', 'The trainer stopped to measure the loss on held-out validation text (and on fixed training batches, measured the same way), without updating the weights.', 'The gap between validation and training loss: a growing gap means the model is starting to memorise its training text.'],
  sample: ['Text sample', 'At an evaluation the model generated a short text from its current weights; the Latest sample card shows it.', 'Samples go from random characters to words and then to Shakespeare-like lines as the loss falls.'],
  checkpoint: ['Checkpoint', 'The trainer wrote the weights and the optimizer state to disk, so the run can resume from here.', 'Nothing on the curves: a checkpoint does not change training.'],
  info: ['Information', 'Anything else the trainer reports about the run (start, resume, configuration).', 'Read the text: it says what happened.'],
  interrupted: ['Interrupted', 'The run was stopped (Ctrl-C or a signal) before its last step; what was recorded up to there stays.', 'A resumed run continues from its last checkpoint.'],
};

const PHASE = 'A phase of the loss curve (a span of steps) that the insights engine found in the metrics.';
const CURVE = 'An event on the training curves that the insights engine found in the metrics.';
const PARAM = 'A pattern the insights engine found in the parameter statistics of the recorded frames.';
const PROBE = 'A pattern the insights engine found in the probe: a forward pass over fixed text at each evaluation.';
const INSIGHTS = {
  warmup: [PHASE, 'The steps over which the learning rate rises to its peak.', 'Keeps the first updates small while Adam\'s estimate of the gradient\'s size rests on few batches.'],
  rapid_descent: [PHASE, 'The smoothed loss falls by more than 10 % per 100 steps.', 'Usually the first phase: the model learns the cheap statistics of the text (which tokens are common, which follow which).'],
  slowdown: [PHASE, 'The pace of the descent on log-log axes dropped well below the stretch before, while the learning rate is still high.', 'Often a plateau before the model finds its next trick; it ends when the pace returns.'],
  shoulder: [PHASE, 'Found offline: a stretch where the loss fell much more slowly than in the stretch after it.', 'A sign that the model sat near a level (e.g. the bigram table) before learning more.'],
  power_law: [PHASE, 'The loss falls like a power of the step: a straight line on log-log axes.', 'The typical long middle of training; the slope says how fast.'],
  annealing: [PHASE, 'After warm-up the learning rate has fallen below 20 % of its peak and is still falling.', 'Smaller steps let the weights settle: the loss often drops a little faster here.'],
  phase: [PHASE, 'Found offline: one of the segments a change-point search (PELT) cut the log-log loss curve into.', 'The boundaries are where the curve changed its slope.'],
  level_crossed: [CURVE, 'The smoothed loss went below a reference level: uniform guessing, or a unigram, bigram or trigram table of this data.', 'Each crossing says the model now predicts better than that simple table.'],
  loss_spike: [CURVE, 'The loss jumped far above its recent trend (a robust z-score above 5), until it recovered.', 'Often a too-large step; watch whether it recovers and whether spikes cluster.'],
  grad_spike: [CURVE, 'The gradient norm jumped to at least twice its recent median (robust z-score of its log above 6).', 'Gradient spikes often come just before loss spikes.'],
  instability: [CURVE, 'Several spikes close together, or a gradient spike followed within 20 steps by a loss spike.', 'The run is near the edge of stability: a lower learning rate or more warm-up usually helps.'],
  clipping_active: [CURVE, 'The gradient norm was above the clip threshold on more than half of the recent steps.', 'Common and not harmful in itself: clipping is doing its job.'],
  divergence: [CURVE, 'The loss became NaN or infinite, stayed well above its best, or became worse than uniform guessing.', 'A NaN cannot recover; a rising loss rarely does without a change.'],
  overfitting: [CURVE, 'Validation loss rose above its best on two evaluations in a row while the training loss still falls.', 'The model starts to memorise its training text; the best checkpoint is before this.'],
  gap_growing: [CURVE, 'The gap between validation and training loss keeps widening over evaluations.', 'An early warning of overfitting.'],
  update_ratio_outlier: [PARAM, 'One layer of a tensor moves much faster or slower (relative to its size, more than 4×) than the other layers of that tensor.', 'A layer that learns far faster than its peers is a known source of Adam instability.'],
  weight_growth: [PARAM, 'Where the weights\' size stands against AdamW\'s equilibrium, or a tensor growing or shrinking far beyond it.', 'With weight decay, weights settle near √(lr / 2λ); far above it something pushes them.'],
  vanishing_gradient: [PARAM, 'A layer\'s gradient is more than 1000× smaller than its peers\'.', 'That layer has stopped learning; a broken residual path is a common cause.'],
  exploding_gradient: [PARAM, 'A layer\'s gradient grew more than 10× over its own recent median.', 'Often precedes loss spikes.'],
  gradient_imbalance: [PARAM, 'The largest and smallest gradient rms over the layers of one matrix tensor differ by more than 30×, or far more than usual for this run.', 'Some imbalance with depth is normal in a pre-LayerNorm model (3-14× here).'],
  embedding_clusters: [PARAM, 'The token embedding (wte) has formed groups of tokens (vowels, capitals, punctuation, ...), measured in its full dimension.', 'The model has learned which tokens behave alike.'],
  frequency_direction: [PARAM, 'A direction of the token embedding lines up with how frequent each token is.', 'Frequency is the first thing embeddings learn.'],
  rank_collapse: [PARAM, 'A matrix\'s stable rank fell below 1.5: it acts almost like a single direction.', 'Learning lowers the stable rank a lot; only "essentially rank one" is reported.'],
  spectral_alpha: [PARAM, 'The power-law exponent α of each block matrix\'s eigenvalue spectrum (WeightWatcher\'s fit), at each evaluation.', 'A trend with its error bar, never a verdict: α falls as layers learn.'],
  attention_collapse: [PROBE, 'A head\'s attention entropy fell below 0.1 of even spreading: it looks at one token only.', 'Many collapsed heads with a rising loss go with instability.'],
  previous_token_head: [PROBE, 'A head puts more than 40 % of its attention on the token just before.', 'A building block of induction circuits.'],
  induction_head: [PROBE, 'A head copies what followed the earlier occurrence of the current token (induction score above 0.3).', 'Shows in-context learning: the loss on repeated text drops.'],
  dead_units: [PROBE, 'At least 5 % of a layer\'s MLP units are dead (almost never positive before the GELU) or saturated (almost always).', 'Those units no longer carry information.'],
};

function countsText(list, step) {
  if (!Array.isArray(list) || !list.length) return { n: 0, text: 'none in this run so far' };
  const before = Number.isFinite(step) ? list.filter((x) => x.step <= step) : list;
  return { n: list.length, last: before.at(-1) ?? null };
}

function eventCard(kind, ctx) {
  const e = EVENTS[kind];
  if (!e) return null;
  const list = (ctx.events ?? []).filter((x) => x.kind === kind);
  const c = countsText(list, ctx.step);
  return { title: `Event: ${kind} · ${e[0]}`, what: e[1], shape: 'A line in the Training tab\'s events list (and a mark on the timeline), at one step.',
    init: null, watch: e[2],
    live: [{ key: 'count', label: 'in this run', value: int(c.n) }, { key: 'last', label: 'latest at or before the step on screen', value: c.last ? `step ${c.last.step}` : MISSING }],
    liveNote: c.last?.text ? `Latest: ${c.last.text}` : '', shapeLabel: 'Where it shows' };
}

function insightCard(kind, ctx) {
  const t = INSIGHTS[kind];
  if (!t) return null;
  const list = (ctx.insights ?? []).filter((x) => x.kind === kind);
  const c = countsText(list, ctx.step);
  return { title: `Insight kind: ${kind.replace(/_/g, ' ')}`, what: `${t[0]} ${t[1]}`,
    shape: 'Each insight of this kind carries its own explanation with this run\'s numbers, its evidence, likely causes and what to try (open the insight card).',
    init: null, watch: t[2],
    live: [{ key: 'count', label: 'of this kind in this run', value: int(c.n) },
      { key: 'last', label: 'latest at or before the step on screen', value: c.last ? `step ${c.last.step}` : MISSING }],
    liveNote: c.last?.title ? `Latest: ${c.last.title}` : '', shapeLabel: 'Where it shows' };
}

/** Every card id the module knows. */
export function allCardIds() {
  return [...PARAM_NAMES.map((n) => `param:${n}`), ...CHART_IDS.map((c) => `chart:${c}`), ...SCORE_IDS.map((s) => `score:${s}`),
    ...Object.values(EVENT_KINDS).map((k) => `event:${k}`), ...Object.values(INSIGHT_KINDS).map((k) => `insight:${k}`)];
}

/** Whether `id` has a card (content for it exists, not only a name in the lists above). */
export function hasCard(id) {
  return cardFor(id, {}) != null;
}

export function cardFor(id, ctx = {}) {
  if (typeof id !== 'string') return null;
  const [group, ...rest] = id.split(':');
  const key = rest.join(':');
  let card = null;
  if (group === 'param' && PARAM_TEXT[key] && PARAM_NAMES.includes(key)) {
    const model = ctx.model ?? ctx.frame?.model;
    const s = shapeOf(model);
    const p = PARAM_TEXT[key];
    card = { title: p.title, what: p.what(s), formula: FORMULA[key], shape: paramShapeText(key, model),
      init: `${paramInitText(key, model)} ${DECAYED.has(key) ? 'AdamW\'s weight decay applies to it.' : 'No weight decay (the trainer decays matrices only).'}`, watch: p.watch,
      ...paramLive(key, { ...ctx, model }) };
  } else if (group === 'chart' && CHART_IDS.includes(key)) card = chartCard(key, ctx);
  else if (group === 'score') card = scoreCard(key, ctx);
  else if (group === 'event' && Object.values(EVENT_KINDS).includes(key)) card = eventCard(key, ctx);
  else if (group === 'insight' && Object.values(INSIGHT_KINDS).includes(key)) card = insightCard(key, ctx);
  return card ? { id, group, ...card } : null;
}
