// state/stat_series.js: per-tensor statistics and histograms over time (the distribution view of the
// stats panel), fed by every decoded frame. Pure; no DOM.
//
// For each (tensor name, layer) it keeps at most `capacity` entries {step, stats, hist, histStep,
// histLo, histHi}, sorted by step. Memory stays flat over hours (R-NFR):
// - when a series is full it drops every other entry and from then on accepts a new (later) step
//   only once it is at least the series' mean gap after the last one, so the whole run stays
//   covered evenly at a resolution that halves as it grows;
// - stats and histograms are COPIED out of the frame (a frame's f32 tensors are views into its
//   whole buffer; keeping a view would keep every frame alive);
// - a histogram that did not change (same hist_step: they refresh round robin every ~10 steps) is
//   shared with the entry before instead of stored again.
// Frames of another session clear the series. Steps that arrive out of order (playback seeking
// back) are inserted in place; a step already stored is kept as it was.
// API: createStatSeries({capacity}) -> {add(frame), series(name, layer), statSeries(name, layer, stat),
// histMatrix(name, layer), at(name, layer, step), keys(), entries(), clear()}.

const HIST_BINS = 64;

export function createStatSeries({ capacity = 256 } = {}) {
  if (!(capacity >= 4)) throw new Error(`stat series: capacity ${capacity} is too small (at least 4)`);
  const seriesByKey = new Map();  // "name:layer" -> {name, layer, entries: [], minGap}
  let session = null;
  let statNames = [];

  function insert(s, entry) {
    const e = s.entries;
    const lastStep = e.length ? e[e.length - 1].step : -Infinity;
    if (entry.step > lastStep) {
      if (entry.step - lastStep < s.minGap) return false;
      e.push(entry);
    } else {
      let lo = 0, hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (e[mid].step < entry.step) lo = mid + 1; else hi = mid;
      }
      if (e[lo] && e[lo].step === entry.step) return false;
      e.splice(lo, 0, entry);
    }
    if (e.length > capacity) {
      // Keep the newest and every other one before it.
      s.entries = e.filter((_, i) => (e.length - 1 - i) % 2 === 0);
      const kept = s.entries;
      s.minGap = kept.length > 1 ? (kept[kept.length - 1].step - kept[0].step) / (kept.length - 1) : 0;
    }
    return true;
  }

  const api = {
    /** Records the statistics of every tensor in the frame; returns how many series took an entry. */
    add(frame) {
      if (!frame) return 0;
      if (frame.session !== session) {
        api.clear();
        session = frame.session;
      }
      statNames = frame.statNames;
      const iLo = statNames.indexOf('hist_lo'), iHi = statNames.indexOf('hist_hi'), iStep = statNames.indexOf('hist_step');
      let added = 0;
      for (const t of frame.tensors) {
        if (t.name !== 'stats') continue;
        const key = `${t.field}:${t.layer}`;
        let s = seriesByKey.get(key);
        if (!s) seriesByKey.set(key, (s = { name: t.field, layer: t.layer, entries: [], minGap: 0 }));
        const stats = Float32Array.from(t.data);
        const histStep = iStep >= 0 ? stats[iStep] : frame.step;
        const histT = frame.get('hist', t.field, t.layer);
        // Share an unchanged histogram with the neighbour that has the same hist_step.
        const before = s.entries.length ? s.entries[s.entries.length - 1] : null;
        let hist = null;
        if (histT && histT.data.length === HIST_BINS) {
          hist = before && before.histStep === histStep && before.hist ? before.hist : Float32Array.from(histT.data);
        }
        const entry = { step: frame.step, stats, hist, histStep,
          histLo: iLo >= 0 ? stats[iLo] : NaN, histHi: iHi >= 0 ? stats[iHi] : NaN };
        if (insert(s, entry)) added++;
      }
      return added;
    },

    /** Entries of one tensor, oldest first: [{step, stats: {mean, std, ...}, hist, histStep, histLo, histHi}]. */
    series(name, layer = -1) {
      const s = seriesByKey.get(`${name}:${layer}`);
      if (!s) return [];
      return s.entries.map((e) => {
        const stats = {};
        statNames.forEach((n, i) => { stats[n] = e.stats[i]; });
        return { step: e.step, stats, hist: e.hist, histStep: e.histStep, histLo: e.histLo, histHi: e.histHi };
      });
    },

    /** One statistic over time, for a chart: {steps: Float64Array, values: Float64Array}. */
    statSeries(name, layer, stat) {
      const s = seriesByKey.get(`${name}:${layer}`);
      const i = statNames.indexOf(stat);
      const n = s && i >= 0 ? s.entries.length : 0;
      const steps = new Float64Array(n), values = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        steps[k] = s.entries[k].step;
        values[k] = s.entries[k].stats[i];
      }
      return { steps, values };
    },

    /** The histograms over time, one row of 64 counts per distinct hist_step (entries without one skipped). */
    histMatrix(name, layer = -1) {
      const s = seriesByKey.get(`${name}:${layer}`);
      const rows = [];
      for (const e of s ? s.entries : []) {
        if (!e.hist) continue;
        if (rows.length && rows[rows.length - 1].histStep === e.histStep) continue;
        rows.push(e);
      }
      const counts = new Float32Array(rows.length * HIST_BINS);
      rows.forEach((e, r) => counts.set(e.hist, r * HIST_BINS));
      return { bins: HIST_BINS, steps: rows.map((e) => e.histStep), lo: rows.map((e) => e.histLo),
        hi: rows.map((e) => e.histHi), counts };
    },

    /**
     * The entry describing `step` (the frame on screen during playback): the newest one at or
     * before it, in the form series() gives; null when the series starts later or does not exist.
     */
    at(name, layer, step) {
      const s = seriesByKey.get(`${name}:${layer}`);
      if (!s) return null;
      let k = -1;
      for (let i = 0; i < s.entries.length && s.entries[i].step <= step; i++) k = i;
      if (k < 0) return null;
      const e = s.entries[k];
      const stats = {};
      statNames.forEach((n, i) => { stats[n] = e.stats[i]; });
      return { step: e.step, stats, hist: e.hist, histStep: e.histStep, histLo: e.histLo, histHi: e.histHi };
    },

    /** The tensors that have a series: [{name, layer}]. */
    keys() { return [...seriesByKey.values()].map((s) => ({ name: s.name, layer: s.layer })); },

    /** Entries held in all series together (for memory checks). */
    entries() { let n = 0; for (const s of seriesByKey.values()) n += s.entries.length; return n; },

    clear() { seriesByKey.clear(); session = null; },
  };
  return api;
}
