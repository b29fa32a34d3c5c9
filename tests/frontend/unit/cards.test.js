// cards.test.js: the explanation cards (explain/cards.js, R5.1), the compare view's pure parts
// (explain/compare.js) and the insights in PNG captions (explain/annotations.js).
// Every parameter tensor, chart, attention score, event kind and insight kind must have a card; the
// lists come from the real sources, so a card removed (or a new kind, chart or tensor without one)
// fails here: INSIGHT_KINDS and EVENT_KINDS (net/protocol.js), the chart test ids in the views'
// source (views/training.js, views/params/stats_panel.js), the tensors of the recorded CPU demo
// run's ModelDesc (tests/viz/fixtures/params_char_cpu.json) and of a real frame (real_run.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_IDS, PARAM_NAMES, SCORE_IDS, allCardIds, cardFor, hasCard, initOf, tensorShape } from '../../../frontend/explain/cards.js';
import { compareStats, nearestStep, runTimeline, statKeys } from '../../../frontend/explain/compare.js';
import { annotationText } from '../../../frontend/explain/annotations.js';
import { EVENT_KINDS, INSIGHT_KINDS, decodeFrame } from '../../../frontend/net/protocol.js';
import { insightList, insightSetOf } from '../../../frontend/state/insights.js';
import { modelFrame } from './frame_fixture.js';
import { insightMsg } from './insight_fixture.js';
import { recordRun, skipWithoutBinary } from './real_run.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const read = (p) => readFileSync(join(repo, p), 'utf8');
const demo = JSON.parse(read('tests/viz/fixtures/params_char_cpu.json')).model;
const MODEL = { L: demo.L, NH: demo.NH, C: demo.C, V: demo.V, maxT: demo.maxT };

test('every insight kind and event kind has a card', () => {
  const missing = [...Object.values(INSIGHT_KINDS).map((k) => `insight:${k}`), ...Object.values(EVENT_KINDS).map((k) => `event:${k}`)]
    .filter((id) => !hasCard(id));
  assert.deepEqual(missing, []);
  assert.ok(Object.values(INSIGHT_KINDS).length >= 28, 'the kinds came through');
});

test('every parameter tensor of the model has a card, with the shape of the recorded ModelDesc', () => {
  const names = demo.tensors.map((t) => t[0]);
  assert.equal(names.length, 16, 'the demo run describes all 16 tensors');
  assert.deepEqual(names.filter((n) => !hasCard(`param:${n}`)), [], 'tensors without a card');
  assert.deepEqual([...PARAM_NAMES].sort(), [...names].sort(), 'PARAM_NAMES is the model\'s tensor list');
  for (const [name, , layers, rows, cols] of demo.tensors) {
    const s = tensorShape(name, MODEL);
    // The ModelDesc's wte has the padded rows (Vp); the card gives the V rows tokens use.
    const want = name === 'wte' ? [MODEL.V, cols] : cols === 1 ? [rows] : [rows, cols];
    assert.deepEqual(s.dims, want, `${name}'s shape`);
    assert.equal(s.layers, layers, `${name}'s layers`);
    const card = cardFor(`param:${name}`, { model: MODEL });
    assert.ok(card.shape.startsWith(want.map((d) => d.toLocaleString('en-US')).join(' × ')), `${name} card shape: ${card.shape}`);
    assert.ok(card.shape.includes(`L=${MODEL.L}`) && card.shape.includes(`C=${MODEL.C}`), card.shape);
  }
});

