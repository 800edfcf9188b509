/**
 * Aurora MySQL's ML definitions through the MySQL front, in front of the
 * machine's MariaDB: CREATE FUNCTION ... ALIAS (SageMaker and Bedrock), what
 * the server shows of them, definitions Aurora refuses, call-time errors,
 * views, procedures, CREATE TABLE ... SELECT, statements the emulator refuses,
 * EXPLAIN, the emulated variables, warnings, SQL-level prepared statements and
 * the mariadb command-line client. Every error is checked against the catalog
 * and followed by `SELECT 1` on the same connection.
 */

import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { titanText } from '../src/backends/bedrock/families/titan.ts';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { type CatalogEntry, catalog } from '../src/errors.ts';
import { type Emulator, startEmulator } from '../src/index.ts';
import { mysqlConnectionOptions, mysqlUrl, UPSTREAM } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';
import { runMariadbCli } from './helpers/mariadb-cli.ts';

const DIRECT = mysqlConnectionOptions();
const DB = `aml_defs_${process.pid}`;
const GRANTEE = `aml_u_${process.pid}`;
const ENDPOINT = 'score-ep';
const DOWN_ENDPOINT = 'down-ep';

/** MariaDB's own errors (not the emulator's catalog). */
const ER_SP_DOES_NOT_EXIST = 1305;
const ER_UNKNOWN_STMT_HANDLER = 1243;
const ER_WARN_DATA_OUT_OF_RANGE = 1264;

const label = (t: string) => analyzeSentiment(t, 'en').sentiment;

/** The recommendation model: a DOUBLE per (user, product), then a second field Aurora ignores. */
const scoreFor = (user: number, product: number) => user * 1.5 + product * 0.25;
/** A one-parameter model on the same endpoint. */
const singleScore = (user: number) => user * 2 + 0.5;

/** Five distinct (user, product) pairs. */
const PAIRS: readonly (readonly [number, number])[] = [
  [1, 10],
  [2, 20],
  [3, 30],
  [4, 41],
  [5, 52],
];

const MESSAGES = [
  'I love this, thanks a lot',
  'This is awful and broken',
  'Please reset my password',
  'Terrible support, I hate it',
  'Great product, works perfectly',
];

let scorer: InferenceContainer;
let downUrl: string;
let emu: Emulator;
let conn: mysql.Connection;
let admin: mysql.Connection;

function startAuroraEmulator(): Promise<Emulator> {
  return startEmulator({
    sagemakerEndpoints: {
      [ENDPOINT]: { kind: 'container', url: scorer.url },
      [DOWN_ENDPOINT]: { kind: 'container', url: downUrl },
    },
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: UPSTREAM,
    mysqlListen: '127.0.0.1:0',
    mysqlUpstream: mysqlUrl(DB),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
}

function connect(options: Omit<mysql.ConnectionOptions, 'uri'> = {}): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: emu.mysql?.url ?? '', ...options });
}

/** Asserts the statement fails with the catalog entry's errno and SQLSTATE, then that the connection still works. */
async function expectError(
  c: mysql.Connection,
  sql: string,
  entry: Pick<CatalogEntry, 'mysqlErrno' | 'mysqlState'>,
  message?: string | RegExp,
): Promise<void> {
  const err = await c.query(sql).then(
    () => null,
    (e: unknown) => e as { errno?: number; sqlState?: string; message?: string },
  );
  expect(err, `expected ${sql} to fail`).not.toBeNull();
  expect({ errno: err?.errno, sqlState: err?.sqlState }).toEqual({ errno: entry.mysqlErrno, sqlState: entry.mysqlState });
  if (typeof message === 'string') expect(err?.message).toContain(message);
  else if (message !== undefined) expect(err?.message).toMatch(message);
  await expectUsable(c);
}

async function expectUsable(c: mysql.Connection): Promise<void> {
  const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
  expect(rows).toEqual([{ one: 1 }]);
}

