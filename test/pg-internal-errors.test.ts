/**
 * The PostgreSQL front's contract when the statement handler throws
 * unexpectedly (a bug, an internal error): the session, not the handler,
 * restores protocol state. A simple Query gets ErrorResponse (XX000) then
 * ReadyForQuery with the upstream's real status; an extended-protocol batch
 * gets ErrorResponse, the client's messages are discarded until its Sync,
 * and the Sync gets ReadyForQuery. The upstream is left as PostgreSQL leaves
 * a failed statement, and the connection keeps working.
 *
 * No input makes the real Aurora handler throw today, so the front runs with
 * a real handler object of its own whose ML statements fail after doing real
 * work upstream (opening a transaction block, inserting a row), in front of
 * the real PostgreSQL.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrontendCode } from '../src/wire/pg/codes.ts';
import { serialize } from '../src/wire/pg/serializer.ts';
import { type PgFront, startPgFront } from '../src/wire/pg/server.ts';
import type { ControlledUpstream, ExtendedStep, StatementHandler } from '../src/wire/pg/statement-handler.ts';
import { UPSTREAM } from './helpers/emulator.ts';
import { type BackendMessage, dataRow, errorFields, RawPgConnection, wire } from './helpers/pg-raw.ts';

const silent = pino({ level: 'silent' });
const TABLE = `aurora_ml_internal_errors_${process.pid}`;
/** Statements with this word are the handler's; the handler fails on them. */
const FAILING = 'handler_fails_here';

/**
 * Opens a transaction block of its own and inserts a row (as the ML loop
 * opens blocks and fills its cache), then fails with a plain Error, as a bug
 * would. Everything else is relayed by the session.
 */
class FailingHandler implements StatementHandler {
  wantsQuery(sql: string): boolean {
    return sql.includes(FAILING);
  }

  prepare(sql: string) {
    return sql.includes(FAILING) ? { sql: 'SELECT 1', handled: true } : null;
  }

  async onSessionReady(): Promise<void> {}

  onSessionEnd(): void {}

  async runQuery(_sql: string, up: ControlledUpstream): Promise<void> {
    await this.workThenFail(up);
  }

  async runExtended(steps: readonly ExtendedStep[], up: ControlledUpstream): Promise<boolean> {
    if (steps.some((s) => s.kind === 'execute-handled')) await this.workThenFail(up);
    // Only relayed messages ending in Sync reach here otherwise (the session's recovery pipeline).
    const syncs = steps.filter((s) => s.kind === 'relay' && s.code === FrontendCode.Sync).length;
    const frames = await up.send(
      steps.map((s) => s.raw),
      syncs,
    );
    up.toClient(Buffer.concat(frames.map((f) => f.raw)));
    return false;
  }

  async interruptHold(): Promise<'run' | 'discard'> {
    return 'run';
  }

  private async workThenFail(up: ControlledUpstream): Promise<never> {
    if (up.status === 'I') await up.send([serialize.query('BEGIN')]);
    await up.send([serialize.query(`INSERT INTO ${TABLE} VALUES ('left by the failed statement')`)]);
    throw new TypeError("Cannot read properties of undefined (reading 'rows')");
  }
}

let front: PgFront;
let admin: pg.Client;

beforeAll(async () => {
  const url = new URL(UPSTREAM);
  admin = new pg.Client({ connectionString: UPSTREAM });
  await admin.connect();
  await admin.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (note text)`);
  front = await startPgFront({
    host: '127.0.0.1',
    port: 0,
    upstream: { host: url.hostname, port: Number(url.port || 5432) },
    handler: new FailingHandler(),
    log: silent,
  });
});

afterAll(async () => {
  await front?.close();
  await admin?.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await admin?.end();
});

async function openRaw(): Promise<RawPgConnection> {
  const url = new URL(UPSTREAM);
  const raw = await RawPgConnection.open(front.port);
  raw.send(wire.startup({ user: decodeURIComponent(url.username || 'postgres'), database: url.pathname.slice(1) || 'postgres' }));
  await raw.waitForReady(1);
  raw.take();
  return raw;
}

/** Sends `bytes` and returns everything up to the `n`-th ReadyForQuery after it. */
async function roundTrip(raw: RawPgConnection, bytes: Buffer, n = 1): Promise<BackendMessage[]> {
  raw.send(bytes);
  await raw.waitForReady(n);
  return raw.take();
}

const codes = (messages: readonly BackendMessage[]): string => messages.map((m) => m.code).join('');
const status = (messages: readonly BackendMessage[]): string => (messages.at(-1) as BackendMessage).payload.toString('latin1');

function expectInternalError(message: BackendMessage | undefined): void {
  expect(message?.code).toBe('E');
  const fields = errorFields(message?.payload ?? Buffer.alloc(0));
  expect(fields.get('S')).toBe('ERROR');
  expect(fields.get('C')).toBe('XX000');
  expect(fields.get('M')).toMatch(/failed internally; the statement did not complete/);
}

async function expectWorking(raw: RawPgConnection): Promise<void> {
  const answer = await roundTrip(raw, wire.query('SELECT 1'));
  expect(codes(answer)).toBe('TDCZ');
  expect(dataRow((answer[1] as BackendMessage).payload)).toEqual(['1']);
  expect(status(answer)).toBe('I');
}

async function rowsLeft(): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLE}`);
  return Number(rows[0]?.n);
}

