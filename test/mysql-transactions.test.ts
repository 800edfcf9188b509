/**
 * The ML loop's savepoint and settings against every transaction pattern a
 * MySQL client uses: autocommit off (the Python DB-API default) with COMMIT,
 * ROLLBACK and DDL, implicit commits, SET autocommit, START TRANSACTION READ
 * ONLY, LOCK TABLES, XA, savepoints of the client's own, and errors in the
 * middle. A scripted session runs twice, through the emulator and straight on
 * MariaDB over reference functions with the same answers, and every answer
 * (rows, affected rows, warnings, status flags, errors) must be the same;
 * after each ML statement nothing of the loop may be left in the session.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';
import { type Answer, CAP, RawMySql } from './helpers/mysql-raw.ts';
import { createReferenceDatabase, sentimentOf } from './helpers/mysql-reference.ts';
import { MYSQL_HOST, MYSQL_PORT } from './helpers/test-databases.ts';

const DB = `aml_tx_${process.pid}`;
const REF = `aml_tx_ref_${process.pid}`;

const TEXTS = [
  'I love this product, it is great',
  'This is awful and completely broken',
  'Thanks, the support team was wonderful',
  'I hate waiting, terrible service',
] as const;
const label = (t: string) => sentimentOf(t).sentiment;

let env: MysqlTestEmulator;
let emulatorUrl = '';
let port = 0;
let admin: mysql.Connection;

const ML_UPDATE = "UPDATE tickets SET s = aws_comprehend_detect_sentiment(message, 'en') WHERE id <= 2";
const ML_UPDATE_ALL = "UPDATE tickets SET s = aws_comprehend_detect_sentiment(message, 'en')";
const ML_SELECT = "SELECT id, aws_comprehend_detect_sentiment(message, 'en') AS s FROM tickets WHERE id IN (1, 2) ORDER BY id";
const STORED = 'SELECT id, s FROM tickets ORDER BY id';

async function resetTickets(database: string): Promise<void> {
  await admin.query(`DROP TABLE IF EXISTS ${database}.tickets, ${database}.other`);
  await admin.query(`CREATE TABLE ${database}.tickets (id INT PRIMARY KEY, message TEXT, s VARCHAR(16)) ENGINE=InnoDB`);
  await admin.query(`CREATE TABLE ${database}.other (id INT PRIMARY KEY) ENGINE=InnoDB`);
  for (const [i, t] of TEXTS.entries()) await admin.query(`INSERT INTO ${database}.tickets VALUES (?, ?, NULL)`, [i + 1, t]);
}

async function stored(database: string): Promise<(string | null)[]> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT s FROM ${database}.tickets ORDER BY id`);
  return rows.map((r) => r.s as string | null);
}

/** What two answers must agree on. */
const summary = (a: Answer) => ({
  kind: a.kind,
  affectedRows: a.affectedRows,
  warnings: a.warnings,
  status: a.status,
  errno: a.errno,
  sqlState: a.sqlState,
  rows: a.rows,
});

/** The loop's traces a session could see: its savepoint, its variables, autocommit. */
const LEFTOVERS = 'SELECT @@autocommit, @aurora_ml_mode, @aurora_ml_missed, @aurora_ml_spill';

/** Runs the script on a fresh connection (through the emulator or straight), answers in order. */
async function runScript(through: boolean, script: readonly string[]): Promise<ReturnType<typeof summary>[]> {
  const c = await RawMySql.connect({
    host: through ? '127.0.0.1' : MYSQL_HOST,
    port: through ? port : MYSQL_PORT,
    database: through ? DB : REF,
    capabilities: CAP.DEPRECATE_EOF,
  });
  const out: ReturnType<typeof summary>[] = [];
  try {
    for (const sql of script) out.push(summary(await c.query(sql)));
  } finally {
    c.close();
  }
  return out;
}

/** The script through the emulator and straight on MariaDB: identical, statement by statement. */
async function expectSameAsMariadb(script: readonly string[]): Promise<ReturnType<typeof summary>[]> {
  await resetTickets(DB);
  await resetTickets(REF);
  const viaEmulator = await runScript(true, script);
  const direct = await runScript(false, script);
  for (const [i, sql] of script.entries()) expect({ sql, ...viaEmulator[i] }).toEqual({ sql, ...direct[i] });
  expect(await stored(DB)).toEqual(await stored(REF));
  return viaEmulator;
}

