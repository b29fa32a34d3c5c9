// tours.test.js: the guided tours' engine (frontend/tours/engine.js) and every tour file
// (frontend/tours/*.js): anchors, fallbacks, live numbers, navigation, deep links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as E from '../../../frontend/tours/engine.js';
import { TOURS, TOUR_LIST, tourById } from '../../../frontend/tours/index.js';
import { INSIGHT_KINDS } from '../../../frontend/net/protocol.js';
import { insightList, insightSetOf } from '../../../frontend/state/insights.js';
import { TYPE_OF } from '../../../frontend/state/filters.js';
import { insightMsg } from './insight_fixture.js';

const TOURS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../frontend/tours');

// A frame with a few stats, as net/protocol.js decodes one.
function frame(step, { L = 2, stats = {} } = {}) {
  return {
    step, model: { L, NH: 2, C: 64, V: 65, maxT: 32 },
    stats: (name, layer) => stats[`${name}:${layer}`],
  };
}

function run({ insights = [], metrics = null, lastStep = 200, f = frame(100), compare = null } = {}) {
  const rows = metrics ?? Array.from({ length: 21 }, (_, i) => ({ step: i * 10, train_loss: 4.2 - i * 0.1, lr: 1e-3,
    grad_norm: 1 + i, ...(i % 5 === 0 ? { val_loss: 4.3 - i * 0.09 } : {}) }));
  return {
    session: 's1', insights: insightList(insightSetOf(insights)), metrics: rows,
    runInfo: { model: { L: 2, NH: 2, C: 64, V: 65 }, train: { learning_rate: 2e-3, min_lr: 2e-4, weight_decay: 0.1, warmup_iters: 5, max_iters: 200, grad_clip: 1, dropout: 0 },
      reference_levels: { uniform: 4.174, unigram: 3.347, bigram: 2.487, trigram: 2.06 } },
    frame: f, frameSteps: Array.from({ length: 101 }, (_, i) => i * 2), lastStep, live: false, compare,
  };
}

const spike = insightMsg({ id: 7, kind: 'loss_spike', step: 150, step_end: 180, title: 'Loss spike at step 150 (+60%)',
  evidence: { loss: 4.1, smoothed_before: 2.5, z: 40.3, z_threshold: 5, window: 128, recovery_steps: 30 } });

test('anchors resolve to steps of this run, with found=false and the stated fallback when the event is missing', () => {
  const with_ = run({ insights: [spike] });
  assert.deepEqual(E.resolveAnchor({ first: 'loss_spike' }, with_).step, 150);
  assert.equal(E.resolveAnchor({ first: 'loss_spike', edge: 'end' }, with_).step, 180);
  assert.equal(E.resolveAnchor({ first: 'loss_spike', frameAfter: true }, run({ insights: [{ ...spike, step: 151 }] })).step, 152, 'the frame after');
  assert.equal(E.resolveAnchor({ first: 'loss_spike' }, with_).insight.id, 7);
  const without = run();
  const r = E.resolveAnchor({ first: 'loss_spike', else: { frac: 0.25 } }, without);
  assert.equal(r.found, false);
  assert.equal(r.step, 50);
  assert.equal(E.resolveAnchor({ first: 'loss_spike' }, without).step, 100, 'default fallback: the middle');
  assert.equal(E.resolveAnchor({ step: 999 }, without).step, 200, 'clamped to the run');
  assert.equal(E.resolveAnchor({ last: true }, without).step, 200);
  assert.equal(E.resolveAnchor({ best: 'val' }, without).step, 200, 'val falls all along: best is last');
  assert.equal(E.resolveAnchor({ warmupEnd: true }, without).step, 5, 'from run.json without a warm-up insight');
  const w = run({ insights: [insightMsg({ id: 1, kind: 'warmup', step: 0, step_end: 8 })] });
  assert.equal(E.resolveAnchor({ warmupEnd: true }, w).step, 8);
  const sub = run({ insights: [insightMsg({ id: 2, kind: 'level_crossed', subject: 'unigram', step: 30 }),
    insightMsg({ id: 3, kind: 'level_crossed', subject: 'bigram', step: 90 })] });
  assert.equal(E.resolveAnchor({ first: 'level_crossed', subject: 'bigram' }, sub).step, 90);
  const either = run({ insights: [insightMsg({ id: 4, kind: 'slowdown', step: 60, step_end: 90 })] });
  assert.equal(E.resolveAnchor({ first: ['shoulder', 'slowdown'] }, either).step, 60, 'any of the kinds');
  assert.equal(E.resolveAnchor({ frac: 0.5 }, run({ lastStep: null })).step, null, 'no steps yet');
});

