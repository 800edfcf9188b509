// The live feed (/_aurora-ml/events): statements, backend calls and gauges
// as they change, kept in ./page-state.js within bounds.

import { HISTORY_MS, schedule, state } from './page-state.js';

const MAX_CALLS = 20_000;
const MAX_STATEMENTS = 300;

function take(entries) {
  for (const entry of entries) state.statements.set(entry.id, entry);
  if (state.statements.size > MAX_STATEMENTS) {
    const finished = [...state.statements.values()].filter((s) => s.outcome !== 'running');
    for (const s of finished.slice(0, state.statements.size - MAX_STATEMENTS)) state.statements.delete(s.id);
  }
}

export function connect() {
  const live = document.getElementById('live');
  const source = new EventSource('/_aurora-ml/events');
  source.addEventListener('open', () => {
    live.dataset.state = 'open';
    live.textContent = 'live';
  });
  source.addEventListener('error', () => {
    live.dataset.state = 'closed';
    live.textContent = 'reconnecting…';
  });
  source.addEventListener('hello', (e) => {
    const { running, recent } = JSON.parse(e.data);
    take([...recent, ...running]);
    schedule();
  });
  source.addEventListener('gap', async (e) => {
    // Updates were dropped while this page was slow: reload the lists.
    const { dropped } = JSON.parse(e.data);
    live.dataset.state = 'gap';
    live.textContent = `live (missed ${dropped} updates)`;
    const answer = await fetch('/_aurora-ml/statements').then((r) => r.json());
    take([...answer.recent, ...answer.running]);
    schedule();
  });
  source.addEventListener('update', (e) => {
    const update = JSON.parse(e.data);
    take(update.statements);
    for (const call of update.calls) state.calls.push(call);
    const horizon = Date.now() - HISTORY_MS;
    let drop = 0;
    while (drop < state.calls.length && Date.parse(state.calls[drop].startedAt) < horizon) drop++;
    drop = Math.max(drop, state.calls.length - MAX_CALLS);
    if (drop > 0) state.calls.splice(0, drop);
    state.gauges = update.gauges;
    const c = update.gauges.connections;
    state.connectionHistory.push({ at: update.at, postgres: c.postgres.waitingOnMl, mysql: c.mysql?.waitingOnMl ?? 0 });
    while (state.connectionHistory.length > 0 && state.connectionHistory[0].at < update.at - HISTORY_MS) {
      state.connectionHistory.shift();
    }
    schedule();
  });
}
