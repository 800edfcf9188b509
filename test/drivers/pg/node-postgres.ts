/**
 * node-postgres flows: one parameterized query per text (Parse/Bind/Execute in
 * one Sync, unnamed statement), and pg-cursor, which binds a named portal and
 * reads it with row-limited Executes and Flush, with no Sync until the end.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { FETCH_ROWS, PARAM_SQL, tableSql, withDeadline } from './node-flows.ts';
import type { Flow, FlowOutput } from './programs.ts';
import type { SentimentRow } from './rows.ts';

const DEADLINE_MS = 20_000;

async function withClient(url: string, work: (client: pg.Client) => Promise<FlowOutput>): Promise<FlowOutput> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a dropped connection surfaces as the flow's own rejection
  await client.connect();
  try {
    return await withDeadline(DEADLINE_MS, () => client.end(), work(client));
  } finally {
    await client.end().catch(() => {});
  }
}

function parameterized(url: string, texts: readonly string[]): Promise<FlowOutput> {
  return withClient(url, async (client) => {
    const rows: SentimentRow[] = [];
    for (const text of texts) rows.push(...(await client.query<SentimentRow>(PARAM_SQL, [text])).rows);
    return { rows };
  });
}

async function readInChunks(client: pg.Client, table: string, size: number): Promise<FlowOutput> {
  const cursor = client.query(new Cursor<SentimentRow>(tableSql(table)));
  const rows: SentimentRow[] = [];
  const chunks: number[] = [];
  for (let batch = await cursor.read(size); batch.length > 0; batch = await cursor.read(size)) {
    chunks.push(batch.length);
    rows.push(...batch);
  }
  await cursor.close();
  return { rows, chunks };
}

/** Outside a transaction: the portal lives in the implicit transaction that lasts until pg-cursor's Sync. */
function cursorAutocommit(url: string, table: string, size: number): Promise<FlowOutput> {
  return withClient(url, (client) => readInChunks(client, table, size));
}

function cursorInTransaction(url: string, table: string, size: number): Promise<FlowOutput> {
  return withClient(url, async (client) => {
    await client.query('BEGIN');
    const out = await readInChunks(client, table, size);
    await client.query('COMMIT');
    return out;
  });
}

export const nodePostgresFlow: Flow = (url, flow, table, texts) => {
  switch (flow) {
    case 'parameterized':
      return parameterized(url, texts);
    case 'cursor-autocommit':
      return cursorAutocommit(url, table, FETCH_ROWS);
    case 'cursor-transaction':
      return cursorInTransaction(url, table, FETCH_ROWS);
  }
  throw new Error(`unknown node-postgres flow ${flow}`);
};
