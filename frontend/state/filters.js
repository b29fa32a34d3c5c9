// state/filters.js: which parameter tensors the views draw (R3.1, R3.2) and, when a filter matches
// nothing, the nearest filter that does (R3.5). Pure; no DOM.
//
// filters = {types: Set of TYPES, layers: Set of ints}.
// Choices beyond docs/frontend.md:
// - Drawable items are the frame's `points3d`, `grid` and `vector` tensors, one item per
//   (name, layer); `rows`, `stats` and `hist` tensors only annotate them. Items carry `kind` too.
// - Items outside the blocks (wte, wpe, lnfw, lnfb: layer -1) follow the type filter only; the
//   layer filter applies to per-layer items.
// - `types` or `layers` null/undefined means "all"; an empty Set means "none".
// - nearestAlternative returns null when something is visible already or the frame has nothing
//   to draw. Otherwise, first non-empty of: all types (when no type is ticked); the nearest
//   existing layer with items of the ticked types (first when none of the ticked layers exists,
//   e.g. layer 7 in a 6-layer model -> layer 5); a type that has items in the ticked layers;
//   everything. `label` is a sentence fragment for a button: "Show layer 5 (this model has layers 0–5)".
// - Extras: allItems, layersOf, defaultFilters, typeOn/layerOn (null-aware), toggle (immutable),
//   describeFilters (for the "matches nothing" message), TYPES, TYPE_LABEL, showsItem and
//   selectionUnder (a selection the filters hide is cleared: the stats panel never describes a
//   tensor that is not on screen).

export const TYPES = ['embeddings', 'attention', 'mlp', 'layernorm'];

export const TYPE_LABEL = { embeddings: 'embeddings', attention: 'attention', mlp: 'MLP', layernorm: 'LayerNorm' };

export const TYPE_OF = {
  wte: 'embeddings', wpe: 'embeddings',
  qkvw: 'attention', qkvb: 'attention', attprojw: 'attention', attprojb: 'attention',
  fcw: 'mlp', fcb: 'mlp', fcprojw: 'mlp', fcprojb: 'mlp',
  ln1w: 'layernorm', ln1b: 'layernorm', ln2w: 'layernorm', ln2b: 'layernorm', lnfw: 'layernorm', lnfb: 'layernorm',
};

const DRAWABLE = new Set(['points3d', 'grid', 'vector']);

/** Every drawable item of the frame, [{name, layer, type, kind}], in frame order. */
export function allItems(frame) {
  if (!frame || !Array.isArray(frame.tensors)) return [];
  const seen = new Set();
  const items = [];
  for (const t of frame.tensors) {
    const type = TYPE_OF[t.name];
    if (!type || !DRAWABLE.has(t.kind)) continue;
    const key = `${t.name}:${t.layer}`;
    if (seen.has(key)) continue;
    seen.add(key);
    items.push({ name: t.name, layer: t.layer, type, kind: t.kind });
  }
  return items;
}

/** The transformer layers present in the frame, ascending. */
export function layersOf(frame) {
  return [...new Set(allItems(frame).map((i) => i.layer).filter((l) => l >= 0))].sort((a, b) => a - b);
}

/** Everything visible: all types, every layer 0..L-1 (L a number, or taken from a frame). */
export function defaultFilters(frameOrL) {
  const L = typeof frameOrL === 'number' ? frameOrL : frameOrL?.model?.L ?? Math.max(-1, ...layersOf(frameOrL)) + 1;
  return { types: new Set(TYPES), layers: new Set(Array.from({ length: L }, (_, i) => i)) };
}

const passes = (item, filters) => typeOn(filters, item.type) && layerOn(filters, item.layer);

/** Whether the filters show a type / a layer (null sets mean all). */
export const typeOn = (filters, type) => !filters?.types || filters.types.has(type);
export const layerOn = (filters, layer) => layer < 0 || !filters?.layers || filters.layers.has(layer);

/**
 * New filters with one type or layer switched on or off (never mutates, so the store sees a change).
 * `allLayers` lists the model's layers, needed to switch one off while `layers` is null (all).
 */
export function toggle(filters, what, value, on, allLayers = []) {
  const key = what === 'type' ? 'types' : what === 'layer' ? 'layers' : null;
  if (!key) throw new Error(`filters: toggle 'type' or 'layer', not '${what}'`);
  const current = filters?.[key] ?? new Set(key === 'types' ? TYPES : allLayers);
  const next = new Set(current);
  if (on) next.add(value); else next.delete(value);
  return { types: filters?.types ?? null, layers: filters?.layers ?? null, [key]: next };
}

