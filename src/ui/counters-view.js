// The Counters view: Aurora_ml_* and each front's statement totals.

import { el } from './dom.js';
import { state } from './page-state.js';

export function renderCounters() {
  const g = state.gauges;
  if (!g) return;
  const body = document.querySelector('#counter-table tbody');
  const rows = Object.entries(g.counters.aurora).map(([name, value]) =>
    el('tr', {}, el('td', { text: name }), el('td', { 'data-counter': name, text: String(value) })),
  );
  for (const [front, totals] of Object.entries(g.counters.fronts)) {
    rows.push(
      el(
        'tr',
        {},
        el('td', { text: `${front}: statements / failed / ML calls / requests` }),
        el('td', { text: `${totals.statements} / ${totals.failed} / ${totals.mlCalls} / ${totals.requests}` }),
      ),
    );
  }
  body.replaceChildren(...rows);
}
