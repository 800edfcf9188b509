/**
 * The MySQL connector matrix: real connectors through the emulator's MySQL
 * front in front of the machine's MariaDB 10.11, each row's value checked
 * against the emulator's own Comprehend (and SageMaker) API asked one text at
 * a time. Every case has its own distinct texts; batch flows use 30 rows, over
 * Comprehend's 25 documents a request.
 *
 * | connector (version)                                   | flows                                                         |
 * |-------------------------------------------------------|---------------------------------------------------------------|
 * | mysql2 3.24.6 (npm)                                   | query (COM_QUERY); execute (COM_STMT_PREPARE/EXECUTE)         |
 * | mariadb 3.5.4 (npm)                                   | query; execute with pipelining (statement id -1) and without; |
 * |                                                       | batch (COM_STMT_BULK_EXECUTE) of ML INSERT and UPDATE         |
 * | Prisma 7.10.1 + @prisma/adapter-mariadb 7.10.0        | $queryRawUnsafe, $queryRaw with ML calls; $executeRawUnsafe   |
 * |   (its own mariadb 3.4.5; binary protocol)            | of CREATE FUNCTION ... ALIAS, then calls of that function     |
 * | PyMySQL 1.0.2 (Debian python3-pymysql)                | autocommit off: ALIAS DDL, ML statements, commit, DROP        |
 * | mysqlclient 1.4.6 (Debian python3-mysqldb)            | FUNCTION and CREATE TABLE after ML, rollback, savepoints,     |
 * |                                                       | implicit commit (test/drivers/mysql/dbapi_flow.py)            |
 * | MariaDB Connector/J 2.7.6 (Debian libmariadb-java,    | plain Statement; useServerPrepStmts=true; useBulkStmts=true   |
 * |   OpenJDK 17 from default-jdk-headless)               | executeBatch of ML UPDATE and INSERT (ConnectorJFlow.java)    |
 *
 * The Debian connectors come from .ci/install-mysql-connectors.sh; a missing
 * one fails its case and says to run that script.
 */
import * as mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.ts';
import { MlOracle, type Sentiment } from './drivers/mysql/oracle.ts';
import { type GeneratedPrisma, generatePrismaClient } from './drivers/mysql/prisma.ts';
import { textsFor } from './drivers/mysql/texts.ts';
import { CONNECTOR_J, JAVA, PYTHON, requireConnectorJ, requirePythonModule, runTool } from './drivers/mysql/tools.ts';
import { mysqlConnectionOptions, startMysqlEmulator } from './helpers/emulator.ts';

const MYSQL = mysqlConnectionOptions();
/** A database of this file's own, so function names like `score` collide with no other test. */
const DB = `aml_connectors_${process.pid}`;
const BATCH_ROWS = 30;
const DETECT = (arg: string) => `aws_comprehend_detect_sentiment(${arg}, 'en')`;
const CONFIDENCE = (arg: string) => `aws_comprehend_detect_sentiment_confidence(${arg}, 'en')`;

let emu: Emulator;
let oracle: MlOracle;
let admin: mysql.Connection;
let port: number;

interface Source {
  readonly table: string;
  readonly texts: readonly string[];
  readonly expected: readonly Sentiment[];
}

/** A table of `count` reviews (ids from 1) made straight on MariaDB, with the oracle's answer for each. */
async function source(caseIndex: number, name: string, count = BATCH_ROWS): Promise<Source> {
  const texts = textsFor(caseIndex, count);
  await admin.query(
    `CREATE TABLE ${name} (id INT PRIMARY KEY, message TEXT NOT NULL, sentiment VARCHAR(16) NULL,
       user_id INT NOT NULL, product_id INT NOT NULL) ENGINE=InnoDB`,
  );
  await admin.query(`INSERT INTO ${name} (id, message, user_id, product_id) VALUES ?`, [
    texts.map((t, i) => [i + 1, t, 100 + i, 7 * i + caseIndex]),
  ]);
  return { table: name, texts, expected: await oracle.sentiments(texts) };
}

/** [id, label, confidence] per row, as the oracle says. */
const labelled = (s: Source) => s.expected.map((e, i) => [i + 1, e.sentiment, e.confidence]);