/**
 * Whether the filters let one tensor through, by its name and layer (for a selection or a stats
 * series, which may name tensors that are not drawn, e.g. biases). Unknown names pass the type filter.
 */
export function showsItem(filters, name, layer = -1) {
  const type = TYPE_OF[name];
  return (!type || typeOn(filters, type)) && layerOn(filters, layer);
}

/** The selection as it stands under new filters: kept when they still show it, else null. */
export const selectionUnder = (filters, selected) =>
  (selected && !showsItem(filters, selected.name, selected.layer ?? -1) ? null : selected ?? null);

/** The items the filters let through. */
export function visibleItems(frame, filters) {
  return allItems(frame).filter((item) => passes(item, filters));
}

const range = (layers) => (layers.length === 1 ? `layer ${layers[0]}` : `layers ${layers[0]}–${layers[layers.length - 1]}`);
const typeList = (types) => [...types].map((t) => TYPE_LABEL[t] ?? t).join(', ');

function nearestLayer(frame, filters) {
  const existing = layersOf(frame);
  const wanted = filters?.layers ? [...filters.layers] : [];
  const candidates = existing.filter((l) => visibleItems(frame, { types: filters?.types, layers: new Set([l]) }).length > 0);
  if (!candidates.length) return null;
  const distance = (l) => (wanted.length ? Math.min(...wanted.map((w) => Math.abs(w - l))) : l);
  const best = candidates.reduce((a, b) => (distance(b) < distance(a) ? b : a));
  const label = wanted.length
    ? `Show layer ${best} (nearest to ${range(wanted.sort((a, b) => a - b))}; this model has ${range(existing)})`
    : `Show layer ${best}`;
  return { filters: { types: filters?.types ? new Set(filters.types) : new Set(TYPES), layers: new Set([best]) }, label };
}

function otherType(frame, filters) {
  // Prefer a type with items inside the ticked layers over one shown only outside the blocks.
  const shows = (t, inLayers) => visibleItems(frame, { types: new Set([t]), layers: filters?.layers })
    .some((i) => !inLayers || i.layer >= 0);
  const type = TYPES.find((t) => shows(t, true)) ?? TYPES.find((t) => shows(t, false));
  if (!type) return null;
  const asked = filters?.types?.size ? ` (no ${typeList(filters.types)} tensors here)` : '';
  return { filters: { types: new Set([type]), layers: filters?.layers ? new Set(filters.layers) : null }, label: `Show ${TYPE_LABEL[type]}${asked}` };
}

/** When visibleItems(frame, filters) is empty: {filters, label} of the nearest filter that shows something. */
export function nearestAlternative(frame, filters) {
  const items = allItems(frame);
  if (!items.length || visibleItems(frame, filters).length) return null;
  const tries = [];
  if (filters?.types && filters.types.size === 0) {
    tries.push(() => ({ filters: { types: new Set(TYPES), layers: filters.layers ? new Set(filters.layers) : null },
      label: 'Show all parameter types' }));
  }
  const existing = new Set(layersOf(frame));
  const anyLayerExists = !filters?.layers || [...filters.layers].some((l) => existing.has(l));
  if (anyLayerExists) tries.push(() => otherType(frame, filters), () => nearestLayer(frame, filters));
  else tries.push(() => nearestLayer(frame, filters), () => otherType(frame, filters));
  tries.push(() => ({ filters: defaultFilters(frame), label: 'Show all parameter types and layers' }));
  for (const attempt of tries) {
    const alt = attempt();
    if (alt && visibleItems(frame, alt.filters).length) return alt;
  }
  return null;
}

/** A short description of what the filters ask for, for the "matches nothing" message. */
export function describeFilters(filters) {
  const types = !filters?.types ? 'all types' : filters.types.size ? typeList(filters.types) : 'no type';
  let layers = 'all layers';
  if (filters?.layers) {
    const sorted = [...filters.layers].sort((a, b) => a - b);
    const contiguous = sorted.length > 0 && sorted[sorted.length - 1] - sorted[0] === sorted.length - 1;
    layers = !sorted.length ? 'no layer' : contiguous ? range(sorted) : `layers ${sorted.join(', ')}`;
  }
  return `${types} in ${layers}`;
}