async function functionNames(): Promise<string[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SHOW FUNCTION STATUS WHERE Db = '${DB}'`);
  return rows.map((r) => r.Name as string).sort();
}

/** The lines the container received, per request. */
const requestLines = () => scorer.invocations.map((r) => r.body.toString('utf8').replace(/\n$/, '').split('\n'));

beforeAll(async () => {
  admin = await mysql.createConnection(DIRECT);
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.query(`DROP USER IF EXISTS '${GRANTEE}'@'%'`);
  scorer = await InferenceContainer.start({
    handler: (lines) =>
      lines.map((line) => {
        // One integer: the one-parameter model; anything but one or two integers gets -1, so tests show what was sent.
        if (/^\d+$/.test(line)) return `${singleScore(Number(line))},ignored`;
        const [user, product, ...rest] = line.split(',');
        const ok = rest.length === 0 && /^\d+$/.test(user ?? '') && /^\d+$/.test(product ?? '');
        return `${ok ? scoreFor(Number(user), Number(product)) : -1},ignored`;
      }),
  });
  const down = await InferenceContainer.start();
  downUrl = down.url;
  await down.close();
  emu = await startAuroraEmulator();
  conn = await connect();
  await conn.query('CREATE TABLE pairs (id INT PRIMARY KEY, user_id INT, product_id INT) ENGINE=InnoDB');
  for (const [i, [u, p]] of PAIRS.entries()) await conn.query('INSERT INTO pairs VALUES (?, ?, ?)', [i + 1, u, p]);
  await conn.query('CREATE TABLE msgs (id INT PRIMARY KEY, m TEXT) ENGINE=InnoDB');
  for (const [i, m] of MESSAGES.entries()) await conn.query('INSERT INTO msgs VALUES (?, ?)', [i + 1, m]);
});

afterAll(async () => {
  await conn?.end().catch(() => {});
  await emu?.close();
  await scorer?.close();
  await admin?.query(`DROP USER IF EXISTS '${GRANTEE}'@'%'`);
  await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin?.end();
});

describe('CREATE FUNCTION ... ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT', () => {
  it('two parameters, MAX_BATCH_SIZE 2: DOUBLE results, text/csv lines in argument order, 3 requests for 5 rows', async () => {
    await conn.query(`CREATE FUNCTION score(user_id INT, product_id INT) RETURNS DOUBLE
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}' MAX_BATCH_SIZE 2`);
    scorer.requests.length = 0;
    const [rows, fields] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT id, score(user_id, product_id) FROM pairs ORDER BY id',
    );
    expect(fields.map((f) => f.name)).toEqual(['id', 'score(user_id, product_id)']);
    expect(scorer.invocations).toHaveLength(3);
    for (const r of scorer.invocations) expect(r.headers['content-type']).toBe('text/csv');
    expect(requestLines().map((l) => l.length)).toEqual([2, 2, 1]);
    // One line per row, the fields in argument order.
    expect(requestLines().flat().sort()).toEqual(PAIRS.map(([u, p]) => `${u},${p}`).sort());
    expect(rows).toEqual(PAIRS.map(([u, p], i) => ({ id: i + 1, 'score(user_id, product_id)': scoreFor(u, p) })));
    for (const r of rows) expect(typeof r['score(user_id, product_id)']).toBe('number');
    await expectUsable(conn);
  });

  it('DEFINER = CURRENT_USER, SQL SECURITY INVOKER, COMMENT; default MAX_BATCH_SIZE sends 5 rows in 1 request', async () => {
    await conn.query(`CREATE DEFINER = CURRENT_USER FUNCTION score_all(user_id INT, product_id INT) RETURNS DOUBLE
      SQL SECURITY INVOKER COMMENT 'x'
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}'`);
    scorer.requests.length = 0;
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT id, score_all(user_id, product_id) AS s FROM pairs ORDER BY id',
    );
    expect(scorer.invocations).toHaveLength(1);
    expect(requestLines()[0]?.sort()).toEqual(PAIRS.map(([u, p]) => `${u},${p}`).sort());
    expect(rows).toEqual(PAIRS.map(([u, p], i) => ({ id: i + 1, s: scoreFor(u, p) })));
    const [status] = await conn.query<mysql.RowDataPacket[]>(`SHOW FUNCTION STATUS WHERE Db = '${DB}' AND Name = 'score_all'`);
    expect(status).toHaveLength(1);
    expect(status[0]?.Security_type).toBe('INVOKER');
    expect(status[0]?.Comment).toBe('x');
  });

  it('SHOW CREATE FUNCTION shows the ALIAS clause as written; SHOW FUNCTION STATUS, GRANT EXECUTE, DROP FUNCTION', async () => {
    const clause = `ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}' MAX_BATCH_SIZE 2`;
    await conn.query(`CREATE FUNCTION score_shown(user_id INT, product_id INT) RETURNS DOUBLE ${clause}`);
    const [shown] = await conn.query<mysql.RowDataPacket[]>('SHOW CREATE FUNCTION score_shown');
    expect(shown).toHaveLength(1);
    expect(shown[0]?.Function).toBe('score_shown');
    const text = String(shown[0]?.['Create Function']);
    expect(text).toContain(clause);
    expect(text.trimEnd().endsWith(clause)).toBe(true);
    expect(text).toMatch(/FUNCTION `score_shown`\(user_id INT, product_id INT\) RETURNS double/i);
    expect(text).not.toContain('aurora_ml');
    expect(text).not.toContain('aurora-ml-emulator');

    expect(await functionNames()).toContain('score_shown');

    await conn.query(`CREATE USER '${GRANTEE}'@'%' IDENTIFIED BY 'Aml-pw-1'`);
    try {
      await conn.query(`GRANT EXECUTE ON FUNCTION ${DB}.score_shown TO '${GRANTEE}'@'%'`);
      const [grants] = await conn.query<mysql.RowDataPacket[]>(`SHOW GRANTS FOR '${GRANTEE}'@'%'`);
      const lines = grants.map((g) => String(Object.values(g)[0]));
      expect(lines).toContain(`GRANT EXECUTE ON FUNCTION \`${DB}\`.\`score_shown\` TO \`${GRANTEE}\`@\`%\``);
    } finally {
      await conn.query(`DROP USER IF EXISTS '${GRANTEE}'@'%'`);
    }

    await conn.query('DROP FUNCTION score_shown');
    expect(await functionNames()).not.toContain('score_shown');
    await expectError(conn, 'SELECT score_shown(1, 2)', { mysqlErrno: ER_SP_DOES_NOT_EXIST, mysqlState: '42000' }, 'score_shown');
  });

  it('a one-parameter function sends its one field per line (control for the two-parameter case)', async () => {
    await conn.query(`CREATE FUNCTION score_one(user_id INT) RETURNS DOUBLE
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}' MAX_BATCH_SIZE 2`);
    scorer.requests.length = 0;
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT id, score_one(user_id) AS s FROM pairs ORDER BY id');
    expect(requestLines().flat().sort()).toEqual(PAIRS.map(([u]) => `${u}`).sort());
    expect(scorer.invocations).toHaveLength(3);
    expect(rows).toEqual(PAIRS.map(([u], i) => ({ id: i + 1, s: singleScore(u) })));
  });

  it('keeps working after the emulator restarts', async () => {
    await conn.query(`CREATE FUNCTION score_one_r(user_id INT) RETURNS DOUBLE
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}'`);
    await conn.query(`CREATE FUNCTION score_restart(user_id INT, product_id INT) RETURNS DOUBLE
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}'`);
    const [one] = await conn.query<mysql.RowDataPacket[]>('SELECT score_one_r(7) AS s');
    expect(one).toEqual([{ s: singleScore(7) }]);
    await conn.end();
    await emu.close();
    emu = await startAuroraEmulator();
    conn = await connect();
    scorer.requests.length = 0;
    const [oneAfter] = await conn.query<mysql.RowDataPacket[]>('SELECT score_one_r(7) AS s');
    expect(oneAfter).toEqual([{ s: singleScore(7) }]);
    expect(scorer.invocations).toHaveLength(1);
    scorer.requests.length = 0;
    const [after] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT id, score_restart(user_id, product_id) AS s FROM pairs ORDER BY id',
    );
    expect(after).toEqual(PAIRS.map(([u, p], i) => ({ id: i + 1, s: scoreFor(u, p) })));
    expect(scorer.invocations).toHaveLength(1);
    await expectUsable(conn);
  });
});

