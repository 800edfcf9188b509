/**
 * Differential test of bound parameters selected beside an ML call: the same
 * statements run straight on MariaDB, over a reference database whose stored
 * function aws_comprehend_detect_sentiment answers what the emulator's
 * built-in sentiment model answers (test/helpers/mysql-reference.ts), and
 * through the emulator, where the call is Aurora's built-in. With the
 * mariadb and mysql2 drivers, every value of every row and every column's
 * definition as the driver reports it (name, type, character set, flags,
 * decimals; the reference function is declared as the emulator's stub) must
 * be the same both ways, and the ML column must be the model's answer for
 * the row's text.
 *
 * The statements bind values of many types, as bare `? AS p` columns and
 * inside expressions, with the ML column before and after them, and run as
 * the drivers' execute() (their statement cache: one prepared statement per
 * text, executed again with other types), as an explicit prepare() executed
 * with every value in turn, and as query() with placeholders (the drivers'
 * own escaping, text protocol) for comparison. Each value runs with a text
 * the connection has not asked about (the emulator runs the statement more
 * than once: a run that misses, then the one the client gets), again with
 * another such text and the same types (the mariadb connector then has the
 * server's column definitions cached and the server skips them), and again
 * with a text already answered (one run).
 *
 * Regression: the mariadb connector negotiates MariaDB's metadata cache, and
 * `SELECT aws_comprehend_detect_sentiment(?, 'en') AS s, ? AS p` executed with
 * ['I love it', 5] gave `p` as <Buffer 00 00 00 27 00>: the new definitions
 * went to a run the client never saw (src/aurora/mysql/prepared.ts).
 */
import * as mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';
import { createReferenceDatabase, sentimentOf } from './helpers/mysql-reference.ts';
import { SENTIMENT_TEXTS } from './helpers/sentiment-texts.ts';
import { MYSQL_HOST, MYSQL_PORT } from './helpers/test-databases.ts';

const DB = `aml_param_cols_${process.pid}`;
const REF = `aml_param_cols_ref_${process.pid}`;
const CHARSET = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci';

/** Texts no connection has asked about yet, taken in order (each connection starts again at the first). */
const TEXTS = Array.from({ length: 420 }, (_, i) => `${SENTIMENT_TEXTS[i % SENTIMENT_TEXTS.length]} (${i})`);
const sentiment = (text: string) => sentimentOf(text).sentiment;

/** Values to bind, by the name a failure shows. */
const VALUES: readonly (readonly [string, unknown])[] = [
  ['int 5', 5],
  ['int 0', 0],
  ['int -1', -1],
  ['int 127', 127],
  ['int -128', -128],
  ['int 65536', 65536],
  ['int 2^31-1', 2147483647],
  ['int -2^31', -2147483648],
  ['int 2^32', 4294967296],
  ['int max safe', Number.MAX_SAFE_INTEGER],
  ['int -max safe', -Number.MAX_SAFE_INTEGER],
  ['decimal 1.5', 1.5],
  ['decimal -0.125', -0.125],
  ['double 0.1', 0.1],
  ['double pi', Math.PI],
  ['double 1e300', 1e300],
  ['double -2.5e-300', -2.5e-300],
  ['decimal string', '12345678901234567890.123456789'],
  ['string empty', ''],
  ['string x', 'x'],
  ['string unicode', 'héllo wörld ✓ 😀'],
  ['string quotes', `it's a \\ "quote"`],
  ['string 5000', 'a'.repeat(5000)],
  ['null', null],
  ['date', new Date(Date.UTC(2024, 1, 29, 13, 45, 30, 123))],
  ['date midnight', new Date(Date.UTC(1999, 11, 31, 0, 0, 0, 0))],
  ['buffer bytes', Buffer.from([0, 1, 2, 0x27, 0xfe, 0xff])],
  ['buffer empty', Buffer.alloc(0)],
  ['buffer text', Buffer.from('text bytes')],
  ['true', true],
  ['false', false],
  ['bigint 42', 42n],
  ['bigint -1', -1n],
  ['bigint 2^53+1', 9007199254740993n],
  ['bigint max', 9223372036854775807n],
  ['bigint min', -9223372036854775808n],
];

/** A statement shape: its text and its parameters for one text and one value. */
interface Shape {
  readonly name: string;
  readonly sql: string;
  readonly params: (text: string, value: unknown) => unknown[];
  /** The columns that are exactly the ML call on the row's text. */
  readonly ml: readonly string[];
}

