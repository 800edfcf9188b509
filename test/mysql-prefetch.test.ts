/**
 * The MySQL front's prefetch (src/aurora/mysql/prefetch.ts): a statement
 * whose calls a query can list before it runs has them answered first and
 * runs once. Shown by comparison: generated statements run straight on
 * MariaDB, where the built-ins are plain stored functions computing the
 * rules backend's answers (helpers/mysql-differential/answers.ts), and
 * through the emulator, with a relay between the emulator and MariaDB that
 * shows which path each statement took. Every row, every affected-row count
 * and the tables at the end must agree, and Aurora_ml_logical_request_cnt
 * must count one call per row and call site either way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteToStubs } from '../src/aurora/mysql/rewrite.ts';
import { type CountingRelay, startCountingRelay } from './helpers/counting-relay.ts';
import { directFunctions, writeRulesFile } from './helpers/mysql-differential/answers.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';
import { caseSeed, Rng } from './helpers/pg-differential/prng.ts';
import { MYSQL_HOST, MYSQL_PORT } from './helpers/test-databases.ts';

const SEED = 20261207;
const CASES = 60;
const ROWS = 40;
const SUFFIX = `${process.pid}`;
const DIRECT = `aurora_ml_prefetch_direct_${SUFFIX}`;

/** Bodies the rules answer differently: duplicates, NULL, quotes, non-ASCII. */
const BODIES = [
  'I love it',
  'broken on arrival',
  'great but slow',
  'fine',
  "it's perfect",
  'Ünïcödé is great 😀',
  'refund please',
  null,
  'ok',
  'AWFUL',
];

const TABLES = [
  'CREATE TABLE docs (id INT PRIMARY KEY, body TEXT, lang VARCHAR(8), label VARCHAR(16), conf DOUBLE) ENGINE = InnoDB',
  'CREATE TABLE out_labels (id INT PRIMARY KEY, label VARCHAR(16), conf DOUBLE) ENGINE = InnoDB',
];

function rowsSql(): string {
  const rng = new Rng(SEED);
  const values = Array.from({ length: ROWS }, (_, i) => {
    const body = rng.pick(BODIES);
    const lang = rng.chance(0.15) ? 'es' : 'en';
    return `(${i + 1}, ${body === null ? 'NULL' : `'${body.replace(/'/g, "''")}'`}, '${lang}', NULL, NULL)`;
  });
  return `INSERT INTO docs VALUES ${values.join(', ')}`;
}

const S = (args: string) => `aws_comprehend_detect_sentiment(${args})`;
const C = (args: string) => `aws_comprehend_detect_sentiment_confidence(${args})`;

interface Case {
  readonly sql: string;
  /** Call sites evaluated once per row the statement reads. */
  readonly sites: number;
  readonly kind: 'select' | 'update' | 'insert';
  /** Which calls the prefetch plans (COALESCE makes a call's evaluation conditional: no plan for it). */
  readonly prefetch: 'all' | 'some' | 'none';
}

/** Statements of the shapes the prefetch plans, over generated row ranges and arguments. */
function generate(index: number): Case {
  const r = new Rng(caseSeed(SEED, 'mysql-prefetch', index));
  const lo = r.int(1, ROWS);
  const hi = r.int(lo, ROWS);
  const where = r.pick([`WHERE id BETWEEN ${lo} AND ${hi}`, `WHERE id % ${r.int(2, 4)} = 0`, '', 'WHERE id > 1000']);
  const text = r.pick(['body', "CONCAT(body, ' but')", 'UPPER(body)', "'I love literals'", "COALESCE(body, 'great')"]);
  const lang = r.pick(['lang', "'en'", "'es'"]);
  const planned = text.startsWith('COALESCE') ? 'none' : 'all';
  switch (r.int(0, 3)) {
    case 0:
      return {
        sql: `SELECT id, ${S(`${text}, ${lang}`)} AS s FROM docs ${where} ORDER BY id`,
        sites: 1,
        kind: 'select',
        prefetch: planned,
      };
    case 1:
      return {
        sql: `SELECT id, ${C(`${text}, 'en'`)} AS c, ${S(`body, ${lang}`)} FROM docs d ${where} ORDER BY id DESC`,
        sites: 2,
        kind: 'select',
        prefetch: planned === 'all' ? 'all' : 'some',
      };
    case 2:
      return r.chance(0.5)
        ? { sql: `UPDATE docs SET label = ${S(`${text}, ${lang}`)} ${where}`, sites: 1, kind: 'update', prefetch: planned }
        : {
            sql: `UPDATE docs SET conf = ${C(`${text}, 'en'`)}, label = ${S(`body, ${lang}`)} ${where}`,
            sites: 2,
            kind: 'update',
            // The second call is planned whatever the first one's argument.
            prefetch: planned === 'all' ? 'all' : 'some',
          };
    default:
      return {
        sql: `INSERT INTO out_labels (id, label, conf) SELECT id + ${index * 100}, ${S(`${text}, ${lang}`)}, ${C("body, 'en'")} FROM docs ${where}`,
        sites: 2,
        kind: 'insert',
        prefetch: planned === 'all' ? 'all' : 'some',
      };
  }
}