describe('ALIAS definitions Aurora refuses', () => {
  const invalid = catalog.InvalidAliasFunction;
  const sagemaker = `ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}'`;
  const refused: [string, string][] = [
    ['RETURNS JSON', `CREATE FUNCTION bad_fn(x INT) RETURNS JSON ${sagemaker}`],
    ['RETURNS BLOB', `CREATE FUNCTION bad_fn(x INT) RETURNS BLOB ${sagemaker}`],
    ['RETURNS TEXT', `CREATE FUNCTION bad_fn(x INT) RETURNS TEXT ${sagemaker}`],
    ['RETURNS DATE', `CREATE FUNCTION bad_fn(x INT) RETURNS DATE ${sagemaker}`],
    ['RETURNS BIT(1)', `CREATE FUNCTION bad_fn(x INT) RETURNS BIT(1) ${sagemaker}`],
    ['READS SQL DATA', `CREATE FUNCTION bad_fn(x INT) RETURNS DOUBLE READS SQL DATA ${sagemaker}`],
    ['MODIFIES SQL DATA', `CREATE FUNCTION bad_fn(x INT) RETURNS DOUBLE MODIFIES SQL DATA ${sagemaker}`],
    ['CONTAINS SQL', `CREATE FUNCTION bad_fn(x INT) RETURNS DOUBLE CONTAINS SQL ${sagemaker}`],
    ['NO SQL', `CREATE FUNCTION bad_fn(x INT) RETURNS DOUBLE NO SQL ${sagemaker}`],
    ['MAX_BATCH_SIZE 0', `CREATE FUNCTION bad_fn(x INT) RETURNS DOUBLE ${sagemaker} MAX_BATCH_SIZE 0`],
    [
      'Bedrock RETURNS JSON',
      `CREATE FUNCTION bad_fn(body TEXT) RETURNS JSON ALIAS AWS_BEDROCK_INVOKE_MODEL MODEL ID 'amazon.titan-text-express-v1'`,
    ],
  ];

  it.each(refused)('SageMaker/Bedrock %s: 1235 / 42000 and no function left behind', async (_what, sql) => {
    const before = await functionNames();
    await expectError(conn, sql, invalid);
    expect(invalid).toMatchObject({ mysqlErrno: 1235, mysqlState: '42000' });
    expect(await functionNames()).toEqual(before);
    expect(before).not.toContain('bad_fn');
  });

  it('a malformed ALIAS clause (ENDPOINT without NAME) is a syntax error, 1064 / 42000', async () => {
    const before = await functionNames();
    await expectError(
      conn,
      `CREATE FUNCTION bad_fn(x INT) RETURNS DOUBLE ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT '${ENDPOINT}'`,
      catalog.SyntaxError,
    );
    expect(catalog.SyntaxError).toMatchObject({ mysqlErrno: 1064, mysqlState: '42000' });
    expect(await functionNames()).toEqual(before);
  });
});

