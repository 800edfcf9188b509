// The Connections view: per front, clients waiting on ML beside the app's
// pool and the upstream's limit, and a chart of the waiting over time.

import { el, label, line, svg } from './dom.js';
import { state } from './page-state.js';

function frontBar(name, c) {
  // Scaled to the app's side (connections, pool); the upstream limit is drawn when it fits.
  const max = Math.max(c.connected, c.appPoolSize, c.waitingOnMl, 1) * 1.25;
  const x = (v) => (v / max) * 600;
  const bar = svg('svg', { viewBox: '0 0 600 28', preserveAspectRatio: 'none', 'data-front': name });
  bar.append(
    svg('rect', { x: 0, y: 2, width: x(c.connected), height: 10, fill: '#b8c4d3' }),
    svg('rect', {
      x: 0,
      y: 14,
      width: x(c.waitingOnMl),
      height: 10,
      fill: c.waitingOnMl >= c.appPoolSize ? '#cf3a3a' : '#e08a1e',
    }),
    svg('line', { x1: x(c.appPoolSize), x2: x(c.appPoolSize), y1: 0, y2: 28, stroke: '#1d232b', 'stroke-dasharray': '3 2' }),
  );
  if (c.upstreamMaxConnections != null && c.upstreamMaxConnections <= max) {
    const m = x(c.upstreamMaxConnections);
    bar.append(svg('line', { x1: m, x2: m, y1: 0, y2: 28, stroke: '#cf3a3a' }));
  }
  return el(
    'div',
    { class: 'front' },
    el('div', {
      class: 'front-name',
      'data-waiting': String(c.waitingOnMl),
      text: `${name}: ${c.waitingOnMl} waiting / ${c.connected} connected`,
    }),
    el(
      'div',
      {},
      bar,
      el('small', {
        text: `app pool ${c.appPoolSize} (dashed) · upstream max_connections ${c.upstreamMaxConnections ?? 'unknown'} (red)`,
      }),
    ),
  );
}

export function renderConnections() {
  const g = state.gauges;
  if (!g) return;
  const fronts = document.getElementById('connection-fronts');
  fronts.replaceChildren(
    frontBar('postgres', g.connections.postgres),
    ...(g.connections.mysql ? [frontBar('mysql', g.connections.mysql)] : []),
  );
  const history = state.connectionHistory;
  const pool = g.connections.postgres.appPoolSize;
  const max = Math.max(pool * 1.2, ...history.map((h) => Math.max(h.postgres, h.mysql)), 1);
  const chart = document.getElementById('connection-chart');
  const poolY = 115 - (pool / max) * 95;
  chart.replaceChildren(
    svg('line', { x1: 0, x2: 600, y1: poolY, y2: poolY, stroke: '#1d232b', 'stroke-dasharray': '4 3' }),
    ...line(
      history.map((h) => h.postgres),
      '#2563c9',
      max,
    ),
    ...line(
      history.map((h) => h.mysql),
      '#2f9e5b',
      max,
    ),
    label(4, 12, `waiting on ML: PostgreSQL (blue), MySQL (green); app pool ${pool} (dashed)`),
  );
}