test('the Training tab\'s charts and the stats panel\'s charts all have cards', () => {
  const training = read('frontend/views/training.js');
  const charts = [...training.matchAll(/testid: '(chart-[\w-]+)'/g)].map((m) => m[1]);
  assert.deepEqual(charts.sort(), ['chart-gradnorm', 'chart-loss', 'chart-lr', 'chart-throughput']);
  const stats = read('frontend/views/params/stats_panel.js');
  const block = (name) => stats.match(new RegExp(`const ${name} = \\[(.*?)\\];`, 's'))[1];
  const sparks = [...`${block('SPARKS')} ${block('SPECTRAL')}`.matchAll(/\['(\w+)',/g)].map((m) => `spark-${m[1]}`);
  assert.ok(sparks.length >= 5, `the sparklines: ${sparks}`);
  assert.ok(stats.includes("'data-testid': 'hist-chart'"));
  const all = [...charts, ...sparks, 'hist-chart'];
  assert.deepEqual(all.filter((c) => !hasCard(`chart:${c}`)), [], 'charts without a card');
  assert.deepEqual([...CHART_IDS].sort(), [...all].sort(), 'CHART_IDS is what the views draw');
});

test('the Attention tab\'s scores have cards', () => {
  const view = read('frontend/views/attention/attention_view.js');
  const ids = [...view.matchAll(/cardButton\(`score:\$\{id\}`/g)];
  assert.equal(ids.length, 1, 'the score header builds its buttons from one list');
  const header = view.slice(view.indexOf('const selScore'), view.indexOf('head.append(th)'));
  const listed = [...header.matchAll(/\['[\w ]+', '(\w+)', '\w+'\]/g)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), [...SCORE_IDS].sort());
  for (const s of SCORE_IDS) assert.ok(hasCard(`score:${s}`), s);
  assert.equal(cardFor('score:induction', { model: MODEL }).shape.includes(`${MODEL.L} layers × ${MODEL.NH} heads = ${MODEL.L * MODEL.NH} heads`), true);
});

test('an unknown id has no card, and a removed one would be caught', () => {
  assert.equal(cardFor('param:nope'), null);
  assert.equal(cardFor('insight:not_a_kind'), null);
  assert.equal(cardFor('chart:chart-nope'), null);
  assert.equal(cardFor(42), null);
  assert.equal(allCardIds().length, PARAM_NAMES.length + CHART_IDS.length + SCORE_IDS.length
    + Object.keys(EVENT_KINDS).length + Object.keys(INSIGHT_KINDS).length);
  for (const id of allCardIds()) {
    const c = cardFor(id, { model: MODEL });
    assert.ok(c.title && c.what && c.watch, `${id} has a title, what it is and what to watch`);
  }
});

test('initialisation follows trainer/gpt2.cpp: N(0, 0.02), residual projections / sqrt(2L), gains 1, biases 0', () => {
  const src = read('trainer/gpt2.cpp');
  assert.match(src, /residual_std = 0\.02f \/ std::sqrt\(2\.0f \* cfg_\.num_layers\)/);
  assert.match(src, /P_ATTPROJW \|\| k == P_FCPROJW\) \? residual_std : 0\.02f/);
  assert.deepEqual(initOf('qkvw', MODEL), { kind: 'normal', std: 0.02 });
  assert.ok(Math.abs(initOf('fcprojw', MODEL).std - 0.02 / Math.sqrt(8)) < 1e-12);
  assert.equal(initOf('ln2w', MODEL).kind, 'ones');
  assert.equal(initOf('lnfb', MODEL).kind, 'zeros');
  assert.equal(initOf('qkvb', MODEL).kind, 'zeros');
  const card = cardFor('param:attprojw', { model: MODEL });
  assert.ok(card.init.includes('√8') && card.init.includes('0.007071'), card.init);
  // Weight decay: matrices only (trainer/optimizer.cpp), as the cards say.
  assert.match(read('trainer/optimizer.cpp'), /info\.is_matrix \? s_\.weight_decay : 0\.0f/);
  const matrices = demo.tensors.filter((t) => t[4] > 1).map((t) => t[0]);
  for (const n of PARAM_NAMES) {
    const says = cardFor(`param:${n}`, { model: MODEL }).init;
    assert.ok(matrices.includes(n) ? says.includes('weight decay applies') : says.includes('No weight decay'), `${n}: ${says}`);
  }
});