describe('CREATE FUNCTION ... ALIAS AWS_BEDROCK_INVOKE_MODEL', () => {
  it('Titan Text answers the JSON body of the built-in backend, the same for the same input', async () => {
    const model = 'amazon.titan-text-express-v1';
    await conn.query(`CREATE FUNCTION titan(body TEXT) RETURNS TEXT
      ALIAS AWS_BEDROCK_INVOKE_MODEL MODEL ID '${model}' CONTENT_TYPE 'application/json' ACCEPT 'application/json'`);
    const input = JSON.stringify({ inputText: 'Summarize: the nightly job failed twice this week' });
    const call = async () => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT titan(?) AS r', [input]);
      expect(rows).toHaveLength(1);
      return String(rows[0]?.r);
    };
    const first = await call();
    const second = await call();
    const parsed = JSON.parse(first) as { inputTextTokenCount: number; results: { outputText: string }[] };
    expect(parsed).toEqual(titanText({ modelId: model, body: JSON.parse(input), rawBody: input }));
    expect(typeof parsed.inputTextTokenCount).toBe('number');
    expect(parsed.results[0]?.outputText.length).toBeGreaterThan(0);
    expect(second).toBe(first);
  });
});

describe('errors at call time through an ALIAS function', () => {
  // One-parameter functions, so these tests do not depend on how several arguments are sent.
  beforeAll(async () => {
    await conn.query(`CREATE FUNCTION ghost(user_id INT) RETURNS DOUBLE
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'no-such-endpoint'`);
    await conn.query(`CREATE FUNCTION gone(user_id INT) RETURNS DOUBLE
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${DOWN_ENDPOINT}'`);
    await conn.query(`CREATE FUNCTION slow_score(user_id INT) RETURNS DOUBLE
      ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}'`);
  });

  it('an endpoint nobody configured: EndpointNotFound, naming the endpoint', async () => {
    await expectError(conn, 'SELECT ghost(1) AS s', catalog.EndpointNotFound, 'no-such-endpoint');
  });

  it('an endpoint whose container is down: ServiceUnavailable, naming the endpoint', async () => {
    await expectError(conn, 'SELECT gone(1) AS s', catalog.ServiceUnavailable, DOWN_ENDPOINT);
  });

  it('a slow container with aurora_ml_inference_timeout = 300: 1317 / 70100', async () => {
    scorer.set({ delayMs: 2000 });
    try {
      await conn.query('SET aurora_ml_inference_timeout = 300');
      const started = Date.now();
      await expectError(conn, 'SELECT slow_score(1) AS s', catalog.InferenceTimeout);
      expect(catalog.InferenceTimeout).toMatchObject({ mysqlErrno: 1317, mysqlState: '70100' });
      expect(Date.now() - started).toBeLessThan(1900);
    } finally {
      scorer.set({ delayMs: 0 });
      await conn.query('SET aurora_ml_inference_timeout = 30000');
    }
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT slow_score(1) AS s');
    expect(rows).toEqual([{ s: singleScore(1) }]);
  });

  it("MariaDB's max_statement_time = 0.3 with a slow container: MaxStatementTime 1969 / 70100", async () => {
    scorer.set({ delayMs: 2000 });
    try {
      await conn.query('SET max_statement_time = 0.3');
      const started = Date.now();
      await expectError(conn, 'SELECT slow_score(3) AS s', catalog.MaxStatementTime);
      expect(catalog.MaxStatementTime).toMatchObject({ mysqlErrno: 1969, mysqlState: '70100' });
      expect(Date.now() - started).toBeLessThan(1900);
    } finally {
      scorer.set({ delayMs: 0 });
      await conn.query('SET max_statement_time = 0');
    }
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT slow_score(3) AS s');
    expect(rows).toEqual([{ s: singleScore(3) }]);
  });
});

