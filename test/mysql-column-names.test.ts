/**
 * The name and type of every ML result column are what the client's own text
 * gives on a server where the functions exist as written: each statement runs
 * through the emulator and straight on MariaDB over reference functions with
 * the built-ins' names and the stubs' result types, over the text and the
 * binary protocol, and the column definitions (name, org_name, type, length,
 * character set, flags, decimals) and the rows must be identical. Seed forms
 * included: the direct aws_sagemaker_invoke_endpoint used to be named after
 * the emulator's rewrite (`...JSON_ARRAY(1, 'x')...`).
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceContainer } from './helpers/inference-container.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';
import { type Answer, CAP, executeCommand, MARIADB_CAP, RawMySql } from './helpers/mysql-raw.ts';
import { createReferenceDatabase } from './helpers/mysql-reference.ts';
import { MYSQL_HOST, MYSQL_PORT } from './helpers/test-databases.ts';

const DB = `aml_names_${process.pid}`;
/** Reference functions with two arguments, and with Aurora's optional max_batch_size (one arity per stored function). */
const REF = `aml_names_ref_${process.pid}`;
const REF_BATCH = `aml_names_refb_${process.pid}`;
const ENDPOINT = 'names-ep';
const LATIN1_SWEDISH_CI = 8;

const TEXTS = ['I love this product, it is great', 'This is awful and completely broken', 'Please reset my password'] as const;
const LONG_PREFIX = 'z'.repeat(240);

interface Case {
  readonly sql: string;
  /** The reference database the statement runs in straight on MariaDB. */
  readonly ref?: string;
  /** The rows are compared too (false where the reference functions cannot know the answer). */
  readonly rows?: boolean;
}

const CASES: readonly Case[] = [
  { sql: `SELECT aws_sagemaker_invoke_endpoint('${ENDPOINT}', 1, 'x')` },
  { sql: `SELECT aws_sagemaker_invoke_endpoint( '${ENDPOINT}',2,'y' ) , 3` },
  // The client's own JSON_ARRAY stays in the name (the emulator sends the array's items as fields: no row check).
  { sql: `SELECT AWS_SAGEMAKER_INVOKE_ENDPOINT('${ENDPOINT}', id, JSON_ARRAY(id)) FROM tickets ORDER BY id`, rows: false },
  {
    sql: `SELECT id, aws_sagemaker_invoke_endpoint('${ENDPOINT}', aws_comprehend_detect_sentiment(message, 'en'), id) FROM tickets ORDER BY id`,
  },
  {
    sql: `SELECT aws_comprehend_detect_sentiment('${TEXTS[0]}', 'en'), aws_comprehend_detect_sentiment_confidence('${TEXTS[0]}', 'en')`,
  },
  {
    sql: `SELECT id, AWS_COMPREHEND_DETECT_SENTIMENT(message,'en'), Aws_Comprehend_Detect_Sentiment_Confidence( message , 'en' ) c,
            aws_comprehend_detect_sentiment /* a comment */ (message, 'en') FROM tickets ORDER BY id`,
  },
  { sql: "SELECT aws_comprehend_detect_sentiment(message, 'en', 2) FROM tickets ORDER BY id", ref: REF_BATCH },
  {
    sql: `SELECT aws_comprehend_detect_sentiment(CONCAT('${LONG_PREFIX}', message), 'en') FROM tickets ORDER BY id`,
    rows: false,
  },
  {
    sql: `SELECT aws_sagemaker_invoke_endpoint('${ENDPOINT}', CONCAT('${LONG_PREFIX}', id), id) FROM tickets ORDER BY id`,
    rows: false,
  },
];

let scorer: InferenceContainer;
let env: MysqlTestEmulator;
let port = 0;
let admin: mysql.Connection;

/** What two answers must agree on: every column definition, and the rows unless told otherwise. */
function shape(a: Answer, rows: boolean) {
  return { kind: a.kind, errno: a.errno, message: a.message, columns: a.columns, ...(rows ? { rows: a.rows } : {}) };
}

async function run(through: boolean, database: string, c: Case, binary: boolean, collation?: number) {
  const conn = await RawMySql.connect({
    host: through ? '127.0.0.1' : MYSQL_HOST,
    port: through ? port : MYSQL_PORT,
    database,
    capabilities: CAP.DEPRECATE_EOF,
    mariadbCapabilities: MARIADB_CAP.EXTENDED_METADATA,
    ...(collation === undefined ? {} : { collation }),
  });
  try {
    if (!binary) return shape(await conn.query(c.sql), c.rows ?? true);
    const prepared = await conn.prepare(c.sql);
    conn.write(executeCommand(prepared.statementId, []));
    const executed = await conn.answer('binary', prepared.columns ?? []);
    // The definitions a COM_STMT_PREPARE_OK announces are named the same way.
    return { prepared: prepared.columns, ...shape(executed, c.rows ?? true) };
  } finally {
    conn.close();
  }
}