test('texts are filled with this run\'s numbers; unknown or missing values never show a made-up number', () => {
  const r = run({ insights: [spike], f: frame(150, { stats: { 'wte:-1': { rms: 0.0412 }, 'qkvw:0': { update_ratio: 0.0123, grad_rms: 0.5 }, 'qkvw:1': { grad_rms: 0.05 } } }) });
  const ctx = { run: r, step: 150, insight: r.insights[0] };
  assert.equal(E.fill('{V} tokens, ln {V} = {ln_V}', ctx), '65 tokens, ln 65 = 4.174');
  assert.equal(E.fill('rms {rms:wte}, ratio {ratio:qkvw:0}', ctx), 'rms 0.0412, ratio 0.0123');
  assert.equal(E.fill('z = {ev:z}, back after {ev:recovery_steps}', ctx), 'z = 40.3, back after 30');
  assert.equal(E.fill('{grad_spread:qkvw}', ctx), '10');
  assert.equal(E.fill('loss {loss} at {step}; first {loss_first}', ctx), 'loss 2.700 at 150; first 4.200');
  assert.equal(E.fill('bigram {level:bigram}', ctx), 'bigram 2.487');
  assert.equal(E.fill('{eq_rms} {eq_steps}', ctx), '0.1 5000');
  assert.equal(E.fill('{rms:fcw:0}', ctx), '–', 'a stat the frame lacks');
  assert.equal(E.fill('{ins}', { run: r, step: 1, insight: null }), '–');
  assert.equal(E.fill('{nonsense} stays', ctx), '{nonsense} stays');
  assert.equal(E.fill('{count:loss_spike} spike', ctx), '1 spike');
});

test('a step resolves to its view, region and text; the fallback text when its anchor is missing', () => {
  const tour = tourById('loss-spike');
  const a = E.resolveStep(tour, 0, run({ insights: [spike] }));
  assert.equal(a.found, true);
  assert.equal(a.step, 150);
  assert.match(a.text, /Loss spike at step 150/);
  assert.match(a.text, /z = 40\.3/);
  assert.deepEqual(a.region, { chart: 'loss', from: 110, to: 190 });
  const b = E.resolveStep(tour, 0, run());
  assert.equal(b.found, false);
  assert.match(b.text, /This run had no loss spike/);
  assert.equal(b.step, 100);
  const rec = E.resolveStep(tour, 3, run({ insights: [spike] }));
  assert.deepEqual(rec.region, { chart: 'loss', from: 150, to: 180 }, 'a region between two anchors');
  assert.equal(E.resolveStep(tour, 99, run()).index, tour.steps.length - 1, 'index clamped');
});

test('navigation: next/back stop at the ends, pause keeps the step, a prediction is answered once', () => {
  const tour = tourById('phases');
  let s = E.startState(tour, 0);
  s = E.back(s);
  assert.equal(s.index, 0);
  for (let i = 0; i < 20; i++) s = E.next(s, tour);
  assert.equal(s.index, tour.steps.length - 1);
  assert.ok(E.isLast(s, tour));
  s = E.setPaused(s, true);
  assert.equal(s.paused, true);
  assert.equal(E.next(s, tour).index, s.index);
  s = E.goTo(s, tour, 3);
  assert.equal(E.answered(s), false);
  s = E.answer(s, 2);
  s = E.answer(s, 0);
  assert.equal(s.answers[3], 2, 'the first pick stays');
  assert.equal(E.startState(tour, 50).index, tour.steps.length - 1);
});

