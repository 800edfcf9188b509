/**
 * The MySQL front in front of a MariaDB with binary logging on (a private
 * server: the machine's MariaDB runs without it). Without
 * log_bin_trust_function_creators the stubs cannot be installed: ML
 * statements get UpstreamSetupFailed, other statements pass. With it, the
 * emulator switches a MIXED or STATEMENT session to ROW on its first ML
 * statement, so the discover runs are not logged statement by statement
 * (checked against a discover run done by hand in MIXED format).
 */
import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISS_COUNTER, MISS_TABLE, MODE_VARIABLE, SESSION_TABLES } from '../src/aurora/mysql/session-objects.ts';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { startEmulator } from '../src/index.ts';
import { UPSTREAM } from './helpers/emulator.ts';
import { type PrivateMariadb, startPrivateMariadb } from './helpers/private-mariadb.ts';

const ROWS = 200;
const UPDATE = `UPDATE t SET s = aws_comprehend_detect_sentiment(m, 'en')`;
const messageFor = (id: number) =>
  `Ticket ${id}: ${id % 2 === 0 ? 'I love the new dashboard' : 'the app crashes every time I log in'}`;

let server: PrivateMariadb;
/** Straight to the private server, never through the emulator. */
let admin: mysql.Connection;

beforeAll(async () => {
  server = await startPrivateMariadb([
    '--log-bin=mysql-bin',
    '--binlog-format=MIXED',
    '--server-id=1',
    '--log-bin-trust-function-creators=0',
  ]);
  admin = await mysql.createConnection(server.url);
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

interface BinlogEvent {
  readonly Event_type: string;
  readonly Info: string;
}

/** Starts a new binary log file: the events read later are the test's own. */
async function freshBinlog(): Promise<void> {
  await admin.query('FLUSH BINARY LOGS');
}

async function binlogEvents(): Promise<BinlogEvent[]> {
  const [status] = await admin.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  const file = String(status[0]?.File);
  const [events] = await admin.query<mysql.RowDataPacket[]>(`SHOW BINLOG EVENTS IN '${file}'`);
  return events.map((e) => ({ Event_type: String(e.Event_type), Info: String(e.Info) }));
}

/** The engine the control below gives the miss table (the emulator's is InnoDB). */
const MISS_TABLE_BY_HAND = 'ENGINE=MyISAM';

/** The client's UPDATE logged as a statement (a replica would run the stubs). */
const updateStatements = (events: readonly BinlogEvent[]) =>
  events.filter((e) => e.Event_type === 'Query' && /UPDATE t SET/i.test(e.Info));
/** Rows written to or deleted from the miss table by statements in the log. */
const missTableStatements = (events: readonly BinlogEvent[]) =>
  events.filter((e) => /\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+[`\w.]*aurora_ml_miss\b/i.test(e.Info) && !isStubDefinition(e));
/** The install's CREATE FUNCTION statements name the miss table in their bodies. */
const isStubDefinition = (e: BinlogEvent) => e.Event_type === 'Query' && /\bFUNCTION\s+`aurora_ml`\./i.test(e.Info);
/** The session's temporary tables (their CREATE, their DROP when the session ends). */
const sessionTableStatements = (events: readonly BinlogEvent[]) =>
  events.filter((e) => /aurora_ml_(miss|cache)\b/.test(e.Info) && !isStubDefinition(e));

/** One emulator in front of the private server, with one client connection. */
async function withEmulator(body: (conn: mysql.Connection) => Promise<void>): Promise<void> {
  const emu = await startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: UPSTREAM,
    mysqlListen: '127.0.0.1:0',
    mysqlUpstream: server.url,
    logger: pino({ level: 'silent' }),
  });
  try {
    const conn = await mysql.createConnection(emu.mysql?.url ?? '');
    try {
      await body(conn);
    } finally {
      await conn.end();
    }
  } finally {
    await emu.close();
  }
}

async function createTickets(conn: mysql.Connection): Promise<void> {
  await conn.query('DROP TABLE IF EXISTS t');
  await conn.query('CREATE TABLE t (id INT PRIMARY KEY, m TEXT, s VARCHAR(16)) ENGINE=InnoDB');
  const values = Array.from({ length: ROWS }, (_, i) => [i + 1, messageFor(i + 1)]);
  await conn.query('INSERT INTO t (id, m) VALUES ?', [values]);
}

async function expectLabels(conn: mysql.Connection): Promise<void> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT id, s FROM t ORDER BY id');
  const want = Array.from({ length: ROWS }, (_, i) => ({
    id: i + 1,
    s: analyzeSentiment(messageFor(i + 1), 'en').sentiment,
  }));
  expect(new Set(want.map((r) => r.s)).size).toBeGreaterThan(1);
  expect(rows.map((r) => ({ id: r.id, s: r.s }))).toEqual(want);
}

async function sessionFormat(conn: mysql.Connection): Promise<string> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@session.binlog_format AS f');
  return String(rows[0]?.f);
}

/** An ML call on a session in `format` works and leaves the session in ROW format; then the 200-row UPDATE. */
async function callsSwitchToRow(conn: mysql.Connection, format: string): Promise<void> {
  expect(await sessionFormat(conn)).toBe(format);
  const [one] = await conn.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('I love it','en') AS s`);
  expect(one).toEqual([{ s: 'POSITIVE' }]);
  expect(await sessionFormat(conn)).toBe('ROW');
  await createTickets(conn);
  const [ok] = await conn.query<mysql.ResultSetHeader>(UPDATE);
  expect(ok.affectedRows).toBe(ROWS);
  await expectLabels(conn);
}

describe('MySQL front, upstream with binary logging on', () => {
  it('log_bin_trust_function_creators=0: ML statements get UpstreamSetupFailed (1815, HY000), other statements pass', async () => {
    await admin.query('SET GLOBAL log_bin_trust_function_creators = 0');
    await admin.query('DROP DATABASE IF EXISTS aurora_ml');
    await withEmulator(async (conn) => {
      const call = `SELECT aws_comprehend_detect_sentiment('I love it','en')`;
      const failure = { errno: 1815, sqlState: 'HY000', message: expect.stringContaining('could not install') };
      await expect(conn.query(call)).rejects.toMatchObject(failure);
      // The server's own reason (1418) is in the message.
      await expect(conn.query(call)).rejects.toThrow(/binary logging is enabled/);
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      // The install is tried again by the next ML statement, and fails the same way.
      await expect(conn.query(call)).rejects.toMatchObject(failure);
      const [again] = await conn.query<mysql.RowDataPacket[]>('SELECT 2 AS two');
      expect(again).toEqual([{ two: 2 }]);
    });
    const [routines] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'aurora_ml'`,
    );
    expect(Number(routines[0]?.n)).toBe(0);
  });

  it('MIXED, trust=1: the calls work, the session switches to ROW, the discover runs are not logged as statements', async () => {
    await admin.query('SET GLOBAL log_bin_trust_function_creators = 1');
    await admin.query(`SET GLOBAL binlog_format = 'MIXED'`);
    await freshBinlog();
    await withEmulator((conn) => callsSwitchToRow(conn, 'MIXED'));
    const events = await binlogEvents();
    // The UPDATE reached the log as row events on test.t, committed once.
    expect(events.some((e) => e.Event_type === 'Table_map' && e.Info.includes('(test.t)'))).toBe(true);
    expect(events.some((e) => e.Event_type.startsWith('Update_rows'))).toBe(true);
    expect(updateStatements(events)).toEqual([]);
    expect(missTableStatements(events)).toEqual([]);

    // Control: the same discover run by hand in a MIXED session, with the miss table non-transactional
    // (MyISAM, as the emulator once had it), is logged statement by statement: the checks above would see it.
    await freshBinlog();
    await admin.query(`SET SESSION binlog_format = 'MIXED'`);
    for (const s of SESSION_TABLES) {
      await admin.query(s.includes(MISS_TABLE) ? s.replace(/ENGINE=InnoDB$/, MISS_TABLE_BY_HAND) : s);
    }
    await admin.query(`SET ${MODE_VARIABLE} = 1, ${MISS_COUNTER} = 0`);
    await admin.query('START TRANSACTION');
    await admin.query('SAVEPOINT discover');
    await admin.query(`UPDATE t SET s = aurora_ml.aws_comprehend_detect_sentiment(m, 'en')`);
    await admin.query('ROLLBACK TO SAVEPOINT discover');
    await admin.query(`DELETE FROM ${MISS_TABLE}`);
    await admin.query('COMMIT');
    await admin.query(`DROP TEMPORARY TABLE IF EXISTS ${MISS_TABLE}, aurora_ml.aurora_ml_cache`);
    await admin.query(`SET ${MODE_VARIABLE} = NULL`);
    const control = await binlogEvents();
    expect(updateStatements(control)).toHaveLength(1);
    expect(missTableStatements(control).length).toBeGreaterThan(0);
  });

  it('STATEMENT, trust=1: the session switches to ROW and the calls work', async () => {
    await admin.query('SET GLOBAL log_bin_trust_function_creators = 1');
    await admin.query(`SET GLOBAL binlog_format = 'STATEMENT'`);
    try {
      await freshBinlog();
      await withEmulator((conn) => callsSwitchToRow(conn, 'STATEMENT'));
      const events = await binlogEvents();
      expect(events.some((e) => e.Event_type.startsWith('Update_rows'))).toBe(true);
      expect(updateStatements(events)).toEqual([]);
      expect(missTableStatements(events)).toEqual([]);
    } finally {
      await admin.query(`SET GLOBAL binlog_format = 'MIXED'`);
    }
  });

  it('a MIXED session switched to ROW: its temporary tables are not in the log either', async () => {
    // Expected: the switch to ROW comes before the session's CREATE TEMPORARY
    // TABLEs, so the log holds neither them nor the DROP at disconnect
    // (MySQL 8 refuses to switch the format of a session with open temporary tables).
    await admin.query('SET GLOBAL log_bin_trust_function_creators = 1');
    await admin.query(`SET GLOBAL binlog_format = 'MIXED'`);
    await withEmulator(async (conn) => {
      await conn.query('SELECT 1'); // installs the stubs before the log starts
      await freshBinlog();
      const [one] = await conn.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('I love it','en') AS s`);
      expect(one).toEqual([{ s: 'POSITIVE' }]);
    });
    expect(sessionTableStatements(await binlogEvents())).toEqual([]);
  });
});
