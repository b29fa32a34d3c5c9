// embedded.test.js: net/embedded.js, the data source of a saved report (`nanogpt report`): it
// answers net/api.js's calls from the page's embedded JSON, decodes gzip+base64 and plain base64
// frames, refuses other sessions and missing steps with ApiError 404, and its banner says what the
// file holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';

import { ApiError } from '../../../frontend/net/api.js';
import { createEmbeddedApi, createEndedConnection, readEmbeddedReport, reportBanner } from '../../../frontend/net/embedded.js';
import { modelFrame } from './frame_fixture.js';

function report({ encoding = 'gzip+base64' } = {}) {
  const bytes = Buffer.from(modelFrame({ step: 40, session: 'r1' }));
  const packed = encoding === 'gzip+base64' ? gzipSync(bytes) : bytes;
  return {
    format: 'nanogpt-report', version: 1, session: 'r1', encoding,
    session_info: { session: 'r1', live: false, steps: 60 },
    run: { model: { L: 2 } },
    metrics: [{ step: 0, train_loss: 4.2 }, { step: 60, train_loss: 2.5 }],
    events: [{ type: 'event', kind: 'start', step: 0 }],
    frames: [{ step: 40, bytes: bytes.length, annotated: false }],
    frame_data: { 40: packed.toString('base64') },
    probes: [], probe_data: {},
    selection: { frames_total: 31, frames_included: 1, probes_total: 0, probes_included: 0 },
  };
}

test('answers the REST calls from the embedded data', async () => {
  const api = createEmbeddedApi(report());
  assert.deepEqual(await api.listSessions(), [{ session: 'r1', live: false, steps: 60 }]);
  assert.equal((await api.getMetrics('r1')).length, 2);
  assert.equal((await api.getEvents('r1'))[0].kind, 'start');
  assert.deepEqual((await api.getFrameIndex('r1')).map((f) => f.step), [40]);
  assert.deepEqual(await api.getProbeIndex('r1'), []);
  // What a caller grows (sessions.js merges rows in place) does not change the report.
  (await api.getMetrics('r1')).push({ step: 99 });
  assert.equal((await api.getMetrics('r1')).length, 2);
});

for (const encoding of ['gzip+base64', 'base64']) {
  test(`decodes a ${encoding} frame to the frame that was encoded`, async () => {
    const frame = await createEmbeddedApi(report({ encoding })).getFrame('r1', 40);
    assert.equal(frame.step, 40);
    assert.equal(frame.session, 'r1');
  });
}

test('another session or a step the file does not hold is a 404', async () => {
  const api = createEmbeddedApi(report());
  await assert.rejects(api.getMetrics('other'), (e) => e instanceof ApiError && e.status === 404);
  await assert.rejects(api.getFrame('r1', 42), (e) => e instanceof ApiError && e.status === 404 && /not in this saved report/.test(e.message));
});

test('the ended connection opens nothing and says it is closed', () => {
  const states = [];
  const c = createEndedConnection({ onStatus: (s) => states.push(s) });
  c.subscribe('r1');
  c.send({});
  assert.equal(c.status, 'closed');
  assert.deepEqual(states, ['closed']);
});

test('reads the report block of a page, and only a report', () => {
  const doc = (text) => ({ getElementById: (id) => (id === 'nanogpt-report' && text != null ? { textContent: text } : null) });
  assert.equal(readEmbeddedReport(doc(null)), null);
  assert.equal(readEmbeddedReport(doc(JSON.stringify(report()))).session, 'r1');
  assert.throws(() => readEmbeddedReport(doc('{"format":"other"}')), /not a nanogpt report/);
});

test('the banner names the run, its steps and the frames included out of the total', () => {
  assert.equal(reportBanner(report()),
    'Run r1: 60 steps; 1 of 31 parameter frames included. Not live: playback moves over these frames only.');
});
