// bench/browser/dev/dev.js: drives the Parameters views on the dev page with the frames of a
// recorded run (REST of `nanogpt serve`, proxied by serve.mjs) or synthetic ones (?synthetic=1),
// without the rest of the dashboard. Exposes window.__nanogpt like app.js. Imports the product
// modules from frontend/, which serve.mjs mounts at "/".
import { decodeFrame } from '../net/protocol.js';
import { createStore, defaultState } from '../state/store.js';
import { createParamsView } from '../views/params/view3d.js';
import { createParamsView2D } from '../views/params/view2d.js';
import { syntheticFrame } from './dev_synthetic.js';

const q = new URLSearchParams(location.search);
const store = createStore(defaultState());
const host = document.getElementById('host');
const info = document.getElementById('info');
let view;
try {
  view = q.get('view') === '2d' ? createParamsView2D(host, store, { reason: 'forced by ?view=2d' }) : createParamsView(host, store);
} catch (e) {
  view = createParamsView2D(host, store, { reason: `3D view unavailable: ${e.message}` });
}
window.__nanogpt = { store, view, hoverAt: (x, y) => view.hoverAt(x, y), pickables: () => view.pickables() };

const synthetic = q.has('synthetic');
const sessions = synthetic ? [] : (await (await fetch('/api/sessions')).json()).sessions;
const session = synthetic ? 'synthetic' : q.get('session') ?? sessions[0]?.session;
const steps = synthetic ? Array.from({ length: 50 }, (_, k) => k * 10)
  : (await (await fetch(`/api/sessions/${session}/frames`)).json()).frames.map((f) => f.step);
let i = 0;
async function show(k) {
  const frame = synthetic ? syntheticFrame(steps[k])
    : decodeFrame(await (await fetch(`/api/sessions/${session}/frames/${steps[k]}`)).arrayBuffer());
  const prev = store.get().frame;
  store.set({ prevFrame: prev, frame });
  view.update(frame, prev);
  info.textContent = `session ${session} · step ${frame.step} (${k + 1}/${steps.length}) · ${view.kind}`;
}
document.getElementById('next').onclick = () => { i = (i + 1) % steps.length; show(i); };
let timer = null;
document.getElementById('play').onclick = () => {
  if (timer) { clearInterval(timer); timer = null; return; }
  timer = setInterval(() => { i = (i + 1) % steps.length; show(i); }, Number(q.get('ms') ?? 600));
};
i = Math.max(0, Math.min(steps.length - 1, Number(q.get('start') ?? 0)));
await show(i);
window.__devNext = async () => { i = (i + 1) % steps.length; await show(i); };
