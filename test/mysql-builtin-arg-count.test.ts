/**
 * An Aurora MySQL ML built-in called with an argument count Aurora does not
 * take: Aurora's parser refuses it before anything runs with the native
 * function error, 1582 (42000) "Incorrect parameter count in the call to
 * native function 'name'", the name as the statement spells it (MariaDB does
 * the same for its own native functions). It used to reach MariaDB as an
 * unknown stored function (1305 FUNCTION test.aws_... does not exist). Every
 * built-in in the registry, too few and too many arguments, over the text
 * protocol and at prepare time, through mysql2 and the mariadb connector;
 * correct counts still answer, the connection stays usable, and names that
 * only look like a built-in keep their behaviour.
 */
import * as mariadb from 'mariadb';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectEntities } from '../src/backends/comprehend/entities.ts';
import { detectKeyPhrases } from '../src/backends/comprehend/key-phrases.ts';
import { detectPiiEntities } from '../src/backends/comprehend/pii.ts';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { MYSQL_BUILTINS } from '../src/functions/registry.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';

const TEXT = 'I love this product, Jane Doe says it is great';
const PII_TEXT = 'Write to jane.doe@example.com before Friday';
const OTHER_DB = `aml_argc_other_${process.pid}`;

/** The MySQL answers of the Comprehend calls, from the built-in models the emulator answers with. */
function sentimentOf(text: string): { label: string; score: number } {
  const r = analyzeSentiment(text, 'en');
  const key = `${r.sentiment[0]}${r.sentiment.slice(1).toLowerCase()}` as keyof typeof r.scores;
  return { label: r.sentiment, score: r.scores[key] };
}

interface BuiltinCase {
  readonly name: string;
  /** Argument lists Aurora takes, each with the value the call answers. */
  readonly good: ReadonlyArray<{ readonly args: string; readonly value: () => unknown }>;
  readonly tooFew: readonly string[];
  readonly tooMany: readonly string[];
}

/**
 * The accepted counts are the reference's (/work/shared/aurora-ml-reference.md
 * section 1 and 2), written out here so the test does not read them from the
 * registry it checks.
 */
const CASES: readonly BuiltinCase[] = [
  {
    name: 'aws_comprehend_detect_sentiment',
    good: [
      { args: `'${TEXT}', 'en'`, value: () => sentimentOf(TEXT).label },
      { args: `'${TEXT}', 'en', 25`, value: () => sentimentOf(TEXT).label },
    ],
    tooFew: ['', `'${TEXT}'`],
    tooMany: [`'${TEXT}', 'en', 25, 1`],
  },
  {
    name: 'aws_comprehend_detect_sentiment_confidence',
    good: [
      { args: `'${TEXT}', 'en'`, value: () => sentimentOf(TEXT).score },
      { args: `'${TEXT}', 'en', 10`, value: () => sentimentOf(TEXT).score },
    ],
    tooFew: ['', `'${TEXT}'`],
    tooMany: [`'${TEXT}', 'en', 25, 1`],
  },
  {
    name: 'aws_comprehend_detect_dominant_language',
    good: [{ args: `'${TEXT}'`, value: () => 'en' }],
    tooFew: [''],
    tooMany: [`'${TEXT}', 'en'`],
  },
  {
    name: 'aws_comprehend_detect_entities',
    good: [
      {
        args: `'${TEXT}', 'en'`,
        value: () =>
          detectEntities(TEXT, 'en').map((e) => ({
            Type: e.type,
            Text: e.text,
            Score: e.score,
            BeginOffset: e.beginOffset,
            EndOffset: e.endOffset,
          })),
      },
    ],
    tooFew: ['', `'${TEXT}'`],
    tooMany: [`'${TEXT}', 'en', 25`],
  },
  {
    name: 'aws_comprehend_detect_key_phrases',
    good: [
      {
        args: `'${TEXT}', 'en'`,
        value: () =>
          detectKeyPhrases(TEXT, 'en').map((k) => ({
            Text: k.text,
            Score: k.score,
            BeginOffset: k.beginOffset,
            EndOffset: k.endOffset,
          })),
      },
    ],
    tooFew: [`'${TEXT}'`],
    tooMany: [`'${TEXT}', 'en', 25`],
  },
  {
    name: 'aws_comprehend_detect_pii_entities',
    good: [
      {
        args: `'${PII_TEXT}', 'en'`,
        value: () =>
          detectPiiEntities(PII_TEXT, 'en').map((e) => ({
            Type: e.type,
            Score: e.score,
            BeginOffset: e.beginOffset,
            EndOffset: e.endOffset,
          })),
      },
    ],
    tooFew: [`'${PII_TEXT}'`],
    tooMany: [`'${PII_TEXT}', 'en', 25`],
  },
  {
    // The seed's direct call: an endpoint and at least one input. The demo echo model joins its inputs with spaces.
    name: 'aws_sagemaker_invoke_endpoint',
    good: [
      { args: `'demo-echo', 'x'`, value: () => 'x' },
      { args: `'demo-echo', 'y', 2, 3`, value: () => 'y 2 3' },
    ],
    tooFew: ['', `'demo-echo'`],
    tooMany: [],
  },
];

