// views/share.js: the header's `share` button (R5.6). It asks the hub for the run on screen as one
// self-contained HTML file (GET /api/sessions/<id>/report, docs/protocol.md: the bytes
// `nanogpt report` writes) and downloads it as nanogpt-report-<id>.html. While the hub builds it
// the button says so; a failure is said in its title and the status line's loadError. In a saved
// report (saved: true) the button is hidden: the page already is that file.
//
// createShareButton(store, {token, saved, fetch}) -> {share() -> Promise<boolean>}
export function createShareButton(store, { token = null, saved = false, fetch: fetchFn = globalThis.fetch?.bind(globalThis) } = {}) {
  const button = document.getElementById('share-report');
  if (!button) return { share: async () => false };
  if (saved) { button.hidden = true; return { share: async () => false }; }
  const idleTitle = button.title;
  const sync = () => { button.disabled = !store.get().session || button.dataset.busy === '1'; };
  store.on('session', sync);
  sync();

  async function share() {
    const session = store.get().session;
    if (!session) return false;
    button.dataset.busy = '1';
    sync();
    const label = button.textContent;
    button.textContent = 'building…';
    try {
      const res = await fetchFn(`/api/sessions/${encodeURIComponent(session)}/report`,
        { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!res.ok) {
        let msg = `${res.status}`;
        try { msg = (await res.json()).error ?? msg; } catch { /* not JSON */ }
        throw new Error(msg);
      }
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `nanogpt-report-${session}.html`;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      button.title = idleTitle;
      return true;
    } catch (err) {
      button.title = `could not build the report: ${err.message}`;
      store.set({ loadError: `share: could not build the report of ${session}: ${err.message}` });
      return false;
    } finally {
      button.textContent = label;
      delete button.dataset.busy;
      sync();
    }
  }
  button.addEventListener('click', () => { share(); });
  return { share };
}
