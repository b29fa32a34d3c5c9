// insights.test.js: state/insights.js keeps the latest version of each insight (REST history and
// live messages in any order), sorts insights into phases, events and parameter patterns, says
// what applies at a step, and maps subjects onto the Parameters views' items.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  activeAt, createInsightSet, evidenceRows, familyOf, holdSteps, insightList, itemOfSubject, insightMarks, insightSetOf, markAt,
  mergeInsight, normalizeInsight, paramHighlights, parseSubject, phaseBands, stepRange, subjectText,
} from '../../../frontend/state/insights.js';
import { INSIGHT_KINDS } from '../../../frontend/net/protocol.js';
import { decodeFrame } from '../../../frontend/net/protocol.js';
import { insightMsg, runInsights } from './insight_fixture.js';
import { modelFrame } from './frame_fixture.js';

test('merge keeps the latest version per id, whatever order the versions come in', () => {
  const set = createInsightSet();
  const open20 = insightMsg({ id: 1, kind: 'warmup', step: 0, step_end: 20, open: true });
  const open60 = { ...open20, step_end: 60 };
  const closed = { ...open20, step_end: 100, open: false };
  assert.equal(mergeInsight(set, open20), true);
  assert.equal(mergeInsight(set, open60), true, 'a span that grew replaces the shorter version');
  assert.equal(mergeInsight(set, open20), false, 'an older snapshot (a live message replayed after the history) is ignored');
  assert.equal(set.byId.get(1).stepEnd, 60);
  assert.equal(mergeInsight(set, closed), true);
  assert.equal(mergeInsight(set, { ...closed, step_end: 120, open: true }), false, 'a closed span is final');
  assert.equal(mergeInsight(set, structuredClone(closed)), false, 'the same version twice changes nothing');
  assert.equal(set.byId.size, 1);
  assert.deepEqual([set.byId.get(1).stepEnd, set.byId.get(1).open], [100, false]);
  const v = set.version;
  assert.equal(mergeInsight(set, { ...closed, explanation: 'better words' }), true, 'new content for the same steps');
  assert.equal(set.version, v + 1, 'version bumps on change only');
});

test('messages without an integer id or step are refused; fields are normalised', () => {
  const set = createInsightSet();
  assert.equal(mergeInsight(set, { ...insightMsg(), id: 'x' }), false);
  assert.equal(mergeInsight(set, { ...insightMsg(), step: null }), false);
  assert.equal(set.byId.size, 0);
  const n = normalizeInsight(insightMsg({ id: 5, step: 10, step_end: 3, severity: 'apocalyptic', evidence: { z: null, a: 2 },
    try: ['x', 3], causes: 'not a list', title: '' }));
  assert.equal(n.stepEnd, 10, 'step_end before step reads as a point');
  assert.equal(n.severity, 'info', 'unknown severity reads info');
  assert.deepEqual(n.evidence, { z: null, a: 2 });
  assert.deepEqual(n.tries, ['x']);
  assert.deepEqual(n.causes, []);
  assert.equal(n.title, 'loss spike', 'a missing title falls back to the kind');
  assert.deepEqual(normalizeInsight(insightMsg({ evidence: { 'token:4': 1, 'token_9': 1, z: 2 } })).groups, [{ label: '', tokens: [4, 9] }]);
  assert.deepEqual(normalizeInsight(insightMsg({ members: [3, 'a', 5] })).groups, [{ label: '', tokens: [3, 5] }]);
  assert.deepEqual(normalizeInsight(insightMsg({ groups: [{ label: 'vowels', tokens: [1, 2] }, { tokens: [7] }, 'junk'] })).groups,
    [{ label: 'vowels', tokens: [1, 2] }, { label: '', tokens: [7] }]);
  assert.deepEqual(normalizeInsight(insightMsg({})).groups, []);
});

test('families: every kind the C++ engine names has one; unknown kinds are events', () => {
  const fam = Object.values(INSIGHT_KINDS).map((k) => [k, familyOf(k)]);
  const by = (f) => fam.filter(([, x]) => x === f).map(([k]) => k).sort();
  assert.deepEqual(by('phase'), ['annealing', 'phase', 'power_law', 'rapid_descent', 'shoulder', 'slowdown', 'warmup']);
  assert.deepEqual(by('probe'), ['attention_collapse', 'dead_units', 'induction_head', 'previous_token_head']);
  assert.equal(by('parameter').length, 9);
  assert.equal(by('event').length, 8);
  assert.equal(familyOf('something_new'), 'event');
});