beforeAll(async () => {
  // The model answers `v:<line>` with '|' for ',' (one field), which the reference function computes for simple inputs.
  scorer = await InferenceContainer.start({ handler: (lines) => lines.map((line) => `v:${line.replaceAll(',', '|')}`) });
  env = await startMysqlTestEmulator(
    { sagemakerEndpoints: { [ENDPOINT]: { kind: 'container', url: scorer.url } } },
    {
      name: DB,
      createOptions: 'CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
      prepare: async (direct) => {
        await createReferenceDatabase(direct, REF, TEXTS, { sagemakerInputs: 2 });
        await createReferenceDatabase(direct, REF_BATCH, TEXTS, { batchArgument: true });
        for (const database of [DB, REF, REF_BATCH]) {
          await direct.query(`CREATE TABLE ${database}.tickets (id INT PRIMARY KEY, message TEXT) ENGINE=InnoDB`);
          for (const [i, t] of TEXTS.entries()) await direct.query(`INSERT INTO ${database}.tickets VALUES (?, ?)`, [i + 1, t]);
        }
      },
    },
  );
  admin = env.admin;
  port = env.port;
});

afterAll(async () => {
  for (const database of [REF, REF_BATCH]) await env?.admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await env?.[Symbol.asyncDispose]();
  await scorer?.close();
});

describe('ML result columns: the names and types the client wrote', () => {
  for (const c of CASES) {
    for (const binary of [false, true]) {
      it(`${binary ? 'binary' : 'text'}: ${c.sql.replace(/\s+/g, ' ').slice(0, 110)}`, async () => {
        const viaEmulator = await run(true, DB, c, binary);
        const direct = await run(false, c.ref ?? REF, c, binary);
        expect(viaEmulator).toEqual(direct);
        expect(viaEmulator.kind).toBe('rows');
      });
    }
  }

  it("the issue's repro: the direct SageMaker call's column is named exactly as written, seed warning and all", async () => {
    const c = await mysql.createConnection({ uri: env.url });
    try {
      const [rows, fields] = await c.query<mysql.RowDataPacket[]>(`SELECT aws_sagemaker_invoke_endpoint('${ENDPOINT}', 1, 'x')`);
      expect(fields.map((f) => f.name)).toEqual([`aws_sagemaker_invoke_endpoint('${ENDPOINT}', 1, 'x')`]);
      expect(Object.values(rows[0] ?? {})).toEqual(['v:1|x']);
      const [warnings] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
      expect(warnings.map((w) => w.Message)).toEqual([
        'aws_sagemaker_invoke_endpoint() is an aurora-ml-emulator extension: real Aurora MySQL rejects it',
      ]);
    } finally {
      await c.end();
    }
  });

  it('a latin1 connection (whose label stubs return utf8mb4) gets the same definitions as MariaDB', async () => {
    const c: Case = { sql: "SELECT id, aws_comprehend_detect_sentiment(message, 'en') FROM tickets ORDER BY id" };
    for (const binary of [false, true]) {
      const viaEmulator = await run(true, DB, c, binary, LATIN1_SWEDISH_CI);
      expect(viaEmulator).toEqual(await run(false, REF, c, binary, LATIN1_SWEDISH_CI));
    }
  });

  it('a view over ML calls, created through the emulator: SELECT * names its columns as MariaDB does', async () => {
    const view =
      "CREATE VIEW moods AS SELECT id, aws_comprehend_detect_sentiment(message, 'en'), aws_comprehend_detect_sentiment_confidence(message,'en') FROM tickets";
    const through = await mysql.createConnection({ uri: env.url });
    try {
      await through.query(view);
      await admin.query(`USE ${REF}`);
      await admin.query(view);
      const c: Case = { sql: 'SELECT * FROM moods ORDER BY id' };
      for (const binary of [false, true]) expect(await run(true, DB, c, binary)).toEqual(await run(false, REF, c, binary));
    } finally {
      await through.query('DROP VIEW IF EXISTS moods');
      await admin.query(`DROP VIEW IF EXISTS ${REF}.moods`);
      await through.end();
    }
  });
});
