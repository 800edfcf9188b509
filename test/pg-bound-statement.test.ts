/**
 * Statements of nothing but ML calls on literals and bound parameters
 * (`SELECT * FROM aws_comprehend.detect_sentiment($1, 'en')`, the way apps
 * call) take the light path in the extended protocol too, outside a block:
 * the settings probe travels with the client's own messages and the answered
 * statement follows, two round trips (ExtendedRunner.runLight). Generated
 * statements must answer exactly as the evaluation loop answers them (inside
 * a block) and as the same statement with literals does; errors and
 * transactions must end as PostgreSQL ends them; and a statement the light
 * path gives back must still be answered, by the loop.
 */
import type pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountingRelay } from './helpers/counting-relay.ts';
import type { TestEmulator } from './helpers/emulator.ts';
import { expectLightBursts } from './helpers/light-bursts.ts';
import { Rng } from './helpers/pg-differential/prng.ts';
import { roundTrip as exchange, RawPgConnection, wire } from './helpers/pg-raw.ts';
import { type RelayedTestEmulator, startRelayedTestEmulator } from './helpers/relayed-emulator.ts';
import { AWKWARD_LANGUAGES, AWKWARD_TEXTS, sqlString } from './helpers/sentiment-texts.ts';
import { PG_URL } from './helpers/test-databases.ts';

let setup: RelayedTestEmulator;
let client: pg.Client;
let env: TestEmulator;
/** Between the emulator and PostgreSQL: shows which path a statement took. */
let relay: CountingRelay;

beforeAll(async () => {
  setup = await startRelayedTestEmulator();
  ({ client, relay, env } = setup);
});

afterAll(async () => {
  await setup?.[Symbol.asyncDispose]();
});

/** With a backslash and control characters too: parameters carry them whatever the session's settings. */
const TEXTS = [...AWKWARD_TEXTS, 'back\\slash and "quotes"', 'bell\u0007 and \u001f'];
const LANGUAGES = AWKWARD_LANGUAGES;
const quoted = sqlString;

interface Generated {
  /** With parameters. */
  readonly sql: string;
  readonly values: unknown[];
  /** The same statement with the values written in as literals. */
  readonly literal: string;
}

/** One to three calls whose arguments are parameters or literals, in the forms users write. */
function generate(rng: Rng): Generated {
  const values: unknown[] = [];
  const arg = (value: string | number): [string, string] => {
    const literal = typeof value === 'number' ? String(value) : quoted(value);
    // A backslash in a literal lexes by standard_conforming_strings: such a statement takes the loop.
    if (rng.chance(0.3) && !literal.includes('\\')) return [literal, literal];
    values.push(value);
    return [`$${values.length}`, literal];
  };
  const call = (): [string, string] => {
    const args = [arg(rng.pick(TEXTS)), arg(rng.pick(LANGUAGES))];
    if (rng.chance(0.3)) args.push(arg(rng.int(1, 30)));
    const fn = 'aws_comprehend.detect_sentiment';
    return [`${fn}(${args.map((a) => a[0]).join(', ')})`, `${fn}(${args.map((a) => a[1]).join(', ')})`];
  };
  const form = rng.int(0, 3);
  const both = (make: (c: () => [string, string]) => [string, string]) => {
    const [sql, literal] = make(call);
    return { sql, values, literal };
  };
  if (form === 0) return both((c) => c().map((x) => `SELECT * FROM ${x}`) as [string, string]);
  if (form === 1) return both((c) => c().map((x) => `SELECT sentiment, confidence FROM ${x}`) as [string, string]);
  return both(() => {
    const columns = Array.from({ length: rng.int(1, 3) }, (_v, i) => {
      const [p, l] = call();
      return rng.chance(0.5) ? [`(${p}).sentiment AS s${i}`, `(${l}).sentiment AS s${i}`] : [`${p} AS r${i}`, `${l} AS r${i}`];
    });
    return [`SELECT ${columns.map((c) => c[0]).join(', ')}`, `SELECT ${columns.map((c) => c[1]).join(', ')}`];
  });
}

async function answer(sql: string, values: unknown[], inBlock: boolean) {
  if (inBlock) await client.query('BEGIN');
  try {
    const result = await client.query({ text: sql, values, rowMode: 'array' });
    return { rows: result.rows, fields: result.fields.map((f) => [f.name, f.dataTypeID, f.dataTypeModifier, f.format]) };
  } finally {
    if (inBlock) await client.query('COMMIT');
  }
}

const failure = (err: { code?: string; message?: string }) => ({ code: err.code, message: err.message });

const SEED = Number(process.env.BOUND_STATEMENT_SEED ?? 515151);

