// The Statements view: one row per statement with its phases as a bar, and
// a statement's backend requests when it is clicked.

import { el, ms, svg } from './dom.js';
import { schedule, state } from './page-state.js';

function phaseBar(entry, scaleMs) {
  const bar = svg('svg', { viewBox: '0 0 1000 14', preserveAspectRatio: 'none' });
  const total = Math.max(scaleMs, 1);
  for (const phase of entry.phases) {
    const duration = phase.durationMs ?? entry.durationMs - phase.startMs;
    const rect = svg('rect', {
      x: (phase.startMs / total) * 1000,
      y: 1,
      width: Math.max(2, (duration / total) * 1000),
      height: 12,
      class: `phase-${phase.kind}`,
    });
    const title = svg('title');
    title.textContent = `${phase.kind} ${ms(duration)}${phase.calls != null ? `, ${phase.calls} calls, ${phase.requests} requests` : ''}`;
    rect.append(title);
    bar.append(rect);
  }
  return bar;
}

export function renderStatements() {
  const rows = document.getElementById('statement-rows');
  const entries = [...state.statements.values()].sort((a, b) => b.id - a.id).slice(0, 100);
  const scale = Math.max(...entries.map((e) => e.durationMs), 1);
  rows.replaceChildren(
    ...entries.map((entry) => {
      const progress =
        entry.outcome === 'running' && entry.batchesKnown > 0
          ? el('span', { class: 'progress', text: ` ${entry.batchesDone}/${entry.batchesKnown} batches` })
          : '';
      const meta = el(
        'div',
        { class: 'meta' },
        el('span', { class: `outcome-${entry.outcome}`, text: entry.outcome }),
        ` ${ms(entry.durationMs)}`,
        entry.rows != null ? ` · ${entry.rows} rows` : '',
        progress,
      );
      const row = el(
        'div',
        {
          class: `row${state.selected === entry.id ? ' selected' : ''}`,
          'data-id': String(entry.id),
          'data-outcome': entry.outcome,
          'data-phases': entry.phases.map((p) => p.kind).join(','),
        },
        el('div', { text: `${entry.front === 'postgres' ? 'PG' : 'MySQL'} #${entry.connectionId}` }),
        el('div', { class: 'sql', title: entry.sql, text: entry.sql }),
        phaseBar(entry, scale),
        meta,
      );
      row.addEventListener('click', () => select(entry.id));
      return row;
    }),
  );
}

async function select(id) {
  state.selected = id;
  const detail = document.getElementById('statement-detail');
  const response = await fetch(`/_aurora-ml/statements/${id}`);
  if (!response.ok) return;
  const entry = await response.json();
  const phases = entry.phases.map(
    (p) =>
      `${p.kind.padEnd(10)} +${ms(p.startMs).padStart(9)}  ${ms(p.durationMs).padStart(9)}` +
      (p.calls != null ? `  ${p.calls} calls, ${p.requests} requests` : '') +
      (p.includesCacheFill ? '  (with the cache fill)' : ''),
  );
  const table = el('table', { class: 'requests' });
  table.append(
    el(
      'tr',
      {},
      ...['service', 'operation', 'target', 'batch', 'latency', 'retries', 'outcome'].map((h) => el('th', { text: h })),
    ),
  );
  for (const call of entry.requests) {
    table.append(
      el(
        'tr',
        {},
        el('td', { text: call.service }),
        el('td', { text: call.operation }),
        el('td', { text: call.target }),
        el('td', { text: String(call.batchSize) }),
        el('td', { text: ms(call.durationMs) }),
        el('td', { text: String(call.retries) }),
        el('td', { text: call.outcome === 'ok' ? 'ok' : (call.error?.serviceCode ?? call.error?.code ?? 'error') }),
      ),
    );
  }
  detail.replaceChildren(
    el('h3', { text: `Statement ${entry.id}: ${entry.outcome}, ${ms(entry.durationMs)}` }),
    el('pre', { text: entry.sql }),
    el('pre', { text: phases.join('\n') }),
    entry.error ? el('pre', { class: 'outcome-error', text: `${entry.error.code}: ${entry.error.message}` }) : '',
    el('div', { text: `${entry.requests.length} backend requests` }),
    table,
  );
  detail.hidden = false;
  schedule();
}