let rulesDir: string;
let relay: CountingRelay;
let env: MysqlTestEmulator;
let emu: mysql.Connection;

beforeAll(async () => {
  rulesDir = await mkdtemp(path.join(tmpdir(), 'aml-mysql-prefetch-'));
  const rulesFile = path.join(rulesDir, 'rules.yaml');
  await writeRulesFile(rulesFile);
  relay = await startCountingRelay({ host: MYSQL_HOST, port: MYSQL_PORT });
  const database = `aurora_ml_prefetch_emu_${SUFFIX}`;
  env = await startMysqlTestEmulator(
    {
      mysqlUpstream: `mysql://root@127.0.0.1:${relay.port}/${database}`,
      backends: { comprehend: { kind: 'rules', rulesFile } },
    },
    {
      name: database,
      prepare: async (admin, db) => {
        for (const ddl of TABLES) await admin.query(`${ddl.replace('CREATE TABLE ', `CREATE TABLE ${db}.`)}`);
        await admin.query(`USE ${db}`);
        await admin.query(rowsSql());
        await admin.query(`DROP DATABASE IF EXISTS ${DIRECT}`);
        await admin.query(`CREATE DATABASE ${DIRECT}`);
        await admin.query(`USE ${DIRECT}`);
        for (const statement of [...TABLES, rowsSql(), ...directFunctions()]) await admin.query(statement);
      },
    },
  );
  emu = await env.client({ multipleStatements: false });
});

afterAll(async () => {
  await env?.admin.query(`DROP DATABASE IF EXISTS ${DIRECT}`).catch(() => {});
  await env?.[Symbol.asyncDispose]();
  await relay?.close();
  if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
});

async function logicalRequests(): Promise<number> {
  const [rows] = await emu.query(`SHOW GLOBAL STATUS LIKE 'Aurora_ml_logical_request_cnt'`);
  return Number((rows as { Value: string }[])[0]?.Value);
}

/** How many times the statement, pointed at the stubs, ran on MariaDB (its EXPLAIN checks, but does not run it). */
function runsOf(sql: string, bursts: string): number {
  const rewritten = rewriteToStubs(sql, { strict: false, unicode: true }) ?? sql;
  const count = (text: string) => bursts.split(text).length - 1;
  return count(rewritten) - count(`EXPLAIN ${rewritten}`);
}

/** The rows a statement reads: matched rows of an UPDATE, result rows of a SELECT, inserted rows of an INSERT ... SELECT. */
function rowsRead(kind: Case['kind'], result: unknown): number {
  if (kind === 'select') return (result as unknown[]).length;
  const header = result as mysql.ResultSetHeader;
  if (kind === 'insert') return header.affectedRows;
  return Number(/Rows matched: (\d+)/.exec(header.info)?.[1]);
}