describe('views, procedures and CREATE TABLE ... SELECT over ML calls', () => {
  const expected = MESSAGES.map((m, i) => ({ id: i + 1, s: label(m) }));

  it('a view over an ML call and a view over that view give the right labels', async () => {
    expect(new Set(expected.map((r) => r.s))).toEqual(new Set(['POSITIVE', 'NEGATIVE', 'NEUTRAL']));
    await conn.query(`CREATE VIEW v_sent AS SELECT id, m, aws_comprehend_detect_sentiment(m, 'en') AS s FROM msgs`);
    await conn.query('CREATE VIEW v_sent2 AS SELECT id, s FROM v_sent');
    const [first] = await conn.query<mysql.RowDataPacket[]>('SELECT id, s FROM v_sent ORDER BY id');
    expect(first).toEqual(expected);
    const [second] = await conn.query<mysql.RowDataPacket[]>('SELECT id, s FROM v_sent2 ORDER BY id');
    expect(second).toEqual(expected);
  });

  it('CALL of a procedure that selects an ML call returns its label', async () => {
    await conn.query(`CREATE PROCEDURE p() SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`);
    const [results] = await conn.query<mysql.RowDataPacket[][]>('CALL p()');
    expect(results[0]).toEqual([{ s: 'POSITIVE' }]);
    expect(label('I love it')).toBe('POSITIVE');
    await expectUsable(conn);
  });

  it('CREATE TABLE ... AS SELECT with an ML call stores the right labels', async () => {
    await conn.query(`CREATE TABLE t2 AS SELECT id, aws_comprehend_detect_sentiment(m, 'en') AS s FROM msgs`);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT id, s FROM t2 ORDER BY id');
    expect(rows).toEqual(expected);
  });
});

