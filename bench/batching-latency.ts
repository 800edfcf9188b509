/**
 * Aurora's batching decides how long a statement waits on a backend: with a
 * fixed Comprehend latency L, a statement over N distinct texts makes
 * ceil(N / 25) BatchDetectSentiment requests, sent 4 at a time (the
 * emulator's request concurrency), so it should take about
 * ceil(ceil(N / 25) / 4) x L more than the same statement with no latency.
 */
import pg from 'pg';
import { limits } from '../src/ml/limits.ts';
import { elapsedMs, median } from './util.ts';

export interface BatchingPoint {
  readonly rows: number;
  readonly requests: number;
  readonly predictedMs: number;
  readonly observedMs: number;
}

const BATCH = 25;

/** The statement over `rows` distinct texts, timed `repeats` times (fresh texts each time, so nothing is cached). */
async function timeStatement(url: string, rows: number, repeats: number, tag: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    const samples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      await client.query(
        `SELECT count((aws_comprehend.detect_sentiment('ticket ' || g || ' ${tag} ${r} ' || $1, 'en')).sentiment) FROM generate_series(1, $2) g`,
        [String(Math.random()), rows],
      );
      samples.push(elapsedMs(started));
    }
    return median(samples);
  } finally {
    await client.end();
  }
}

export async function measureBatchingLatency(options: {
  readonly slowUrl: string;
  readonly fastUrl: string;
  readonly latencyMs: number;
  readonly rowCounts: readonly number[];
  readonly repeats: number;
}): Promise<BatchingPoint[]> {
  const points: BatchingPoint[] = [];
  for (const rows of options.rowCounts) {
    const requests = Math.ceil(rows / BATCH);
    const waves = Math.ceil(requests / limits.requestConcurrency);
    const base = await timeStatement(options.fastUrl, rows, options.repeats, 'fast');
    const slow = await timeStatement(options.slowUrl, rows, options.repeats, 'slow');
    points.push({ rows, requests, predictedMs: waves * options.latencyMs, observedMs: slow - base });
    console.error(`  batching latency: ${rows} rows, ${requests} requests: ${(slow - base).toFixed(0)} ms added`);
  }
  return points;
}
