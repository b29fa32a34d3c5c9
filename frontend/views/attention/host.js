// views/attention/host.js: the Attention tab, built the first time it is shown (the Training and
// Parameters tabs never wait for it or depend on it loading, R6.5): the view module is imported
// then, and any error in it (loading, building, drawing) is shown in the tab, never thrown to the
// page. While the tab is hidden the view is told so (setActive(false)) and does nothing.
//
// createAttentionHost(container, store, probes) -> {view() (the view or null), ready (a promise
//   resolved once the view is built)}; probes: state/probes.js.
import { el } from '../dom.js';

export function createAttentionHost(container, store, probes) {
  let view = null;
  let building = null;
  let resolveReady;
  const ready = new Promise((r) => { resolveReady = r; });
  const shown = () => store.get().tab === 'attention';

  function fail(what, err) {
    console.error(`attention view ${what}:`, err);
    const box = container.querySelector('.at-fail') ?? el('div', { class: 'view-error at-fail', 'data-testid': 'attention-error', role: 'alert' });
    box.textContent = `Attention view error (${what}): ${err?.message ?? err}. The other tabs are unaffected.`;
    if (!box.isConnected) container.prepend(box);
  }

  async function build() {
    try {
      const mod = await import('./attention_view.js');
      view = mod.createAttentionView(container, store, probes);
      view.setActive(shown());
    } catch (err) {
      fail('loading', err);
    } finally {
      resolveReady(view);
    }
  }

  const onTab = () => {
    if (shown() && !building) building = build();
    if (view) { try { view.setActive(shown()); } catch (err) { fail('update', err); } }
  };
  store.on('tab', onTab);
  onTab();
  return { view: () => view, ready };
}