describe('a statement handler that throws', () => {
  it('answers a simple Query with ErrorResponse then ReadyForQuery, rolls back what it opened, and the connection goes on', async () => {
    const raw = await openRaw();
    try {
      const answer = await roundTrip(raw, wire.query(`SELECT ${FAILING}()`));
      expect(codes(answer)).toBe('EZ');
      expectInternalError(answer[0]);
      expect(status(answer)).toBe('I');
      expect(await rowsLeft()).toBe(0);
      await expectWorking(raw);
    } finally {
      raw.close();
    }
  });

  it("aborts the client's own transaction block, as any failed statement does", async () => {
    const raw = await openRaw();
    try {
      expect(status(await roundTrip(raw, wire.query('BEGIN')))).toBe('T');
      const answer = await roundTrip(raw, wire.query(`SELECT ${FAILING}()`));
      expect(codes(answer)).toBe('EZ');
      expectInternalError(answer[0]);
      expect(status(answer)).toBe('E');
      const refused = await roundTrip(raw, wire.query('SELECT 1'));
      expect(errorFields((refused[0] as BackendMessage).payload).get('C')).toBe('25P02');
      expect(status(await roundTrip(raw, wire.query('ROLLBACK')))).toBe('I');
      expect(await rowsLeft()).toBe(0);
      await expectWorking(raw);
    } finally {
      raw.close();
    }
  });

  it('answers an extended batch with ErrorResponse, skips the rest until Sync, answers the Sync, and goes on', async () => {
    const raw = await openRaw();
    try {
      const answer = await roundTrip(
        raw,
        Buffer.concat([
          wire.parse('', `SELECT ${FAILING}()`),
          wire.bind('', '', []),
          wire.execute(''),
          wire.parse('', 'SELECT 2'),
          wire.bind('', '', []),
          wire.execute(''),
          wire.sync(),
        ]),
      );
      // Parse and Bind of the handled statement are the session's to answer; nothing of SELECT 2.
      expect(answer.filter((m) => m.code === 'E')).toHaveLength(1);
      expectInternalError(answer.find((m) => m.code === 'E'));
      expect(answer.some((m) => m.code === 'D')).toBe(false);
      expect(codes(answer).endsWith('EZ')).toBe(true);
      expect(status(answer)).toBe('I');
      expect(await rowsLeft()).toBe(0);
      await expectWorking(raw);
    } finally {
      raw.close();
    }
  });

  it('after a batch ending in Flush, discards the messages that follow until the Sync and answers it with ReadyForQuery', async () => {
    const raw = await openRaw();
    try {
      raw.send(Buffer.concat([wire.parse('', `SELECT ${FAILING}()`), wire.bind('', '', []), wire.execute(''), wire.flush()]));
      expect(await raw.waitUntil(() => raw.messages().some((m) => m.code === 'E'))).toBe(true);
      const failed = raw.take();
      expect(failed.some((m) => m.code === 'Z')).toBe(false);
      expectInternalError(failed.find((m) => m.code === 'E'));
      // Skipped, as PostgreSQL skips a failed pipeline: no answer until the Sync.
      const rest = await roundTrip(
        raw,
        Buffer.concat([wire.parse('', 'SELECT 2'), wire.bind('', '', []), wire.execute(''), wire.query('SELECT 3'), wire.sync()]),
      );
      expect(codes(rest)).toBe('Z');
      expect(status(rest)).toBe('I');
      expect(await rowsLeft()).toBe(0);
      await expectWorking(raw);
    } finally {
      raw.close();
    }
  });

  it('gives a driver an XX000 error and the same connection keeps answering', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: front.port, user: new URL(UPSTREAM).username || 'postgres' });
    await client.connect();
    try {
      await expect(client.query(`SELECT ${FAILING}()`)).rejects.toMatchObject({ code: 'XX000' });
      // pg sends parameterised queries with Parse/Bind/Execute/Sync.
      await expect(client.query(`SELECT ${FAILING}($1::int)`, [1])).rejects.toMatchObject({ code: 'XX000' });
      const { rows } = await client.query<{ n: number }>('SELECT $1::int AS n', [7]);
      expect(rows).toEqual([{ n: 7 }]);
    } finally {
      await client.end();
    }
  });
});