test('insightList sorts by step then id and follows changes', () => {
  const set = insightSetOf(runInsights());
  const list = insightList(set);
  assert.equal(list.length, 8, 'ids 1..8, the re-sent warm-up and descent kept once');
  for (let i = 1; i < list.length; i++) {
    assert.ok(list[i - 1].step < list[i].step || (list[i - 1].step === list[i].step && list[i - 1].id < list[i].id));
  }
  assert.equal(insightList(set), list, 'cached while unchanged');
  mergeInsight(set, insightMsg({ id: 99, step: 1 }));
  assert.equal(insightList(set)[2].id, 99);
});

test('phase bands: schedule and curve rows, lanes for overlaps, open spans reach the last step', () => {
  const list = insightList(insightSetOf(runInsights()));
  const bands = phaseBands(list, 260);
  assert.deepEqual(bands.map((b) => [b.kind, b.row, b.from, b.to, b.lane]), [
    ['warmup', 'schedule', 0, 100, 0],
    ['rapid_descent', 'curve', 0, 120, 0],
    ['slowdown', 'curve', 130, 260, 0],
  ]);
  assert.equal(bands[0].label, 'warm-up');
  const overlapping = phaseBands([
    normalizeInsight(insightMsg({ id: 1, kind: 'power_law', step: 0, step_end: 50 })),
    normalizeInsight(insightMsg({ id: 2, kind: 'slowdown', step: 40, step_end: 90 })),
    normalizeInsight(insightMsg({ id: 3, kind: 'phase', step: 60, step_end: 80, title: 'Phase 2' })),
  ]);
  assert.deepEqual(overlapping.map((b) => b.lane), [0, 1, 0], 'a band takes the first free lane');
  assert.equal(overlapping[2].label, 'Phase 2', 'offline phases keep their own title');
  assert.equal(phaseBands(list, null)[2].to, 200, 'without a last step an open span ends where it is');
});

test('marks: events by default, other families on request, most severe last; hit testing', () => {
  const list = insightList(insightSetOf([...runInsights(),
    insightMsg({ id: 20, kind: 'divergence', step: 152, severity: 'critical' }),
    insightMsg({ id: 21, kind: 'instability', step: 140, step_end: 190, severity: 'notice' })]));
  const marks = insightMarks(list);
  assert.deepEqual(marks.map((m) => m.id), [3, 21, 4, 20], 'info, notice, warning, critical');
  assert.ok(marks.every((m) => m.family === 'event'));
  assert.equal(insightMarks(list, ['event', 'parameter', 'probe']).length, 7);
  const pos = (s) => s * 2; // 2 px per step
  assert.equal(markAt(marks, pos, 301)?.id, 4, 'step 150 is at x 300');
  assert.equal(markAt(marks, pos, 303)?.id, 20, 'nearer to step 152 (x 304)');
  assert.equal(markAt(marks, pos, 302)?.id, 20, 'equally near: the more severe');
  assert.equal(markAt(marks, pos, 360)?.id, 21, 'inside a span');
  assert.equal(markAt(marks, pos, 281)?.id, 21, 'near the start of a span');
  assert.equal(markAt(marks, pos, 100), null, 'nothing within the tolerance');
  assert.equal(markAt(marks, pos, 186, 6)?.id, 3, 'step 90 (x 180) within 6 px');
});

test('activeAt: spans while they last, point events for `hold` steps, sticky kinds until replaced', () => {
  const list = insightList(insightSetOf(runInsights()));
  const ids = (step, hold) => activeAt(list, step, { hold }).map((i) => i.id);
  assert.deepEqual(ids(50, 0), [1, 2]);
  assert.deepEqual(ids(150, 0), [5, 4], 'the open slowdown, the spike at its step');
  assert.deepEqual(ids(155, 0), [5]);
  assert.deepEqual(ids(155, 10), [5, 4], 'held for 10 steps');
  assert.deepEqual(ids(175, 0), [5, 6, 7]);
  assert.deepEqual(ids(500, 0), [5, 7, 8], 'the induction head and the clusters still hold; the outlier span ended');
  const replaced = insightList(insightSetOf([...runInsights(),
    insightMsg({ id: 30, kind: 'induction_head', step: 300, subject: 'head:1.0', title: 'stronger now' })]));
  assert.deepEqual(activeAt(replaced, 400).filter((i) => i.kind === 'induction_head').map((i) => i.id), [30]);
  assert.deepEqual(activeAt(replaced, 250).filter((i) => i.kind === 'induction_head').map((i) => i.id), [7]);
  assert.deepEqual(activeAt(list, null), []);
});