const DETECT = "aws_comprehend_detect_sentiment(?, 'en')";
const SHAPES: readonly Shape[] = [
  { name: 'ML first, bare ?', sql: `SELECT ${DETECT} AS s, ? AS p`, params: (t, v) => [t, v], ml: ['s'] },
  { name: 'bare ? first, ML last', sql: `SELECT ? AS p, ${DETECT} AS s`, params: (t, v) => [v, t], ml: ['s'] },
  {
    name: 'expressions around the ML column',
    sql: `SELECT ? AS p, CONCAT('[', ?, ']') AS c, ${DETECT} AS s, COALESCE(?, 'none') AS n, ? IS NULL AS z, HEX(?) AS h`,
    params: (t, v) => [v, v, t, v, v, v],
    ml: ['s'],
  },
  {
    name: 'expressions, ML in the middle and inside an expression',
    sql: `SELECT LENGTH(?) AS len, ? + 0 AS num, ${DETECT} AS s, CAST(? AS CHAR) AS ch, CONCAT(${DETECT}, '/', ?) AS sp`,
    params: (t, v) => [v, v, t, v, t, v],
    ml: ['s'],
  },
];

/** What a statement gave: its columns (name, type, character set, flags, decimals) and rows, or its error. */
type Outcome =
  | { readonly columns: readonly (readonly [string, number, number, number, number])[]; readonly rows: unknown[][] }
  | { readonly errno: number | undefined; readonly sqlState: string | undefined };

interface Prepared {
  execute(params: unknown[]): Promise<Outcome>;
  close(): Promise<void>;
}

/** One driver's connection, its answers made comparable. */
interface Client {
  /** The driver's execute(): prepared on first use of a text, then from its cache. */
  execute(sql: string, params: unknown[]): Promise<Outcome>;
  prepare(sql: string): Promise<Prepared>;
  /** Placeholders filled in by the driver, sent as text. */
  query(sql: string, params: unknown[]): Promise<Outcome>;
  end(): Promise<void>;
}

const failed = (err: unknown): Outcome => {
  const e = err as { errno?: number; sqlState?: string };
  if (e.errno === undefined) throw err;
  return { errno: e.errno, sqlState: e.sqlState };
};

const rowsOf = (rows: unknown): unknown[][] => (rows as Record<string, unknown>[]).map((r) => Object.entries(r));

async function outcome(answer: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await answer();
  } catch (err) {
    return failed(err);
  }
}

function mariadbResult(rows: unknown): Outcome {
  const meta = (rows as { meta: mariadb.FieldInfo[] }).meta;
  const columns = meta.map(
    (m) => [m.name(), m.columnType, m.collation.index, m.flags, m.scale] as [string, number, number, number, number],
  );
  return { columns, rows: rowsOf(rows) };
}

async function mariadbClient(port: number, database: string): Promise<Client> {
  const c = await mariadb.createConnection({ host: MYSQL_HOST, port, user: 'root', database });
  return {
    execute: (sql, params) => outcome(async () => mariadbResult(await c.execute(sql, params))),
    prepare: async (sql) => {
      const p = await c.prepare(sql);
      return {
        execute: (params) => outcome(async () => mariadbResult(await p.execute(params))),
        close: async () => p.close(),
      };
    },
    query: (sql, params) => outcome(async () => mariadbResult(await c.query(sql, params))),
    end: () => c.end(),
  };
}

function mysql2Result([rows, fields]: [unknown, mysql.FieldPacket[]]): Outcome {
  const columns = fields.map(
    (f) =>
      [f.name, f.columnType ?? -1, f.characterSet ?? -1, Number(f.flags), f.decimals] as [string, number, number, number, number],
  );
  return { columns, rows: rowsOf(rows) };
}

async function mysql2Client(port: number, database: string): Promise<Client> {
  const c = await mysql.createConnection({ host: MYSQL_HOST, port, user: 'root', database });
  const run = (answer: () => Promise<[unknown, mysql.FieldPacket[]]>) => outcome(async () => mysql2Result(await answer()));
  return {
    execute: (sql, params) => run(() => c.execute(sql, params as never)),
    prepare: async (sql) => {
      const p = await c.prepare(sql);
      return {
        execute: (params) => run(() => p.execute(params as never) as Promise<[unknown, mysql.FieldPacket[]]>),
        close: async () => p.close(),
      };
    },
    query: (sql, params) => run(() => c.query(sql, params)),
    end: () => c.end(),
  };
}

const DRIVERS = { mariadb: mariadbClient, mysql2: mysql2Client } as const;
type DriverName = keyof typeof DRIVERS;

