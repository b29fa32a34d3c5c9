// views/params/filter_panel.js: checkboxes that filter the parameter views by type and by layer (R3.1, R3.2),
// applied at once through the store's `filters` (R3.4), and the "matches nothing" message with a
// button for the nearest filter that does match (R3.5, state/filters.js nearestAlternative).
// createFilterPanel(host, stage, store) -> {update(frame), visibleKeys() -> Set('name:layer'), dispose()}
// store.filters null/undefined means "everything"; types/layers null mean "all" (state/filters.js).
import { TYPES, TYPE_LABEL, visibleItems, nearestAlternative, describeFilters, layersOf } from '../../state/filters.js';
import { el } from '../dom.js';

export function createFilterPanel(host, stage, store) {
  const typeBox = el('fieldset', { class: 'pv-fieldset' });
  typeBox.append(el('legend', {}, 'parameter type'));
  const typeInputs = new Map();
  for (const t of TYPES) {
    const label = el('label', { class: 'pv-check' });
    const input = el('input', { type: 'checkbox', 'data-testid': `filter-type-${t}`, value: t });
    input.checked = true;
    label.append(input, el('span', {}, TYPE_LABEL[t]));
    typeBox.append(label);
    typeInputs.set(t, input);
  }
  const layerBox = el('fieldset', { class: 'pv-fieldset' });
  layerBox.append(el('legend', {}, 'layer'));
  const layerTools = el('div', { class: 'pv-layer-tools' });
  const allBtn = el('button', { type: 'button', class: 'pv-button pv-small' }, 'all');
  const noneBtn = el('button', { type: 'button', class: 'pv-button pv-small' }, 'none');
  layerTools.append(allBtn, noneBtn);
  const layerList = el('div', { class: 'pv-layer-list' });
  layerBox.append(layerTools, layerList);
  host.append(typeBox, layerBox);

  const empty = el('div', { class: 'pv-empty', 'data-testid': 'filter-empty', role: 'status', hidden: '' });
  const emptyText = el('p');
  const suggest = el('button', { type: 'button', class: 'pv-button', 'data-testid': 'filter-suggest' });
  empty.append(emptyText, suggest);
  stage.append(empty);

  let layerInputs = new Map();
  let layers = [];
  let frame = null;
  let alternative = null;

  const current = () => store.get().filters ?? null;
  function write(patch) {
    const f = current();
    const next = {
      types: f?.types ? new Set(f.types) : new Set(TYPES),
      layers: f?.layers ? new Set(f.layers) : new Set(layers),
      ...patch,
    };
    store.set({ filters: next });
  }

  typeBox.addEventListener('change', (e) => {
    const types = new Set([...typeInputs].filter(([, i]) => i.checked).map(([t]) => t));
    if (e.target.matches('input')) write({ types });
  });
  layerList.addEventListener('change', (e) => {
    const ls = new Set([...layerInputs].filter(([, i]) => i.checked).map(([l]) => l));
    if (e.target.matches('input')) write({ layers: ls });
  });
  allBtn.addEventListener('click', () => write({ layers: new Set(layers) }));
  noneBtn.addEventListener('click', () => write({ layers: new Set() }));
  suggest.addEventListener('click', () => { if (alternative) store.set({ filters: alternative.filters }); });

  function buildLayers(ls) {
    layers = ls;
    layerList.replaceChildren();
    layerInputs = new Map();
    for (const l of ls) {
      const label = el('label', { class: 'pv-check' });
      const input = el('input', { type: 'checkbox', 'data-testid': `filter-layer-${l}`, value: String(l) });
      label.append(input, el('span', {}, String(l)));
      layerList.append(label);
      layerInputs.set(l, input);
    }
  }

  function sync() {
    const f = current();
    for (const [t, i] of typeInputs) i.checked = !f?.types || f.types.has(t);
    for (const [l, i] of layerInputs) i.checked = !f?.layers || f.layers.has(l);
    const nothing = !!frame && visibleItems(frame, f).length === 0;
    alternative = nothing ? nearestAlternative(frame, f) : null;
    empty.hidden = !nothing;
    if (nothing) {
      emptyText.textContent = `Nothing matches these filters (${describeFilters(f)}).`;
      suggest.hidden = !alternative;
      suggest.textContent = alternative ? alternative.label : '';
    }
  }

  const off = store.on('filters', sync);

  return {
    update(f) {
      frame = f;
      const ls = layersOf(f);
      if (ls.join() !== layers.join()) buildLayers(ls);
      sync();
    },
    visibleKeys() {
      return new Set(visibleItems(frame, current()).map((i) => `${i.name}:${i.layer}`));
    },
    dispose() { off?.(); typeBox.remove(); layerBox.remove(); empty.remove(); },
  };
}