test('subjects name tensors, layers and heads', () => {
  assert.deepEqual(parseSubject(''), { type: 'run' });
  assert.deepEqual(parseSubject('qkvw:2'), { type: 'tensor', name: 'qkvw', layer: 2 });
  assert.deepEqual(parseSubject('lnfw:-1'), { type: 'tensor', name: 'lnfw', layer: -1 });
  assert.deepEqual(parseSubject('wte'), { type: 'tensor', name: 'wte', layer: -1 });
  assert.deepEqual(parseSubject('fcw'), { type: 'tensors', name: 'fcw' });
  assert.deepEqual(parseSubject('head:1.3'), { type: 'head', layer: 1, head: 3 });
  assert.deepEqual(parseSubject('layer:0'), { type: 'layer', layer: 0 });
  assert.equal(parseSubject('what is this?').type, 'other');
  assert.equal(subjectText('head:1.3'), 'head 3 of layer 1');
  assert.deepEqual(itemOfSubject('head:1.3'), { name: 'qkvw', layer: 1 }, 'a head lives in its layer\'s qkvw');
  assert.deepEqual(itemOfSubject('fcw'), { name: 'fcw', layer: 0 });
  assert.deepEqual(itemOfSubject('attprojw:3'), { name: 'attprojw', layer: 3 });
  assert.equal(itemOfSubject(''), null);
  assert.equal(subjectText('qkvw:2'), 'qkvw · layer 2');
  assert.equal(subjectText(''), '');
});

test('paramHighlights maps the insights at a step onto tensors, layers, heads and cluster rows', () => {
  const frame = decodeFrame(modelFrame({ L: 2, V: 10, step: 175 }));
  const list = insightList(insightSetOf([...runInsights(),
    insightMsg({ id: 40, kind: 'gradient_imbalance', step: 175, subject: 'fcw', severity: 'notice' }),
    insightMsg({ id: 41, kind: 'vanishing_gradient', step: 170, step_end: 200, subject: 'layer:0', severity: 'critical' })]));
  const h = paramHighlights(list, 175, frame);
  assert.deepEqual([...h.tensors.keys()].sort(), ['fcw:0', 'fcw:1', 'qkvw:1']);
  const q = h.tensors.get('qkvw:1');
  assert.deepEqual(q.ids, [6, 7], 'the outlier and the induction head both flag qkvw of layer 1');
  assert.equal(q.severity, 'warning', 'the most severe of them');
  assert.deepEqual(q.kinds, ['update_ratio_outlier', 'induction_head']);
  assert.deepEqual([...h.layers.keys()], [0]);
  assert.equal(h.layers.get(0).severity, 'critical');
  assert.deepEqual([...h.heads.keys()], ['1.0']);
  assert.equal(h.clusters.length, 0, 'the clusters come later (step 180)');
  assert.ok(h.notes.every((n) => n.family === 'parameter' || n.family === 'probe'));
  const later = paramHighlights(list, 185, frame);
  assert.equal(later.clusters.length, 1);
  assert.deepEqual(later.clusters[0].rows, [0, 4, 8], 'token ids mapped to the watched rows');
  assert.deepEqual(later.clusters[0].tokens, ['a', 'e', 'i']);
  assert.equal(later.clusters[0].label, 'Vowels cluster together', 'a group without a label takes the title');
  const grouped = insightList(insightSetOf([insightMsg({ id: 50, kind: 'embedding_clusters', step: 1, subject: 'wte',
    groups: [{ label: 'vowels', tokens: [0, 4] }, { label: 'rest', tokens: [1, 99] }] })]));
  const g = paramHighlights(grouped, 5, frame).clusters;
  assert.deepEqual(g.map((c) => [c.label, c.rows, c.group]), [['vowels', [0, 4], 0], ['rest', [1], 1]], 'ids not watched are left out');
  assert.equal(later.tensors.has('qkvw:1'), true, 'the induction head is sticky');
  assert.equal(later.tensors.get('qkvw:1').ids.length, 1, 'the outlier span ended at 180');
  assert.equal(paramHighlights(list, 50, frame).notes.length, 0, 'phases are not parameter highlights');
});

test('words: step ranges and evidence rows', () => {
  assert.equal(stepRange(normalizeInsight(insightMsg({ step: 812 }))), 'step 812');
  assert.equal(stepRange(normalizeInsight(insightMsg({ step: 100, step_end: 350 }))), 'steps 100–350');
  assert.equal(stepRange(normalizeInsight(insightMsg({ step: 100, step_end: 350, open: true }))), 'from step 100 (ongoing)');
  assert.deepEqual(evidenceRows(normalizeInsight(insightMsg({ evidence: { z: 6.31234, ema_before: null, 'token:3': 1 } }))),
    [['z', '6.312'], ['ema before', '–']]);
});

test('holdSteps: ten frames of the run, 20 steps when unknown', () => {
  assert.equal(holdSteps({ train: { viz_interval: 5 } }), 50);
  assert.equal(holdSteps(null), 20);
  assert.equal(holdSteps({ train: { viz_interval: 0 } }), 20);
});