test('deep links: ?tour=ID&step=N and #tour=ID&step=N (steps from 1), written back keeping other keys', () => {
  assert.deepEqual(E.parseDeepLink({ search: '?session=a&tour=phases&step=3' }, TOURS), { id: 'phases', index: 2 });
  assert.deepEqual(E.parseDeepLink({ hash: '#tour=embeddings&step=2' }, TOURS), { id: 'embeddings', index: 1 });
  assert.deepEqual(E.parseDeepLink({ search: '?tour=phases' }, TOURS), { id: 'phases', index: 0 });
  assert.equal(E.parseDeepLink({ search: '?tour=nope&step=1' }, TOURS), null);
  assert.equal(E.parseDeepLink({ search: '?session=a' }, TOURS), null);
  assert.equal(E.withDeepLink('?session=a', { tourId: 'phases', index: 1 }), '?session=a&tour=phases&step=2');
  assert.equal(E.withDeepLink('?session=a&tour=phases&step=2', null), '?session=a');
  assert.equal(E.withDeepLink('#', { tourId: 'compare', index: 0 }), '#tour=compare&step=1');
  assert.equal(E.withDeepLink('?tour=x&step=1', null), '');
});

test('the registry lists at least eight tours, one file each, with unique ids', () => {
  assert.ok(TOURS.length >= 8);
  assert.equal(new Set(TOURS.map((t) => t.id)).size, TOURS.length);
  const files = readdirSync(TOURS_DIR).filter((n) => /^t\d+_.*\.js$/.test(n));
  assert.equal(files.length, TOUR_LIST.length, 'every tour file is in the registry');
  for (const t of TOURS) { assert.ok(t.title && t.summary, t.id); }
});

const KINDS = new Set(Object.values(INSIGHT_KINDS));
const TENSORS = new Set([...Object.keys(TYPE_OF), 'wte', 'wpe', 'lnfw', 'lnfb']);
const LAYERLESS = new Set(['wte', 'wpe', 'lnfw', 'lnfb']);

