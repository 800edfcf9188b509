/**
 * Prometheus metrics for backend calls and the Aurora_ml_* counters. Each
 * instance has its own Registry, never prom-client's global one, so two
 * emulators in one process (as in a test run) keep apart.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MlStats } from '../ml/stats.ts';
import type { CallEntry } from './call-log.ts';

export interface BackendMetricsOptions {
  /** MlStats to mirror; read at scrape time, so the gauges always match SHOW STATUS. */
  readonly stats?: MlStats;
  /** Also export prom-client's default process metrics (CPU, memory, event loop). */
  readonly processMetrics?: boolean;
}

/** Seconds: from a built-in model's millisecond to SageMaker's 60 s model limit. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Comprehend batches stop at 25; SageMaker batches can hold thousands of rows. */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 10000];

/** MlStats fields and the Aurora MySQL status variable each one means. */
const STATS: readonly (readonly [keyof Omit<MlStats, 'reset'>, string, string])[] = [
  ['logicalRequests', 'aurora_ml_logical_requests', 'Aurora_ml_logical_request_cnt: rows that asked for an ML result'],
  ['logicalResponses', 'aurora_ml_logical_responses', 'Aurora_ml_logical_response_cnt: rows that got an ML result'],
  ['actualRequests', 'aurora_ml_actual_requests', 'Aurora_ml_actual_request_cnt: requests sent to ML services'],
  ['actualResponses', 'aurora_ml_actual_responses', 'Aurora_ml_actual_response_cnt: responses received from ML services'],
  ['cacheHits', 'aurora_ml_cache_hits', 'Aurora_ml_cache_hit_cnt: rows answered from the statement cache'],
  ['retries', 'aurora_ml_retries', 'Aurora_ml_retry_request_cnt: requests retried'],
  ['singleRequests', 'aurora_ml_single_requests', 'Aurora_ml_single_request_cnt: requests carrying a single row'],
];

export class BackendMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'service' | 'target' | 'outcome'>;
  private readonly errors: Counter<'service' | 'code'>;
  private readonly latency: Histogram<'service' | 'target'>;
  private readonly batchSize: Histogram<'service'>;

  constructor(options: BackendMetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'aurora_ml_backend_requests_total',
      help: 'Requests sent to ML backends, by outcome (ok or error)',
      labelNames: ['service', 'target', 'outcome'],
      registers,
    });
    this.errors = new Counter({
      name: 'aurora_ml_backend_errors_total',
      help: 'Failed ML backend requests, by error code',
      labelNames: ['service', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'aurora_ml_backend_latency_seconds',
      help: 'Time from sending an ML backend request to its answer or error',
      labelNames: ['service', 'target'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: 'aurora_ml_backend_batch_size',
      help: 'Documents (Comprehend), rows (SageMaker) or inputs (Bedrock) per ML backend request',
      labelNames: ['service'],
      buckets: BATCH_BUCKETS,
      registers,
    });
    const stats = options.stats;
    if (stats) {
      for (const [field, name, help] of STATS) {
        // A gauge, not a counter: MlStats can be reset (FLUSH STATUS), and counters must never go down.
        new Gauge({
          name,
          help,
          registers,
          collect() {
            this.set(stats[field]);
          },
        });
      }
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observe(entry: CallEntry): void {
    this.requests.inc({ service: entry.service, target: entry.target, outcome: entry.outcome });
    if (entry.error) this.errors.inc({ service: entry.service, code: entry.error.code });
    this.latency.observe({ service: entry.service, target: entry.target }, entry.durationMs / 1000);
    this.batchSize.observe({ service: entry.service }, entry.batchSize);
  }

  /** The Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Back to zero (for tests; a scraper sees it as a restart). */
  reset(): void {
    this.registry.resetMetrics();
  }
}