test('live numbers: a parameter card reads the frame\'s stats row of the layer asked for', () => {
  const frame = decodeFrame(modelFrame({ L: 2, C: 8, V: 10, step: 12 }));
  const card = cardFor('param:qkvw', { frame, layer: 1 });
  const live = Object.fromEntries(card.live.map((n) => [n.key, n.value]));
  const st = frame.stats('qkvw', 1);
  assert.equal(Number(live.rms), Number(st.rms.toPrecision(4)));
  assert.equal(Number(live.grad_rms), Number(st.grad_rms.toPrecision(4)));
  assert.equal(Number(live.update_ratio), Number(st.update_ratio.toPrecision(4)));
  assert.equal(live.sigma_max, undefined, 'no spectral numbers in a frame without them');
  assert.match(card.liveNote, /layer 1, frame of step 12/);
  assert.ok(card.shape.startsWith('24 × 8'), card.shape); // 3C x C from the frame's own model
  const none = cardFor('param:qkvw', {});
  assert.deepEqual(none.live, []);
  assert.match(none.liveNote, /No parameter frame/);
});

test('live numbers: chart cards read the metrics at the step on screen', () => {
  const metrics = [
    { step: 0, train_loss: 4.2, lr: 1e-4, grad_norm: 3, tokens_per_s: 1000 },
    { step: 10, train_loss: 3.0, lr: 1e-3, grad_norm: 1, tokens_per_s: 2000, val_loss: 3.1 },
    { step: 20, train_loss: 2.5, lr: 5e-4, grad_norm: 2, tokens_per_s: 3000, mfu: 0.25 },
  ];
  const loss = cardFor('chart:chart-loss', { model: MODEL, metrics, step: 15 });
  const v = Object.fromEntries(loss.live.map((n) => [n.key, n]));
  assert.equal(Number(v.train_loss.value), 3);
  assert.equal(v.train_loss.label, 'train loss at step 10');
  assert.equal(v.val_loss.label, 'val loss (step 10)');
  assert.equal(Number(v.uniform.value), Number(Math.log(65).toPrecision(4)));
  assert.ok(loss.shape.includes('ln 65 = 4.174'), loss.shape);
  const lr = cardFor('chart:chart-lr', { metrics, step: null });
  assert.deepEqual(lr.live.map((n) => n.key), ['lr', 'peak']);
  assert.equal(Number(lr.live[1].value), 1e-3);
  const tp = cardFor('chart:chart-throughput', { metrics });
  assert.equal(tp.live.find((n) => n.key === 'mfu').value, '25%');
  const empty = cardFor('chart:chart-gradnorm', {});
  assert.deepEqual(empty.live, []);
  const frame = decodeFrame(modelFrame({ L: 2 }));
  const spark = cardFor('chart:spark-update_ratio', { frame, tensor: 'qkvw', layer: 0 });
  assert.equal(Number(spark.live[0].value), Number(frame.stats('qkvw', 0).update_ratio.toPrecision(4)));
});

test('live numbers: insight and event cards count this run\'s', () => {
  const list = insightList(insightSetOf([insightMsg({ id: 1, kind: 'loss_spike', step: 50, title: 'Loss spike at 50' }),
    insightMsg({ id: 2, kind: 'loss_spike', step: 150, title: 'Loss spike at 150' }), insightMsg({ id: 3, kind: 'warmup', step: 0 })]));
  const c = cardFor('insight:loss_spike', { insights: list, step: 100 });
  const live = Object.fromEntries(c.live.map((n) => [n.key, n.value]));
  assert.equal(live.count, '2');
  assert.equal(live.last, 'step 50');
  assert.equal(c.liveNote, 'Latest: Loss spike at 50');
  const e = cardFor('event:eval', { events: [{ kind: 'eval', step: 20, text: 'val 3.1' }, { kind: 'checkpoint', step: 20 }] });
  assert.equal(e.live[0].value, '1');
});