describe('MySQL prefetch: generated statements straight on MariaDB and through the emulator', () => {
  it(`${CASES} statements agree row for row, run once, and count one call per row and site`, async () => {
    await env.admin.query(`USE ${DIRECT}`);
    let planned = 0;
    for (let i = 0; i < CASES; i++) {
      const c = generate(i);
      const [expected] = await env.admin.query(c.sql);
      const before = await logicalRequests();
      relay.reset();
      const [actual] = await emu.query(c.sql);
      const bursts = relay.bursts().join('\n');
      const label = `#${i}: ${c.sql}`;
      if (c.kind === 'select') expect(actual, label).toEqual(expected);
      else expect((actual as mysql.ResultSetHeader).affectedRows, label).toBe((expected as mysql.ResultSetHeader).affectedRows);
      if (c.prefetch === 'none') expect(bursts, label).not.toContain('SELECT DISTINCT CAST(');
      // The prefetch listed the calls; with all of them, the statement ran once.
      else expect(bursts, label).toMatch(/SELECT DISTINCT CAST\(aurora_ml\.aws_comprehend_detect_sentiment(_confidence)?_args\(/);
      if (c.prefetch === 'all') expect(runsOf(c.sql, bursts), label).toBe(1);
      planned += c.prefetch === 'all' ? 1 : 0;
      expect((await logicalRequests()) - before, label).toBe(rowsRead(c.kind, expected) * c.sites);
    }
    expect(planned).toBeGreaterThan(CASES / 2);
    for (const table of ['docs', 'out_labels']) {
      const [direct] = await env.admin.query(`SELECT * FROM ${DIRECT}.${table} ORDER BY id`);
      const [through] = await emu.query(`SELECT * FROM ${table} ORDER BY id`);
      expect(through, table).toEqual(direct);
    }
  }, 120_000);

  it('a statement matching no row calls nothing, even with literal arguments', async () => {
    const before = await logicalRequests();
    // 'xx' is a language Comprehend refuses: a call would fail the statement.
    const [result] = await emu.query(`UPDATE docs SET label = ${S("'never called', 'xx'")} WHERE id > 1000`);
    expect((result as mysql.ResultSetHeader).affectedRows).toBe(0);
    const [rows] = await emu.query(`SELECT ${S("'never called', 'xx'")} AS s FROM docs WHERE id < 0`);
    expect(rows).toEqual([]);
    expect(await logicalRequests()).toBe(before);
  });

  it('a prefetch that read other rows than the run falls back to the loop, with exact answers and counts', async () => {
    // READ COMMITTED: the run reads a newer snapshot than the prefetch when another session
    // commits while the calls are evaluated (the backend is slowed to leave the time).
    const other = await env.client();
    await emu.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    env.emulator.backendControls.setControls({ comprehend: { latency: { kind: 'fixed', ms: 400 } } });
    try {
      const before = await logicalRequests();
      relay.reset();
      const sql = `SELECT id, ${S("body, 'en'")} AS s FROM docs WHERE id BETWEEN 20 AND 24 ORDER BY id`;
      const running = emu.query(sql);
      while (!relay.bursts().join('\n').includes('SELECT DISTINCT CAST(aurora_ml.')) await sleep(5);
      await other.query("UPDATE docs SET body = 'changed and now awful' WHERE id BETWEEN 20 AND 24");
      const [rows] = await running;
      expect(runsOf(sql, relay.bursts().join('\n'))).toBeGreaterThan(1);
      expect(rows).toEqual([20, 21, 22, 23, 24].map((id) => ({ id, s: 'NEGATIVE' })));
      expect((await logicalRequests()) - before).toBe(5);
    } finally {
      env.emulator.backendControls.setControls({ comprehend: { latency: null } });
      await emu.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    }
    await env.admin.query(`UPDATE ${DIRECT}.docs SET body = 'changed and now awful' WHERE id BETWEEN 20 AND 24`);
  });

  it('the prefetch of an UPDATE reads the rows the UPDATE changes, not an older snapshot', async () => {
    const other = await env.client();
    await emu.query('START TRANSACTION');
    await emu.query('SELECT COUNT(*) FROM docs');
    await other.query("UPDATE docs SET body = 'now this is awful' WHERE id BETWEEN 10 AND 12");
    const before = await logicalRequests();
    relay.reset();
    const sql = `UPDATE docs SET label = ${S("body, 'en'")} WHERE id BETWEEN 10 AND 12`;
    await emu.query(sql);
    expect(runsOf(sql, relay.bursts().join('\n'))).toBe(1);
    expect((await logicalRequests()) - before).toBe(3);
    await emu.query('COMMIT');
    const [rows] = await emu.query('SELECT DISTINCT label FROM docs WHERE id BETWEEN 10 AND 12');
    expect(rows).toEqual([{ label: 'NEGATIVE' }]);
  });

  it('a statement refused a table privilege the prefetch does not need evaluates nothing', async () => {
    // SELECT on the table but no UPDATE: the prefetch query alone would succeed; the EXPLAIN beside it does not.
    const user = `aml_prefetch_ro_${SUFFIX}`;
    const { admin } = env;
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.query(`CREATE USER '${user}'@'%'`);
    try {
      await admin.query(`GRANT SELECT ON ${env.database}.* TO '${user}'@'%'`);
      await admin.query(`GRANT EXECUTE, CREATE TEMPORARY TABLES ON aurora_ml.* TO '${user}'@'%'`);
      await admin.query(`GRANT AWS_COMPREHEND_ACCESS TO '${user}'@'%'`);
      const app = await env.client({ user, password: '' });
      await app.query('SET ROLE AWS_COMPREHEND_ACCESS');
      const requests = async () => {
        const [rows] = await emu.query(`SHOW GLOBAL STATUS LIKE 'Aurora_ml_actual_request_cnt'`);
        return Number((rows as { Value: string }[])[0]?.Value);
      };
      const before = await requests();
      await expect(
        app.query(`UPDATE docs SET label = ${S("CONCAT(body, ' never scored'), 'en'")} WHERE id <= 5`),
      ).rejects.toMatchObject({
        errno: 1142,
      });
      expect(await requests()).toBe(before);
      await app.end();
    } finally {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    }
  });

  it("inside the client's transaction the prefetch sees its uncommitted rows, and a rollback undoes the statement", async () => {
    await emu.query('START TRANSACTION');
    await emu.query("UPDATE docs SET body = 'I love this now' WHERE id = 7");
    relay.reset();
    const sql = `UPDATE docs SET label = ${S("body, 'en'")} WHERE id = 7`;
    await emu.query(sql);
    expect(runsOf(sql, relay.bursts().join('\n'))).toBe(1);
    const [inside] = await emu.query('SELECT label FROM docs WHERE id = 7');
    expect(inside).toEqual([{ label: 'POSITIVE' }]);
    await emu.query('ROLLBACK');
    const [after] = await emu.query('SELECT body, label FROM docs WHERE id = 7');
    const [direct] = await env.admin.query(`SELECT body, label FROM ${DIRECT}.docs WHERE id = 7`);
    expect(after).toEqual(direct);
  });
});
