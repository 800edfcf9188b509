/**
 * nightly-batch: the seed's nightly sentiment UPDATE over the support
 * tickets, run twice: with Aurora's batching (Comprehend requests of 25
 * documents, 4 in flight: what the emulator does by default), and with one
 * document per request (`max_rows_per_batch => 1`, still 4 in flight). A
 * progress bar follows each run from the emulator: its statement view
 * (batches done of batches known) when it has one, else the call log (the
 * documents answered so far for the demo's connection).
 *
 * The one-per-row run takes a sample of the rows (--per-row-rows) and its
 * time is projected to all of them, so the demo ends in minutes.
 */
import pg from 'pg';
import { type DemoContext, type DemoOutcome, scaled, sleep } from './context.ts';
import { clientConfig, openDemoSchema } from './demo-schema.ts';
import type { EmulatorApi } from './emulator-api.ts';
import { formatCount, formatMs, type Narrator } from './narrator.ts';
import { percentile, round2 } from './percentiles.ts';
import type { Chart } from './svg-chart.ts';
import { TICKET_MESSAGES } from './tickets.ts';

export interface NightlyBatchOptions {
  /** Tickets to label (default 50,000, the seed's night). */
  readonly rows?: number;
  /** Rows the one-request-per-row run labels (default: all rows up to 5,000); its time is projected to all rows. */
  readonly perRowRows?: number;
}

export interface RunNumbers {
  readonly rows: number;
  readonly durationMs: number;
  /** Comprehend requests the call log saw for the run's connection. */
  readonly requests: number;
  /** Documents in those requests. */
  readonly documents: number;
  readonly rowsPerSec: number;
  readonly requestP50Ms: number;
  /** The pg backend pid of the run's connection (the call log's connection id). */
  readonly connectionId: number;
  readonly startedAt: string;
  readonly endedAt: string;
}

export interface NightlyBatchNumbers {
  readonly rows: number;
  readonly latency: { readonly perRequestMs: number; readonly perDocumentMs: number };
  readonly batched: RunNumbers;
  readonly perRow: RunNumbers;
  /** The one-per-row run's time for all rows (measured on perRow.rows). */
  readonly perRowProjectedMs: number;
  /** One request at a time, one row each (the seed's ~17 minutes): rows × the per-row request's p50. */
  readonly oneAtATimeProjectedMs: number;
  /** perRowProjectedMs / batched.durationMs. */
  readonly speedup: number;
  /** Rows per label after the runs. */
  readonly labels: Readonly<Record<string, number>>;
  /** Where the progress bars read progress from. */
  readonly progressFrom: 'statements' | 'call log';
}

const SCHEMA = 'aurora_ml_demo_nightly_batch';
const POLL_MS = 250;

async function createTickets(client: pg.Client, rows: number): Promise<void> {
  await client.query(`CREATE TABLE ${SCHEMA}.tickets (id int PRIMARY KEY, message text NOT NULL, sentiment text)`);
  await client.query(
    `INSERT INTO ${SCHEMA}.tickets (id, message)
     SELECT g, 'Ticket ' || g || ': ' || ($1::text[])[1 + (g * 7) % $2] FROM generate_series(1, $3) g`,
    [TICKET_MESSAGES, TICKET_MESSAGES.length, rows],
  );
}

/**
 * Rows evaluated so far by the statement running on `connectionId`: from the
 * statement view's batches when the emulator has it, else from the call log.
 */
async function rowsEvaluated(
  api: EmulatorApi,
  connectionId: number,
  since: string,
  totalRows: number,
): Promise<{ rows: number; from: 'statements' | 'call log' } | undefined> {
  const running = await api.runningStatements().catch(() => undefined);
  if (running !== undefined) {
    const mine = running.find((s) => s.connectionId === connectionId);
    if (mine?.batchesKnown !== undefined && mine.batchesKnown > 0 && mine.batchesDone !== undefined) {
      return { rows: Math.round((mine.batchesDone / mine.batchesKnown) * totalRows), from: 'statements' };
    }
  }
  const calls = await api.calls({ service: 'comprehend', connection: connectionId, since }).catch(() => undefined);
  if (calls === undefined) return undefined;
  return { rows: calls.reduce((n, c) => n + (c.outcome === 'ok' ? c.batchSize : 0), 0), from: 'call log' };
}

