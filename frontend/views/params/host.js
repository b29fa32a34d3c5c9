// views/params/host.js: mounts the Parameters tab's view (view3d.js, else view2d.js) behind a
// wall of try/catch, so nothing it does can break the rest of the page (R6.5):
// - the modules are imported dynamically: a load error is caught like any other (and when it is
//   three.js that is missing, the note says what to run);
// - createParamsView (3D) throwing means no WebGL or a broken 3D view: build createParamsView2D
//   and show `fallback-note` saying why (R2.5);
// - an error in any later call (update, resize, hover, snapshot) shows `view-error`; when the 3D
//   view fails at run time the host switches to the 2D fallback, once;
// - errors thrown from the view's own callbacks (animation loop, listeners) are caught by window
//   listeners filtered on the source paths of the view's modules (views/params/, scene/, geometry/).
// While the Parameters tab is hidden (store.tab !== 'params') the view is paused (setActive(false):
// no render loop, no tween) and frames are not applied: only the newest is kept (and fed to the
// stat series through record(), so they stay complete); it is applied when the tab shows,
// or before anything that reads the view (snapshot, hover, pickables).
// Test hook (URL): ?failview=1 makes the 3D view throw on its first update (a run-time failure);
// ?failview=init makes its construction throw. Both leave the 2D view working.
//
// createParamsHost(host, store, {failView}) -> Promise<{update(frame, prev), resize(), snapshot(),
//   hoverAt(x, y), pickables(), kind()}>  (never rejects)

const errorEl = () => document.getElementById('view-error');
const noteEl = () => document.getElementById('fallback-note');

function showError(store, message) {
  const el = errorEl();
  el.hidden = false;
  el.textContent = `Parameter view error: ${message}. The Training tab is unaffected.`;
  store.set({ viewError: message });
}

function clearError(store) {
  errorEl().hidden = true;
  store.set({ viewError: null });
}

function showNote(text) {
  const el = noteEl();
  el.hidden = false;
  el.textContent = text;
}

const messageOf = (err) => (err && err.message ? err.message : String(err));

function hasWebGL() {
  try {
    const c = document.createElement('canvas');
    return !!(c.getContext('webgl2') || c.getContext('webgl'));
  } catch { return false; }
}

const why3dFailed = (err) => (hasWebGL() ? `the 3D view could not start (${messageOf(err)})`
  : 'this browser has no WebGL, which the 3D view needs');

// The 3D view's modules did not load: most often three.js is not installed (load_check.js asks the
// hub), else the message of the failed import.
async function whyImportFailed(err) {
  const check = globalThis.nanogptLoadCheck;
  const missing = check ? await check.missingLibraries(['three']).catch(() => []) : [];
  return missing.length ? `three.js, the library of the 3D view, did not load. ${check.HINT.replaceAll('`', '')}`
    : `the 3D view could not load (${messageOf(err)})`;
}

/** The forced failure of ?failview: a wrapper around the real view. */
function failing(view, when) {
  if (when === 'init') throw new Error('3D view forced to fail on construction (?failview=init)');
  return {
    kind: view.kind,
    update() { throw new Error('3D view forced to fail (?failview=1)'); },
    record: (frame) => view.record?.(frame),
    setActive: (on) => view.setActive?.(on),
    resize: () => view.resize(),
    dispose: () => view.dispose(),
    snapshot: () => view.snapshot(),
    hoverAt: (x, y) => view.hoverAt?.(x, y),
    pickables: () => view.pickables?.() ?? [],
  };
}

export async function createParamsHost(host, store, { failView = null } = {}) {
  let view = null;
  let mod2d = null;
  let fellBack = false;
  let lastArgs = null;
  let stale = false; // lastArgs not yet given to the view (it arrived while the tab was hidden)
  const shown = () => store.get().tab === 'params';

  async function build2D(reason) {
    fellBack = true;
    try {
      mod2d ??= await import('./view2d.js');
      host.replaceChildren();
      view = mod2d.createParamsView2D(host, store);
      showNote(`Showing the 2D view: ${reason}`);
      view.setActive?.(shown());
      if (lastArgs) { stale = false; guard('update', () => view.update(...lastArgs)); }
    } catch (err) {
      view = null;
      showError(store, `the 2D fallback failed too (${messageOf(err)})`);
    }
  }

  let mod3d = null;
  try {
    mod3d = await import('./view3d.js');
    const made = mod3d.createParamsView(host, store);
    view = failView ? failing(made, failView) : made;
    view.setActive?.(shown());
  } catch (err) {
    await build2D(mod3d ? why3dFailed(err) : await whyImportFailed(err));
  }

  // Any call into the view goes through here.
  function guard(what, fn, fallbackValue) {
    if (!view) return fallbackValue;
    try {
      return fn();
    } catch (err) {
      console.error(`params view ${what}:`, err);
      showError(store, `${what} failed: ${messageOf(err)}`);
      if (!fellBack && view.kind !== '2d') {
        try { view.dispose?.(); } catch { /* the view is already broken */ }
        view = null;
        build2D(`the 3D view failed (${messageOf(err)})`);
      }
      return fallbackValue;
    }
  }

  const fromParams = (ev) => /\/(views\/params|scene|geometry)\//.test(ev.filename || ev.reason?.stack || ev.error?.stack || '');
  window.addEventListener('error', (ev) => {
    if (fromParams(ev)) { showError(store, messageOf(ev.error ?? ev.message)); ev.preventDefault(); }
  });
  window.addEventListener('unhandledrejection', (ev) => {
    if (fromParams(ev)) { showError(store, messageOf(ev.reason)); ev.preventDefault(); }
  });

  function apply() {
    if (!lastArgs) return;
    stale = false;
    const ok = guard('update', () => { view.update(...lastArgs); return true; }, false);
    if (ok && !fellBack && store.get().viewError) clearError(store);
  }
  const flush = () => { if (stale) apply(); };

  store.on('tab', () => {
    const on = shown();
    guard('setActive', () => view.setActive?.(on));
    if (on) flush();
  });

  return {
    update(frame, prev) {
      lastArgs = [frame, prev];
      if (shown()) { apply(); return; }
      stale = true;
      guard('record', () => view.record?.(frame));
    },
    resize: () => guard('resize', () => view.resize()),
    snapshot: () => { flush(); return guard('snapshot', () => view.snapshot(), null); },
    hoverAt: (x, y) => { flush(); return guard('hoverAt', () => view.hoverAt?.(x, y)); },
    pickables: () => { flush(); return guard('pickables', () => view.pickables?.() ?? [], []); },
    kind: () => view?.kind ?? 'none',
  };
}