describe('statements the emulator refuses with 1235', () => {
  const unsafe = catalog.UnsafeMlStatement;

  it('INSERT ... SELECT with an ML call into a MyISAM table: refused, table unchanged, the message names it', async () => {
    await conn.query('CREATE TABLE myi (id INT, s VARCHAR(16)) ENGINE=MyISAM');
    await expectError(
      conn,
      `INSERT INTO myi (id, s) SELECT id, aws_comprehend_detect_sentiment(m, 'en') FROM msgs`,
      unsafe,
      'myi',
    );
    expect(unsafe).toMatchObject({ mysqlErrno: 1235, mysqlState: '42000' });
    const [count] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM myi');
    expect(Number(count[0]?.n)).toBe(0);
  });

  it('CREATE TRIGGER with an ML call: refused, no trigger exists afterwards', async () => {
    await expectError(
      conn,
      `CREATE TRIGGER trg_ml BEFORE INSERT ON msgs FOR EACH ROW SET NEW.m = aws_comprehend_detect_sentiment(NEW.m, 'en')`,
      unsafe,
    );
    const [triggers] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${DB}'`,
    );
    expect(triggers).toEqual([]);
  });

  it('a multi-statement text containing an ML call: refused', async () => {
    const multi = await connect({ multipleStatements: true });
    try {
      await expectError(multi, `SELECT 1; SELECT aws_comprehend_detect_sentiment('I love it', 'en')`, unsafe);
      const [rows] = await multi.query<mysql.RowDataPacket[][]>('SELECT 1 AS a; SELECT 2 AS b');
      expect(rows).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    } finally {
      await multi.end();
    }
  });
});

describe('EXPLAIN', () => {
  it("EXPLAIN of a statement with an ML call shows 'Batched machine learning' and keeps id numeric", async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`EXPLAIN SELECT aws_comprehend_detect_sentiment(m, 'en') FROM msgs`);
    expect(rows.length).toBeGreaterThan(0);
    expect(String(rows[0]?.Extra)).toContain('Batched machine learning');
    expect(rows[0]?.id).toBe(1);
    expect(rows[0]?.table).toBe('msgs');
  });
});

describe('emulated variables', () => {
  it('aurora_ml_inference_timeout: default 30000, SET SESSION, SHOW VARIABLES, refused 0', async () => {
    const c = await connect();
    try {
      const [rows, fields] = await c.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_inference_timeout');
      expect(fields.map((f) => f.name)).toEqual(['@@aurora_ml_inference_timeout']);
      expect(rows).toEqual([{ '@@aurora_ml_inference_timeout': 30000 }]);
      await c.query('SET SESSION aurora_ml_inference_timeout = 1234');
      const [after] = await c.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_inference_timeout');
      expect(after).toEqual([{ '@@aurora_ml_inference_timeout': 1234 }]);
      const [shown] = await c.query<mysql.RowDataPacket[]>("SHOW VARIABLES LIKE 'aurora_ml%'");
      expect(shown).toContainEqual({ Variable_name: 'aurora_ml_inference_timeout', Value: '1234' });
      await expectError(c, 'SET aurora_ml_inference_timeout = 0', catalog.WrongValueForVariable);
      expect(catalog.WrongValueForVariable).toMatchObject({ mysqlErrno: 1231, mysqlState: '42000' });
      const [kept] = await c.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_inference_timeout');
      expect(kept).toEqual([{ '@@aurora_ml_inference_timeout': 1234 }]);
    } finally {
      await c.end();
    }
  });

  it('the aws_default_*_role cluster parameters: listed in name order, read-only', async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>("SHOW GLOBAL VARIABLES LIKE 'aws_default%'");
    expect(rows.map((r) => r.Variable_name)).toEqual([
      'aws_default_bedrock_role',
      'aws_default_comprehend_role',
      'aws_default_sagemaker_role',
    ]);
    await expectError(conn, "SET GLOBAL aws_default_sagemaker_role = 'x'", catalog.ReadOnlyVariable);
    expect(catalog.ReadOnlyVariable).toMatchObject({ mysqlErrno: 1238, mysqlState: 'HY000' });
  });
});

