/**
 * Statements of nothing but ML calls on literals take the emulator's light
 * path outside a transaction block (src/aurora/pg/literal-statement.ts) and
 * the evaluation loop inside one. Generated statements run both ways must
 * answer alike, row for row and column for column, and alike with the
 * model's own answers; so must their errors.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { type CountingRelay, startCountingRelay } from './helpers/counting-relay.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { Rng } from './helpers/pg-differential/prng.ts';
import { PG_URL } from './helpers/test-databases.ts';

let env: TestEmulator;
let client: pg.Client;
/** Between the emulator and PostgreSQL: shows which path a statement took. */
let relay: CountingRelay;

beforeAll(async () => {
  const target = new URL(PG_URL);
  relay = await startCountingRelay({ host: target.hostname, port: Number(target.port || 5432) });
  const through = new URL(PG_URL);
  through.port = String(relay.port);
  env = await startTestEmulator({}, through.toString());
  client = await env.client();
  await client.query('CREATE EXTENSION aws_ml CASCADE');
});

afterAll(async () => {
  await client?.end();
  await env?.[Symbol.asyncDispose]();
  await relay?.close();
});

const TEXTS = [
  'I love this product!',
  'The delivery was late and the box was crushed.',
  "it's fine, I guess",
  'Crème brûlée über alles 😀',
  '',
  'Great camera, awful battery.',
  'tab\there',
  'line\nbreak',
];
const LANGUAGES = ['en', 'es', 'fr'];

const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** A sealed statement: one to three calls on literals, in the forms users write. */
function statement(rng: Rng): string {
  const call = () => {
    const batch = rng.chance(0.3) ? `, ${rng.int(1, 30)}` : '';
    return `aws_comprehend.detect_sentiment(${quoted(rng.pick(TEXTS))}, '${rng.pick(LANGUAGES)}'${batch})`;
  };
  const form = rng.int(0, 3);
  if (form === 0) return `SELECT * FROM ${call()}`;
  if (form === 1) return `SELECT sentiment, confidence FROM ${call()}`;
  const columns = Array.from({ length: rng.int(1, 3) }, (_v, i) =>
    rng.chance(0.5) ? `(${call()}).sentiment AS s${i}` : `${call()} AS r${i}`,
  );
  return `SELECT ${columns.join(', ')}`;
}

const SEED = Number(process.env.LITERAL_STATEMENT_SEED ?? 424242);

async function answer(sql: string, inBlock: boolean) {
  if (inBlock) await client.query('BEGIN');
  try {
    const result = await client.query({ text: sql, rowMode: 'array' });
    return { rows: result.rows, fields: result.fields.map((f) => [f.name, f.dataTypeID, f.dataTypeModifier, f.format]) };
  } finally {
    if (inBlock) await client.query('COMMIT');
  }
}

describe('a statement of calls on literals', () => {
  it('answers the same outside a block (light path) and inside one (the loop), for generated statements', async () => {
    const rng = new Rng(SEED);
    for (let i = 0; i < 60; i++) {
      const sql = statement(rng);
      relay.reset();
      const light = await answer(sql, false);
      // The light path: the settings, then the answered statement; no set-up of the loop's.
      const bursts = relay.bursts();
      expect(bursts, sql).toHaveLength(2);
      expect(bursts.join('\n'), sql).not.toContain('begin_statement');
      relay.reset();
      const loop = await answer(sql, true);
      expect(relay.bursts().join('\n'), sql).toContain('begin_statement');
      expect(light, sql).toEqual(loop);
    }
  });

  it("answers with the model's own label and score", async () => {
    for (const text of TEXTS) {
      const expected = analyzeSentiment(text, 'en');
      const { rows } = await client.query(
        `SELECT sentiment, confidence FROM aws_comprehend.detect_sentiment(${quoted(text)}, 'en')`,
      );
      expect(rows[0]?.sentiment, text).toBe(expected.sentiment);
      const score = Math.max(...Object.values(expected.scores));
      expect(rows[0]?.confidence, text).toBeCloseTo(score, 6);
    }
  });

  it('fails the same both ways: an unsupported language, a batch size of 0, a NULL text', async () => {
    for (const sql of [
      `SELECT * FROM aws_comprehend.detect_sentiment('hello', 'xx')`,
      `SELECT * FROM aws_comprehend.detect_sentiment('hello', 'en', 0)`,
    ]) {
      const light = await client.query(sql).then(
        () => null,
        (err: { code?: string; message?: string }) => ({ code: err.code, message: err.message }),
      );
      await client.query('BEGIN');
      const loop = await client.query(sql).then(
        () => null,
        (err: { code?: string; message?: string }) => ({ code: err.code, message: err.message }),
      );
      await client.query('ROLLBACK');
      expect(light, sql).not.toBeNull();
      expect(light, sql).toEqual(loop);
    }
    // A NULL text has a NULL answer both ways.
    const sql = `SELECT * FROM aws_comprehend.detect_sentiment(NULL, 'en')`;
    expect(await answer(sql, false)).toEqual(await answer(sql, true));
    // The connection goes on.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