beforeAll(async () => {
  env = await startMysqlTestEmulator({}, { name: DB, prepare: (direct) => createReferenceDatabase(direct, REF, TEXTS) });
  admin = env.admin;
  emulatorUrl = env.url;
  port = env.port;
});

afterAll(async () => {
  await env?.admin.query(`DROP DATABASE IF EXISTS ${REF}`);
  await env?.[Symbol.asyncDispose]();
});

describe('autocommit off (the Python DB-API default)', () => {
  it('ML statement, COMMIT, then DROP FUNCTION [IF EXISTS] of an ALIAS function: no SAVEPOINT error (issue repro)', async () => {
    const c = await mysql.createConnection(emulatorUrl);
    try {
      await c.query(
        "CREATE FUNCTION score(a INT, b INT) RETURNS DOUBLE ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'demo-score'",
      );
      await c.query('SET autocommit = 0');
      const [rows] = await c.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('${TEXTS[0]}', 'en') AS s`);
      expect(rows).toEqual([{ s: label(TEXTS[0]) }]);
      await c.query('COMMIT');
      const [dropped] = await c.query<mysql.ResultSetHeader>('DROP FUNCTION IF EXISTS score');
      expect(dropped.warningStatus).toBe(0);
      const [again] = await c.query<mysql.ResultSetHeader>('DROP FUNCTION IF EXISTS score');
      expect(again.warningStatus).toBe(1); // it is gone: MariaDB's note 1305
      const [left] = await c.query<mysql.RowDataPacket[]>(`SHOW FUNCTION STATUS WHERE Db = '${DB}' AND Name = 'score'`);
      expect(left).toEqual([]);
      const [state] = await c.query<mysql.RowDataPacket[]>(LEFTOVERS);
      expect(Object.values(state[0] ?? {})).toEqual([0, null, null, null]);
    } finally {
      await c.query('DROP FUNCTION IF EXISTS score');
      await c.end();
    }
  });

  it('ML UPDATE then ROLLBACK undoes it; then COMMIT keeps it, invisible to others until then', async () => {
    const script = [
      'SET autocommit = 0',
      ML_UPDATE,
      STORED,
      'ROLLBACK',
      STORED,
      ML_UPDATE_ALL,
      'COMMIT',
      STORED,
      'RELEASE SAVEPOINT aurora_ml_statement',
      LEFTOVERS,
    ];
    const answers = await expectSameAsMariadb(script);
    expect(answers[2]?.rows).toEqual([
      ['1', label(TEXTS[0])],
      ['2', label(TEXTS[1])],
      ['3', null],
      ['4', null],
    ]);
    expect(answers[4]?.rows.map((r) => r[1])).toEqual([null, null, null, null]);
    expect(answers[7]?.rows.map((r) => r[1])).toEqual(TEXTS.map(label));
    expect(answers[8]?.errno).toBe(1305); // no savepoint of the loop's is left
    expect(answers[9]?.rows).toEqual([['0', null, null, null]]);
    // Uncommitted work stays in the session that did it.
    const c = await mysql.createConnection(emulatorUrl);
    try {
      await c.query('SET autocommit = 0');
      await c.query("UPDATE tickets SET s = CONCAT('x', aws_comprehend_detect_sentiment(message, 'en')) WHERE id = 3");
      expect((await stored(DB))[2]).toBe(label(TEXTS[2]));
      await c.query('COMMIT');
      expect((await stored(DB))[2]).toBe(`x${label(TEXTS[2])}`);
    } finally {
      await c.end();
    }
  });

  it('DDL and SET autocommit = 1 commit implicitly after ML statements, as on MariaDB', async () => {
    await expectSameAsMariadb([
      'SET autocommit = 0',
      ML_UPDATE,
      'CREATE TABLE scratch (i INT) ENGINE=InnoDB',
      'ROLLBACK',
      STORED,
      'DROP TABLE scratch',
      "UPDATE tickets SET s = CONCAT(aws_comprehend_detect_sentiment(message, 'en'), '!') WHERE id = 3",
      'SET autocommit = 1',
      'ROLLBACK',
      STORED,
      LEFTOVERS,
    ]);
    expect((await stored(DB))[2]).toBe(`${label(TEXTS[2])}!`);
  });
});

describe('transactions in autocommit mode', () => {
  it("START TRANSACTION inside a transaction, the client's savepoints, ROLLBACK without a warning", async () => {
    const answers = await expectSameAsMariadb([
      'START TRANSACTION',
      ML_UPDATE,
      'START TRANSACTION',
      'ROLLBACK',
      STORED,
      'BEGIN',
      'SAVEPOINT mine',
      "UPDATE tickets SET s = 'before' WHERE id = 4",
      'SAVEPOINT later',
      ML_UPDATE_ALL,
      ML_SELECT,
      'ROLLBACK TO SAVEPOINT later',
      STORED,
      'ROLLBACK TO SAVEPOINT mine',
      'ROLLBACK',
      STORED,
      LEFTOVERS,
    ]);
    // ROLLBACK and ROLLBACK TO report no warning: the loop changed no non-transactional table.
    expect([answers[11]?.warnings, answers[13]?.warnings, answers[14]?.warnings]).toEqual([0, 0, 0]);
    expect(answers[4]?.rows.map((r) => r[1])).toEqual([label(TEXTS[0]), label(TEXTS[1]), null, null]);
    expect(answers[12]?.rows.map((r) => r[1])).toEqual([label(TEXTS[0]), label(TEXTS[1]), null, 'before']);
  });

  it('START TRANSACTION READ ONLY as the first statement of a session, then ML reads', async () => {
    const answers = await expectSameAsMariadb([
      'START TRANSACTION READ ONLY',
      ML_SELECT,
      ML_SELECT,
      "UPDATE tickets SET s = 'x'",
      'COMMIT',
      'SET SESSION TRANSACTION READ ONLY',
      'START TRANSACTION',
      ML_SELECT,
      'COMMIT',
      ML_SELECT,
      'SET SESSION TRANSACTION READ WRITE',
      LEFTOVERS,
    ]);
    expect(answers[1]?.rows).toEqual([
      ['1', label(TEXTS[0])],
      ['2', label(TEXTS[1])],
    ]);
    expect(answers[3]?.errno).toBe(1792);
  });

  it('a READ ONLY transaction ended by SET autocommit = 1 leaves the next statements as MariaDB leaves them', async () => {
    // MariaDB keeps READ ONLY for the next transaction when SET autocommit = 1 ends one; a COMMIT resets it.
    const answers = await expectSameAsMariadb([
      'SET autocommit = 0',
      'START TRANSACTION READ ONLY',
      'SET autocommit = 1',
      ML_SELECT,
      ML_UPDATE,
      'SET autocommit = 0',
      'START TRANSACTION READ ONLY',
      'SET autocommit = 1',
      "UPDATE tickets SET s = 'plain' WHERE id = 4",
      ML_UPDATE_ALL,
      STORED,
      LEFTOVERS,
    ]);
    expect(answers[4]).toMatchObject({ kind: 'ok', affectedRows: 2 });
    // Without a statement that commits in between, the next ones are still read-only, ML or not.
    expect([answers[8]?.errno, answers[9]?.errno]).toEqual([1792, 1792]);
    expect(answers[10]?.rows.map((r) => r[1])).toEqual([label(TEXTS[0]), label(TEXTS[1]), null, null]);
  });

  it('LOCK TABLES stays in force around ML statements (autocommit, not START TRANSACTION)', async () => {
    const answers = await expectSameAsMariadb([
      'LOCK TABLES tickets WRITE',
      ML_UPDATE,
      'SELECT COUNT(*) FROM other',
      ML_SELECT,
      'UNLOCK TABLES',
      'SELECT COUNT(*) FROM other',
      STORED,
      LEFTOVERS,
    ]);
    expect(answers[2]?.errno).toBe(1100); // still locked: "Table 'other' was not locked with LOCK TABLES"
    expect(answers[6]?.rows.map((r) => r[1])).toEqual([label(TEXTS[0]), label(TEXTS[1]), null, null]);
  });

  it('LOCK TABLES after an ML write: the session tables, last read by a stub, are written to again', async () => {
    // MariaDB refuses writes under LOCK TABLES to a temporary table a stored function last read (1099).
    const answers = await expectSameAsMariadb([
      "UPDATE tickets SET s = aws_comprehend_detect_sentiment(message, 'en') WHERE id = 4",
      'LOCK TABLES tickets WRITE, other READ',
      ML_UPDATE,
      ML_SELECT,
      'UNLOCK TABLES',
      STORED,
      LEFTOVERS,
    ]);
    expect(answers[2]).toMatchObject({ kind: 'ok', affectedRows: 2 });
    expect(answers[5]?.rows.map((r) => r[1])).toEqual([label(TEXTS[0]), label(TEXTS[1]), null, label(TEXTS[3])]);
  });

  it('XA: ML statements inside an ACTIVE branch work; in IDLE the server refuses them as it refuses any statement', async () => {
    const answers = await expectSameAsMariadb([
      `XA START 'aml${process.pid}'`,
      ML_UPDATE,
      ML_SELECT,
      `XA END 'aml${process.pid}'`,
      ML_SELECT,
      `XA ROLLBACK 'aml${process.pid}'`,
      STORED,
      LEFTOVERS,
    ]);
    expect(answers[2]?.rows.map((r) => r[1])).toEqual([label(TEXTS[0]), label(TEXTS[1])]);
    expect(answers[4]).toMatchObject({ kind: 'err', errno: 1399, sqlState: 'XAE07' });
    expect(answers[6]?.rows.map((r) => r[1])).toEqual([null, null, null, null]);
  });
});

describe('errors in the middle', () => {
  it('a failing ML statement inside a transaction undoes only itself; no savepoint of the loop is left', async () => {
    const c = await RawMySql.connect({ port, database: DB, capabilities: CAP.DEPRECATE_EOF });
    await resetTickets(DB);
    try {
      await c.query('BEGIN');
      await c.query(ML_UPDATE);
      await c.query('SAVEPOINT mine');
      const failed = await c.query("UPDATE tickets SET s = aws_comprehend_detect_sentiment(message, 'xx') WHERE id = 3");
      expect(failed).toMatchObject({ kind: 'err', errno: 1815, sqlState: 'HY000' });
      expect(failed.message).toContain('UnsupportedLanguage');
      expect((await c.query('RELEASE SAVEPOINT aurora_ml_statement')).errno).toBe(1305);
      expect((await c.query('ROLLBACK TO SAVEPOINT mine')).kind).toBe('ok');
      const commit = await c.query('COMMIT');
      expect(commit.status & 0x3).toBe(0x2);
      expect((await c.query(LEFTOVERS)).rows).toEqual([['1', null, null, null]]);
      expect(await stored(DB)).toEqual([label(TEXTS[0]), label(TEXTS[1]), null, null]);
    } finally {
      c.close();
    }
  });

  it('a statement that fails on a placeholder (a CHECK constraint) is run again with the real answers', async () => {
    const c = await mysql.createConnection(emulatorUrl);
    await resetTickets(DB);
    try {
      await c.query(
        "CREATE TABLE judged (id INT PRIMARY KEY, s VARCHAR(16) CHECK (s IN ('POSITIVE', 'NEGATIVE'))) ENGINE=InnoDB",
      );
      const wanted = TEXTS.map((t, i) => [i + 1, label(t)]).filter(([, s]) => s === 'POSITIVE' || s === 'NEGATIVE');
      expect(wanted.length).toBeGreaterThan(1);
      const ids = wanted.map(([id]) => id).join(', ');
      const insert = `INSERT INTO judged SELECT id, aws_comprehend_detect_sentiment(message, 'en') FROM tickets WHERE id IN (${ids})`;
      // In autocommit, then inside a transaction.
      const [done] = await c.query<mysql.ResultSetHeader>(insert);
      expect(done.affectedRows).toBe(wanted.length);
      await c.query('DELETE FROM judged');
      await c.query('BEGIN');
      await c.query(insert);
      await c.query('COMMIT');
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id, s FROM judged ORDER BY id');
      expect(rows.map((r) => [r.id, r.s])).toEqual(wanted);
      const [state] = await c.query<mysql.RowDataPacket[]>(LEFTOVERS);
      expect(Object.values(state[0] ?? {})).toEqual([1, null, null, null]);
    } finally {
      await c.query('DROP TABLE IF EXISTS judged');
      await c.end();
    }
  });
});
