/**
 * Statements of nothing but ML calls on literals take the emulator's light
 * path outside a transaction block (src/aurora/pg/literal-statement.ts) and
 * the evaluation loop inside one. Generated statements run both ways must
 * answer alike, row for row and column for column, and alike with the
 * model's own answers; so must their errors.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { serialize } from '../src/wire/pg/serializer.ts';
import type { CountingRelay } from './helpers/counting-relay.ts';
import { Rng } from './helpers/pg-differential/prng.ts';
import { type RelayedTestEmulator, startRelayedTestEmulator } from './helpers/relayed-emulator.ts';
import { AWKWARD_LANGUAGES, AWKWARD_TEXTS, sqlString } from './helpers/sentiment-texts.ts';

let setup: RelayedTestEmulator;
let client: pg.Client;
/** Between the emulator and PostgreSQL: shows which path a statement took. */
let relay: CountingRelay;

beforeAll(async () => {
  setup = await startRelayedTestEmulator();
  ({ client, relay } = setup);
});

afterAll(async () => {
  await setup?.[Symbol.asyncDispose]();
});

const TEXTS = AWKWARD_TEXTS;
const LANGUAGES = AWKWARD_LANGUAGES;
const quoted = sqlString;

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
    // Every Query message the emulator writes for PostgreSQL is built by serialize.query.
    const queries = vi.spyOn(serialize, 'query');
    try {
      for (let i = 0; i < 60; i++) {
        const sql = statement(rng);
        relay.reset();
        queries.mockClear();
        const light = await answer(sql, false);
        // The light path: the settings, then the answered statement; no set-up of the loop's.
        const bursts = relay.bursts();
        expect(bursts, sql).toHaveLength(2);
        expect(bursts.join('\n'), sql).not.toContain('begin_statement');
        // One Query each, the answered statement alone: no empty Query ahead of it for the server to parse.
        const sent = queries.mock.calls.map(([text]) => text);
        expect(sent, sql).not.toContain('');
        expect(sent, sql).toHaveLength(2);
        relay.reset();
        const loop = await answer(sql, true);
        expect(relay.bursts().join('\n'), sql).toContain('begin_statement');
        expect(light, sql).toEqual(loop);
      }
    } finally {
      queries.mockRestore();
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
