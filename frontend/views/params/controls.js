// views/params/controls.js: behaviour the 3D view and the 2D fallback share: the colour/field selects bound to
// the store, the fps read-out, and the error guard that keeps failures inside the Parameters tab
// (R6.5: an error is shown in the view, stored as viewError, and never thrown to the caller).
// bindSelects(ui, store) -> unsubscribe
// createGuard(ui, store) -> {run(fn, ...args) -> result | undefined, ok() (clears the shown error)}
// showFps(ui, store, governor, nowMs, levels, idle) (throttled: the text and the store change twice a second)

export function bindSelects(ui, store) {
  const s = store.get();
  ui.colorBy.value = s.colorBy ?? 'frequency';
  ui.field.value = s.field ?? 'value';
  const onColor = () => store.set({ colorBy: ui.colorBy.value });
  const onField = () => store.set({ field: ui.field.value });
  ui.colorBy.addEventListener('change', onColor);
  ui.field.addEventListener('change', onField);
  const offs = [
    store.on('colorBy', (v) => { if (v && ui.colorBy.value !== v) ui.colorBy.value = v; }),
    store.on('field', (v) => { if (v && ui.field.value !== v) ui.field.value = v; }),
  ];
  return () => { offs.forEach((f) => f?.()); ui.colorBy.removeEventListener('change', onColor); ui.field.removeEventListener('change', onField); };
}

export function createGuard(ui, store) {
  let shown = false;
  return {
    run(fn, ...args) {
      try {
        return fn(...args);
      } catch (e) {
        const msg = e?.message ?? String(e);
        console.error('parameter view:', e);
        if (!shown) {
          shown = true;
          ui.showError(msg);
          try { store.set({ viewError: msg }); } catch { /* the store reports its own listeners' errors */ }
        }
        return undefined;
      }
    },
    get failed() { return shown; },
    ok() {
      if (!shown) return;
      shown = false;
      ui.clearError();
      try { store.set({ viewError: null }); } catch { /* see above */ }
    },
  };
}

// `idle`: nothing needed drawing; the figure is then the rate of the last frames drawn.
export function showFps(ui, store, gov, nowMs, levels, idle = false) {
  if (nowMs - (ui.fpsShownAt ?? 0) < 500) return;
  ui.fpsShownAt = nowMs;
  const fps = Math.round(gov.fps);
  ui.fps.textContent = `${fps} fps · quality ${gov.level + 1}/${levels}${idle ? ' · idle' : ''}`;
  ui.fps.dataset.idle = String(idle);
  ui.fps.dataset.fps = String(fps);
  ui.fps.dataset.level = String(gov.level);
  const s = store.get();
  if (s.fps !== fps || s.quality !== gov.level) store.set({ fps, quality: gov.level });
}
