// views/playback_bar.js: the timeline of stored parameter frames (R4.2-R4.4): play/pause, speed,
// step back/forward, a slider over the stored frames, a jump-to-step box and "live" (follow the
// newest frame). The timing and stepping rules are state/playback.js's; this file is the DOM.
//
// createPlaybackBar(store, {show(step), onPick(mark)}) -> {seek(step), goLive(), marksOnScreen(), dispose()}
// Reads frameIndex, frame, playback, live, session, insights, focusInsight; writes playback
// {mode, playing, speed, step}. show(step) puts a stored frame on screen (views/frame_source.js).
// In live mode frames arrive from the WebSocket instead and `step` follows them. seek(step)
// leaves live mode and shows the stored frame at or before `step` (a clicked insight).
// Under the slider a strip (data-testid timeline-marks, data-marks) marks the run's events and
// parameter and probe insights at their steps, in severity shapes and colours; hovering one names
// it (the strip's title), clicking one calls onPick(mark).
import { MISSING } from '../display/format.js';
import * as pb from '../state/playback.js';
import { insightList, insightMarks, markAt } from '../state/insights.js';
import { drawGlyph } from './chart_insights.js';
import { SEVERITY_STYLE } from './theme.js';
import { batched, el } from './dom.js';

const MARK_FAMILIES = ['event', 'parameter', 'probe'];
const THUMB_INSET = 8; // px: the slider's thumb centre travels from here to width - here

// Icons as inline SVG: glyphs like ⏮ are missing from many system fonts.
const ICONS = {
  play: 'M3 1.5v13l11-6.5z',
  pause: 'M3 1.5h3.5v13H3zM9.5 1.5H13v13H9.5z',
  back: 'M2 1.5h2.5v13H2zM14 1.5v13L5 8z',
  forward: 'M11.5 1.5H14v13h-2.5zM2 1.5v13L11 8z',
};
function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

