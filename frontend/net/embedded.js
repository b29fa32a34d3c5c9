// net/embedded.js: the data source of a saved report (`nanogpt report`, docs/frontend.md "Saved
// reports"): the run's data sits in the page as <script type="application/json" id="nanogpt-report">,
// and this module answers the same calls as net/api.js's REST client from it, so the rest of the
// page cannot tell. No network: frames and probes are NGVF bytes, gzip then base64 (`encoding`),
// decoded in place with DecompressionStream.
//
// readEmbeddedReport(doc = document) -> the report object, or null when the page carries none.
// createEmbeddedApi(report) -> {listSessions, getRun, getMetrics, getEvents, getFrameIndex,
//   getFrame, getProbeIndex, getProbe} (the shapes of net/api.js; unknown session/step: ApiError 404).
// createEndedConnection({onStatus}) -> the connection interface of net/connection.js that never
//   opens a socket: status 'closed', subscribe/send/close do nothing.
// reportBanner(report) -> the banner's text: run, steps, frames included out of the total.
import { ApiError } from './api.js';
import { decodeFrame } from './protocol.js';
import { decodeProbeRecord } from './probe.js';

export const REPORT_ELEMENT_ID = 'nanogpt-report';

export function readEmbeddedReport(doc = globalThis.document) {
  const el = doc?.getElementById?.(REPORT_ELEMENT_ID);
  if (!el) return null;
  const report = JSON.parse(el.textContent);
  if (report?.format !== 'nanogpt-report') throw new Error(`#${REPORT_ELEMENT_ID} is not a nanogpt report`);
  return report;
}

/** gzip bytes -> ArrayBuffer, by the platform's DecompressionStream (no network: a Blob's stream). */
export async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/** base64 -> ArrayBuffer (atob: a browser and node >= 16 both have it). */
export function base64ToBuffer(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}

export function createEmbeddedApi(report) {
  const id = report.session;
  const check = (session, path) => {
    if (session !== id) throw new ApiError(`${path}: this saved report holds run ${id} only`, 404, path);
  };
  const clone = (v) => (v == null ? v : JSON.parse(JSON.stringify(v))); // callers may grow what they get
  const gzipped = report.encoding === 'gzip+base64'; // else plain base64
  const binary = async (table, session, step, what, decode) => {
    const path = `/api/sessions/${session}/${what}/${step}`;
    check(session, path);
    const b64 = table?.[String(step)];
    if (b64 == null) throw new ApiError(`${path}: step ${step} is not in this saved report`, 404, path);
    const raw = base64ToBuffer(b64);
    return decode(gzipped ? await gunzip(raw) : raw);
  };
  return {
    async listSessions() { return [clone(report.session_info ?? { session: id, live: false })]; },
    async getRun(session) { check(session, 'run'); return clone(report.run); },
    async getMetrics(session) { check(session, 'metrics'); return clone(report.metrics ?? []); },
    async getEvents(session) { check(session, 'events'); return clone(report.events ?? []); },
    async getFrameIndex(session) { check(session, 'frames'); return clone(report.frames ?? []); },
    async getFrame(session, step) { return binary(report.frame_data, session, step, 'frames', decodeFrame); },
    async getProbeIndex(session) { check(session, 'probes'); return clone(report.probes ?? []); },
    async getProbe(session, step) { return binary(report.probe_data, session, step, 'probes', decodeProbeRecord); },
  };
}

export function createEndedConnection({ onStatus } = {}) {
  const conn = {
    status: 'closed',
    session: null,
    subscribe(session) { conn.session = session; },
    send() {},
    close() {},
  };
  onStatus?.('closed', { reason: 'saved report' });
  return conn;
}

export function reportBanner(report) {
  const sel = report.selection ?? {};
  const rows = report.metrics ?? [];
  const last = rows.length ? rows[rows.length - 1].step : null;
  const steps = last != null ? `${last} steps` : 'no metrics';
  const frames = `${sel.frames_included ?? (report.frames ?? []).length} of ${sel.frames_total ?? '?'} parameter frames`;
  const probes = sel.probes_total ? `, ${sel.probes_included} of ${sel.probes_total} attention probes` : '';
  return `Run ${report.session}: ${steps}; ${frames}${probes} included. ` +
    'Not live: playback moves over these frames only.';
}