async function labelRun(
  ctx: DemoContext,
  narrator: Narrator,
  label: string,
  sql: string,
  rows: number,
  progressFrom: { value: 'statements' | 'call log' },
): Promise<RunNumbers> {
  const client = new pg.Client(clientConfig(ctx.pgUrl));
  await client.connect();
  client.on('error', () => {});
  try {
    const pid = ((await client.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
    // The call log keeps milliseconds: start the window a moment early rather than miss the first request.
    const startedAt = new Date(Date.now() - 1).toISOString();
    const bar = narrator.progress(label, rows);
    const start = performance.now();
    let finished = false;
    const update = client.query(sql).finally(() => {
      finished = true;
    });
    while (!finished) {
      await Promise.race([update.catch(() => {}), sleep(POLL_MS)]);
      if (finished) break;
      const seen = await rowsEvaluated(ctx.api, pid, startedAt, rows);
      if (seen !== undefined) {
        progressFrom.value = seen.from;
        bar.update(seen.rows, `${formatMs(performance.now() - start)} (from the ${seen.from})`);
      }
    }
    const result = await update;
    const durationMs = performance.now() - start;
    const endedAt = new Date(Date.now() + 1).toISOString();
    const calls = await ctx.api.calls({ service: 'comprehend', connection: pid, since: startedAt });
    const numbers: RunNumbers = {
      rows: result.rowCount ?? 0,
      durationMs: round2(durationMs),
      requests: calls.length,
      documents: calls.reduce((n, c) => n + c.batchSize, 0),
      rowsPerSec: round2(((result.rowCount ?? 0) * 1000) / durationMs),
      requestP50Ms: round2(
        percentile(
          calls.map((c) => c.durationMs),
          50,
        ),
      ),
      connectionId: pid,
      startedAt,
      endedAt,
    };
    bar.finish(
      `${formatCount(numbers.rows)} rows in ${formatMs(durationMs)}: ${formatCount(numbers.requests)} Comprehend requests, ` +
        `${formatCount(numbers.rowsPerSec)} rows/s`,
    );
    return numbers;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function runNightlyBatch(
  ctx: DemoContext,
  options: NightlyBatchOptions = {},
): Promise<DemoOutcome<NightlyBatchNumbers>> {
  const { narrator, api } = ctx;
  const rows = options.rows ?? 50_000;
  const perRowRows = Math.min(rows, options.perRowRows ?? 5_000);
  if (!(Number.isInteger(rows) && rows > 0)) throw new RangeError(`rows must be a whole number above 0, got ${rows}`);
  if (!(Number.isInteger(perRowRows) && perRowRows > 0)) throw new RangeError(`perRowRows must be a whole number above 0`);
  const latency = { perRequestMs: scaled(ctx, 20), perDocumentMs: round2(2 * ctx.scale) };

  narrator.heading(`nightly-batch: the ${formatCount(rows)}-row sentiment UPDATE, batched and one row at a time`);
  const schema = await openDemoSchema(ctx.pgUrl, SCHEMA);
  let restoreTuning: (() => Promise<void>) | undefined;
  try {
    await createTickets(schema.client, rows);
    const tuning = { latency: { kind: 'fixed' as const, ms: latency.perRequestMs, perItemMs: latency.perDocumentMs } };
    restoreTuning = await api.tuneTargets('comprehend', { BatchDetectSentiment: tuning, DetectSentiment: tuning });
    narrator.line(
      `${formatCount(rows)} support tickets. Comprehend answers in ${formatMs(latency.perRequestMs)} per request ` +
        `+ ${formatMs(latency.perDocumentMs)} per document (the seed's ~20 ms a call).`,
    );
    const progressFrom = { value: 'call log' as 'statements' | 'call log' };

    narrator.line("Aurora's batching: requests of 25 documents, 4 in flight.");
    const batched = await labelRun(
      ctx,
      narrator,
      '  batched     ',
      `UPDATE ${SCHEMA}.tickets SET sentiment = (aws_comprehend.detect_sentiment(message, 'en')).sentiment WHERE sentiment IS NULL`,
      rows,
      progressFrom,
    );

    narrator.line(
      `One document per request (max_rows_per_batch => 1), on ${formatCount(perRowRows)} of the rows` +
        `${perRowRows < rows ? ', projected to all of them' : ''}.`,
    );
    await schema.client.query(`UPDATE ${SCHEMA}.tickets SET sentiment = NULL WHERE id <= $1`, [perRowRows]);
    const perRow = await labelRun(
      ctx,
      narrator,
      '  one per row ',
      `UPDATE ${SCHEMA}.tickets SET sentiment = (aws_comprehend.detect_sentiment(message, 'en', 1)).sentiment WHERE sentiment IS NULL`,
      perRowRows,
      progressFrom,
    );

    const labelRows = await schema.client.query(
      `SELECT coalesce(sentiment, 'unlabelled') AS label, count(*)::int AS n FROM ${SCHEMA}.tickets GROUP BY 1 ORDER BY 1`,
    );
    const labels = Object.fromEntries((labelRows.rows as { label: string; n: number }[]).map((r) => [r.label, r.n]));
    const perRowProjectedMs = round2((perRow.durationMs * rows) / Math.max(1, perRow.rows));
    const numbers: NightlyBatchNumbers = {
      rows,
      latency,
      batched,
      perRow,
      perRowProjectedMs,
      oneAtATimeProjectedMs: round2(rows * perRow.requestP50Ms),
      speedup: round2(perRowProjectedMs / Math.max(1, batched.durationMs)),
      labels,
      progressFrom: progressFrom.value,
    };
    narrator.line(
      `labels: ${Object.entries(labels)
        .map(([k, v]) => `${k} ${formatCount(v)}`)
        .join(', ')}`,
    );
    narrator.highlight(
      `Batched: ${formatMs(batched.durationMs)} in ${formatCount(batched.requests)} requests. One per row: ` +
        `${formatMs(perRowProjectedMs)} for all ${formatCount(rows)} rows in ${formatCount(rows)} requests (${numbers.speedup}x slower).`,
    );
    narrator.note(
      `One request at a time, as a loop in the app would: ${formatMs(numbers.oneAtATimeProjectedMs)} (the seed's night: ~17 minutes).`,
    );
    return { numbers, chart: chartOf(numbers, ctx.scale) };
  } finally {
    await restoreTuning?.().catch(() => {});
    await schema.close(ctx.keep);
  }
}

function chartOf(n: NightlyBatchNumbers, scale: number): Chart {
  const projected = n.perRow.rows < n.rows;
  return {
    title: `nightly-batch: ${formatCount(n.rows)}-row sentiment UPDATE`,
    subtitle:
      `Comprehend ${formatMs(n.latency.perRequestMs)} per request + ${formatMs(n.latency.perDocumentMs)} per document` +
      (scale === 1 ? '' : ` (time scale ${scale})`),
    panels: [
      {
        title: `time for ${formatCount(n.rows)} rows`,
        bars: [
          { label: 'batched (25, 4 in flight)', value: n.batched.durationMs, text: formatMs(n.batched.durationMs), tone: 'good' },
          {
            label: projected ? 'one per row (projected)' : 'one per row',
            value: n.perRowProjectedMs,
            text: formatMs(n.perRowProjectedMs),
            tone: 'bad',
          },
        ],
      },
      {
        title: 'Comprehend requests',
        bars: [
          { label: 'batched', value: n.batched.requests, text: formatCount(n.batched.requests), tone: 'good' },
          {
            label: `one per row (${formatCount(n.perRow.rows)} rows)`,
            value: n.perRow.requests,
            text: formatCount(n.perRow.requests),
            tone: 'bad',
          },
        ],
      },
      {
        title: 'rows per second',
        bars: [
          { label: 'batched', value: n.batched.rowsPerSec, text: formatCount(n.batched.rowsPerSec), tone: 'good' },
          { label: 'one per row', value: n.perRow.rowsPerSec, text: formatCount(n.perRow.rowsPerSec), tone: 'bad' },
        ],
      },
    ],
    notes: [
      `Batched is ${n.speedup}x faster. One request at a time (an app-side loop): ${formatMs(n.oneAtATimeProjectedMs)} for all rows.`,
      `Labels: ${Object.entries(n.labels)
        .map(([k, v]) => `${k} ${formatCount(v)}`)
        .join(', ')}. Progress read from the ${n.progressFrom}.`,
    ],
  };
}
