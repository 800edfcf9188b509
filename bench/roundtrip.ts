/** Sequential single-statement round trips on one `pg` connection (simple query protocol). */
import pg from 'pg';
import type { PhaseProbe, PhaseTotal } from './phases.ts';
import { generateTickets } from './tickets.ts';
import { median, percentile, sqlLiteral } from './util.ts';

export interface LatencyResult {
  readonly calls: number;
  readonly medianMs: number;
  readonly meanMs: number;
  readonly p99Ms: number;
  /** Phase totals over the measured calls, when a probe was given. */
  readonly phases: readonly PhaseTotal[] | null;
}

export interface RoundTripOptions {
  readonly url: string;
  /** The statement for call i; called for the warm-up calls too. */
  readonly sql: (i: number) => string;
  readonly warmUp: number;
  readonly calls: number;
  /** Checks one result, so a wrong answer cannot pass as a fast one. */
  readonly check: (rows: readonly Record<string, unknown>[]) => boolean;
  readonly probe?: { readonly probe: PhaseProbe; readonly statementPrefix: string } | null;
}

export async function measureRoundTrips(options: RoundTripOptions): Promise<LatencyResult> {
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    for (let i = 0; i < options.warmUp; i++) {
      const result = await client.query(options.sql(i));
      if (!options.check(result.rows)) throw new Error(`unexpected result for: ${options.sql(i)}`);
    }
    const samples: number[] = new Array(options.calls);
    options.probe?.probe.start(options.probe.statementPrefix);
    for (let i = 0; i < options.calls; i++) {
      const sql = options.sql(options.warmUp + i);
      const started = performance.now();
      // A string without values: pg sends a simple Query message.
      const result = await client.query(sql);
      samples[i] = performance.now() - started;
      if (!options.check(result.rows)) throw new Error(`unexpected result for: ${sql}`);
    }
    const phases = options.probe?.probe.stop() ?? null;
    const meanMs = samples.reduce((sum, ms) => sum + ms, 0) / samples.length;
    return { calls: options.calls, medianMs: median(samples), meanMs, p99Ms: percentile(samples, 99), phases };
  } finally {
    options.probe?.probe.stop();
    await client.end();
  }
}

const LABELS = new Set(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED']);

/** `SELECT * FROM aws_comprehend.detect_sentiment('...', 'en')` with a different text on every call. */
export const SENTIMENT_PREFIX = 'SELECT * FROM aws_comprehend.detect_sentiment(';

export function sentimentRoundTrips(
  url: string,
  warmUp: number,
  calls: number,
  probe: PhaseProbe | null = null,
  seed = 7,
): Promise<LatencyResult> {
  const texts = generateTickets(warmUp + calls, seed);
  return measureRoundTrips({
    url,
    warmUp,
    calls,
    probe: probe === null ? null : { probe, statementPrefix: SENTIMENT_PREFIX },
    sql: (i) => `${SENTIMENT_PREFIX}${sqlLiteral(`${texts[i] ?? ''} (#${i})`)}, 'en')`,
    check: (rows) => rows.length === 1 && LABELS.has(String(rows[0]?.sentiment)),
  });
}

export function selectOneRoundTrips(url: string, warmUp: number, calls: number): Promise<LatencyResult> {
  return measureRoundTrips({
    url,
    warmUp,
    calls,
    sql: () => 'SELECT 1 AS one',
    check: (rows) => rows.length === 1 && rows[0]?.one === 1,
  });
}
