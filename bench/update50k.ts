/**
 * The nightly job: UPDATE every unscored ticket with the built-in sentiment,
 * through the emulator, timed end to end from the client. The same UPDATE
 * with a plain expression straight to PostgreSQL is the reference.
 */
import pg from 'pg';
import { generateTickets } from './tickets.ts';
import { elapsedMs } from './util.ts';

export const ML_UPDATE =
  "UPDATE tickets SET sentiment = (aws_comprehend.detect_sentiment(message, 'en')).sentiment WHERE sentiment IS NULL";
export const PLAIN_UPDATE = 'UPDATE tickets SET sentiment = left(message, 3) WHERE sentiment IS NULL';

export interface Update50kOptions {
  readonly directUrl: string;
  readonly emulatorUrl: string;
  readonly rows: number;
}

export interface Update50kResult {
  readonly rows: number;
  readonly distinctMessages: number;
  readonly averageChars: number;
  /** Rows the ML UPDATE reported as updated. */
  readonly mlUpdated: number;
  readonly mlUpdateMs: number;
  readonly plainUpdateMs: number;
  /** Rows with a sentiment afterwards, and how they are distributed. */
  readonly scoredRows: number;
  readonly labels: Readonly<Record<string, number>>;
}

/** How many of the messages are distinct, and their average length. */
export function describeMessages(messages: readonly string[]): { distinctMessages: number; averageChars: number } {
  return {
    distinctMessages: new Set(messages).size,
    averageChars: messages.reduce((sum, m) => sum + m.length, 0) / messages.length,
  };
}

/** Rows per sentiment label (NULL: none) from a GROUP BY sentiment, and how many rows have one. */
export function tallyLabels(counts: readonly { sentiment: string | null; n: number | string }[]): {
  labels: Record<string, number>;
  scoredRows: number;
} {
  const labels: Record<string, number> = {};
  let scoredRows = 0;
  for (const row of counts) {
    const n = Number(row.n);
    labels[row.sentiment ?? 'NULL'] = n;
    if (row.sentiment !== null) scoredRows += n;
  }
  return { labels, scoredRows };
}

/** Runs `run` on a client connected to `url`, and ends it. */
export async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function runUpdate50k(options: Update50kOptions): Promise<Update50kResult> {
  const messages = generateTickets(options.rows);

  return withClient(options.directUrl, async (direct) => {
    await direct.query('DROP TABLE IF EXISTS tickets');
    await direct.query('CREATE TABLE tickets (id serial PRIMARY KEY, message text, sentiment varchar)');
    await direct.query('INSERT INTO tickets (message) SELECT m FROM unnest($1::text[]) AS m', [messages]);
    await direct.query('VACUUM ANALYZE tickets');

    // Reference: the same UPDATE shape with a plain expression, straight to PostgreSQL.
    let started = performance.now();
    const plain = await direct.query(PLAIN_UPDATE);
    const plainUpdateMs = elapsedMs(started);
    if (plain.rowCount !== options.rows)
      throw new Error(`plain UPDATE updated ${String(plain.rowCount)} rows, not ${options.rows}`);
    await direct.query('UPDATE tickets SET sentiment = NULL');
    await direct.query('VACUUM ANALYZE tickets');

    const { mlUpdated, mlUpdateMs } = await withClient(options.emulatorUrl, async (emu) => {
      await emu.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
      started = performance.now();
      const result = await emu.query(ML_UPDATE);
      return { mlUpdated: result.rowCount ?? 0, mlUpdateMs: elapsedMs(started) };
    });

    const counts = await direct.query<{ sentiment: string | null; n: string }>(
      'SELECT sentiment, count(*) AS n FROM tickets GROUP BY sentiment ORDER BY sentiment',
    );
    return {
      rows: options.rows,
      ...describeMessages(messages),
      mlUpdated,
      mlUpdateMs,
      plainUpdateMs,
      ...tallyLabels(counts.rows),
    };
  });
}