/** A value as it comes back: the JSON functions' text parsed, the rest as the driver gives it. */
const decoded = (v: unknown): unknown => (typeof v === 'string' && v.startsWith('[') ? JSON.parse(v) : v);

const WRONG_COUNT = (name: string) => ({
  errno: 1582,
  sqlState: '42000',
  sqlMessage: `Incorrect parameter count in the call to native function '${name}'`,
});

const wrongCalls = (c: BuiltinCase) => [...c.tooFew, ...c.tooMany].map((args) => `${c.name}(${args})`);

describe('MySQL built-ins called with an argument count Aurora does not take', () => {
  let env: MysqlTestEmulator;

  beforeAll(async () => {
    env = await startMysqlTestEmulator(
      {},
      {
        prepare: async (admin, database) => {
          await admin.query(`CREATE TABLE ${database}.notes (id INT PRIMARY KEY, aws_comprehend_detect_sentiment TEXT)`);
          await admin.query(`INSERT INTO ${database}.notes VALUES (1, 'a column')`);
          await admin.query(`CREATE TABLE ${database}.log (id INT PRIMARY KEY) ENGINE=InnoDB`);
          // User functions whose names look like a built-in: a longer name, and the same name in this and another schema.
          await admin.query(
            `CREATE FUNCTION ${database}.aws_comprehend_detect_sentiment2(x TEXT) RETURNS TEXT DETERMINISTIC RETURN CONCAT('udf2:', x)`,
          );
          await admin.query(
            `CREATE FUNCTION ${database}.aws_comprehend_detect_sentiment(x TEXT) RETURNS TEXT DETERMINISTIC RETURN CONCAT('here:', x)`,
          );
          await admin.query(`DROP DATABASE IF EXISTS ${OTHER_DB}`);
          await admin.query(`CREATE DATABASE ${OTHER_DB}`);
          await admin.query(
            `CREATE FUNCTION ${OTHER_DB}.aws_comprehend_detect_sentiment(x TEXT) RETURNS TEXT DETERMINISTIC RETURN CONCAT('other:', x)`,
          );
        },
      },
    );
  });

  afterAll(async () => {
    await env?.admin.query(`DROP DATABASE IF EXISTS ${OTHER_DB}`);
    await env?.[Symbol.asyncDispose]();
  });

  it('the registry takes the counts the reference gives', () => {
    const counts = Object.fromEntries(
      MYSQL_BUILTINS.map((b) => [b.name, b.atLeast === undefined ? b.argCounts : `>=${b.atLeast}`]),
    );
    expect(counts).toEqual({
      aws_comprehend_detect_sentiment: [2, 3],
      aws_comprehend_detect_sentiment_confidence: [2, 3],
      aws_comprehend_detect_dominant_language: [1],
      aws_comprehend_detect_entities: [2],
      aws_comprehend_detect_key_phrases: [2],
      aws_comprehend_detect_pii_entities: [2],
      aws_sagemaker_invoke_endpoint: '>=2',
    });
    expect(CASES.map((c) => c.name).sort()).toEqual(MYSQL_BUILTINS.map((b) => b.name).sort());
  });

  describe.each(CASES)('$name', (c) => {
    it('mysql2, text protocol: 1582 for too few and too many arguments, then the right count answers', async () => {
      const conn = await env.client({ charset: 'utf8mb4' });
      for (const call of wrongCalls(c)) {
        await expect(conn.query(`SELECT ${call} AS v`), call).rejects.toMatchObject(WRONG_COUNT(c.name));
        for (const good of c.good) {
          const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT ${c.name}(${good.args}) AS v`);
          expect(
            rows.map((r) => decoded(r.v)),
            `${c.name}(${good.args}) after ${call}`,
          ).toEqual([good.value()]);
        }
      }
    });

    it('mysql2, prepared: 1582 when the statement is prepared, then the right count executes', async () => {
      const conn = await env.client({ charset: 'utf8mb4' });
      for (const call of wrongCalls(c)) {
        await expect(conn.prepare(`SELECT ${call} AS v, ? AS p`), call).rejects.toMatchObject(WRONG_COUNT(c.name));
        await expect(conn.execute(`SELECT ${call} AS v`), call).rejects.toMatchObject(WRONG_COUNT(c.name));
        for (const good of c.good) {
          const [rows] = await conn.execute<mysql.RowDataPacket[]>(`SELECT ${c.name}(${good.args}) AS v, ? AS p`, [7]);
          expect(
            rows.map((r) => [decoded(r.v), r.p]),
            `${c.name}(${good.args}) after ${call}`,
          ).toEqual([[good.value(), 7]]);
        }
      }
    });

    it('mariadb connector, text and prepared: 1582, then the right count answers', async () => {
      const conn = await mariadb.createConnection({
        host: '127.0.0.1',
        port: env.port,
        user: 'root',
        database: env.database,
        charset: 'utf8mb4',
        socketTimeout: 15_000,
      });
      try {
        for (const call of wrongCalls(c)) {
          await expect(conn.query(`SELECT ${call} AS v`), call).rejects.toMatchObject(WRONG_COUNT(c.name));
          await expect(conn.prepare(`SELECT ${call} AS v, ? AS p`), call).rejects.toMatchObject(WRONG_COUNT(c.name));
          const [good] = c.good;
          if (good === undefined) throw new Error(`${c.name} has no correct call`);
          const rows = (await conn.query(`SELECT ${c.name}(${good.args}) AS v`)) as { v: unknown }[];
          expect(rows.map((r) => decoded(r.v))).toEqual([good.value()]);
          // No placeholder column here: through the emulator the connector reads a `? AS p` column as bytes (a separate issue).
          const prepared = await conn.prepare(`SELECT ${c.name}(${good.args}) AS v`);
          try {
            const executed = (await prepared.execute()) as { v: unknown }[];
            expect(executed.map((r) => decoded(r.v))).toEqual([good.value()]);
          } finally {
            prepared.close();
          }
        }
      } finally {
        await conn.end();
      }
    });
  });

  it('names the function as the statement spells it, and the call whose ) comes first', async () => {
    const conn = await env.client();
    await expect(conn.query(`SELECT AWS_Comprehend_Detect_Sentiment('a')`)).rejects.toMatchObject(
      WRONG_COUNT('AWS_Comprehend_Detect_Sentiment'),
    );
    await expect(conn.query(`SELECT aws_comprehend_detect_sentiment_CONFIDENCE ('a', 'en', 5, 6)`)).rejects.toMatchObject(
      WRONG_COUNT('aws_comprehend_detect_sentiment_CONFIDENCE'),
    );
    // As MySQL builds the inner call first (MariaDB: ROUND(ABS(1,2),3,4,5) names ABS).
    await expect(
      conn.query(`SELECT aws_comprehend_detect_sentiment(aws_comprehend_detect_dominant_language('a', 'b'))`),
    ).rejects.toMatchObject(WRONG_COUNT('aws_comprehend_detect_dominant_language'));
    await expect(
      conn.query(`SELECT aws_comprehend_detect_sentiment('a', 'en'), aws_comprehend_detect_entities('b') FROM notes`),
    ).rejects.toMatchObject(WRONG_COUNT('aws_comprehend_detect_entities'));
    // Before the server looks at the tables: a parse error, not 1146.
    await expect(conn.query(`SELECT aws_comprehend_detect_sentiment(x) FROM no_such_table`)).rejects.toMatchObject(
      WRONG_COUNT('aws_comprehend_detect_sentiment'),
    );
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('${TEXT}', 'en') AS v`);
    expect(rows).toEqual([{ v: sentimentOf(TEXT).label }]);
  });

  it('refuses a multi-statement text before any of it runs; the connection goes on', async () => {
    const conn = await env.client({ multipleStatements: true });
    await expect(
      conn.query(`INSERT INTO log VALUES (1); SELECT aws_comprehend_detect_sentiment('a'); INSERT INTO log VALUES (2)`),
    ).rejects.toMatchObject(WRONG_COUNT('aws_comprehend_detect_sentiment'));
    await expect(conn.query(`SELECT aws_comprehend_detect_sentiment('a', 'en', 25, 1); SELECT 1`)).rejects.toMatchObject(
      WRONG_COUNT('aws_comprehend_detect_sentiment'),
    );
    const [log] = await env.admin.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${env.database}.log`);
    expect(log).toEqual([{ n: 0 }]);
    const [results] = await conn.query<mysql.RowDataPacket[][]>('SELECT 1 AS a; SELECT 2 AS b');
    expect(results).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('${TEXT}', 'en') AS v`);
    expect(rows).toEqual([{ v: sentimentOf(TEXT).label }]);
  });

  it('refuses PREPARE ... FROM at prepare time, as MySQL does', async () => {
    const conn = await env.client();
    await expect(conn.query(`PREPARE s FROM 'SELECT aws_comprehend_detect_sentiment(?)'`)).rejects.toMatchObject(
      WRONG_COUNT('aws_comprehend_detect_sentiment'),
    );
    await expect(conn.query('EXECUTE s')).rejects.toMatchObject({ errno: 1243 });
    await conn.query(`PREPARE s FROM 'SELECT aws_comprehend_detect_sentiment(?, ''en'') AS v'`);
    await conn.query(`SET @t = '${TEXT}'`);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('EXECUTE s USING @t');
    expect(rows).toEqual([{ v: sentimentOf(TEXT).label }]);
  });

  it('in strict mode a seed extension is refused as one, whatever its count; an Aurora built-in still gets 1582', async () => {
    const conn = await env.client();
    await conn.query('SET aurora_ml_strict = ON');
    await expect(conn.query(`SELECT aws_comprehend_detect_entities('a')`)).rejects.toMatchObject({
      errno: 1235,
      sqlMessage: expect.stringContaining('aws_comprehend_detect_entities() is not supported by Aurora'),
    });
    await expect(conn.query(`SELECT aws_comprehend_detect_sentiment('a')`)).rejects.toMatchObject(
      WRONG_COUNT('aws_comprehend_detect_sentiment'),
    );
  });

  it('leaves alone names that only look like a built-in', async () => {
    const conn = await env.client();
    const one = async (sql: string, values?: string[]) => {
      const [rows] =
        values === undefined
          ? await conn.query<mysql.RowDataPacket[]>(sql)
          : await conn.execute<mysql.RowDataPacket[]>(sql, values);
      return rows.map((r) => Object.values(r)[0]);
    };
    expect(await one(`SELECT aws_comprehend_detect_sentiment2('a')`)).toEqual(['udf2:a']);
    expect(await one('SELECT aws_comprehend_detect_sentiment2(?)', ['p'])).toEqual(['udf2:p']);
    expect(await one('SELECT aws_comprehend_detect_sentiment FROM notes')).toEqual(['a column']);
    expect(await one(`SELECT 'aws_comprehend_detect_sentiment(''a'')'`)).toEqual(["aws_comprehend_detect_sentiment('a')"]);
    // Qualified or backquoted: a stored function, not the built-in.
    expect(await one(`SELECT ${OTHER_DB}.aws_comprehend_detect_sentiment('a')`)).toEqual(['other:a']);
    expect(await one(`SELECT \`${OTHER_DB}\`.\`aws_comprehend_detect_sentiment\`(?)`, ['q'])).toEqual(['other:q']);
    expect(await one("SELECT `aws_comprehend_detect_sentiment`('b')")).toEqual(['here:b']);
    // A table named like a built-in, with its column list; a procedure CALL.
    await conn.query('CREATE TABLE aws_comprehend_detect_sentiment (a TEXT) ENGINE=InnoDB');
    await conn.query(`INSERT INTO aws_comprehend_detect_sentiment (a) VALUES ('row')`);
    expect(await one('SELECT a FROM aws_comprehend_detect_sentiment')).toEqual(['row']);
    await expect(conn.query(`CALL aws_comprehend_detect_sentiment('a')`)).rejects.toMatchObject({
      errno: 1305,
      sqlMessage: `PROCEDURE ${env.database}.aws_comprehend_detect_sentiment does not exist`,
    });
  });
});