/** Every problem of a tour, as text (empty: sound). Exported through the test below. */
function problems(tour) {
  const bad = [];
  const say = (i, what) => bad.push(`${tour.id} step ${i + 1}: ${what}`);
  if (!tour.id || !tour.title || !tour.summary) bad.push(`${tour.id}: id, title, summary`);
  if (!Array.isArray(tour.steps) || tour.steps.length < 3) bad.push(`${tour.id}: fewer than 3 steps`);
  (tour.steps ?? []).forEach((s, i) => {
    if (!s.title || !s.text || s.text.length < 40) say(i, 'needs a title and a real text');
    if (s.tab && !E.TABS.includes(s.tab)) say(i, `tab ${s.tab}`);
    const anchors = [s.at, s.region?.from, s.region?.to].filter(Boolean);
    for (const a of anchors) {
      for (const k of E.anchorKinds(a)) if (!KINDS.has(k)) say(i, `anchor names ${k}, not an insight kind`);
      if (E.anchorKinds(a).length && !s.fallback && a === s.at) say(i, 'an insight anchor without a fallback text');
    }
    if (s.fallback && !E.anchorKinds(s.at).length && !s.at?.best && !s.at?.warmupEnd) say(i, 'a fallback that can never show');
    const cam = s.camera;
    if (cam && !(E.CAMERA_PRESETS.includes(cam) || (cam.tensor && TENSORS.has(cam.tensor)))) say(i, `camera ${JSON.stringify(cam)}`);
    if (s.select && (!TENSORS.has(s.select.name) || (LAYERLESS.has(s.select.name) ? s.select.layer !== -1 : !(s.select.layer >= 0)))) say(i, `select ${JSON.stringify(s.select)}`);
    if (s.region && !E.CHARTS.includes(s.region.chart)) say(i, `region chart ${s.region.chart}`);
    if (s.colorBy && !['frequency', 'norm', 'grad_norm', 'update'].includes(s.colorBy)) say(i, `colorBy ${s.colorBy}`);
    const texts = [s.title, s.text, s.fallback, s.noCompare, s.predict?.question, s.predict?.reveal, ...(s.predict?.choices ?? [])];
    for (const t of texts.filter(Boolean)) {
      for (const [name, arg] of E.placeholders(t)) {
        if (!E.VALUES[name]) say(i, `unknown placeholder {${name}}`);
        if (['rms', 'grad_rms', 'ratio', 'mean', 'std', 'min', 'max'].includes(name)) {
          const [tn, l] = String(arg).split(':');
          if (!TENSORS.has(tn) || (LAYERLESS.has(tn) !== (l === undefined))) say(i, `{${name}:${arg}} names no tensor`);
        }
        if ((name === 'count' || name === 'grad_spread') && !(name === 'count' ? KINDS.has(arg) : TENSORS.has(arg))) say(i, `{${name}:${arg}}`);
        if (name === 'level' && !['uniform', 'unigram', 'bigram', 'trigram'].includes(arg)) say(i, `{level:${arg}}`);
      }
      if (/\{ins|\{ev:/.test(t) && t !== s.fallback && !E.anchorKinds(s.at).length) say(i, 'names the anchored insight but has no insight anchor');
      if (t === s.fallback && /\{ins|\{ev:/.test(t)) say(i, 'the fallback names the insight it lacks');
    }
    if (s.predict) {
      const p = s.predict;
      if (!p.question || !Array.isArray(p.choices) || p.choices.length < 2 || !p.reveal) say(i, 'a prediction needs a question, choices, a reveal');
      if (p.answer != null && !(p.answer >= 0 && p.answer < p.choices.length)) say(i, 'answer out of range');
    }
  });
  if (!(tour.steps ?? []).some((s) => s.predict)) bad.push(`${tour.id}: no prediction question`);
  return bad;
}

test('every tour file is sound: texts, real insight kinds and tensors, fallbacks, predictions', () => {
  assert.deepEqual(TOUR_LIST.flatMap(problems), []);
});

test('the tour check fails on a broken tour', () => {
  const broken = { id: 'x', title: 'X', summary: 'y', steps: [
    { title: 'a', text: 'short' },
    { title: 'b', text: 'An anchor on a kind that does not exist anywhere at all.', at: { first: 'loss_spikes' } },
    { title: 'c', text: 'Names {rms:qkvw} without a layer and {bogus} and more words here.', select: { name: 'wte', layer: 0 } },
  ] };
  const p = problems(broken);
  assert.ok(p.some((x) => /real text/.test(x)));
  assert.ok(p.some((x) => /loss_spikes, not an insight kind/.test(x)));
  assert.ok(p.some((x) => /without a fallback/.test(x)));
  assert.ok(p.some((x) => /\{rms:qkvw\} names no tensor/.test(x)));
  assert.ok(p.some((x) => /unknown placeholder \{bogus\}/.test(x)));
  assert.ok(p.some((x) => /select/.test(x)));
  assert.ok(p.some((x) => /no prediction/.test(x)));
});

test('every step of every tour resolves on a run with no insights and on one with every anchor, leaving no {placeholder}', async () => {
  const all = Object.values(INSIGHT_KINDS).map((kind, i) => insightMsg({ id: 100 + i, kind, step: 20 + i * 5, step_end: 30 + i * 5,
    subject: kind === 'level_crossed' ? 'bigram' : '', title: `${kind} found` }));
  const stats = {};
  for (const n of TENSORS) for (const l of LAYERLESS.has(n) ? [-1] : [0, 1]) stats[`${n}:${l}`] = { rms: 0.03, grad_rms: 0.1, update_ratio: 0.01, mean: 1, std: 0.1, min: 0.8, max: 1.2 };
  const runs = [run(), run({ insights: all, f: frame(150, { stats }), compare: { session: 'b', metrics: [{ step: 0, train_loss: 4, val_loss: 4.1 }] } })];
  for (const tour of TOUR_LIST) {
    for (const r of runs) {
      for (let i = 0; i < tour.steps.length; i++) {
        const s = E.resolveStep(tour, i, r);
        const shown = [s.title, s.text, s.predict?.question, s.predict?.reveal, ...(s.predict?.choices ?? [])].join(' ');
        assert.doesNotMatch(shown, /\{[a-z_]+(:[^}]*)?\}/i, `${tour.id} step ${i + 1}`);
        assert.ok(s.step == null || (s.step >= 0 && s.step <= r.lastStep), `${tour.id} step ${i + 1}: step ${s.step}`);
      }
    }
  }
  // And the file modules load one by one, as plain objects (what the offline report bundles).
  for (const n of readdirSync(TOURS_DIR).filter((x) => /^t\d+_.*\.js$/.test(x))) {
    const m = await import(pathToFileURL(join(TOURS_DIR, n)));
    assert.equal(typeof m.default, 'object', n);
    assert.doesNotThrow(() => JSON.stringify(m.default), n);
  }
});
