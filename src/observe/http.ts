/**
 * The HTTP view of what happened, served on the API port ahead of the Query
 * API: `/_aurora-ml/calls` (GET with filters, GET one by id, DELETE clears)
 * and `/metrics` for Prometheus. The API server guards them first like every
 * route: browser checks always, a SigV4 signature when apiCredentials are set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CallFilter, CallLog, Service } from './call-log.ts';
import type { BackendMetrics } from './metrics.ts';

export interface ObserveRoutes {
  readonly log: CallLog;
  readonly metrics: BackendMetrics;
  /** Where unexpected failures are reported. */
  readonly logger?: Logger;
}

export const CALLS_PATH = '/_aurora-ml/calls';
export const METRICS_PATH = '/metrics';

const SERVICES: readonly Service[] = ['comprehend', 'sagemaker', 'bedrock'];

class BadRequest extends Error {}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function notAllowed(res: ServerResponse, allow: string): void {
  json(res, 405, { error: { code: 'MethodNotAllowed', message: `use ${allow}` } }, { allow });
}

function time(name: string, value: string): number {
  const at = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(at)) throw new BadRequest(`${name} must be an ISO 8601 time or epoch milliseconds, got "${value}"`);
  return at;
}

function integer(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) throw new BadRequest(`${name} must be an integer >= ${min}, got "${value}"`);
  return Number(value);
}

/** The query string as a CallFilter; unknown parameters are refused so a typo does not silently match everything. */
export function filterFrom(params: URLSearchParams): CallFilter {
  const filter: { -readonly [K in keyof CallFilter]: CallFilter[K] } = {};
  for (const [name, value] of params) {
    switch (name) {
      case 'service':
        if (!(SERVICES as readonly string[]).includes(value)) {
          throw new BadRequest(`service must be one of ${SERVICES.join(', ')}, got "${value}"`);
        }
        filter.service = value as Service;
        break;
      case 'target':
      case 'endpoint':
        filter.target = value;
        break;
      case 'front':
        if (value !== 'postgres' && value !== 'mysql') throw new BadRequest(`front must be postgres or mysql, got "${value}"`);
        filter.front = value;
        break;
      case 'connection':
        filter.connection = integer(name, value, 0);
        break;
      case 'since':
        filter.since = time(name, value);
        break;
      case 'until':
        filter.until = time(name, value);
        break;
      case 'outcome':
        filter.outcome = value;
        break;
      case 'limit':
        filter.limit = integer(name, value, 1);
        break;
      default:
        throw new BadRequest(
          `unknown parameter "${name}" (use service, target, front, connection, since, until, outcome, limit)`,
        );
    }
  }
  return filter;
}

async function serve(req: IncomingMessage, res: ServerResponse, url: URL, routes: ObserveRoutes): Promise<void> {
  const method = req.method ?? 'GET';
  if (url.pathname === METRICS_PATH) {
    if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET');
    const text = await routes.metrics.text();
    res.writeHead(200, { 'content-type': routes.metrics.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(method === 'HEAD' ? undefined : text);
    return;
  }
  const rest = url.pathname.slice(CALLS_PATH.length).replace(/^\/|\/$/g, '');
  if (rest !== '') {
    if (method !== 'GET') return notAllowed(res, 'GET');
    const entry = /^\d+$/.test(rest) ? routes.log.get(Number(rest)) : undefined;
    if (!entry) return json(res, 404, { error: { code: 'NotFound', message: `no call ${rest} in the log` } });
    return json(res, 200, entry);
  }
  if (method === 'DELETE') return json(res, 200, { cleared: routes.log.clear() });
  if (method !== 'GET') return notAllowed(res, 'GET, DELETE');
  json(res, 200, { calls: routes.log.query(filterFrom(url.searchParams)) });
}

/**
 * Answers the observe routes and returns true; returns false, touching
 * nothing, for any other path. Never rejects.
 */
export async function handleObserveRequest(req: IncomingMessage, res: ServerResponse, routes: ObserveRoutes): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return false; // not a path of ours; the Query API answers it
  }
  const ours = url.pathname === METRICS_PATH || url.pathname === CALLS_PATH || url.pathname.startsWith(`${CALLS_PATH}/`);
  if (!ours) return false;
  // These routes take no body; drain any so the connection can be reused.
  req.resume();
  try {
    await serve(req, res, url, routes);
  } catch (err) {
    if (err instanceof BadRequest) {
      json(res, 400, { error: { code: 'InvalidParameterValue', message: err.message } });
    } else {
      routes.logger?.error({ err, path: url.pathname }, 'observe API: unexpected failure');
      if (res.headersSent) res.destroy();
      else json(res, 500, { error: { code: 'InternalFailure', message: 'see the emulator log' } });
    }
  }
  return true;
}