let env: MysqlTestEmulator;

beforeAll(async () => {
  env = await startMysqlTestEmulator(
    {},
    { name: DB, createOptions: CHARSET, prepare: (admin) => createReferenceDatabase(admin, REF, TEXTS) },
  );
});

afterAll(async () => {
  await env?.admin.query(`DROP DATABASE IF EXISTS ${REF}`);
  await env?.[Symbol.asyncDispose]();
});

/**
 * Two connections of one driver, straight to MariaDB on the reference
 * database and through the emulator, and a checker that runs a statement on
 * both and compares what they gave. Each pair takes fresh texts from the first.
 */
async function pairOf(driver: DriverName) {
  const direct = await DRIVERS[driver](MYSQL_PORT, REF);
  const through = await DRIVERS[driver](env.port, DB);
  let used = 0;
  return {
    direct,
    through,
    freshText(): string {
      const text = TEXTS[used++];
      if (text === undefined) throw new Error('the test ran out of texts: make TEXTS longer');
      return text;
    },
    /** Runs `run` on both connections; the answers must be the same, and the ML columns the model's. */
    async check(what: string, shape: Shape, text: string, run: (c: Client) => Promise<Outcome>): Promise<void> {
      const want = await run(direct);
      const got = await run(through);
      expect(got, what).toEqual(want);
      if (!('rows' in want)) throw new Error(`${what}: failed straight on MariaDB too (${JSON.stringify(want)})`);
      for (const row of want.rows as [string, unknown][][]) {
        for (const name of shape.ml) expect(new Map(row).get(name), `${what}: ${name}`).toBe(sentiment(text));
      }
    },
    end: () => Promise.all([direct.end(), through.end()]),
  };
}

describe.each(Object.keys(DRIVERS) as DriverName[])('%s: parameters selected beside an ML call', (driver) => {
  it('the reported case: SELECT detect_sentiment(?), ? AS p with [I love it, 5]', async () => {
    const through = await DRIVERS[driver](env.port, DB);
    try {
      const sql = `SELECT ${DETECT} AS s, ? AS p`;
      // Twice: the first execution of a text the emulator has not answered, then one it has.
      for (let i = 0; i < 2; i++) {
        const got = await through.execute(sql, ['I love it', 5]);
        expect('rows' in got && got.rows).toEqual([
          [
            ['s', sentiment('I love it')],
            ['p', 5],
          ],
        ]);
      }
    } finally {
      await through.end();
    }
  });

  it('execute(): each shape with every value, fresh texts twice then a known one', async () => {
    const pair = await pairOf(driver);
    try {
      for (const shape of SHAPES) {
        for (const [name, value] of VALUES) {
          const fresh = pair.freshText();
          const again = pair.freshText();
          for (const [round, text] of [
            ['fresh', fresh],
            ['fresh, same types', again],
            ['known text', fresh],
          ] as const) {
            await pair.check(`${shape.name} / ${name} / ${round}`, shape, text, (c) =>
              c.execute(shape.sql, shape.params(text, value)),
            );
          }
        }
      }
    } finally {
      await pair.end();
    }
  });

  it('prepare(): one statement per shape executed with every value in turn, then in reverse order', async () => {
    const pair = await pairOf(driver);
    try {
      for (const shape of SHAPES) {
        const statements = await Promise.all([pair.direct.prepare(shape.sql), pair.through.prepare(shape.sql)]);
        const [onDirect, onThrough] = statements;
        const prepared = new Map<Client, Prepared>([
          [pair.direct, onDirect],
          [pair.through, onThrough],
        ]);
        try {
          for (const [order, values] of [
            ['in turn', VALUES],
            ['reversed', [...VALUES].reverse()],
          ] as const) {
            for (const [name, value] of values) {
              const text = pair.freshText();
              await pair.check(`${shape.name} / ${name} / ${order}`, shape, text, (c) =>
                (prepared.get(c) as Prepared).execute(shape.params(text, value)),
              );
            }
          }
        } finally {
          await Promise.all(statements.map((s) => s.close()));
        }
      }
    } finally {
      await pair.end();
    }
  });

  it('query() with placeholders (the driver escapes, text protocol), for comparison', async () => {
    const pair = await pairOf(driver);
    try {
      for (const shape of SHAPES) {
        for (const [name, value] of VALUES) {
          const text = pair.freshText();
          await pair.check(`${shape.name} / ${name}`, shape, text, (c) => c.query(shape.sql, shape.params(text, value)));
        }
      }
    } finally {
      await pair.end();
    }
  });
});
