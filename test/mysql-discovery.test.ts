/**
 * Issue 11, finding 12, on the MySQL front: an expression that fails on the
 * placeholder a miss returns ('0' for a SageMaker answer, then 1 / 0 in an
 * UPDATE under strict sql_mode) stopped every run at its first unanswered
 * row, so each run found one call, and after 12 runs the statement failed
 * with a misleading "arguments kept changing" error. Misses now answer with
 * the statement's real answer for the same endpoint once it has one, so the
 * statement converges in at most three runs with the right result; and a
 * statement that fails for a reason of its own gets the server's own error.
 *
 * Each run is counted by the statement itself: a user variable assigned
 * when it reaches row 1 survives the loop's rollbacks and lives in the
 * upstream session this client's statements run in.
 */
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';

const DB = `aml_discovery_${process.pid}`;
const ROWS = 500;

let env: MysqlTestEmulator;
let admin: mysql.Connection;
let conn: mysql.Connection;

beforeAll(async () => {
  env = await startMysqlTestEmulator(
    {},
    {
      name: DB,
      prepare: async (direct) => {
        await direct.query(
          `CREATE TABLE ${DB}.t (a INT PRIMARY KEY, b VARCHAR(64), inv DOUBLE, u INT, seen INT, UNIQUE KEY uq (u)) ENGINE=InnoDB`,
        );
        const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'row ${i + 1}', NULL, NULL, NULL)`);
        await direct.query(`INSERT INTO ${DB}.t VALUES ${values.join(', ')}`);
        // Errors on a zero score, in a SELECT too (where 1 / 0 would only warn).
        await direct.query(`CREATE FUNCTION ${DB}.inverse(x DOUBLE) RETURNS DOUBLE DETERMINISTIC
    BEGIN
      IF x = 0 THEN SIGNAL SQLSTATE '22012' SET MYSQL_ERRNO = 1365, MESSAGE_TEXT = 'inverse of zero'; END IF;
      RETURN 1 / x;
    END`);
      },
    },
  );
  admin = env.admin;
  conn = await env.client();
  await conn.query(
    "CREATE FUNCTION score(a INT, b VARCHAR(64)) RETURNS DOUBLE ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'demo-score'",
  );
  // Strict, with 1 / 0 an error in UPDATE and INSERT (MariaDB's default, said out loud).
  await conn.query("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO'");
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

/** Each row's score, asked in a statement that cannot fail on a placeholder. */
async function scores(): Promise<number[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT score(a, b) AS s FROM t ORDER BY a');
  const out = rows.map((r) => Number(r.s));
  expect(out).toHaveLength(ROWS);
  for (const s of out) expect(s).not.toBe(0);
  return out;
}

/** Runs of the statement so far, as the statement counted them (see the header). */
async function runs(): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @runs AS runs');
  return Number(rows[0]?.runs);
}

/** SageMaker requests the emulator made so far (its call log). */
async function sagemakerRequests(): Promise<number> {
  const res = await fetch(`${env.emulator.api.url}/_aurora-ml/calls?limit=10000`);
  const body = (await res.json()) as { calls?: { service?: string }[] };
  return (body.calls ?? []).filter((c) => c.service === 'sagemaker').length;
}

/** The error a statement straight on MariaDB gives, and the one it gives through the emulator. */
async function sameError(direct: string, through: string): Promise<void> {
  const want = await admin.query(direct).then(
    () => null,
    (e: mysql.QueryError) => e,
  );
  expect(want).toMatchObject({ errno: 1062 });
  const got = await conn.query(through).then(
    () => null,
    (e: mysql.QueryError) => e,
  );
  expect({ errno: got?.errno, sqlState: got?.sqlState, message: got?.message }).toEqual({
    errno: want?.errno,
    sqlState: want?.sqlState,
    message: want?.message,
  });
  // The failed statement left nothing behind.
  const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${DB}.t WHERE u IS NOT NULL`);
  expect(Number(rows[0]?.n)).toBe(0);
}

/**
 * Counts one run each time row 1 is reached: as a SET assignment of an
 * UPDATE (evaluated once per row, before the ones after it; MariaDB reads an
 * UPDATE's WHERE twice per row), or as a SELECT's WHERE (always true).
 */
const COUNT_RUN_SET = 'seen = IF(a = 1, @runs := @runs + 1, NULL)';
const COUNT_RUN_WHERE = '(a <> 1 OR (@runs := @runs + 1) > 0)';

describe('discovery through an expression that fails on a placeholder', () => {
  it('UPDATE ... SET inv = 1 / score(...) over 500 rows under strict mode: every value right, in at most three runs', async () => {
    const expected = await scores();
    await conn.query('SET @runs = 0');
    const before = await sagemakerRequests();
    const [result] = await conn.query<mysql.ResultSetHeader>(`UPDATE t SET ${COUNT_RUN_SET}, inv = 1 / score(a, b)`);
    expect(result.affectedRows).toBe(ROWS);
    // The first run fails on a placeholder; the last one misses nothing.
    expect(await runs()).toBeGreaterThanOrEqual(2);
    expect(await runs()).toBeLessThanOrEqual(3);
    // Answered from the model again (a new statement starts with an empty cache), one request a round.
    const requests = (await sagemakerRequests()) - before;
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThanOrEqual(2);
    // The loop's variables are gone, the last miss it kept with them.
    const [left] = await conn.query<mysql.RowDataPacket[]>('SELECT @aurora_ml_last_miss AS m, @aurora_ml_spill AS s');
    expect(left).toEqual([{ m: null, s: null }]);
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT inv FROM ${DB}.t ORDER BY a`);
    expect(rows.map((r) => r.inv as number)).toEqual(expected.map((s) => 1 / s));
  });

  it('SELECT SUM(inverse(score(...))): a result set failing after its columns converges too', async () => {
    const expected = await scores();
    await conn.query('SET @runs = 0');
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT SUM(inverse(score(a, b))) AS total FROM t WHERE ${COUNT_RUN_WHERE}`,
    );
    expect(Number(rows[0]?.total)).toBeCloseTo(
      expected.reduce((sum, s) => sum + 1 / s, 0),
      6,
    );
    expect(await runs()).toBeLessThanOrEqual(3);
  });

  it('a duplicate key at row 251 behind 1 / score(...): the server\'s own error, not "did not converge"', async () => {
    await sameError(
      `UPDATE ${DB}.t SET inv = 1 / 0.5, u = IF(a > 250, 7, NULL) ORDER BY a`,
      'UPDATE t SET inv = 1 / score(a, b), u = IF(a > 250, 7, NULL) ORDER BY a',
    );
  });

  it("a duplicate key after the ML calls are answered: the server's own error", async () => {
    await sameError(
      `UPDATE ${DB}.t SET inv = 0.5, u = 7 WHERE a <= 3 ORDER BY a`,
      'UPDATE t SET inv = score(a, b), u = 7 WHERE a <= 3 ORDER BY a',
    );
  });
});
