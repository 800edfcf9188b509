/**
 * Sequential single-statement round trips on one connection, sending SQL text
 * (pg: a simple Query message; mysql2: COM_QUERY, in mysql-roundtrip.ts).
 */
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

/** One client connection, as the timing loop needs it. */
export interface SqlConnection {
  /** Runs one SQL text (with bound values: the extended protocol) and returns the rows of its result. */
  query(sql: string, values?: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
  end(): Promise<void>;
}

export type Connect = () => Promise<SqlConnection>;

export async function pgConnection(url: string): Promise<SqlConnection> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    // A string without values: pg sends a simple Query message; with values, Parse/Bind/Execute/Sync.
    query: async (sql, values) => (await client.query(sql, values === undefined ? undefined : [...values])).rows,
    end: () => client.end(),
  };
}

export interface RoundTripOptions {
  readonly connect: Connect;
  /** The statement for call i; called for the warm-up calls too. */
  readonly sql: (i: number) => string;
  /** The values bound to call i's parameters, if it has any. */
  readonly values?: (i: number) => readonly unknown[];
  readonly warmUp: number;
  readonly calls: number;
  /** Checks one result, so a wrong answer cannot pass as a fast one. */
  readonly check: (rows: readonly Record<string, unknown>[]) => boolean;
  readonly probe?: { readonly probe: PhaseProbe; readonly statementPrefix: string } | null;
}

export async function measureRoundTrips(options: RoundTripOptions): Promise<LatencyResult> {
  const client = await options.connect();
  try {
    for (let i = 0; i < options.warmUp; i++) {
      const rows = await client.query(options.sql(i), options.values?.(i));
      if (!options.check(rows)) throw new Error(`unexpected result for: ${options.sql(i)}`);
    }
    const samples: number[] = new Array(options.calls);
    options.probe?.probe.start(options.probe.statementPrefix);
    for (let i = 0; i < options.calls; i++) {
      const sql = options.sql(options.warmUp + i);
      const values = options.values?.(options.warmUp + i);
      const started = performance.now();
      const rows = await client.query(sql, values);
      samples[i] = performance.now() - started;
      if (!options.check(rows)) throw new Error(`unexpected result for: ${sql}`);
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

/** One row whose `sentiment` column is a DetectSentiment label. */
export const isOneLabel = (rows: readonly Record<string, unknown>[]): boolean =>
  rows.length === 1 && LABELS.has(String(rows[0]?.sentiment));

/** Ticket texts made distinct by their call number, so no cache can answer a call. */
export function distinctTexts(count: number, seed: number): string[] {
  return generateTickets(count, seed).map((text, i) => `${text} (#${i})`);
}

/** `SELECT * FROM aws_comprehend.detect_sentiment('...', 'en')` with a different text on every call. */
export const SENTIMENT_PREFIX = 'SELECT * FROM aws_comprehend.detect_sentiment(';

export function sentimentRoundTrips(
  url: string,
  warmUp: number,
  calls: number,
  probe: PhaseProbe | null = null,
  seed = 7,
): Promise<LatencyResult> {
  const texts = distinctTexts(warmUp + calls, seed);
  return measureRoundTrips({
    connect: () => pgConnection(url),
    warmUp,
    calls,
    probe: probe === null ? null : { probe, statementPrefix: SENTIMENT_PREFIX },
    sql: (i) => `${SENTIMENT_PREFIX}${sqlLiteral(texts[i] ?? '')}, 'en')`,
    check: isOneLabel,
  });
}

/** The same call with the text and language bound as parameters, as applications send it. */
export function sentimentParamRoundTrips(url: string, warmUp: number, calls: number, seed = 13): Promise<LatencyResult> {
  const texts = distinctTexts(warmUp + calls, seed);
  return measureRoundTrips({
    connect: () => pgConnection(url),
    warmUp,
    calls,
    sql: () => `${SENTIMENT_PREFIX}$1, $2)`,
    values: (i) => [texts[i] ?? '', 'en'],
    check: isOneLabel,
  });
}

export function selectOneRoundTrips(connect: Connect, warmUp: number, calls: number): Promise<LatencyResult> {
  return measureRoundTrips({
    connect,
    warmUp,
    calls,
    sql: () => 'SELECT 1 AS one',
    check: (rows) => rows.length === 1 && rows[0]?.one === 1,
  });
}
