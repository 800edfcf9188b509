/**
 * Issue 11, finding 1: an extended-protocol Parse whose SQL makes the
 * statement classifier throw escaped the socket handler and killed the
 * process (postgres.js sends every statement that way). Each of these now
 * gets an ErrorResponse, the pipeline is skipped to its Sync, and the same
 * connection goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { dataRow, errorFields, RawPgConnection, wire } from './helpers/pg-raw.ts';

let env: TestEmulator;

beforeAll(async () => {
  env = await startTestEmulator();
  const admin = await env.client();
  await admin.query('CREATE EXTENSION aws_ml CASCADE');
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

const manyArgs = Array.from({ length: 120 }, (_v, i) => `${i}`).join(', ');

const STATEMENTS = [
  'SET aurora_ml_inference_timeout = 0',
  'SET aurora_ml.strict = maybe',
  `SELECT aws_sagemaker.invoke_endpoint('demo-score', NULL, ${manyArgs})`,
];

describe('statements that make the classifier throw, sent as Parse/Bind/Execute/Sync', () => {
  for (const sql of STATEMENTS) {
    it(`${sql.slice(0, 60)}: an ErrorResponse, then the connection goes on`, async () => {
      const conn = await RawPgConnection.open(Number(new URL(env.url).port));
      conn.send(wire.startup({ user: 'postgres', database: env.database }));
      await conn.waitForReady(1);
      const skip = conn.bytes.length;
      conn.send(Buffer.concat([wire.parse('', sql), wire.bind('', '', []), wire.execute(''), wire.sync()]));
      const answer = await conn.waitForReady(1, skip, 15_000);
      const codes = answer.map((m) => m.code).join('');
      expect(codes).toMatch(/E.*Z$/);
      const error = answer.find((m) => m.code === 'E');
      expect(errorFields(error?.payload ?? Buffer.alloc(0)).get('S')).toBe('ERROR');
      const next = conn.bytes.length;
      conn.send(wire.query('SELECT 41 + 1 AS answer'));
      const rows = (await conn.waitForReady(1, next, 15_000)).filter((m) => m.code === 'D').map((m) => dataRow(m.payload));
      expect(rows).toEqual([['42']]);
      conn.close();
    });
  }

  it('the emulator still serves new connections afterwards', async () => {
    const client = await env.client();
    expect((await client.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS s`)).rows).toEqual([
      { s: 'POSITIVE' },
    ]);
  });
});