async function directRows(sql: string): Promise<mysql.RowDataPacket[]> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(sql);
  return rows;
}

/** Every row of the source table holds its own text's label, as the oracle gave it. */
async function expectStoredLabels(s: Source): Promise<void> {
  const rows = await directRows(`SELECT id, sentiment FROM ${s.table} ORDER BY id`);
  expect(rows.map((r) => [r.id, r.sentiment])).toEqual(s.expected.map((e, i) => [i + 1, e.sentiment]));
}

beforeAll(async () => {
  admin = await mysql.createConnection({ ...MYSQL, database: 'test' });
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB} CHARACTER SET utf8mb4`);
  await admin.query(`USE ${DB}`);
  emu = await startMysqlEmulator('test');
  port = emu.mysql?.port ?? 0;
  oracle = new MlOracle(emu.api.url);
});

afterAll(async () => {
  oracle?.[Symbol.dispose]();
  await emu?.close();
  if (admin !== undefined) {
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.end();
  }
});

describe('mysql2', () => {
  const connect = () =>
    mysql.createConnection({ host: '127.0.0.1', port, user: 'root', database: DB, charset: 'UTF8MB4_GENERAL_CI' });

  it('query (COM_QUERY): every row of a 30-row ML select, and the seed form keeps the column name written', async () => {
    const s = await source(0, 'mysql2_query');
    const c = await connect();
    try {
      const [rows, fields] = await c.query<mysql.RowDataPacket[]>(
        `SELECT id, ${DETECT('message')}, ${CONFIDENCE('message')} AS confidence FROM ${s.table} ORDER BY id`,
      );
      expect(fields.map((f) => f.name)).toEqual(['id', DETECT('message'), 'confidence']);
      expect(rows.map((r) => [r.id, r[DETECT('message')], r.confidence])).toEqual(labelled(s));
      const seed = "aws_sagemaker_invoke_endpoint('demo-score', 1, 'x')";
      const [seedRows, seedFields] = await c.query<mysql.RowDataPacket[]>(`SELECT ${seed}`);
      expect(seedFields.map((f) => f.name)).toEqual([seed]);
      expect(Number(seedRows[0]?.[seed])).toBe(await oracle.score('demo-score', '1,x'));
    } finally {
      await c.end();
    }
  });

  it('execute (COM_STMT_PREPARE/EXECUTE): parameters as texts, and a 30-row ML UPDATE', async () => {
    const s = await source(1, 'mysql2_execute');
    const c = await connect();
    try {
      for (const [i, text] of s.texts.slice(0, 6).entries()) {
        const [rows] = await c.execute<mysql.RowDataPacket[]>(`SELECT ? AS n, ${DETECT('?')} AS s, ${CONFIDENCE('?')} AS c`, [
          i,
          text,
          text,
        ]);
        expect(rows).toEqual([{ n: i, s: s.expected[i]?.sentiment, c: s.expected[i]?.confidence }]);
      }
      const [result] = await c.execute<mysql.ResultSetHeader>(
        `UPDATE ${s.table} SET sentiment = ${DETECT('message')} WHERE id > ?`,
        [0],
      );
      expect(result.affectedRows).toBe(BATCH_ROWS);
      await expectStoredLabels(s);
    } finally {
      await c.end();
    }
  });
});

describe('mariadb connector', () => {
  const connect = (options: Partial<mariadb.ConnectionConfig> = {}) =>
    mariadb.createConnection({ host: '127.0.0.1', port, user: 'root', database: DB, socketTimeout: 15_000, ...options });

  it('query (text protocol, client-side placeholders): every row of a 30-row ML select', async () => {
    const s = await source(2, 'mariadb_query');
    const c = await connect();
    try {
      const rows = await c.query<{ id: number; s: string; c: number }[]>(
        `SELECT id, aws_comprehend_detect_sentiment(message, ?) AS s, aws_comprehend_detect_sentiment_confidence(message, ?) AS c
           FROM ${s.table} ORDER BY id`,
        ['en', 'en'],
      );
      expect(rows.map((r) => [r.id, r.s, r.c])).toEqual(labelled(s));
    } finally {
      await c.end();
    }
  });

  for (const [caseIndex, pipelining] of [
    [3, true],
    [4, false],
  ] as const) {
    it(`execute with pipelining ${pipelining ? 'on (PREPARE + EXECUTE with statement id -1)' : 'off'}: first and cached executions, ML UPDATE`, async () => {
      const s = await source(caseIndex, `mariadb_execute_${pipelining ? 'pipelined' : 'plain'}`);
      // A new connection has an empty statement cache: the first execute of each text prepares it.
      const c = await connect({ pipelining, prepareCacheLength: 256 });
      try {
        for (const [i, text] of s.texts.slice(0, 6).entries()) {
          const rows = await c.execute<{ s: string; c: number }[]>(`SELECT ${DETECT('?')} AS s, ${CONFIDENCE('?')} AS c`, [
            text,
            text,
          ]);
          expect([...rows]).toEqual([{ s: s.expected[i]?.sentiment, c: s.expected[i]?.confidence }]);
        }
        const result = await c.execute<mariadb.UpsertResult>(
          `UPDATE ${s.table} SET sentiment = ${DETECT('message')} WHERE id > ?`,
          [0],
        );
        expect(result.affectedRows).toBe(BATCH_ROWS);
        await expectStoredLabels(s);
      } finally {
        await c.end();
      }
      // A statement the front never answers must fail the case soon, not hold the file for a minute.
    }, 20_000);
  }

  it('batch (COM_STMT_BULK_EXECUTE): 30-row ML INSERT and per-row ML UPDATE, each row with its own values', async () => {
    const s = await source(5, 'mariadb_batch');
    await admin.query(
      'CREATE TABLE mariadb_batch_out (id INT PRIMARY KEY, sentiment VARCHAR(16), confidence DOUBLE) ENGINE=InnoDB',
    );
    const c = await connect();
    try {
      const inserted = await c.batch<mariadb.UpsertResult>(
        `INSERT INTO mariadb_batch_out (id, sentiment, confidence) VALUES (?, ${DETECT('?')}, ${CONFIDENCE('?')})`,
        s.texts.map((t, i) => [i + 1, t, t]),
      );
      expect(inserted.affectedRows).toBe(BATCH_ROWS);
      const out = await directRows('SELECT id, sentiment, confidence FROM mariadb_batch_out ORDER BY id');
      expect(out.map((r) => [r.id, r.sentiment, r.confidence])).toEqual(labelled(s));
      const updated = await c.batch<mariadb.UpsertResult>(
        `UPDATE ${s.table} SET sentiment = ${DETECT('message')} WHERE id = ?`,
        s.texts.map((_t, i) => [i + 1]),
      );
      expect(updated.affectedRows).toBe(BATCH_ROWS);
      await expectStoredLabels(s);
    } finally {
      await c.end();
    }
  });
});

describe('Prisma 7 with @prisma/adapter-mariadb', () => {
  // `prisma generate` runs offline: the prisma-client generator needs no engine binary, and
  // PRISMA_SCHEMA_ENGINE_BINARY points the CLI at a stub so it downloads none (drivers/mysql/prisma.ts).
  let generated: GeneratedPrisma;

  beforeAll(async () => {
    generated = await generatePrismaClient();
  });

  afterAll(async () => {
    await generated?.[Symbol.asyncDispose]();
  });

  it('$queryRawUnsafe and $queryRaw with ML calls; $executeRawUnsafe of ALIAS DDL, then the function', async () => {
    const texts = textsFor(6, BATCH_ROWS);
    const expected = await oracle.sentiments(texts);
    await admin.query(
      `CREATE TABLE reviews (id INT PRIMARY KEY, message TEXT NOT NULL, sentiment VARCHAR(16) NULL,
         user_id INT NOT NULL, product_id INT NOT NULL) ENGINE=InnoDB`,
    );
    const prisma = generated.connect({ host: '127.0.0.1', port, database: DB });
    const created = await prisma.review.createMany({
      data: texts.map((message, i) => ({ id: i + 1, message, user_id: 10 + i, product_id: 3 * i + 1 })),
    });
    expect(created.count).toBe(BATCH_ROWS);

    const rows = await prisma.$queryRawUnsafe<{ id: number; s: string; c: number }[]>(
      `SELECT id, aws_comprehend_detect_sentiment(message, ?) AS s, aws_comprehend_detect_sentiment_confidence(message, ?) AS c
         FROM reviews ORDER BY id`,
      'en',
      'en',
    );
    expect(rows.map((r) => [r.id, r.s, r.c])).toEqual(expected.map((e, i) => [i + 1, e.sentiment, e.confidence]));

    for (const [i, text] of texts.slice(0, 5).entries()) {
      const one = await prisma.$queryRaw<{ s: string; c: number }[]>`SELECT aws_comprehend_detect_sentiment(${text}, 'en') AS s,
        aws_comprehend_detect_sentiment_confidence(${text}, 'en') AS c`;
      expect(one).toEqual([{ s: expected[i]?.sentiment, c: expected[i]?.confidence }]);
    }

    await prisma.$executeRawUnsafe('DROP FUNCTION IF EXISTS score');
    await prisma.$executeRawUnsafe(
      `CREATE FUNCTION score(user_id INT, product_id INT) RETURNS DOUBLE
         ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'demo-score'`,
    );
    const scores = await prisma.$queryRawUnsafe<{ id: number; score: number }[]>(
      'SELECT id, score(user_id, product_id) AS score FROM reviews ORDER BY id',
    );
    const want: number[] = [];
    for (let i = 0; i < BATCH_ROWS; i++) want.push(await oracle.score('demo-score', `${10 + i},${3 * i + 1}`));
    expect(scores.map((r) => [r.id, r.score])).toEqual(want.map((w, i) => [i + 1, w]));
    const single = await prisma.$queryRaw<{ s: number }[]>`SELECT score(${77}, ${5}) AS s`;
    expect(single).toEqual([{ s: await oracle.score('demo-score', '77,5') }]);
  });
});

interface DbapiStep {
  readonly step: string;
  readonly result?: unknown;
  readonly error?: { errno: number; message: string };
}

describe.each([
  { driver: 'pymysql', module: 'pymysql', debian: 'python3-pymysql', caseIndex: 7, version: 'PyMySQL 1.0.2' },
  { driver: 'MySQLdb', module: 'MySQLdb', debian: 'python3-mysqldb', caseIndex: 8, version: 'mysqlclient 1.4.6' },
])('$debian (DB-API, autocommit off)', ({ driver, module, debian, caseIndex, version }) => {
  it('ML statement, commit, DDL, rollback, savepoints and an implicit commit; the data is right', async () => {
    await requirePythonModule(module, debian);
    const s = await source(caseIndex, `dbapi_${driver.toLowerCase()}`);
    const labels = `dbapi_${driver.toLowerCase()}_labels`;
    const params = s.texts.slice(0, 4);
    const out = await runTool(PYTHON, [
      new URL('./drivers/mysql/dbapi_flow.py', import.meta.url).pathname,
      driver,
      '127.0.0.1',
      String(port),
      DB,
      s.table,
      labels,
      ...params,
    ]);
    const report = JSON.parse(out) as { driver: string; steps: DbapiStep[] };
    const scores: number[] = [];
    for (const [i] of s.texts.entries()) scores.push(await oracle.score('demo-score', `${100 + i},${7 * i + caseIndex}`));
    expect(report.driver).toBe(version);
    const ids = s.expected.map((_e, i) => i + 1);
    const labelOf = (id: number) => s.expected[id - 1]?.sentiment;
    const ok = (step: string, result: unknown): DbapiStep => ({ step, result });
    expect(report.steps).toEqual([
      ok('autocommit at connect', [[0]]),
      ok('DROP FUNCTION IF EXISTS before', 0),
      ok('CREATE FUNCTION ... ALIAS', 0),
      ok(
        'ML select',
        labelled(s).map((row, i) => [...row, scores[i]]),
      ),
      ...params.map((_t, i) => ok(`ML select with parameter ${i}`, [[s.expected[i]?.sentiment, s.expected[i]?.confidence]])),
      ok('commit after ML', 'ok'),
      ok('DROP FUNCTION IF EXISTS after ML', 0),
      ok('CREATE TABLE', 0),
      ok('ML INSERT ... SELECT', BATCH_ROWS),
      ok('rollback of ML INSERT', 'ok'),
      ok('labels after rollback', []),
      ok('ML INSERT ... SELECT again', BATCH_ROWS),
      ok('commit of ML INSERT', 'ok'),
      ok('ML UPDATE', BATCH_ROWS),
      ok(
        'source inside the transaction',
        ids.map((id) => [id, labelOf(id)]),
      ),
      ok('rollback of ML UPDATE', 'ok'),
      ok(
        'source after rollback',
        ids.map((id) => [id, null]),
      ),
      ok('ML select opens a transaction', [[labelOf(1)]]),
      { step: 'no savepoint of the emulator left', error: { errno: 1305, message: expect.stringContaining('does not exist') } },
      ok('user SAVEPOINT', 0),
      ok('ML UPDATE after the savepoint', 5),
      ok('ROLLBACK TO the user savepoint', 0),
      ok('ML UPDATE before an implicit commit', 3),
      ok('START TRANSACTION commits implicitly', 0),
      ok('rollback after the implicit commit', 'ok'),
      ok(
        'source at the end',
        ids.map((id) => [id, id <= 3 ? labelOf(id) : null]),
      ),
      // The SELECT just before opened a transaction, as any InnoDB read does with autocommit off.
      ok('session at the end', [[0, 1]]),
    ]);
    // What was committed is there for everyone else too.
    const stored = await directRows(`SELECT id, sentiment, confidence FROM ${labels} ORDER BY id`);
    expect(stored.map((r) => [r.id, r.sentiment, r.confidence])).toEqual(labelled(s));
    const source_ = await directRows(`SELECT id, sentiment FROM ${s.table} ORDER BY id`);
    expect(source_.map((r) => [r.id, r.sentiment])).toEqual(ids.map((id) => [id, id <= 3 ? labelOf(id) : null]));
  });
});

describe('MariaDB Connector/J (libmariadb-java)', () => {
  it('Statement, useServerPrepStmts=true, useBulkStmts=true executeBatch of ML UPDATE and INSERT', async () => {
    requireConnectorJ();
    const s = await source(9, 'connectorj_source');
    await admin.query(
      'CREATE TABLE connectorj_bulk (id INT PRIMARY KEY, sentiment VARCHAR(16), confidence DOUBLE) ENGINE=InnoDB',
    );
    const out = await runTool(
      JAVA,
      [
        '-cp',
        CONNECTOR_J,
        new URL('./drivers/mysql/ConnectorJFlow.java', import.meta.url).pathname,
        `jdbc:mariadb://127.0.0.1:${port}/${DB}?user=root`,
        s.table,
        'connectorj_bulk',
        ...s.texts,
      ],
      120_000,
    );
    const lines = out.trimEnd().split('\n');
    const rowsOf = (flow: string) =>
      lines
        .filter((l) => l.startsWith(`${flow}\t`))
        .map((l) => l.split('\t').slice(1))
        .map(([n, label, confidence]) => [Number(n), label, Number(confidence)]);
    // Errors first, so a failing flow shows the driver's own message.
    expect(lines.filter((l) => l.startsWith('error\t'))).toEqual([]);
    expect(lines[0]).toBe('driver\t2.7.6');
    expect(rowsOf('statement')).toEqual(labelled(s));
    expect(rowsOf('server-prep-text')).toEqual(s.expected.slice(0, 5).map((e, i) => [i, e.sentiment, e.confidence]));
    expect(rowsOf('server-prep-table')).toEqual(labelled(s));
    // Connector/J 2.7 reports SUCCESS_NO_INFO (-2) for each row of a bulk batch, as it does straight on MariaDB.
    const noInfo = `[${Array(BATCH_ROWS).fill(-2).join(', ')}]`;
    expect(lines.filter((l) => l.includes('-counts\t'))).toEqual([
      `bulk-update-counts\t${noInfo}`,
      `bulk-insert-counts\t${noInfo}`,
    ]);
    const updated = await directRows(`SELECT id, sentiment FROM ${s.table} ORDER BY id`);
    expect(updated.map((r) => [r.id, r.sentiment])).toEqual(s.expected.map((e, i) => [i + 1, e.sentiment]));
    const inserted = await directRows('SELECT id, sentiment, confidence FROM connectorj_bulk ORDER BY id');
    expect(inserted.map((r) => [r.id, r.sentiment, r.confidence])).toEqual(labelled(s));
  });
});
