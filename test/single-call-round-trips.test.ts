/**
 * The fixed cost of one ML call (issue 15): how many round trips the emulator
 * makes to its upstream for a single literal call, counted by a TCP relay
 * between the two, and that the shortcuts behind those counts keep every
 * check: the session's trust in begin_statement is re-established when the
 * function changes, privileges are checked per statement, and the MySQL
 * loop still finds several misses, and the misses of a failing run.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingRelay, startCountingRelay } from './helpers/counting-relay.ts';
import type { TestEmulator } from './helpers/emulator.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';
import { type RelayedTestEmulator, startRelayedTestEmulator } from './helpers/relayed-emulator.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_USER, PG_URL } from './helpers/test-databases.ts';

const SUFFIX = `${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
const LABELS = ['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED'];

describe('PostgreSQL front, one literal call', () => {
  const APP = `single_call_app_${SUFFIX}`;
  let setup: RelayedTestEmulator;
  let relay: CountingRelay;
  let env: TestEmulator;
  let su: pg.Client;

  beforeAll(async () => {
    setup = await startRelayedTestEmulator();
    ({ relay, env, client: su } = setup);
    await su.query(`DROP ROLE IF EXISTS ${APP}`);
    await su.query(`CREATE ROLE ${APP} LOGIN`);
  });
  afterAll(async () => {
    await setup?.[Symbol.asyncDispose]();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${APP}`);
    await admin.end();
  });

  const connectAs = async (user: string) => {
    const url = new URL(env.url);
    url.username = user;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    return client;
  };

  const sentiment = async (client: pg.Client, text: string) =>
    (await client.query(`SELECT sentiment FROM aws_comprehend.detect_sentiment('${text}', 'en')`)).rows[0]?.sentiment;
  /** The same call through the evaluation loop: a cast is no literal, so the statement takes the prefetch query. */
  const loopSentiment = async (client: pg.Client, text: string) =>
    (await client.query(`SELECT sentiment FROM aws_comprehend.detect_sentiment('${text}'::varchar, 'en')`)).rows[0]?.sentiment;

  it('relays a plain statement naming columns sentiment and confidence as it came, in one round trip', async () => {
    await su.query('CREATE TABLE IF NOT EXISTS plain_reviews (id int, sentiment text, confidence real)');
    const sql = 'SELECT id, sentiment, confidence FROM plain_reviews WHERE sentiment IS NOT NULL';
    relay.reset();
    expect((await su.query(sql)).rows).toEqual([]);
    const bursts = relay.bursts();
    expect(bursts, bursts.join('\n----\n')).toHaveLength(1);
    // The client's Query alone: no setup, savepoint or catalog statement of the emulator's beside it.
    expect(bursts[0]).toContain(sql);
    expect(bursts[0]?.replace(sql, '')).not.toMatch(/[a-z]{3}/i);
    await su.query('DROP TABLE plain_reviews');
  });

  it('answers calls on literals outside a block in two light round trips, then in one: the settings with the answered statement', async () => {
    const own = await connectAs(new URL(env.url).username);
    try {
      relay.reset();
      expect(LABELS).toContain(await sentiment(own, 'first of the session'));
      const first = relay.bursts();
      expect(first, first.join('\n----\n')).toHaveLength(2);
      expect(first[0]).toContain("current_setting('statement_timeout')");
      expect(first[0]).not.toContain('$aurora_ml_answers$');
      expect(first[1]).toContain('aurora_ml_private.detect_sentiment($aurora_ml_answers$');
      relay.reset();
      expect(LABELS).toContain(await sentiment(own, 'counted outside a block'));
      const idle = relay.bursts();
      // The session's settings are known: the probe that checks them goes with the answered statement.
      expect(idle, idle.join('\n----\n')).toHaveLength(1);
      expect(idle[0]).toMatch(
        /current_setting\('statement_timeout'\).*aurora_ml_private\.detect_sentiment\(\$aurora_ml_answers\$/s,
      );
      // No transaction, set-up, savepoint, prefetch query or cache fill: the keys come from the literals.
      for (const burst of [...first, ...idle]) expect(burst).not.toMatch(/BEGIN|SAVEPOINT|begin_statement|COPY|_args\(|COMMIT/);
      // Each statement is its own transaction.
      const txids = [
        (await own.query('SELECT txid_current() AS t')).rows[0]?.t,
        (await own.query('SELECT txid_current() AS t')).rows[0]?.t,
      ];
      expect(txids[0]).not.toBe(txids[1]);
      // A statement that may change the settings: the next call probes first again.
      await own.query('SET statement_timeout = 0');
      relay.reset();
      expect(LABELS).toContain(await sentiment(own, 'after a SET'));
      expect(relay.bursts()).toHaveLength(2);
      // Inside a block with no SET of its own, the settings read outside it stand: one round trip too.
      await own.query('BEGIN');
      relay.reset();
      expect(LABELS).toContain(await sentiment(own, 'counted in a block'));
      const block = relay.bursts();
      expect(block, block.join('\n----\n')).toHaveLength(1);
      expect(block[0]).toMatch(
        /current_setting\('statement_timeout'\).*SAVEPOINT aurora_ml_statement.*\$aurora_ml_answers\$.*RELEASE SAVEPOINT aurora_ml_statement/s,
      );
      await own.query('COMMIT');
    } finally {
      await own.end();
    }
  });

  it('inside a block takes the light path too: the settings, then the run between a savepoint and its release', async () => {
    await su.query('BEGIN');
    await su.query(`SET LOCAL client_min_messages = 'warning'`);
    expect(LABELS).toContain(await sentiment(su, 'first inside a block'));
    relay.reset();
    expect(LABELS).toContain(await sentiment(su, 'counted inside a block'));
    const bursts = relay.bursts();
    expect(bursts, bursts.join('\n----\n')).toHaveLength(2);
    expect(bursts[0]).toContain("current_setting('statement_timeout')");
    expect(bursts[1]).toMatch(/SAVEPOINT aurora_ml_statement.*\$aurora_ml_answers\$.*RELEASE SAVEPOINT aurora_ml_statement/s);
    for (const burst of bursts) expect(burst).not.toMatch(/begin_statement|COPY|_args\(|set_config/);
    // The client's settings were never touched, and the block goes on.
    expect((await su.query('SHOW client_min_messages')).rows).toEqual([{ client_min_messages: 'warning' }]);
    await su.query('COMMIT');
  });

  it('inside a block, the loop from its second statement on skips the owner check of begin_statement', async () => {
    await su.query('BEGIN');
    await su.query(`SET LOCAL client_min_messages = 'warning'`);
    await su.query('SET LOCAL max_parallel_workers_per_gather = 3');
    expect(LABELS).toContain(await loopSentiment(su, 'first inside a block'));
    relay.reset();
    expect(LABELS).toContain(await loopSentiment(su, 'counted inside a block'));
    const bursts = relay.bursts();
    expect(bursts, bursts.join('\n----\n')).toHaveLength(3);
    // The setup and the prefetch query together; then the answers and the run; then its RELEASE.
    expect(bursts[0]).toContain('SAVEPOINT aurora_ml_statement');
    expect(bursts[0]).toContain('::pg_catalog.oid OPERATOR(pg_catalog.=)');
    expect(bursts[1]).toMatch(/COPY .*detect_sentiment/s);
    expect(bursts[2]).toContain('RELEASE SAVEPOINT aurora_ml_statement');
    // The client's settings are back, and the block goes on.
    expect((await su.query('SHOW client_min_messages')).rows).toEqual([{ client_min_messages: 'warning' }]);
    expect((await su.query('SHOW max_parallel_workers_per_gather')).rows).toEqual([{ max_parallel_workers_per_gather: '3' }]);
    await su.query('COMMIT');
  });

  it('with parameters (extended protocol) outside a block, takes two light round trips: the client messages with the settings, then the answered statement', async () => {
    const call = (text: string) => su.query('SELECT sentiment FROM aws_comprehend.detect_sentiment($1, $2)', [text, 'en']);
    expect(LABELS).toContain((await call('first with parameters, light')).rows[0]?.sentiment);
    relay.reset();
    expect(LABELS).toContain((await call('counted with parameters, light')).rows[0]?.sentiment);
    const bursts = relay.bursts();
    expect(bursts, bursts.join('\n----\n')).toHaveLength(2);
    expect(bursts[0]).toContain('detect_sentiment($1, $2)');
    expect(bursts[0]).toContain("current_setting('statement_timeout')");
    expect(bursts[1]).toContain('aurora_ml_private.detect_sentiment($aurora_ml_answers$');
    for (const burst of bursts) expect(burst).not.toMatch(/BEGIN|SAVEPOINT|begin_statement|COPY|_args\(|COMMIT|pg_cursors/);
  });

  it('with parameters the loop must see (a cast) outside a block, restores the settings with the COMMIT at Sync', async () => {
    await su.query(`SET client_min_messages = 'warning'`);
    await su.query('SET max_parallel_workers_per_gather = 3');
    const call = (text: string) =>
      su.query('SELECT sentiment FROM aws_comprehend.detect_sentiment($1::varchar, $2)', [text, 'en']);
    expect(LABELS).toContain((await call('first with parameters')).rows[0]?.sentiment);
    relay.reset();
    expect(LABELS).toContain((await call('counted with parameters')).rows[0]?.sentiment);
    const bursts = relay.bursts();
    // The client's messages with the runner's BEGIN; the set-up and prefetch; the answers and the run;
    // the settings restored and the block committed, together.
    expect(bursts, bursts.join('\n----\n')).toHaveLength(4);
    expect(bursts[3]).toMatch(/set_config\('client_min_messages'.*COMMIT/s);
    expect(bursts[3]).not.toContain('RELEASE SAVEPOINT');
    // The session is the client's again: its settings, no transaction, no mode.
    expect((await su.query('SHOW client_min_messages')).rows).toEqual([{ client_min_messages: 'warning' }]);
    expect((await su.query('SHOW max_parallel_workers_per_gather')).rows).toEqual([{ max_parallel_workers_per_gather: '3' }]);
    expect((await su.query(`SELECT current_setting('aurora_ml.mode', true) AS m`)).rows).toEqual([{ m: '' }]);
    await su.query('RESET client_min_messages');
    await su.query('RESET max_parallel_workers_per_gather');
  });

  it('with parameters, a deferred trigger that runs at the COMMIT sees the settings restored', async () => {
    await su.query(`CREATE TABLE scored (txt text, s text)`);
    await su.query(`CREATE TABLE seen_at_commit (mode text, min_messages text)`);
    await su.query(`CREATE FUNCTION note_settings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO seen_at_commit VALUES (current_setting('aurora_ml.mode', true), current_setting('client_min_messages'));
        RETURN NULL;
      END $$`);
    await su.query(`CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON scored DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION note_settings()`);
    try {
      await su.query(`SET client_min_messages = 'warning'`);
      relay.reset();
      await su.query('INSERT INTO scored SELECT $1::text, (aws_comprehend.detect_sentiment($1, $2)).sentiment', [
        'I love it',
        'en',
      ]);
      expect(relay.bursts().at(-1)).toContain('COMMIT');
      expect((await su.query('SELECT s FROM scored')).rows).toEqual([{ s: 'POSITIVE' }]);
      expect((await su.query('SELECT mode, min_messages FROM seen_at_commit')).rows).toEqual([
        { mode: '', min_messages: 'warning' },
      ]);
    } finally {
      await su.query('RESET client_min_messages');
      await su.query('DROP TABLE scored, seen_at_commit');
      await su.query('DROP FUNCTION note_settings()');
    }
  });

  it('closes a statement that reads a table in a round trip of its own', async () => {
    await su.query('CREATE TABLE IF NOT EXISTS notes (txt text)');
    relay.reset();
    await su.query(`SELECT (aws_comprehend.detect_sentiment('a table too', 'en')).sentiment FROM notes`);
    const bursts = relay.bursts();
    expect(bursts).toHaveLength(3);
    expect(bursts[2]).toContain('COMMIT');
  });

  it('trusts a begin_statement made anew only after the full check', async () => {
    expect(LABELS).toContain(await loopSentiment(su, 'before the reinstall'));
    // A new begin_statement (another oid) from a superuser: trusted again after the full check.
    await su.query('DROP EXTENSION aws_ml CASCADE');
    await su.query('CREATE EXTENSION aws_ml CASCADE');
    expect(LABELS).toContain(await loopSentiment(su, 'after the reinstall'));
    // A look-alike of a user who may create schemas, in the same session: never trusted.
    await su.query(`GRANT CREATE ON DATABASE ${env.database} TO ${APP}`);
    const app = await connectAs(APP);
    try {
      await su.query(`GRANT aws_ml TO ${APP}`);
      expect(LABELS).toContain(await loopSentiment(app, 'the user, trusted'));
      await su.query('DROP EXTENSION aws_ml CASCADE');
      await app.query('CREATE SCHEMA aurora_ml_private');
      await app.query(`CREATE FUNCTION aurora_ml_private.begin_statement(boolean) RETURNS text
        LANGUAGE sql SECURITY DEFINER AS $$ SELECT 'known' $$`);
      const forged = await app
        .query(
          `DO $$ BEGIN
            IF false THEN PERFORM aws_comprehend.detect_sentiment('never', 'en'); END IF;
            RAISE NOTICE 'aurora_ml:miss' USING DETAIL = '["aws_comprehend.detect_sentiment","k",["I love it","en",null],"known"]';
          END $$`,
        )
        .then(
          () => null,
          (err: unknown) => err as { code?: string; message?: string },
        );
      expect(forged?.code).toBe('42501');
      expect(forged?.message).toContain('cannot be verified');
    } finally {
      await app.end();
      await su.query('DROP SCHEMA IF EXISTS aurora_ml_private CASCADE');
      await su.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
      await su.query(`REVOKE CREATE ON DATABASE ${env.database} FROM ${APP}`);
    }
  });

  it('runs the statement as written, without answers written in, once someone added an overload', async () => {
    // A session that probed before (its answered run goes with the probe, and is dropped) and one that did not.
    const probed = await connectAs(new URL(env.url).username);
    const fresh = await connectAs(new URL(env.url).username);
    expect(LABELS).toContain(await sentiment(probed, 'before the overload'));
    await su.query(
      `CREATE FUNCTION aws_comprehend.detect_sentiment(t text) RETURNS text LANGUAGE sql AS $$ SELECT 'overload' $$`,
    );
    try {
      relay.reset();
      expect(LABELS).toContain(await sentiment(fresh, 'with an overload'));
      expect(relay.bursts().join('\n')).not.toContain('aurora_ml_private.detect_sentiment($aurora_ml_answers$');
      relay.reset();
      expect(LABELS).toContain(await sentiment(probed, 'with an overload, probed'));
      const bursts = relay.bursts();
      // The answered run went with the probe; the probe said no, and the statement ran as written after it.
      expect(bursts[0]).toContain('aurora_ml_private.detect_sentiment($aurora_ml_answers$');
      expect(bursts.slice(1).join('\n')).not.toContain('$aurora_ml_answers$');
      expect(bursts.slice(1).join('\n')).toContain(
        "SELECT sentiment FROM aws_comprehend.detect_sentiment('with an overload, probed', 'en')",
      );
    } finally {
      await su.query('DROP FUNCTION aws_comprehend.detect_sentiment(text)');
      await probed.end();
      await fresh.end();
    }
    relay.reset();
    expect(LABELS).toContain(await sentiment(su, 'without it'));
    expect(relay.bursts().join('\n')).toContain('aurora_ml_private.detect_sentiment($aurora_ml_answers$');
  });

  it('checks EXECUTE on every statement: a revoke between two calls refuses the second', async () => {
    const app = await connectAs(APP);
    try {
      await su.query(`GRANT aws_ml TO ${APP}`);
      expect(LABELS).toContain(await sentiment(app, 'granted'));
      // Without USAGE on the schema, the call is refused too, as PostgreSQL refuses it.
      await su.query('REVOKE USAGE ON SCHEMA aws_comprehend FROM PUBLIC');
      try {
        await expect(sentiment(app, 'no usage')).rejects.toMatchObject({
          code: '42501',
          message: expect.stringContaining('schema'),
        });
      } finally {
        await su.query('GRANT USAGE ON SCHEMA aws_comprehend TO PUBLIC');
      }
      await su.query(`REVOKE aws_ml FROM ${APP}`);
      await expect(sentiment(app, 'revoked')).rejects.toMatchObject({ code: '42501' });
      await expect(loopSentiment(app, 'revoked, through the loop')).rejects.toMatchObject({ code: '42501' });
      // Inside the client's block the refusal aborts the block, as PostgreSQL's own would.
      await app.query('BEGIN');
      await expect(sentiment(app, 'revoked in a block')).rejects.toMatchObject({ code: '42501' });
      await expect(app.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
  });
});

describe('MySQL front, one literal call', () => {
  const database = `aurora_ml_single_${SUFFIX}`;
  let relay: CountingRelay;
  let env: MysqlTestEmulator;

  beforeAll(async () => {
    relay = await startCountingRelay({ host: MYSQL_HOST, port: MYSQL_PORT });
    env = await startMysqlTestEmulator(
      { mysqlUpstream: `mysql://${MYSQL_USER}@127.0.0.1:${relay.port}/${database}` },
      {
        name: database,
        prepare: async (admin, db) => {
          await admin.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, txt VARCHAR(100)) ENGINE = InnoDB`);
          await admin.query(`INSERT INTO ${db}.t VALUES (1, 'I love it'), (2, 'I hate it'), (3, 'I love it')`);
        },
      },
    );
  });
  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
    await relay?.close();
  });

  it('takes two round trips for calls on literals, in autocommit mode and inside a transaction', async () => {
    const c = await env.client();
    await c.query(`SELECT aws_comprehend_detect_sentiment('first of the session', 'en') AS s`);
    relay.reset();
    const [rows] = await c.query(`SELECT aws_comprehend_detect_sentiment('counted', 'en') AS s`);
    expect(LABELS).toContain((rows as { s: string }[])[0]?.s);
    const bursts = relay.bursts();
    expect(bursts).toHaveLength(2);
    // The setup's facts alone: the calls are evaluated before anything runs (literal-statement.ts).
    expect(bursts[0]).toMatch(/^ *SELECT @@character_set_connection/);
    expect(bursts[0]).not.toContain('SAVEPOINT');
    // Then the opening, the cache filled, the run, its counters and the closing, in one write; no savepoint
    // (the run has only itself to undo) and the miss table left alone (only the counters are read).
    expect(bursts[1]).toMatch(
      /autocommit = 0.*DELETE FROM aurora_ml\.aurora_ml_cache.*INSERT INTO aurora_ml\.aurora_ml_cache.*aurora_ml\.aws_comprehend_detect_sentiment\('counted'.*COMMIT.*autocommit = 1/,
    );
    expect(bursts[1]).not.toMatch(/SAVEPOINT|aurora_ml\.aurora_ml_miss\b/);
    await c.query('BEGIN');
    relay.reset();
    await c.query(`SELECT aws_comprehend_detect_sentiment('counted in a block', 'en') AS s`);
    expect(relay.bursts()).toHaveLength(2);
    expect(relay.bursts()[1]).toMatch(
      /aurora_ml\.aws_comprehend_detect_sentiment\('counted in a block'.*SET @aurora_ml_mode = NULL/,
    );
    expect(relay.bursts()[1]).not.toMatch(/SAVEPOINT|COMMIT|autocommit = 1/);
    // Still the client's transaction, with autocommit as it was.
    const [state] = await c.query('SELECT @@in_transaction AS t, @@autocommit AS a, @aurora_ml_own AS o');
    expect(state).toEqual([{ t: 1, a: 1, o: null }]);
    await c.query('COMMIT');
    // Autocommit off and no transaction yet: the statement's transaction stays open, as the statement alone leaves it.
    await c.query('SET autocommit = 0');
    await c.query(`SELECT aws_comprehend_detect_sentiment('autocommit off', 'en') AS s`);
    const [off] = await c.query('SELECT @@in_transaction AS t, @@autocommit AS a');
    expect(off).toEqual([{ t: 1, a: 0 }]);
    await c.query('COMMIT');
    await c.query('SET autocommit = 1');
  });

  it('begins again the usual way when the charset changed since the last statement', async () => {
    const c = await env.client();
    await c.query(`SELECT aws_comprehend_detect_sentiment('utf8 first', 'en') AS s`);
    await c.query('SET NAMES latin1');
    relay.reset();
    const [rows] = await c.query(`SELECT aws_comprehend_detect_sentiment('I love it, in latin1', 'en') AS s`);
    expect(rows).toEqual([{ s: 'POSITIVE' }]);
    // The light start stopped at the facts, then the setup alone and the loop.
    expect(relay.bursts().length).toBeGreaterThan(3);
    const [state] = await c.query('SELECT @@in_transaction AS t, @@autocommit AS a, @aurora_ml_mode AS m');
    expect(state).toEqual([{ t: 0, a: 1, m: null }]);
    relay.reset();
    await c.query(`SELECT aws_comprehend_detect_sentiment('latin1 again', 'en') AS s`);
    expect(relay.bursts()).toHaveLength(2);
    await c.query('SET NAMES utf8mb4');
  });

  it('still reads several misses from the miss table, with the right counters', async () => {
    const c = await env.client();
    const status = async () => {
      const [r] = await c.query(`SHOW GLOBAL STATUS LIKE 'Aurora_ml_logical_request_cnt'`);
      return Number((r as { Value: string }[])[0]?.Value);
    };
    const before = await status();
    const [rows] = await c.query(`SELECT id, aws_comprehend_detect_sentiment(txt, 'en') AS s FROM t ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, s: 'POSITIVE' },
      { id: 2, s: 'NEGATIVE' },
      { id: 3, s: 'POSITIVE' },
    ]);
    expect((await status()) - before).toBe(3);
  });

  it('finds the one miss of a run that fails, and leaves no change of the failed statement', async () => {
    const c = await env.client();
    await c.query('BEGIN');
    await expect(
      c.query(`INSERT INTO t VALUES (1, aws_comprehend_detect_sentiment('duplicate key', 'en'))`),
    ).rejects.toMatchObject({ errno: 1062 });
    const [count] = await c.query('SELECT COUNT(*) AS n FROM t');
    expect(count).toEqual([{ n: 3 }]);
    await c.query('ROLLBACK');
  });
});
