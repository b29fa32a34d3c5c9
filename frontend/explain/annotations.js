// explain/annotations.js: the insights active at the step on screen, as a caption line for PNG
// exports (views/export.js). Pure.
//
// annotationText(list, step, {hold, max}) -> '' | 'Insights at step N: [warning] title; [info] title.'
//   list: normalised insights by step (state/insights.js insightList); the active ones come from
//   activeAt (spans containing the step, point events for `hold` steps, sticky kinds); most severe
//   first, at most `max` (the rest counted: "and 3 more").
import { activeAt } from '../state/insights.js';
import { SEVERITIES } from '../net/protocol.js';

export function annotationText(list, step, { hold = 0, max = 6 } = {}) {
  if (!Array.isArray(list) || !list.length || !Number.isFinite(step)) return '';
  const active = activeAt(list, step, { hold });
  if (!active.length) return '';
  const rank = (s) => SEVERITIES.indexOf(s);
  const sorted = [...active].sort((a, b) => rank(b.severity) - rank(a.severity) || a.step - b.step);
  const shown = sorted.slice(0, max).map((i) => `[${i.severity}] ${i.title}`);
  const more = sorted.length > max ? `; and ${sorted.length - max} more` : '';
  return `Insights at step ${step}: ${shown.join('; ')}${more}.`;
}
