/**
 * The same ML statements through every client the issue names: psql,
 * pg (simple and extended protocol), postgres.js (named prepared statements,
 * pipelining, transactions). Expected answers come from the model directly.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

const run = promisify(execFile);
const TEXTS = ['I love this product!', 'The app keeps crashing and support never answers.', 'The order number is 42.'];
const label = (t: string) => analyzeSentiment(t, 'en').sentiment;

let env: TestEmulator;
let sql: postgres.Sql;

beforeAll(async () => {
  env = await startTestEmulator();
  sql = postgres(env.url, { max: 1, onnotice: () => {} });
  await sql`CREATE EXTENSION aws_ml CASCADE`;
});

afterAll(async () => {
  await sql?.end();
  await env?.[Symbol.asyncDispose]();
});

describe('psql', () => {
  it('runs the README example and prints POSITIVE', async () => {
    const { stdout } = await run('psql', [
      env.url,
      '-X',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `SELECT * FROM aws_comprehend.detect_sentiment('I love this product!', 'en')`,
    ]);
    expect(stdout.trim().split('|')[0]).toBe('POSITIVE');
  });

  it('lists aws_ml and aws_commons in \\dx', async () => {
    const { stdout } = await run('psql', [env.url, '-X', '-A', '-t', '-c', '\\dx']);
    const names = stdout
      .trim()
      .split('\n')
      .map((l) => l.split('|').slice(0, 2).join('|'));
    expect(names).toContain('aws_ml|2.0');
    expect(names).toContain('aws_commons|1.2');
  });

  it('a multi-statement string mixing ML and plain statements', async () => {
    const { stdout } = await run('psql', [
      env.url,
      '-X',
      '-A',
      '-t',
      '-c',
      `SELECT 1; SELECT (aws_comprehend.detect_sentiment('${TEXTS[1]}', 'en')).sentiment; SELECT 3`,
    ]);
    expect(stdout.trim().split('\n')).toEqual(['1', label(TEXTS[1] as string), '3']);
  });
});

describe('postgres.js', () => {
  it('named prepared statements with parameters', async () => {
    for (const text of TEXTS) {
      const rows = await sql`SELECT (aws_comprehend.detect_sentiment(${text}, 'en')).sentiment AS s`;
      expect(rows[0]?.s).toBe(label(text));
    }
  });

  it('pipelined ML and plain queries on one connection', async () => {
    const results = await Promise.all([
      ...TEXTS.map((t) => sql`SELECT (aws_comprehend.detect_sentiment(${t}, 'en')).sentiment AS s`),
      sql`SELECT 42 AS n`,
      ...TEXTS.map((t) => sql`SELECT * FROM aws_comprehend.detect_sentiment(${t}, 'en')`),
    ]);
    expect(results.slice(0, 3).map((r) => r[0]?.s)).toEqual(TEXTS.map(label));
    expect(results[3]?.[0]?.n).toBe(42);
    expect(results.slice(4).map((r) => r[0]?.sentiment)).toEqual(TEXTS.map(label));
  });

  it('inside sql.begin, with an ML error rolled back and the connection reusable', async () => {
    await sql`CREATE TABLE IF NOT EXISTS pj (id int, s text)`;
    await expect(
      sql.begin(async (tx) => {
        await tx`INSERT INTO pj VALUES (1, 'kept?')`;
        await tx`SELECT * FROM aws_comprehend.detect_sentiment(${'x'}, ${'xx'})`;
      }),
    ).rejects.toMatchObject({ code: '22023' });
    const rows = await sql`SELECT count(*)::int AS n FROM pj`;
    expect(rows[0]?.n).toBe(0);
    const inserted = await sql.begin(async (tx) => {
      await tx`INSERT INTO pj SELECT 2, (aws_comprehend.detect_sentiment(${TEXTS[0] as string}, 'en')).sentiment`;
      return tx`SELECT s FROM pj WHERE id = 2`;
    });
    expect(inserted[0]?.s).toBe('POSITIVE');
  });

  it('simple protocol (.simple())', async () => {
    const rows = await sql`SELECT (aws_comprehend.detect_sentiment('I love this product!', 'en')).sentiment AS s`.simple();
    expect(rows[0]?.s).toBe('POSITIVE');
  });

  it('named Bedrock arguments and embeddings as float8[]', async () => {
    const rows = await sql`SELECT aws_bedrock.invoke_model_get_embeddings(
        model_id := 'amazon.titan-embed-text-v2:0', content_type := 'application/json',
        json_key := 'embedding', model_input := ${JSON.stringify({ inputText: 'hello world' })}) AS e`;
    const e = rows[0]?.e as number[];
    expect(e).toHaveLength(1024);
    expect(Math.hypot(...e)).toBeCloseTo(1, 3);
  });
});
