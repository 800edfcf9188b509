// The Backends view: per service and target over the last minute, and a
// chart of requests per second and p95 over the last 5 minutes.

import { el, label, line, ms, percentile } from './dom.js';
import { HISTORY_MS, state } from './page-state.js';

const WINDOW_MS = 60_000;

export function renderBackends() {
  const now = Date.now();
  const recent = state.calls.filter((c) => Date.parse(c.startedAt) >= now - WINDOW_MS);
  const groups = new Map();
  for (const call of recent) {
    const key = `${call.service} / ${call.target}`;
    let g = groups.get(key);
    if (!g) {
      g = { latencies: [], batch: 0, retries: 0, errors: new Map() };
      groups.set(key, g);
    }
    g.latencies.push(call.durationMs);
    g.batch += call.batchSize;
    g.retries += call.retries;
    if (call.outcome !== 'ok') {
      const code = call.error?.serviceCode ?? call.error?.code ?? 'error';
      g.errors.set(code, (g.errors.get(code) ?? 0) + 1);
    }
  }
  const seconds = WINDOW_MS / 1000;
  const body = document.querySelector('#backend-table tbody');
  body.replaceChildren(
    ...[...groups.entries()].map(([key, g]) => {
      const sorted = [...g.latencies].sort((a, b) => a - b);
      const errors = [...g.errors.entries()].map(([code, n]) => `${code} ${n}`).join(', ');
      return el(
        'tr',
        { 'data-key': key },
        el('td', { text: key }),
        el('td', { text: (g.latencies.length / seconds).toFixed(2) }),
        el('td', { class: 'p50', text: ms(percentile(sorted, 50)) }),
        el('td', { text: ms(percentile(sorted, 95)) }),
        el('td', { text: ms(percentile(sorted, 99)) }),
        el('td', { text: (g.batch / g.latencies.length).toFixed(1) }),
        el('td', { text: String(g.retries) }),
        el('td', { text: errors || '0' }),
      );
    }),
  );
  // Requests per second and p95 per 5 s over the last 5 minutes.
  const buckets = Array.from({ length: 60 }, () => []);
  for (const call of state.calls) {
    const i = Math.floor((Date.parse(call.startedAt) - (now - HISTORY_MS)) / 5000);
    if (i >= 0 && i < 60) buckets[i].push(call.durationMs);
  }
  const rates = buckets.map((b) => b.length / 5);
  const p95s = buckets.map(
    (b) =>
      percentile(
        [...b].sort((x, y) => x - y),
        95,
      ) ?? 0,
  );
  const chart = document.getElementById('backend-chart');
  chart.replaceChildren(
    ...line(rates, '#2563c9', Math.max(...rates, 1)),
    ...line(p95s, '#e08a1e', Math.max(...p95s, 1)),
    label(4, 12, `req/s (blue, max ${Math.max(...rates).toFixed(1)}) · p95 (orange, max ${ms(Math.max(...p95s))})`),
  );
}