describe('a statement of calls on literals and bound parameters', () => {
  it('answers in two round trips (one without parameters, once the session probed) outside a block and in one, as the loop answers and as its literal form does', async () => {
    const rng = new Rng(SEED);
    let withParams = 0;
    for (let i = 0; i < 80; i++) {
      const { sql, values, literal } = generate(rng);
      if (values.length > 0) withParams++;
      relay.reset();
      const light = await answer(sql, values, false);
      const bursts = relay.bursts();
      if (values.length === 0) {
        // pg sends a statement without parameters as a simple Query: the light path of literals.
        expectLightBursts(bursts, sql, false);
      } else {
        // The client's messages with the settings probe; then the answered statement. No set-up, block or cache.
        expect(bursts, sql).toHaveLength(2);
        expect(bursts.join('\n'), sql).not.toMatch(/begin_statement|BEGIN|SAVEPOINT|COPY|COMMIT/);
        expect(bursts[1], sql).toContain('$aurora_ml_answers$');
        // pg parses its unnamed statement in the same pipeline: the portal's text is known, not asked of the server.
        expect(bursts[0], sql).not.toContain('pg_cursors');
      }
      // `WHERE true` changes no row, but the statement is no longer sealed: the loop.
      relay.reset();
      const loop = await answer(`${sql} WHERE true`, values, false);
      expect(relay.bursts().join('\n'), sql).toContain('begin_statement');
      expect(light, sql).toEqual(loop);
      // Inside the client's block: the same two round trips, the run between a savepoint and its release.
      relay.reset();
      const inBlock = await answer(sql, values, true);
      const blockBursts = relay.bursts().slice(1, -1);
      if (values.length === 0) expectLightBursts(blockBursts, sql, true);
      else {
        expect(blockBursts, sql).toHaveLength(2);
        expect(blockBursts[1], sql).toMatch(/SAVEPOINT aurora_ml_statement.*\$aurora_ml_answers\$.*RELEASE SAVEPOINT/s);
        expect(blockBursts.join('\n'), sql).not.toContain('begin_statement');
      }
      expect(inBlock, sql).toEqual(loop);
      expect(light.rows, sql).toEqual((await answer(literal, [], false)).rows);
    }
    expect(withParams).toBeGreaterThan(60);
    // Each statement was its own transaction: nothing is left open.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails as the loop fails: an unsupported language, a batch size of 0; a block is left aborted; the connection goes on', async () => {
    const sql = 'SELECT * FROM aws_comprehend.detect_sentiment($1, $2, $3)';
    for (const values of [
      ['hello', 'xx', 5],
      ['hello', 'en', 0],
    ]) {
      relay.reset();
      const light = await client.query(sql, values).then(() => null, failure);
      expect(relay.bursts().join('\n')).not.toContain('begin_statement');
      const loop = await client.query(`${sql} WHERE true`, values).then(() => null, failure);
      await client.query('BEGIN');
      const inBlock = await client.query(sql, values).then(() => null, failure);
      // As after any failing statement: the block refuses everything until it ends.
      const next = await client.query('SELECT 1').then(() => null, failure);
      await client.query('ROLLBACK');
      expect(light, String(values)).not.toBeNull();
      expect(light, String(values)).toEqual(loop);
      expect(inBlock, String(values)).toEqual(loop);
      expect(next?.code, String(values)).toBe('25P02');
    }
    // A NULL text has a NULL answer both ways.
    expect(await answer(sql, [null, 'en', 5], false)).toEqual(await answer(sql, [null, 'en', 5], true));
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('postgres.js (parameter types from Describe, named statements) takes it and gets the literal form’s answers', async () => {
    const sql = postgres(env.url, { max: 1 });
    try {
      // Connected, and the statement's first Parse done.
      await sql`SELECT sentiment FROM aws_comprehend.detect_sentiment(${'warm up'}, 'en')`;
      for (const text of TEXTS) {
        const expected = await answer(
          `SELECT sentiment, confidence FROM aws_comprehend.detect_sentiment(${quoted(text)}, 'en')`,
          [],
          false,
        );
        relay.reset();
        const rows = await sql`SELECT sentiment, confidence FROM aws_comprehend.detect_sentiment(${text}, 'en')`;
        expect(relay.bursts().join('\n'), text).not.toContain('begin_statement');
        expect(
          rows.map((r) => [r.sentiment, r.confidence]),
          text,
        ).toEqual(expected.rows);
      }
    } finally {
      await sql.end();
    }
  });
});

/** A raw connection through the emulator, or straight to PostgreSQL. */
async function raw(url = env.url): Promise<RawPgConnection> {
  const target = new URL(url);
  const conn = await RawPgConnection.open(Number(target.port || 5432), target.hostname);
  conn.send(wire.startup({ user: 'postgres', database: target.pathname.slice(1) }));
  await conn.waitForReady(1);
  return conn;
}

/** An exchange with rows in hex: binary results compare byte for byte. */
const roundTrip = (conn: RawPgConnection, messages: Buffer[], readyCount = 1) => exchange(conn, messages, readyCount, 'hex');

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

const CALL3 = 'SELECT * FROM aws_comprehend.detect_sentiment($1, $2, $3)';

/** Parse with types, Bind with formats (binary results), Describe, Execute, Sync. */
function typedCall(types: number[], formats: number[], params: Buffer[]): Buffer[] {
  return [
    wire.parseTyped('', CALL3, types),
    wire.bindRaw('', '', formats, params, [1]),
    wire.describePortal(''),
    wire.execute(''),
    wire.sync(),
  ];
}

describe('the extended protocol, message by message', () => {
  it('reads binary text and int4 parameters of declared types; other types take the loop, with the same answer', async () => {
    const conn = await raw();
    try {
      const text = Buffer.from('Crème brûlée, wonderful 😀');
      const params = [text, Buffer.from('en'), int32(7)];
      relay.reset();
      const light = await roundTrip(conn, typedCall([25, 1043, 23], [1], params));
      expect(relay.bursts()).toHaveLength(2);
      expect(light.errors).toEqual([]);
      expect(light.rows).toHaveLength(1);
      // Inside a block of the client's: light too, guarded by a savepoint.
      relay.reset();
      const inBlock = await roundTrip(
        conn,
        [wire.query('BEGIN'), ...typedCall([25, 1043, 23], [1], params), wire.query('COMMIT')],
        3,
      );
      expect(relay.bursts().join('\n')).toContain('RELEASE SAVEPOINT aurora_ml_statement');
      expect(relay.bursts().join('\n')).not.toContain('begin_statement');
      expect(inBlock.rows).toEqual(light.rows);
      // int2 for the batch size: not read here (the loop), the same answer.
      const int2 = Buffer.alloc(2);
      int2.writeInt16BE(7);
      relay.reset();
      const wide = await roundTrip(conn, typedCall([25, 1043, 21], [1], [text, Buffer.from('en'), int2]));
      expect(relay.bursts().join('\n')).toContain('begin_statement');
      expect(wide.errors).toEqual([]);
      expect(wide.rows).toEqual(light.rows);
      // Text-format parameters, types left to the server: the light path again.
      relay.reset();
      const inferred = await roundTrip(conn, typedCall([0, 0, 0], [0], [text, Buffer.from('en'), Buffer.from('7')]));
      expect(relay.bursts()).toHaveLength(2);
      expect(inferred.rows).toEqual(light.rows);
    } finally {
      conn.close();
    }
  });

  it('an earlier Execute in the pipeline keeps the implicit transaction whole: a failing call rolls it back', async () => {
    await client.query('CREATE TABLE bound_effects (n int)');
    const conn = await raw();
    try {
      const insert = (n: number) => [
        wire.parse('', `INSERT INTO bound_effects VALUES (${n})`),
        wire.bind('', '', []),
        wire.execute(''),
      ];
      const call = (language: string) => [
        wire.parse('', 'SELECT * FROM aws_comprehend.detect_sentiment($1, $2)'),
        wire.bind('', '', ['I love it', language]),
        wire.execute(''),
      ];
      const failed = await roundTrip(conn, [...insert(1), ...call('xx'), wire.sync()]);
      expect(failed.errors).toHaveLength(1);
      expect(failed.status).toBe('I');
      // The same, with the INSERT relayed on its own (Flush) before the call arrives.
      conn.send(Buffer.concat([...insert(2), wire.flush()]));
      await conn.waitUntil(() => conn.messages().some((m) => m.code === 'C' && m.payload.toString().startsWith('INSERT')), 5000);
      const failedAfterFlush = await roundTrip(conn, [...call('xx'), wire.sync()]);
      expect(failedAfterFlush.errors).toHaveLength(1);
      expect((await client.query('SELECT n FROM bound_effects')).rows).toEqual([]);
      // And with a call that succeeds, both stay.
      const ok = await roundTrip(conn, [...insert(3), ...call('en'), wire.sync()]);
      expect(ok.errors).toEqual([]);
      expect(ok.rows).toHaveLength(1);
      expect((await client.query('SELECT n FROM bound_effects')).rows).toEqual([{ n: 3 }]);
    } finally {
      conn.close();
      await client.query('DROP TABLE bound_effects');
    }
  });

  it('a portal the light path answered is gone after the Sync, as PostgreSQL says of it', async () => {
    const sequence = [
      wire.parse('', `SELECT * FROM aws_comprehend.detect_sentiment($1, 'en')`),
      wire.bind('', '', ['I love it']),
      wire.execute(''),
      wire.sync(),
      wire.execute(''),
      wire.sync(),
    ];
    const through = await raw();
    const direct = await raw(PG_URL);
    try {
      relay.reset();
      const emulated = await roundTrip(through, sequence, 2);
      // The first pipeline was answered by the light path (no loop set-up upstream).
      expect(relay.bursts().join('\n')).not.toContain('begin_statement');
      // Straight to PostgreSQL, the function is the stub (it refuses to run outside the emulator):
      // only the second pipeline's answer is compared.
      const real = await roundTrip(direct, sequence, 2);
      expect(emulated.rows).toHaveLength(1);
      expect(emulated.errors).toEqual(real.errors.slice(-1));
      expect(emulated.errors).toEqual(['34000']);
      expect(emulated.status).toBe(real.status);
    } finally {
      through.close();
      direct.close();
    }
  });

  it('in the client block, a light run that fails is undone to its savepoint and the loop answers in the block', async () => {
    const conn = await raw();
    const params = [Buffer.from('I love this product!'), Buffer.from('en'), int32(4)];
    const expected = await roundTrip(conn, typedCall([25, 25, 23], [1], params));
    // An answer function that fails on its first call only (a sequence counts outside transactions).
    await client.query('CREATE SEQUENCE bound_light_calls');
    await client.query(
      'ALTER FUNCTION aurora_ml_private.detect_sentiment(jsonb, varchar, varchar, integer) RENAME TO detect_sentiment_kept',
    );
    await client.query(`CREATE FUNCTION aurora_ml_private.detect_sentiment(answers jsonb, t varchar, l varchar,
        b integer DEFAULT NULL, OUT sentiment varchar, OUT confidence real) LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('bound_light_calls') = 1 THEN RAISE EXCEPTION 'the light run fails'; END IF;
        SELECT * FROM aurora_ml_private.detect_sentiment_kept(answers, t, l, b) INTO sentiment, confidence;
      END $$`);
    try {
      await roundTrip(conn, [wire.query('BEGIN'), wire.query('CREATE TEMP TABLE kept_in_bound_block (n int)')], 2);
      await roundTrip(conn, [wire.query('INSERT INTO kept_in_bound_block VALUES (1)')]);
      relay.reset();
      const answered = await roundTrip(conn, typedCall([25, 25, 23], [1], params));
      const bursts = relay.bursts();
      expect(answered.errors).toEqual([]);
      expect(answered.rows).toEqual(expected.rows);
      expect(answered.status).toBe('T');
      // The light run with its savepoint, undone to it; then the loop, in the same block.
      expect(bursts[1]).toContain('RELEASE SAVEPOINT aurora_ml_statement');
      const undone = bursts.findIndex((b) => /ROLLBACK TO SAVEPOINT aurora_ml_statement.*RELEASE SAVEPOINT/s.test(b));
      expect(undone).toBeGreaterThan(1);
      expect(bursts.slice(undone + 1).join('\n')).toContain('begin_statement');
      const kept = await roundTrip(conn, [wire.query('SELECT n FROM kept_in_bound_block'), wire.query('COMMIT')], 2);
      expect(kept.errors).toEqual([]);
      expect(kept.rows).toEqual([[Buffer.from('1').toString('hex')]]);
    } finally {
      conn.close();
      await client.query('DROP EXTENSION aws_ml CASCADE');
      await client.query('DROP SCHEMA IF EXISTS aurora_ml_private CASCADE');
      await client.query('CREATE EXTENSION aws_ml CASCADE');
      await client.query('DROP SEQUENCE bound_light_calls');
    }
  });

  it('given back after the probe (an answer function missing), the statement is answered by the loop, formats kept', async () => {
    const conn = await raw();
    const params = [Buffer.from('Thanks, the support team was wonderful'), Buffer.from('en'), int32(3)];
    try {
      const before = await roundTrip(conn, typedCall([25, 25, 23], [1], params));
      expect(before.rows).toHaveLength(1);
      await client.query('DROP FUNCTION aurora_ml_private.confidence');
      relay.reset();
      const after = await roundTrip(conn, typedCall([25, 25, 23], [1], params));
      const bursts = relay.bursts();
      // The probe said no: the portal was bound again in the loop's block, and the loop ran it.
      expect(bursts[0]).toContain('current_setting');
      expect(bursts.slice(1).join('\n')).toMatch(/BEGIN/);
      expect(bursts.join('\n')).toContain('begin_statement');
      expect(after.errors).toEqual([]);
      expect(after.rows).toEqual(before.rows);
      expect(after.status).toBe('I');
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      conn.close();
      await client.query('DROP EXTENSION aws_ml CASCADE');
      await client.query('CREATE EXTENSION aws_ml CASCADE');
    }
  });
});