test('a real frame: every stats row names a tensor with a card, and its numbers fill the card', { skip: skipWithoutBinary }, () => {
  const run = recordRun({ steps: 2 });
  try {
    const dir = join(run.runs, run.session, 'frames');
    const file = readdirSync(dir).filter((n) => n.endsWith('.bin')).sort().at(-1);
    const bytes = readFileSync(join(dir, file));
    const f = decodeFrame(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const names = [...new Set(statKeys(f).map((k) => k.name))];
    assert.deepEqual([...names].sort(), [...PARAM_NAMES].sort(), 'the frame has stats for every tensor');
    for (const { name, layer } of statKeys(f)) {
      const card = cardFor(`param:${name}`, { frame: f, layer });
      const rms = Number(card.live.find((n) => n.key === 'rms').value);
      assert.equal(rms, Number(f.stats(name, layer).rms.toPrecision(4)), `${name}:${layer}`);
      const dims = tensorShape(name, f.model).dims;
      assert.ok(card.shape.startsWith(dims.join(' × ')), `${name}: ${card.shape}`);
    }
    const q = cardFor('param:qkvw', { frame: f, layer: 0 });
    assert.ok(q.live.some((n) => n.key === 'sigma_max'), 'matrices carry sigma_max in a real frame');
  } finally {
    run.cleanup();
  }
});

test('compare: nearest steps, per-tensor ratios and levels, both timelines', () => {
  assert.equal(nearestStep([0, 10, 20], 14), 10);
  assert.equal(nearestStep([0, 10, 20], 15), 10, 'the earlier on a tie');
  assert.equal(nearestStep([0, 10, 20], 99), 20);
  assert.equal(nearestStep([], 5), null);
  const a = decodeFrame(modelFrame({ L: 2, step: 10 }));
  const b = decodeFrame(modelFrame({ L: 2, step: 12, layersOf: [0] }));
  const rows = compareStats(a, b);
  assert.deepEqual(rows.map((r) => `${r.name}:${r.layer}`), ['qkvw:0', 'qkvw:1']);
  assert.equal(rows[0].ratio.rms, 1);
  assert.equal(rows[0].level.rms, 0);
  assert.equal(rows[1].b, null, 'a layer only A has');
  assert.equal(rows[1].ratio.rms, null);
  // A 4x larger grad rms in B is "strong" (over 3x); 2x is notable.
  const scaled = (f, k, by) => ({ ...f, stats: (n, l) => { const s = { ...f.stats(n, l) }; s[k] *= by; return s; } });
  assert.equal(compareStats(a, scaled(a, 'grad_rms', 4))[0].level.grad_rms, 2);
  assert.equal(compareStats(a, scaled(a, 'grad_rms', 0.5))[0].level.grad_rms, 1);
  const t = runTimeline([{ kind: 'eval', step: 20, text: 'val' }, { kind: 'sample', step: 20, text: 'abc' }],
    [{ kind: 'warmup', step: 0, severity: 'info', title: 'Warm-up', family: 'phase' }]);
  assert.deepEqual(t.map((x) => [x.step, x.kind]), [[0, 'warmup'], [20, 'eval']], 'samples left out, by step');
});

test('PNG caption: the insights active at the step, most severe first', () => {
  const list = insightList(insightSetOf([
    insightMsg({ id: 1, kind: 'warmup', step: 0, step_end: 100, open: false, severity: 'info', title: 'Warm-up' }),
    insightMsg({ id: 2, kind: 'loss_spike', step: 40, step_end: 60, open: false, severity: 'warning', title: 'Loss spike' }),
    insightMsg({ id: 3, kind: 'grad_spike', step: 300, severity: 'notice', title: 'Late spike' }),
  ]));
  assert.equal(annotationText(list, 50), 'Insights at step 50: [warning] Loss spike; [info] Warm-up.');
  assert.equal(annotationText(list, 200), '');
  assert.equal(annotationText([], 50), '');
  assert.equal(annotationText(list, 50, { max: 1 }), 'Insights at step 50: [warning] Loss spike; and 1 more.');
});
