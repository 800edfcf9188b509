/**
 * The application of the overload demo: page views arrive at a set rate
 * (whether or not earlier ones have finished, as web traffic does), each takes
 * a connection from a pg.Pool of N and runs the recommendation query; a
 * health check takes a connection from the same pool with a short timeout and
 * runs `SELECT 1`, as a load balancer's probe would. With mitigations, every
 * connection has a statement_timeout and a circuit breaker decides whether a
 * page view calls the model or serves the page without recommendations.
 */
import pg from 'pg';
import { CircuitBreaker } from './circuit-breaker.ts';
import { clientConfig } from './demo-schema.ts';
import { elapsedMs } from './percentiles.ts';

export interface AppSettings {
  readonly pgUrl: string;
  readonly poolSize: number;
  /** How long a page view waits for a connection before it fails (pg.Pool connectionTimeoutMillis). */
  readonly acquireTimeoutMs: number;
  /** aurora_ml_inference_timeout on every connection. */
  readonly inferenceTimeoutMs: number;
  /** statement_timeout on every connection, or none. */
  readonly statementTimeoutMs?: number;
  /** A circuit breaker around the ML query, or none. */
  readonly breaker?: { readonly threshold: number; readonly openMs: number };
  /** How long the health check waits for a connection. */
  readonly healthAcquireTimeoutMs: number;
  readonly mlSql: string;
  readonly fallbackSql: string;
}

/** What happened to the page views and health checks of one stretch of time. */
export interface AppTally {
  pageViews: number;
  withRecommendations: number;
  fallbacks: number;
  inferenceTimeouts: number;
  statementTimeouts: number;
  poolTimeouts: number;
  errors: number;
  healthChecks: number;
  healthFailures: number;
  /** Times of the page views served (with or without recommendations), arrival to answer. */
  readonly pageMs: number[];
  peakWaiting: number;
}

export function emptyTally(): AppTally {
  return {
    pageViews: 0,
    withRecommendations: 0,
    fallbacks: 0,
    inferenceTimeouts: 0,
    statementTimeouts: 0,
    poolTimeouts: 0,
    errors: 0,
    healthChecks: 0,
    healthFailures: 0,
    pageMs: [],
    peakWaiting: 0,
  };
}

/** A timed-out statement: SQLSTATE 57014, told apart by the message as psql users would. */
function timeoutKind(err: unknown): 'inference' | 'statement' | undefined {
  const e = err as { code?: string; message?: string };
  if (e.code !== '57014') return undefined;
  return /aurora_ml_inference_timeout/.test(e.message ?? '') ? 'inference' : 'statement';
}

export class AppUnderLoad {
  readonly pool: pg.Pool;
  readonly breaker: CircuitBreaker | undefined;
  readonly tally = emptyTally();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly settings: AppSettings) {
    this.pool = new pg.Pool({
      ...clientConfig(
        settings.pgUrl,
        settings.statementTimeoutMs === undefined ? {} : { statement_timeout: settings.statementTimeoutMs },
      ),
      max: settings.poolSize,
      connectionTimeoutMillis: settings.acquireTimeoutMs,
    });
    // The pool's one error listener: an idle client's connection dropping is not the demo's concern.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => {
      // Queued ahead of the first statement the connection runs.
      client.query(`SET aurora_ml_inference_timeout = ${Math.round(settings.inferenceTimeoutMs)}`).catch(() => {});
    });
    this.breaker = settings.breaker === undefined ? undefined : new CircuitBreaker(settings.breaker);
  }

  get waiting(): number {
    return this.pool.waitingCount;
  }

  get inUse(): number {
    return this.pool.totalCount - this.pool.idleCount;
  }

  /** One page view arrives; it is not awaited by the caller (traffic does not wait). */
  pageView(user: number): void {
    const run = this.servePage(user).finally(() => this.pending.delete(run));
    this.pending.add(run);
    this.tally.peakWaiting = Math.max(this.tally.peakWaiting, this.pool.waitingCount);
  }

  private async servePage(user: number): Promise<void> {
    const t = this.tally;
    t.pageViews++;
    const arrived = performance.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch {
      t.poolTimeouts++;
      return;
    }
    // Decided once a connection is in hand: the breaker may have opened while this view waited.
    const useMl = this.breaker === undefined || this.breaker.allow();
    let broken: Error | undefined;
    try {
      await client.query(useMl ? this.settings.mlSql : this.settings.fallbackSql, [user]);
      if (useMl) {
        t.withRecommendations++;
        this.breaker?.success();
      } else t.fallbacks++;
      t.pageMs.push(elapsedMs(arrived));
    } catch (err) {
      const kind = timeoutKind(err);
      if (kind === 'inference') t.inferenceTimeouts++;
      else if (kind === 'statement') t.statementTimeouts++;
      else {
        t.errors++;
        broken = err as Error;
      }
      if (useMl) this.breaker?.failure();
    } finally {
      client.release(broken);
    }
  }

  /** One health check: a connection within the short timeout, then SELECT 1. */
  async healthCheck(): Promise<boolean> {
    this.tally.healthChecks++;
    const acquiring = this.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.settings.healthAcquireTimeoutMs);
    });
    const winner = await Promise.race([acquiring.catch(() => 'failed' as const), gaveUp]);
    clearTimeout(timer);
    if (winner === 'timeout' || winner === 'failed') {
      // The pool still hands the connection over later: give it straight back.
      if (winner === 'timeout') acquiring.then((c) => c.release()).catch(() => {});
      this.tally.healthFailures++;
      return false;
    }
    try {
      await winner.query('SELECT 1');
      return true;
    } catch {
      this.tally.healthFailures++;
      return false;
    } finally {
      winner.release();
    }
  }

  /** Waits for every page view that has arrived to finish (each is bounded by its timeouts). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.settle();
    await this.pool.end().catch(() => {});
  }
}