describe('warnings', () => {
  it("the server's out-of-range warning reaches SHOW WARNINGS alone; an ML SELECT leaves none", async () => {
    const c = await connect();
    try {
      await c.query("SET SESSION sql_mode = ''");
      await c.query('CREATE TABLE tiny_table (a TINYINT, s VARCHAR(16)) ENGINE=InnoDB');
      const [result] = await c.query<mysql.ResultSetHeader>(
        `INSERT INTO tiny_table (a, s) VALUES (1000, aws_comprehend_detect_sentiment('bad', 'en'))`,
      );
      expect(result.affectedRows).toBe(1);
      expect(result.warningStatus).toBe(1);
      const [warnings] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
      expect(warnings).toEqual([
        { Level: 'Warning', Code: ER_WARN_DATA_OUT_OF_RANGE, Message: "Out of range value for column 'a' at row 1" },
      ]);
      const [stored] = await c.query<mysql.RowDataPacket[]>('SELECT a, s FROM tiny_table');
      expect(stored).toEqual([{ a: 127, s: label('bad') }]);
      const [sel] = await c.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('good', 'en') AS s`);
      expect(sel).toEqual([{ s: label('good') }]);
      const [none] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
      expect(none).toEqual([]);
    } finally {
      await c.end();
    }
  });
});

describe('SQL-level prepared statements', () => {
  it('PREPARE / EXECUTE USING / DEALLOCATE; EXECUTE after DEALLOCATE is the server error 1243', async () => {
    await conn.query(`PREPARE s FROM 'SELECT aws_comprehend_detect_sentiment(?, ''en'') AS x'`);
    await conn.query(`SET @t = 'I hate it'`);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('EXECUTE s USING @t');
    expect(rows).toEqual([{ x: 'NEGATIVE' }]);
    expect(label('I hate it')).toBe('NEGATIVE');
    await conn.query('DEALLOCATE PREPARE s');
    await expectError(conn, 'EXECUTE s', { mysqlErrno: ER_UNKNOWN_STMT_HANDLER, mysqlState: 'HY000' });
  });
});

describe("Aurora MySQL 3.06's reserved words", () => {
  it('refuse accept, content_type, timeout_ms... as unquoted identifiers, in text and prepared statements', async () => {
    await expectError(conn, 'CREATE TABLE rw (accept INT)', catalog.SyntaxError, "near 'accept INT)'");
    await expectError(conn, 'SELECT 1 AS timeout_ms', catalog.SyntaxError, 'timeout_ms');
    await expectError(conn, 'CREATE TABLE rw (id INT, aws_bedrock_invoke_model INT)', catalog.SyntaxError);
    await expect(conn.execute('SELECT 1 AS content_type')).rejects.toMatchObject({ errno: 1064, sqlState: '42000' });
    await expectUsable(conn);
  });

  it('accept them quoted, after a dot, and inside strings', async () => {
    await conn.query('CREATE TABLE rw (id INT, `accept` INT, `content_type` VARCHAR(20))');
    await conn.query("INSERT INTO rw VALUES (1, 2, 'accept timeout_ms')");
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT rw.accept, rw.content_type FROM rw');
    expect(rows).toEqual([{ accept: 2, content_type: 'accept timeout_ms' }]);
    await conn.query('DROP TABLE rw');
  });
});

describe('the mariadb command-line client', () => {
  it('prints the label of an ML call', async () => {
    const sql = `SELECT aws_comprehend_detect_sentiment('I love this','en')`;
    const out = await runMariadbCli(emu.mysql?.port ?? 0, [DB, '-N', '-e', sql]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe('POSITIVE');
    expect(label('I love this')).toBe('POSITIVE');
  });
});
