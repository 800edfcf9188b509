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
import { expectLightBursts } from './helpers/light-bursts.ts';
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
  it('answers the same outside a block and inside one (light paths) as the loop does, for generated statements', async () => {
    const rng = new Rng(SEED);
    // Every Query message the emulator writes for PostgreSQL is built by serialize.query.
    const queries = vi.spyOn(serialize, 'query');
    const roundTrips: number[] = [];
    try {
      for (let i = 0; i < 60; i++) {
        const sql = statement(rng);
        relay.reset();
        queries.mockClear();
        const light = await answer(sql, false);
        // The light path: the settings and the answered statement, in one round trip once the session
        // has the settings' answer; no set-up of the loop's.
        roundTrips.push(expectLightBursts(relay.bursts(), sql, false));
        // One Query each, the answered statement alone: no empty Query ahead of it for the server to parse.
        const sent = queries.mock.calls.map(([text]) => text);
        expect(sent, sql).not.toContain('');
        expect(sent, sql).toHaveLength(2);
        // Inside the client's block: the same, the run between a savepoint and its release.
        relay.reset();
        const inBlock = await answer(sql, true);
        roundTrips.push(expectLightBursts(relay.bursts().slice(1, -1), sql, true));
        // `WHERE true` makes no difference to the rows, but the statement is no longer sealed: the loop.
        relay.reset();
        const loop = await answer(`${sql} WHERE true`, false);
        expect(relay.bursts().join('\n'), sql).toContain('begin_statement');
        expect(light, sql).toEqual(loop);
        expect(inBlock, sql).toEqual(loop);
      }
      // Both ways were taken: the first statement on a set of functions probes first, the later ones do not wait.
      expect(roundTrips.filter((n) => n === 1).length).toBeGreaterThan(60);
      expect(roundTrips).toContain(2);
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

  it('fails as the loop fails: an unsupported language, a batch size of 0; inside a block, the block is aborted', async () => {
    const failure = (err: { code?: string; message?: string }) => ({ code: err.code, message: err.message });
    for (const sql of [
      `SELECT * FROM aws_comprehend.detect_sentiment('hello', 'xx')`,
      `SELECT * FROM aws_comprehend.detect_sentiment('hello', 'en', 0)`,
    ]) {
      const light = await client.query(sql).then(() => null, failure);
      const loop = await client.query(`${sql} WHERE true`).then(() => null, failure);
      await client.query('BEGIN');
      const inBlock = await client.query(sql).then(() => null, failure);
      // As after any failing statement: the block refuses everything until it ends.
      const next = await client.query('SELECT 1').then(() => null, failure);
      await client.query('ROLLBACK');
      expect(light, sql).not.toBeNull();
      expect(light, sql).toEqual(loop);
      expect(inBlock, sql).toEqual(loop);
      expect(next?.code, sql).toBe('25P02');
    }
    // A NULL text has a NULL answer both ways.
    const sql = `SELECT * FROM aws_comprehend.detect_sentiment(NULL, 'en')`;
    expect(await answer(sql, false)).toEqual(await answer(sql, true));
    // The connection goes on.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe("inside the client's block, a light run that fails", () => {
  it('is undone to its savepoint, the loop runs the statement, and the block goes on', async () => {
    const sql = `SELECT (aws_comprehend.detect_sentiment('I love this product!', 'en')).sentiment AS s`;
    const expected = (await answer(`${sql} WHERE true`, false)).rows;
    // An answer function that fails on its first call only (a sequence counts outside transactions):
    // the light run fails, the loop's run does not.
    await client.query('CREATE SEQUENCE light_run_calls');
    await client.query('ALTER FUNCTION aurora_ml_private.sentiment(jsonb, varchar, varchar, integer) RENAME TO sentiment_kept');
    await client.query(`CREATE FUNCTION aurora_ml_private.sentiment(answers jsonb, t varchar, l varchar, b integer DEFAULT NULL)
      RETURNS varchar LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('light_run_calls') = 1 THEN RAISE EXCEPTION 'the light run fails'; END IF;
        RETURN aurora_ml_private.sentiment_kept(answers, t, l, b);
      END $$`);
    try {
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE kept_in_block (n int)');
      await client.query('INSERT INTO kept_in_block VALUES (1)');
      relay.reset();
      const { rows } = await client.query({ text: sql, rowMode: 'array' });
      const bursts = relay.bursts();
      expect(rows).toEqual(expected);
      // The light run, its undoing, then the loop.
      const run = bursts.findIndex((b) => b.includes('RELEASE SAVEPOINT'));
      expect(bursts[run]).toContain('$aurora_ml_answers$');
      expect(bursts[run + 1]).toMatch(/^.*ROLLBACK TO SAVEPOINT aurora_ml_statement.*RELEASE SAVEPOINT aurora_ml_statement/s);
      expect(bursts.slice(run + 2).join('\n')).toContain('begin_statement');
      // The block went on, with what it did before the statement.
      expect((await client.query('SELECT n FROM kept_in_block')).rows).toEqual([{ n: 1 }]);
      await client.query('COMMIT');
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      await client.query('DROP EXTENSION aws_ml CASCADE');
      await client.query('DROP FUNCTION IF EXISTS aurora_ml_private.sentiment(jsonb, varchar, varchar, integer)');
      await client.query('DROP SCHEMA IF EXISTS aurora_ml_private CASCADE');
      await client.query('CREATE EXTENSION aws_ml CASCADE');
      await client.query('DROP SEQUENCE light_run_calls');
    }
  });
});
