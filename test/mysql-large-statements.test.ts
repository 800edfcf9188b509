/**
 * Statements with very many distinct ML inputs through the MySQL front, in
 * front of the machine's MariaDB at its default max_allowed_packet (issue 11,
 * finding 11): the loop's own statements must each stay under the packet
 * limit however many answers it has to put in the session's cache, and a
 * failing statement whose misses outgrow the spill variable must fail
 * clearly rather than lose them.
 */
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';

const DB = `aml_large_${process.pid}`;
const ROWS = 200_000;
/** MariaDB's default since 10.2.4: what the fill must fit under. */
const DEFAULT_MAX_ALLOWED_PACKET = 16_777_216;
/** Distinct texts spanning the four labels, so a placeholder ('NEUTRAL') stored by mistake shows. */
const TEXT_SQL = `CONCAT(ELT(1 + seq % 4, 'I love this', 'I hate this', 'The box is blue', 'Great but awful'), ' #', seq)`;

let env: MysqlTestEmulator;
let admin: mysql.Connection;
let conn: mysql.Connection;

beforeAll(async () => {
  env = await startMysqlTestEmulator(
    {},
    {
      name: DB,
      prepare: async (direct) => {
        await direct.query(`CREATE TABLE ${DB}.t (id INT PRIMARY KEY, txt VARCHAR(64) NOT NULL, s VARCHAR(16)) ENGINE=InnoDB`);
        await direct.query(`INSERT INTO ${DB}.t (id, txt) SELECT seq, ${TEXT_SQL} FROM ${DB}.seq_1_to_${ROWS}`);
      },
    },
  );
  admin = env.admin;
  conn = await env.client();
}, 60_000);

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

/** 2,000 distinct ids from a fixed seed (a linear congruential generator), in a stable order. */
function sampleIds(count: number, seed: number): number[] {
  const ids = new Set<number>();
  let x = seed;
  while (ids.size < count) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    ids.add(1 + (x % ROWS));
  }
  return [...ids];
}

describe('a statement with 200,000 distinct ML inputs at the default max_allowed_packet', () => {
  it('the server runs with the default packet limit', async () => {
    const [[limit]] = await conn.query<mysql.RowDataPacket[]>('SELECT @@max_allowed_packet AS m');
    expect(Number(limit?.m)).toBe(DEFAULT_MAX_ALLOWED_PACKET);
  });

  it('UPDATE stores every row its own sentiment', async () => {
    const [result] = await conn.query<mysql.ResultSetHeader>(`UPDATE t SET s = aws_comprehend_detect_sentiment(txt, 'en')`);
    expect(result.affectedRows).toBe(ROWS);

    // Every stored value against the model called directly.
    const [stored] = await admin.query<mysql.RowDataPacket[]>(`SELECT id, txt, s FROM ${DB}.t ORDER BY id`);
    expect(stored).toHaveLength(ROWS);
    const wrong = stored.filter((r) => r.s !== analyzeSentiment(r.txt, 'en').sentiment);
    expect(wrong.slice(0, 5)).toEqual([]);
    const labels = new Map<string, number>();
    for (const r of stored) labels.set(r.s, (labels.get(r.s) ?? 0) + 1);
    expect(Object.fromEntries(labels)).toEqual({ POSITIVE: 50_000, NEGATIVE: 50_000, NEUTRAL: 50_000, MIXED: 50_000 });

    // A sample against the same function in small statements through the emulator.
    const ids = sampleIds(2_000, 20_251_111);
    const byId = new Map(stored.map((r) => [r.id as number, r.s as string]));
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100);
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT id, aws_comprehend_detect_sentiment(txt, 'en') AS s FROM t WHERE id IN (${batch.join(', ')})`,
      );
      expect(rows).toHaveLength(batch.length);
      for (const r of rows) expect(r.s, `row ${r.id}`).toBe(byId.get(r.id));
    }
    // About 25 s on an idle 2-core machine (two runs of 200,000 stub calls); room for a busy one.
  }, 180_000);
});

describe('a statement that fails on the placeholder answers', () => {
  /** Every row's call runs before the aggregate's IF, whose subquery fails (1242) on the placeholder 'NEUTRAL'. */
  const failingOn = (table: string, where = '1') =>
    `SELECT IF(SUM(aws_comprehend_detect_sentiment(txt, 'en') = 'NEUTRAL') > 0, (SELECT 1 UNION ALL SELECT 2), 0) AS x
      FROM ${table} WHERE ${where}`;

  it('a SELECT failing after its column definitions gets its answers through the spill variable', async () => {
    // The 'I love this' rows: POSITIVE once answered, so the statement succeeds.
    const [rows] = await conn.query<mysql.RowDataPacket[]>(failingOn('t', 'id <= 400 AND id % 4 = 0'));
    expect(rows).toEqual([{ x: 0 }]);
  });

  it('whose ML arguments outgrow max_allowed_packet fails with an error naming the limit', async () => {
    // 4,000 distinct texts of about 4.7 KB (each within Comprehend's 5,000-byte limit, so any one of them
    // can be evaluated): about 19 MB of arguments, too much for the spill variable.
    await admin.query(`CREATE TABLE ${DB}.big (id INT PRIMARY KEY, txt LONGTEXT NOT NULL) ENGINE=InnoDB`);
    await admin.query(
      `INSERT INTO ${DB}.big SELECT seq, CONCAT(seq, ' ', REPEAT('I love this. ', 360)) FROM ${DB}.seq_1_to_4000`,
    );
    // Each run records all 4,000 misses and then fails, taking its miss rows with it.
    await expect(conn.query(failingOn('big'))).rejects.toThrow(/max_allowed_packet/);

    const [[after]] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s, @aurora_ml_spill AS spill`,
    );
    expect(after).toEqual({ s: 'POSITIVE', spill: null });
  }, 60_000);
});
