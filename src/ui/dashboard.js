// The dashboard page: reads the live feed (/_aurora-ml/events) and draws five
// views with plain DOM and SVG. Every text from the server (SQL above all)
// goes in through textContent, never as HTML. No build step, no libraries.

const SVG = 'http://www.w3.org/2000/svg';
const WINDOW_MS = 60_000;
const HISTORY_MS = 5 * 60_000;
const MAX_CALLS = 20_000;
const MAX_STATEMENTS = 300;

const state = {
  statements: new Map(), // id -> entry
  calls: [], // recent backend calls, oldest first
  gauges: null,
  connectionHistory: [], // { at, postgres, mysql }
  selected: null,
  dirty: false,
};

// ---------- small DOM helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

const ms = (v) => (v == null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------- the feed ----------

function take(entries) {
  for (const entry of entries) state.statements.set(entry.id, entry);
  if (state.statements.size > MAX_STATEMENTS) {
    const finished = [...state.statements.values()].filter((s) => s.outcome !== 'running');
    for (const s of finished.slice(0, state.statements.size - MAX_STATEMENTS)) state.statements.delete(s.id);
  }
}

function connect() {
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

function schedule() {
  if (state.dirty) return;
  state.dirty = true;
  requestAnimationFrame(() => {
    state.dirty = false;
    renderStatements();
    renderBackends();
    renderConnections();
    renderCounters();
    renderSwitches();
  });
}

// ---------- Statements ----------

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

function renderStatements() {
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

// ---------- Backends ----------

function renderBackends() {
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

function line(values, colour, max) {
  const step = 600 / Math.max(values.length - 1, 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(115 - (v / max) * 95).toFixed(1)}`).join(' ');
  return [svg('polyline', { points, fill: 'none', stroke: colour, 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' })];
}

function label(x, y, text) {
  const t = svg('text', { x, y });
  t.textContent = text;
  return t;
}

// ---------- Connections ----------

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

function renderConnections() {
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

// ---------- Counters ----------

function renderCounters() {
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

// ---------- Controls ----------

const status = (text) => {
  document.getElementById('control-status').textContent = text;
};

/** Sends a JSON change: a non-simple request, as the emulator requires of writes. */
async function send(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
  return answer;
}

async function refreshControls() {
  const answer = await fetch('/_aurora-ml/backends').then((r) => r.json());
  document.getElementById('control-state').textContent = JSON.stringify(answer, null, 1);
}

function tuningFromForm() {
  const value = (id) => document.getElementById(id).value.trim();
  const tuning = {};
  if (value('latency') !== '') tuning.latency = { kind: 'fixed', ms: Number(value('latency')) };
  if (value('capacity') !== '') tuning.capacity = { maxConcurrent: Number(value('capacity')), onExcess: value('on-excess') };
  const down = document.getElementById('down').checked;
  if (value('fault-rate') !== '' || down) {
    tuning.faults = { ...(value('fault-rate') !== '' ? { rates: { [value('fault-type')]: Number(value('fault-rate')) } } : {}) };
    if (down) tuning.faults.down = true;
  }
  return tuning;
}

async function apply(event) {
  event.preventDefault();
  const service = document.getElementById('service').value;
  const target = document.getElementById('target').value.trim();
  const preset = document.getElementById('preset').value;
  const tuning = tuningFromForm();
  const patch = preset ? { preset } : {};
  if (Object.keys(tuning).length > 0) patch[service] = target ? { targets: { [target]: tuning } } : tuning;
  try {
    await send('PATCH', '/_aurora-ml/backends', patch);
    status(`applied: ${JSON.stringify(patch)}`);
  } catch (err) {
    status(`refused: ${err.message}`);
  }
  await refreshControls();
}

async function clearService() {
  const service = document.getElementById('service').value;
  const target = document.getElementById('target').value.trim();
  const cleared = { latency: null, capacity: null, faults: null };
  const patch = { [service]: target ? { targets: { [target]: null } } : cleared };
  try {
    await send('PATCH', '/_aurora-ml/backends', patch);
    status(`cleared ${service}${target ? ` / ${target}` : ''}`);
  } catch (err) {
    status(`refused: ${err.message}`);
  }
  await refreshControls();
}

/** aurora_ml is a cluster parameter: changed through the RDS API, with a header no form can send. */
async function setSwitch(group, on) {
  const form = new URLSearchParams({
    Action: 'ModifyDBClusterParameterGroup',
    Version: '2014-10-31',
    DBClusterParameterGroupName: group,
    'Parameters.Parameter.1.ParameterName': 'aurora_ml',
    'Parameters.Parameter.1.ParameterValue': on ? '1' : '0',
    'Parameters.Parameter.1.ApplyMethod': 'immediate',
  });
  const response = await fetch('/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-aurora-ml-dashboard': '1' },
    body: form,
  });
  status(response.ok ? `aurora_ml = ${on ? 1 : 0} on ${group}` : `refused: HTTP ${response.status}`);
}

let switchesShown = '';
function renderSwitches() {
  const switches = state.gauges?.switches;
  if (!switches) return;
  const key = JSON.stringify(switches);
  if (key === switchesShown) return;
  switchesShown = key;
  const boxes = Object.entries(switches)
    .filter(([, s]) => s !== null)
    .map(([front, s]) => {
      const box = el('input', { type: 'checkbox', id: `switch-${front}` });
      box.checked = s.auroraMl;
      box.addEventListener('change', () => void setSwitch(s.parameterGroup, box.checked));
      return el('label', { class: 'check' }, box, `aurora_ml on (${front})`);
    });
  document.getElementById('switches').replaceChildren(...boxes);
}

document.getElementById('control-form').addEventListener('submit', (e) => void apply(e));
document.getElementById('clear').addEventListener('click', () => void clearService());
void refreshControls();
connect();
