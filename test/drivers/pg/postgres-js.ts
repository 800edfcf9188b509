/**
 * postgres.js flows. With `prepare: true` it parses a named statement once and
 * pipelines Bind/Execute/Sync per query; with `prepare: false` it parses the
 * unnamed statement (Parse/Describe/Sync) in one round trip and binds it in
 * the next. `.cursor(n)` reads a portal with row-limited Executes.
 */
import postgres from 'postgres';
import { FETCH_ROWS, PARAM_SQL, tableSql, withDeadline } from './node-flows.ts';
import type { Flow, FlowOutput } from './programs.ts';
import type { SentimentRow } from './rows.ts';

const DEADLINE_MS = 20_000;

async function withSql(url: string, prepare: boolean, work: (sql: postgres.Sql) => Promise<FlowOutput>): Promise<FlowOutput> {
  const sql = postgres(url, { max: 1, prepare, onnotice: () => {} });
  try {
    return await withDeadline(DEADLINE_MS, () => sql.end({ timeout: 0 }), work(sql));
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** `unsafe` defaults to the unnamed statement, so the connection's `prepare` setting is passed on explicitly. */
const query = (sql: postgres.Sql | postgres.TransactionSql, text: string, prepare: boolean) =>
  sql.unsafe<SentimentRow[]>(PARAM_SQL, [text], { prepare });

/** prepare: true, every query sent at once (one pipeline of Bind/Execute/Sync on a named statement). */
function preparedPipelined(url: string, texts: readonly string[]): Promise<FlowOutput> {
  return withSql(url, true, async (sql) => ({ rows: (await Promise.all(texts.map((t) => query(sql, t, true)))).flat() }));
}

/** prepare: false, one query at a time: each one's unnamed statement is bound a round trip after its Parse. */
function unpreparedSequential(url: string, texts: readonly string[]): Promise<FlowOutput> {
  return withSql(url, false, async (sql) => {
    const rows: SentimentRow[] = [];
    for (const text of texts) rows.push(...(await query(sql, text, false)));
    return { rows };
  });
}

function inBegin(url: string, texts: readonly string[]): Promise<FlowOutput> {
  return withSql(url, true, async (sql) => {
    const rows = await sql.begin(async (tx) => {
      const out: SentimentRow[] = [];
      for (const text of texts) out.push(...(await query(tx, text, true)));
      return out;
    });
    return { rows };
  });
}

function cursor(url: string, table: string, size: number): Promise<FlowOutput> {
  return withSql(url, true, async (sql) => {
    const rows: SentimentRow[] = [];
    const chunks: number[] = [];
    await sql.unsafe<SentimentRow[]>(tableSql(table), [], { prepare: true }).cursor(size, (batch) => {
      chunks.push(batch.length);
      rows.push(...batch);
    });
    return { rows, chunks };
  });
}

export const postgresJsFlow: Flow = (url, flow, table, texts) => {
  switch (flow) {
    case 'prepared-pipelined':
      return preparedPipelined(url, texts);
    case 'unprepared':
      return unpreparedSequential(url, texts);
    case 'begin':
      return inBegin(url, texts);
    case 'cursor':
      return cursor(url, table, FETCH_ROWS);
  }
  throw new Error(`unknown postgres.js flow ${flow}`);
};
