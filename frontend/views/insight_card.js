// views/insight_card.js: one insight as people read it (R5.5): a summary line (severity, steps,
// title) that opens onto the explanation, the numbers that made it fire, the likely causes and
// what to try, with buttons to see it: "show step N" (playback jumps there) and, when it names a
// tensor, layer or head, "show in Parameters" / "show in Attention". Used by the insights panel
// (Training tab) and by the card a timeline mark opens on the other tabs.
//
// insightCard(ins, {onJump(step, ins), onReveal(ins, where), open = false}) -> <details> element
//   (data-testid insight, data-id, data-kind, data-severity, data-family). The body is built when
//   the card first opens: a long run lists hundreds of insights, most never opened.
// openInsightCard(card): opens it now, body and all (setting .open alone fills it a task later).
// severityTag(severity) -> <span> (the glyph is CSS: .sev-tag[data-shape])
import { el } from './dom.js';
import { cardButton } from './explain_card.js';
import { INSIGHT_KINDS } from '../net/protocol.js';
import { SEVERITY_STYLE } from './theme.js';
import { evidenceRows, kindLabel, parseSubject, stepRange, subjectText } from '../state/insights.js';

export function severityTag(severity) {
  const shape = (SEVERITY_STYLE[severity] ?? SEVERITY_STYLE.info).shape;
  return el('span', { class: `sev-tag sev-${severity}`, 'data-shape': shape, title: `severity: ${severity}` }, severity);
}

function list(title, items) {
  const wrap = el('div', { class: 'ins-list' });
  wrap.append(el('h4', {}, title));
  const ul = el('ul');
  for (const t of items) ul.append(el('li', {}, t));
  wrap.append(ul);
  return wrap;
}

const fillers = new WeakMap(); // card -> builds its body (once: it removes itself)

export function openInsightCard(d) {
  fillers.get(d)?.();
  d.open = true;
}

export function insightCard(ins, { onJump, onReveal, open = false } = {}) {
  const d = el('details', { class: `ins sev-${ins.severity} fam-${ins.family}`, 'data-testid': 'insight',
    'data-id': String(ins.id), 'data-kind': ins.kind, 'data-severity': ins.severity, 'data-family': ins.family });
  const sum = el('summary', { class: 'ins-summary' });
  sum.append(severityTag(ins.severity), el('span', { class: 'ins-steps' }, stepRange(ins)),
    el('span', { class: 'ins-now', title: 'applies at the step on screen' }, 'now'),
    el('span', { class: 'ins-title' }, ins.title));
  d.append(sum);
  fillers.set(d, () => { if (fillers.delete(d)) d.append(cardBody(ins, { onJump, onReveal })); });
  d.addEventListener('toggle', () => { if (d.open) fillers.get(d)?.(); });
  if (open) openInsightCard(d);
  return d;
}

function cardBody(ins, { onJump, onReveal }) {
  const body = el('div', { class: 'ins-body' });
  const about = [kindLabel(ins.kind), subjectText(ins.subject)].filter(Boolean).join(' · ');
  // "?": the card of the kind in general (explain/cards.js); the explanation below is this one's.
  const aboutEl = el('p', { class: 'ins-about muted' }, about);
  if (Object.values(INSIGHT_KINDS).includes(ins.kind)) aboutEl.append(' ', cardButton(`insight:${ins.kind}`, { label: `What is a ${ins.kind} insight?`, for: '.ins' }));
  body.append(aboutEl);
  if (ins.explanation) body.append(el('p', { class: 'ins-explanation', 'data-testid': 'insight-explanation' }, ins.explanation));
  const rows = evidenceRows(ins);
  if (rows.length) {
    const dl = el('dl', { class: 'ins-evidence', 'data-testid': 'insight-evidence', 'aria-label': 'the numbers that made it fire' });
    for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
    body.append(el('h4', {}, 'Evidence'), dl);
  }
  if (ins.causes.length) body.append(list('Likely causes', ins.causes));
  if (ins.tries.length) body.append(list('What to try', ins.tries));
  const tools = el('div', { class: 'ins-tools' });
  if (onJump) {
    const b = el('button', { type: 'button', 'data-testid': 'insight-jump', title: 'Show the parameter frame of this step (playback jumps there)' },
      `show step ${ins.step}`);
    b.addEventListener('click', () => onJump(ins.step, ins));
    tools.append(b);
  }
  const p = parseSubject(ins.subject);
  if (onReveal && p.type !== 'run' && p.type !== 'other') {
    const where = p.type === 'head' ? 'attention' : 'params';
    const b = el('button', { type: 'button', 'data-testid': `insight-reveal-${where}` },
      where === 'attention' ? 'show in Attention' : 'show in Parameters');
    b.addEventListener('click', () => onReveal(ins, where));
    tools.append(b);
  }
  if (tools.children.length) body.append(tools);
  return body;
}
