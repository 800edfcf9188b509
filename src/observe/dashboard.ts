/**
 * The dashboard's routes on the API listener: the page itself (/ui, static
 * files from src/ui), the statements (/_aurora-ml/statements, one with its
 * backend requests at /_aurora-ml/statements/ID), the connection counts
 * (/_aurora-ml/connections) and the live feed (/_aurora-ml/events). The API
 * server runs its browser checks first; these routes add that a page may
 * only be the dashboard's own (sameOriginRefusal in browser-guard.ts).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusRows } from '../aurora/mysql/status-variables.ts';
import type { MlStats } from '../ml/stats.ts';
import type { CallEntry, CallLog } from './call-log.ts';
import { LiveStream } from './live-stream.ts';
import type { Front, StatementEntry, StatementLog } from './statements.ts';

export const STATEMENTS_PATH = '/_aurora-ml/statements';
export const CONNECTIONS_PATH = '/_aurora-ml/connections';
export const EVENTS_PATH = '/_aurora-ml/events';
export const UI_PATH = '/ui';

/** One front as the dashboard needs it. */
export interface FrontGauge {
  /** Client connections open now. */
  connections(): number;
  /** The upstream's max_connections, read once (null: unknown). */
  maxConnections(): Promise<number | null>;
}

export interface DashboardOptions {
  readonly statements: StatementLog;
  readonly calls: CallLog;
  /** Hears of each backend call recorded. */
  onCall(listener: (call: CallEntry) => void): () => void;
  readonly stats: MlStats;
  readonly fronts: { readonly postgres: FrontGauge; readonly mysql: FrontGauge | null };
  /** The application's connection pool size the Connections view draws as a line. */
  readonly poolSize: number;
  /** Each front's cluster parameter group and its aurora_ml switch, for the Controls view. */
  switches(): Record<Front, { readonly parameterGroup: string; readonly auroraMl: boolean } | null>;
}

export interface FrontConnections {
  readonly connected: number;
  /** Client connections with a statement waiting on its ML calls now. */
  readonly waitingOnMl: number;
  readonly upstreamMaxConnections: number | null;
  readonly appPoolSize: number;
}

const JS = 'text/javascript; charset=utf-8';
/** The page's files: index.html loads dashboard.js as a module, which imports the others. */
const UI_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': JS,
  'dom.js': JS,
  'page-state.js': JS,
  'live-feed.js': JS,
  'statements-view.js': JS,
  'backends-view.js': JS,
  'connections-view.js': JS,
  'counters-view.js': JS,
  'controls-view.js': JS,
};
const UI_DIR = new URL('../ui/', import.meta.url);

export class Dashboard {
  readonly stream: LiveStream;
  private readonly limits = new Map<Front, Promise<number | null>>();

  constructor(private readonly options: DashboardOptions) {
    this.stream = new LiveStream({
      statements: options.statements,
      onCall: options.onCall,
      gauges: () => this.gauges(),
    });
  }

  /** Per front: connected clients, those waiting on ML, the upstream's limit and the app pool line. */
  async connections(): Promise<{ postgres: FrontConnections; mysql: FrontConnections | null }> {
    const { postgres, mysql } = this.options.fronts;
    return {
      postgres: await this.frontConnections('postgres', postgres),
      mysql: mysql === null ? null : await this.frontConnections('mysql', mysql),
    };
  }

  /** The counters: Aurora_ml_* (shared by both fronts, as the emulator keeps one set) and per-front statement totals. */
  counters(): { aurora: Record<string, number>; fronts: ReturnType<StatementLog['totals']> } {
    return {
      aurora: Object.fromEntries(statusRows(this.options.stats).map(([name, value]) => [name, Number(value)])),
      fronts: this.options.statements.totals(),
    };
  }

  async gauges(): Promise<unknown> {
    return { connections: await this.connections(), counters: this.counters(), switches: this.options.switches() };
  }

  /** A statement with the backend requests its connection made while it ran. */
  statement(id: number): (StatementEntry & { requests: CallEntry[] }) | undefined {
    const entry = this.options.statements.get(id);
    if (entry === undefined) return undefined;
    const started = Date.parse(entry.startedAt);
    const requests = this.options.calls.query({
      front: entry.front,
      connection: entry.connectionId,
      since: started,
      until: started + entry.durationMs + 1,
    });
    return { ...entry, requests };
  }

  get statements(): StatementLog {
    return this.options.statements;
  }

  close(): void {
    this.stream.close();
  }

  private async frontConnections(front: Front, gauge: FrontGauge): Promise<FrontConnections> {
    let limit = this.limits.get(front);
    if (limit === undefined) {
      limit = gauge.maxConnections();
      this.limits.set(front, limit);
    }
    return {
      connected: gauge.connections(),
      waitingOnMl: this.options.statements.runningCount(front),
      upstreamMaxConnections: await limit,
      appPoolSize: this.options.poolSize,
    };
  }
}

export function isDashboardPath(path: string): boolean {
  return (
    path === UI_PATH ||
    path.startsWith(`${UI_PATH}/`) ||
    path === STATEMENTS_PATH ||
    path.startsWith(`${STATEMENTS_PATH}/`) ||
    path === CONNECTIONS_PATH ||
    path === EVENTS_PATH
  );
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function notAllowed(res: ServerResponse): void {
  res.setHeader('allow', 'GET');
  json(res, 405, { error: { code: 'MethodNotAllowed', message: 'use GET' } });
}

/** Answers a dashboard route (see isDashboardPath); the caller has run the browser checks. */
export async function handleDashboardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  dashboard: Dashboard,
): Promise<void> {
  req.resume();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return notAllowed(res);
  const path = url.pathname;
  if (path === UI_PATH || path.startsWith(`${UI_PATH}/`)) return serveUiFile(res, path);
  if (path === EVENTS_PATH) return dashboard.stream.attach(res);
  if (path === CONNECTIONS_PATH) return json(res, 200, await dashboard.connections());
  const rest = path.slice(STATEMENTS_PATH.length).replace(/^\/|\/$/g, '');
  if (rest === '') {
    const statements = dashboard.statements;
    return json(res, 200, { running: statements.runningNow(), recent: statements.recent(200) });
  }
  const entry = /^\d+$/.test(rest) ? dashboard.statement(Number(rest)) : undefined;
  if (entry === undefined) return json(res, 404, { error: { code: 'NotFound', message: `no statement ${rest} in the log` } });
  json(res, 200, entry);
}

async function serveUiFile(res: ServerResponse, path: string): Promise<void> {
  const name = path === UI_PATH || path === `${UI_PATH}/` ? 'index.html' : path.slice(UI_PATH.length + 1);
  const type = UI_FILES[name];
  if (type === undefined) return json(res, 404, { error: { code: 'NotFound', message: `no file ${path}` } });
  const body = await readFile(new URL(name, UI_DIR));
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-store',
    // The page loads only its own files and talks only to its own listener.
    'content-security-policy':
      "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
