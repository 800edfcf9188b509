/**
 * Small client-side tools the PostgreSQL wire tests share: the backend key pg
 * keeps, a CancelRequest sent as libpq sends it, an error's SQLSTATE, and
 * waiting with a deadline.
 */
import pg from 'pg';
import { RawPgConnection, wire } from './pg-raw.ts';

/** pg keeps the backend key on the client object without declaring it. */
export function backendKey(client: pg.Client): { processId: number; secretKey: number } {
  const c = client as unknown as { processID: number | null; secretKey: number | null };
  if (c.processID === null || c.secretKey === null) throw new Error('pg client has no backend key yet');
  return { processId: c.processID, secretKey: c.secretKey };
}

/** Sends a CancelRequest on a fresh connection, as libpq does. */
export async function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const raw = await RawPgConnection.open(port);
  raw.send(wire.cancelRequest(processId, secretKey));
  // The server closes the connection without answering.
  await raw.waitClosed(3000);
  raw.close();
}

export function sqlstate(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export async function pgError(run: () => Promise<unknown>): Promise<Error & { code?: string; severity?: string }> {
  try {
    await run();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`non-Error thrown: ${String(err)}`);
  }
  throw new Error('expected an error, got success');
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export async function selectOne(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>('SELECT 1 AS n');
    return rows[0]?.n ?? -1;
  } finally {
    await c.end();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
