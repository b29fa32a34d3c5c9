// net/api.js: the REST client for history (docs/protocol.md, "REST"). No DOM: uses fetch, and
// `location` only to find the token when none is given, so it runs under node too.
//
// Choices beyond docs/frontend.md:
// - createApi({base = '', token = tokenFromUrl(), fetch}) -> {listSessions, getRun, getMetrics,
//   getEvents, getFrameIndex, getFrame}. The token travels as `Authorization: Bearer` (kept out
//   of server logs and history). takeTokenFromUrl() reads the page's ?token= once and removes it
//   from the address bar: the hub's HttpOnly cookie, set by its answer to that very address,
//   carries a reload.
// - Results are unwrapped: listSessions() -> [session], getMetrics(id) -> [metrics message],
//   getEvents(id) -> [event message], getFrameIndex(id) -> [{step, bytes, annotated}],
//   getRun(id) -> run.json as is, getFrame(id, step) -> decoded Frame (net/protocol.js),
//   getProbeIndex(id) -> [probe message] ([] from a hub without probes: 404), getProbe(id, step)
//   -> decoded probe record (net/probe.js).
// - Failures throw ApiError {status, message, path}: status is the HTTP status (0 when the hub
//   could not be reached), message the server's {"error": ...} text when it sent one.

import { decodeFrame } from './protocol.js';
import { decodeProbeRecord } from './probe.js';

export class ApiError extends Error {
  constructor(message, status, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
  }
}

/** The `token` query parameter of the page's URL (null when absent or outside a browser). */
export function tokenFromUrl(loc = globalThis.location) {
  if (!loc || typeof loc.search !== 'string') return null;
  return new URLSearchParams(loc.search).get('token');
}

/**
 * The page's token, read from ?token= and then removed from the address bar (history.replaceState)
 * so it does not linger in the URL, bookmarks or screenshots. The hub set its HttpOnly cookie in the
 * answer to that address, so a reload still gets in. Returns the token, or null.
 */
export function takeTokenFromUrl(loc = globalThis.location, hist = globalThis.history) {
  const token = tokenFromUrl(loc);
  if (token === null || typeof hist?.replaceState !== 'function') return token;
  const q = new URLSearchParams(loc.search);
  q.delete('token');
  const rest = q.toString();
  hist.replaceState(hist.state ?? null, '', `${loc.pathname}${rest ? `?${rest}` : ''}${loc.hash ?? ''}`);
  return token;
}

const enc = encodeURIComponent;

export function createApi({ base = '', token = tokenFromUrl(), fetch: fetchFn = globalThis.fetch?.bind(globalThis) } = {}) {
  if (!fetchFn) throw new Error('api: no fetch available');
  const root = base.replace(/\/$/, '');

  async function request(path, kind) {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    let res;
    try {
      res = await fetchFn(`${root}${path}`, { headers });
    } catch (e) {
      throw new ApiError(`cannot reach the dashboard hub for ${path}: ${e.message}`, 0, path);
    }
    if (!res.ok) {
      let message = `${res.status} ${res.statusText || 'error'}`;
      try {
        const body = await res.json();
        if (body && typeof body.error === 'string') message = body.error;
      } catch { /* not JSON: keep the status line */ }
      throw new ApiError(`${path}: ${message}`, res.status, path);
    }
    if (kind === 'binary') return res.arrayBuffer();
    try {
      return await res.json();
    } catch (e) {
      throw new ApiError(`${path}: the reply is not JSON (${e.message})`, res.status, path);
    }
  }

  const field = (name) => (body, path) => {
    if (!body || !Array.isArray(body[name])) throw new ApiError(`${path}: the reply lacks '${name}'`, 200, path);
    return body[name];
  };
  const get = async (path, unwrap) => { const body = await request(path, 'json'); return unwrap ? unwrap(body, path) : body; };
  const sessionPath = (id) => {
    if (typeof id !== 'string' || !id) throw new ApiError(`no session id given (${JSON.stringify(id)})`, 400, '');
    return `/api/sessions/${enc(id)}`;
  };

  return {
    listSessions: async () => get('/api/sessions', field('sessions')),
    getRun: async (id) => get(`${sessionPath(id)}/run`),
    getMetrics: async (id) => get(`${sessionPath(id)}/metrics`, field('metrics')),
    getEvents: async (id) => get(`${sessionPath(id)}/events`, field('events')),
    getFrameIndex: async (id) => get(`${sessionPath(id)}/frames`, field('frames')),
    async getFrame(id, step) {
      if (!Number.isInteger(step) || step < 0) throw new ApiError(`frame step must be a whole number, got ${step}`, 400, '');
      const path = `${sessionPath(id)}/frames/${step}`;
      return decodeFrame(await request(path, 'binary'));
    },
    async getProbeIndex(id) {
      try {
        return await get(`${sessionPath(id)}/probes`, field('probes'));
      } catch (e) {
        if (e.status === 404) return []; // a hub that predates probes, a run recorded without them
        throw e;
      }
    },
    async getProbe(id, step) {
      if (!Number.isInteger(step) || step < 0) throw new ApiError(`probe step must be a whole number, got ${step}`, 400, '');
      return decodeProbeRecord(await request(`${sessionPath(id)}/probes/${step}`, 'binary'));
    },
  };
}
