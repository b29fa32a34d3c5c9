// views/tabs.js: the ARIA tablist (WAI-ARIA tabs pattern: arrow keys, Home/End, roving tabindex).
// Panels are hidden, never destroyed, so both views keep their state across switches (R6.1, R6.2).
//
// createTabs(store, {onShow(name)}) -> {select(name)}; writes store key `tab`.
export function createTabs(store, { onShow } = {}) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const nameOf = (tab) => tab.id.replace(/^tab-/, '');

  function select(name, focus = false) {
    for (const tab of tabs) {
      const on = nameOf(tab) === name;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(tab.getAttribute('aria-controls')).hidden = !on;
      if (on && focus) tab.focus();
    }
    if (store.get().tab !== name) store.set({ tab: name });
    onShow?.(name);
  }

  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(nameOf(tab)));
    tab.addEventListener('keydown', (ev) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      select(nameOf(tabs[(to + tabs.length) % tabs.length]), true);
    });
  });
  return { select };
}
