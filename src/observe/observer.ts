/**
 * One emulator's view of its backend calls: the call log, the metrics and the
 * wrappers, joined. Users' tests reach it as `emulator.observer`; the API
 * server serves it over HTTP (it satisfies ObserveRoutes).
 */
import type { Logger } from 'pino';
import type { Backends } from '../backends/types.ts';
import type { MlStats } from '../ml/stats.ts';
import {
  type CallEntry,
  type CallFilter,
  CallLog,
  type CallRecorder,
  DEFAULT_CAPACITY,
  matches,
  type NewCall,
} from './call-log.ts';
import type { ObserveRoutes } from './http.ts';
import { BackendMetrics } from './metrics.ts';
import { type ObserveOptions, observeBackends } from './observed.ts';
import { StatementLog } from './statements.ts';

export interface ObserverOptions {
  /** Calls kept in the log (default 10,000); older ones drop out. */
  readonly capacity?: number;
  /** MlStats to mirror in the metrics. */
  readonly stats?: MlStats;
  /** Each backend call is logged at debug level here. */
  readonly logger?: Logger;
  readonly processMetrics?: boolean;
  /** Finished statements kept in the statement log (default 1,000). */
  readonly statementCapacity?: number;
}

interface Waiter {
  readonly filter: CallFilter;
  readonly count: number;
  readonly resolve: (calls: CallEntry[]) => void;
}

export class Observer implements CallRecorder, ObserveRoutes {
  readonly log: CallLog;
  readonly metrics: BackendMetrics;
  readonly logger: Logger | undefined;
  /** The SQL statements that made ML calls (the evaluator reports to it: see src/ml/statement-trace.ts). */
  readonly statements: StatementLog;
  private readonly waiters = new Set<Waiter>();
  private readonly callListeners = new Set<(call: CallEntry) => void>();

  constructor(options: ObserverOptions = {}) {
    this.log = new CallLog(options.capacity ?? DEFAULT_CAPACITY);
    this.metrics = new BackendMetrics({
      ...(options.stats ? { stats: options.stats } : {}),
      ...(options.processMetrics ? { processMetrics: true } : {}),
    });
    this.logger = options.logger;
    this.statements = new StatementLog(options.statementCapacity);
  }

  /** Hears of each call as it is recorded; returns the unsubscribe function. */
  onCall(listener: (call: CallEntry) => void): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  /** The backends with every call recorded here. */
  wrap(backends: Backends, options: Omit<ObserveOptions, 'logger'> = {}): Backends {
    return observeBackends(backends, this, { ...options, ...(this.logger ? { logger: this.logger } : {}) });
  }

  record(call: NewCall): CallEntry {
    const entry = this.log.record(call);
    this.metrics.observe(entry);
    for (const listener of this.callListeners) listener(entry);
    for (const waiter of this.waiters) {
      if (!matches(entry, waiter.filter)) continue;
      const calls = this.log.query(waiter.filter);
      if (calls.length >= waiter.count) {
        this.waiters.delete(waiter);
        waiter.resolve(calls);
      }
    }
    return entry;
  }

  /** Recorded calls matching the filter, oldest first. */
  calls(filter: CallFilter = {}): CallEntry[] {
    return this.log.query(filter);
  }

  /** Empties the call log. Metrics keep counting, as Prometheus counters must; see resetMetrics(). */
  clear(): void {
    this.log.clear();
  }

  resetMetrics(): void {
    this.metrics.reset();
  }

  /** The Prometheus text /metrics serves. */
  metricsText(): Promise<string> {
    return this.metrics.text();
  }

  /**
   * Resolves with the matching calls once there are at least `count` of them;
   * rejects after `timeoutMs` saying how many there were.
   */
  waitForCalls(count: number, filter: CallFilter = {}, timeoutMs = 5_000): Promise<CallEntry[]> {
    const now = this.log.query(filter);
    if (now.length >= count) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        filter,
        count,
        resolve: (calls) => {
          clearTimeout(timer);
          resolve(calls);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.log.query(filter).length;
        reject(new Error(`waitForCalls: ${seen} of ${count} calls matching ${JSON.stringify(filter)} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