export function createPlaybackBar(store, { show, onPick }) {
  const root = document.getElementById('playback');
  const play = el('button', { type: 'button', 'data-testid': 'play', 'aria-pressed': 'false',
    'aria-label': 'Play frames', title: 'Play the stored frames (pause with the same button)' });
  play.append(icon('play'));
  const back = el('button', { type: 'button', 'data-testid': 'step-back', 'aria-label': 'Previous frame',
    title: 'Previous stored frame' });
  back.append(icon('back'));
  const fwd = el('button', { type: 'button', 'data-testid': 'step-forward', 'aria-label': 'Next frame',
    title: 'Next stored frame' });
  fwd.append(icon('forward'));
  const speed = el('select', { 'data-testid': 'speed', 'aria-label': 'Playback speed in frames per second',
    title: 'Playback speed (frames per second)' });
  for (const s of pb.SPEEDS) speed.append(el('option', { value: String(s) }, `${s} fps`));
  const timeline = el('input', { type: 'range', min: '0', max: '0', value: '0', step: '1',
    'data-testid': 'timeline', 'aria-label': 'Timeline of stored frames' });
  const stepLabel = el('span', { class: 'pb-label', id: 'frame-step-label' }, 'frame step');
  const stepOut = el('output', { 'data-testid': 'frame-step', class: 'frame-step',
    'aria-labelledby': 'frame-step-label', title: 'Training step of the parameter frame on screen' }, MISSING);
  const count = el('span', { class: 'pb-count', 'aria-live': 'off' }, '0 frames');
  const jump = el('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', placeholder: 'go to step',
    'data-testid': 'jump-step', 'aria-label': 'Jump to step (press Enter)',
    title: 'Type a step and press Enter: shows the stored frame at or before it' });
  const live = el('button', { type: 'button', 'data-testid': 'live', 'aria-pressed': 'true',
    title: 'Follow the newest frame as it arrives' }, 'live');
  const marks = el('canvas', { class: 'pb-marks', 'data-testid': 'timeline-marks', 'data-marks': '0', role: 'img',
    'aria-label': 'Insights along the timeline (the Insights list on the Training tab has them all)' });
  const track = el('div', { class: 'pb-track' });
  track.append(timeline, marks);
  root.append(play, back, fwd, speed, track, stepLabel, stepOut, count, jump, live);

  const steps = () => (store.get().frameIndex ?? []).map((e) => e.step);
  const timelineOf = () => pb.createTimeline(steps());
  // The playback state with `step` filled in from the frame on screen when it is unset.
  const state = () => {
    const st = store.get().playback;
    return st.step == null && store.get().frame ? { ...st, step: store.get().frame.step } : st;
  };
  /** Stores the new playback state and shows its step when that changed. */
  function apply(next, { fetch = true } = {}) {
    const before = store.get().playback;
    if (next === before) return;
    store.set({ playback: next });
    if (fetch && next.step != null && next.step !== store.get().frame?.step) show(next.step);
  }

  play.addEventListener('click', () => {
    const st = state();
    apply(st.playing ? pb.pause(st) : pb.play(st, timelineOf()));
  });
  back.addEventListener('click', () => apply(pb.stepBack(state(), timelineOf())));
  fwd.addEventListener('click', () => apply(pb.stepForward(state(), timelineOf())));
  speed.addEventListener('change', () => apply(pb.setSpeed(state(), speed.value)));
  timeline.addEventListener('input', () => {
    apply(pb.seekTo(state(), timelineOf(), steps()[Number(timeline.value)]));
  });
  jump.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || jump.value === '') return;
    ev.preventDefault();
    const wanted = Number(jump.value);
    const next = pb.seekTo(state(), timelineOf(), wanted);
    apply(next);
    jump.title = next.step === wanted ? `showing step ${wanted}`
      : `no frame stored at step ${wanted}; showing step ${next.step}, the nearest stored before it`;
  });
  live.addEventListener('click', () => apply(pb.goLive(state(), timelineOf())));

  // Playing: advance by wall-clock time at `speed` frames per second.
  let lastTick = performance.now();
  let raf = 0;
  function tick(now) {
    raf = requestAnimationFrame(tick);
    const dt = now - lastTick;
    lastTick = now;
    const st = store.get().playback;
    if (st.playing) apply(pb.advance(st, dt, timelineOf()));
  }
  raf = requestAnimationFrame(tick);

  // --- insight marks under the slider -------------------------------------------------------------
  let shownMarks = [];
  let marksKey = '';
  const markX = (m, tl, w) => THUMB_INSET + (pb.fractionOf(tl, m.step) ?? 0) * Math.max(0, w - 2 * THUMB_INSET);
  function drawMarks() {
    const { insights, session, frameIndex = [], focusInsight } = store.get();
    const set = insights?.[session];
    const w = marks.clientWidth; const h = marks.clientHeight;
    const key = `${session}|${set?.version}|${frameIndex.length}|${frameIndex.at(-1)?.step}|${w}|${h}|${focusInsight?.id}`;
    if (key === marksKey) return;
    marksKey = key;
    shownMarks = insightMarks(insightList(set), MARK_FAMILIES);
    const d = devicePixelRatio || 1;
    marks.width = Math.max(1, Math.round(w * d)); marks.height = Math.max(1, Math.round(h * d));
    const g = marks.getContext('2d');
    g.clearRect(0, 0, marks.width, marks.height);
    const tl = timelineOf();
    let n = 0;
    if (tl.steps.length) {
      for (const m of shownMarks) {
        const st = SEVERITY_STYLE[m.severity] ?? SEVERITY_STYLE.info;
        const x = markX(m, tl, w) * d;
        drawGlyph(g, st.shape, x, marks.height / 2, (m.id === focusInsight?.id ? 4.5 : 3.5) * d);
        g.fillStyle = st.color;
        g.fill();
        n++;
      }
    }
    marks.dataset.marks = String(n);
  }
  const markUnder = (ev) => {
    const r = marks.getBoundingClientRect();
    return markAt(shownMarks, (s) => markX({ step: s }, timelineOf(), r.width), ev.clientX - r.left, 5);
  };
  marks.addEventListener('pointermove', (ev) => {
    const m = markUnder(ev);
    marks.title = m ? `${m.title} (step ${m.step}): click to see it` : '';
    marks.style.cursor = m ? 'pointer' : '';
  });
  marks.addEventListener('click', (ev) => { const m = markUnder(ev); if (m) onPick?.(m); });
  const markObserver = typeof ResizeObserver === 'function' ? new ResizeObserver(() => drawMarks()) : null;
  markObserver?.observe(marks);

  function render() {
    const { playback, frameIndex = [], frame } = store.get();
    const all = frameIndex.map((e) => e.step);
    const shownStep = frame?.step ?? null;
    timeline.max = String(Math.max(0, all.length - 1));
    const idx = shownStep == null ? all.length - 1 : all.indexOf(shownStep);
    if (idx >= 0 && document.activeElement !== timeline) timeline.value = String(idx);
    timeline.setAttribute('aria-valuetext', shownStep == null ? 'no frame' : `step ${shownStep}`);
    timeline.title = all.length ? `stored frames from step ${all[0]} to ${all[all.length - 1]}` : 'no stored frames yet';
    stepOut.textContent = shownStep == null ? MISSING : String(shownStep);
    count.textContent = all.length ? `${Math.max(0, idx) + 1}/${all.length}` : '0 frames';
    if (play.dataset.icon !== (playback.playing ? 'pause' : 'play')) {
      play.dataset.icon = playback.playing ? 'pause' : 'play';
      play.replaceChildren(icon(play.dataset.icon));
    }
    play.setAttribute('aria-pressed', String(!!playback.playing));
    play.setAttribute('aria-label', playback.playing ? 'Pause' : 'Play frames');
    speed.value = String(playback.speed ?? 4);
    const isLive = playback.mode === 'live';
    live.setAttribute('aria-pressed', String(isLive));
    live.textContent = isLive ? (store.get().live ? '● live' : 'newest') : (store.get().report ? 'newest' : 'live');
    live.setAttribute('aria-label', store.get().live ? 'Follow the live frames' : 'Go to the newest stored frame');
    for (const b of [play, back, fwd, timeline]) b.disabled = all.length === 0;
    live.disabled = all.length === 0 && !store.get().live;
  }
  // Live mode follows the newest frame. On a live run the WebSocket brings the frames; on a
  // recorded one the newest stored frame is fetched.
  const follow = () => {
    const st = store.get().playback;
    if (st.mode !== 'live') return;
    apply(pb.follow(st, timelineOf()), { fetch: !store.get().live });
  };
  const offs = ['playback', 'frameIndex', 'frame', 'live'].map((k) => store.on(k, render));
  offs.push(store.on('frameIndex', follow));
  // Live, insights and frames arrive many times a second: the marks are drawn at most every
  // REDRAW_MS (a picked mark or another run at once).
  const marksSoon = batched(drawMarks);
  offs.push(...['insights', 'frameIndex'].map((k) => store.on(k, marksSoon)));
  offs.push(...['session', 'focusInsight'].map((k) => store.on(k, drawMarks)));
  render();
  drawMarks();
  return {
    seek: (step) => apply(pb.seekTo(state(), timelineOf(), step)),
    goLive: () => apply(pb.goLive(state(), timelineOf())), // what the "live" button does (tours)
    marksOnScreen() {
      const r = marks.getBoundingClientRect();
      const tl = timelineOf();
      return shownMarks.map((m) => ({ id: m.id, step: m.step, x: r.left + markX(m, tl, r.width), y: r.top + r.height / 2 }));
    },
    dispose: () => { cancelAnimationFrame(raf); marksSoon.cancel(); markObserver?.disconnect(); offs.forEach((off) => off()); },
  };
}
