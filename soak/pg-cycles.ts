/**
 * One connect/disconnect cycle on the PostgreSQL front, ended one of four
 * ways: Terminate, an abrupt close after login, an abrupt close in the middle
 * of an ML statement, or an abrupt close before login finished.
 */
import { RawPgConnection, wire } from '../test/helpers/pg-raw.ts';

export const PG_ENDINGS = ['terminate', 'destroy', 'mid-statement', 'mid-startup'] as const;
export type PgEnding = (typeof PG_ENDINGS)[number];

export async function pgCycle(port: number, database: string, ending: PgEnding, i: number): Promise<void> {
  const conn = await RawPgConnection.open(port);
  try {
    conn.send(wire.startup({ user: 'postgres', database }));
    if (ending === 'mid-startup') return;
    await conn.waitForReady(1, 0, 15_000);
    if (ending === 'terminate') {
      conn.send(wire.terminate());
      if (!(await conn.waitClosed(10_000))) throw new Error('Terminate did not close the connection');
    } else if (ending === 'mid-statement') {
      conn.send(wire.query(`SELECT * FROM aws_comprehend.detect_sentiment('cycle ${i} was great', 'en')`));
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    conn.close();
  }
}
