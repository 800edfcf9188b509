/**
 * Issue 11, findings 4 and 13: a user's SQL cannot make the emulator evaluate
 * an ML call by forging the stubs' miss NOTICE, and a connection's last denial
 * does not outlive its session. Every attack runs as an unprivileged login
 * role through the emulator, and checks the emulator's call log: a forged
 * miss must not reach any backend.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mysqlUrl, startTestEmulator, type TestEmulator, UPSTREAM } from './helpers/emulator.ts';

const SUFFIX = `${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
const APP = `gate_bypass_app_${SUFFIX}`;
/** The forged DETAIL: [function, cache key, arguments]. */
const FORGED_DETAIL = `'["aws_comprehend.detect_sentiment","k",["I love it","en",null]]'`;
/**
 * The repro: forge a miss, and in the rerun read what the emulator
 * cached for it. The call that never runs makes the emulator treat the block
 * as an ML statement.
 */
const FORGE_AND_READ = `DO $$ DECLARE r text; BEGIN
  IF false THEN PERFORM aws_comprehend.detect_sentiment('never', 'en'); END IF;
  BEGIN
    SELECT string_agg(v, ',') INTO r FROM pg_temp.aurora_ml_cache WHERE k = 'k';
  EXCEPTION WHEN insufficient_privilege THEN r := NULL;
  END;
  IF r IS NULL THEN
    RAISE NOTICE 'aurora_ml:miss' USING DETAIL = ${FORGED_DETAIL};
  ELSE
    RAISE NOTICE 'model answer: %', r;
  END IF;
END $$`;

interface CallEntry {
  readonly service: string;
  readonly target: string;
}

let env: TestEmulator;
let admin: pg.Client;

async function connectAs(user: string): Promise<pg.Client> {
  const url = new URL(env.url);
  url.username = user;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/** The emulator's call log, read through its HTTP API. */
async function loggedCalls(): Promise<CallEntry[]> {
  const res = await fetch(`${env.emulator.api.url}/_aurora-ml/calls`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { calls: CallEntry[] }).calls;
}

/** Runs `sql`, collecting its notices and its error (null when it succeeded). */
async function run(client: pg.Client, sql: string): Promise<{ notices: string[]; error: pg.DatabaseError | null }> {
  const notices: string[] = [];
  const onNotice = (n: { message?: string }) => notices.push(n.message ?? '');
  client.on('notice', onNotice);
  try {
    await client.query(sql);
    return { notices, error: null };
  } catch (err) {
    return { notices, error: err as pg.DatabaseError };
  } finally {
    client.off('notice', onNotice);
  }
}

beforeAll(async () => {
  env = await startTestEmulator();
  admin = await env.client();
  await admin.query('CREATE EXTENSION aws_ml CASCADE');
  await admin.query(`CREATE ROLE ${APP} LOGIN`);
  await admin.query(`CREATE SCHEMA app AUTHORIZATION ${APP}`);
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
  const cleanup = new pg.Client({ connectionString: UPSTREAM });
  await cleanup.connect();
  await cleanup.query(`DROP ROLE IF EXISTS ${APP}`);
  await cleanup.end();
});

beforeEach(async () => {
  await fetch(`${env.emulator.api.url}/_aurora-ml/calls`, { method: 'DELETE' });
});

describe('a user without EXECUTE on aws_ml', () => {
  it('is refused a direct call with 42501, as before', async () => {
    const app = await connectAs(APP);
    try {
      await expect(app.query(`SELECT * FROM aws_comprehend.detect_sentiment('I love it', 'en')`)).rejects.toMatchObject({
        code: '42501',
        message: 'permission denied for function detect_sentiment',
      });
      expect(await loggedCalls()).toEqual([]);
    } finally {
      await app.end();
    }
  });

  it("gets no model answer by forging the stub's miss NOTICE in a DO block", async () => {
    const app = await connectAs(APP);
    try {
      const { notices, error } = await run(app, FORGE_AND_READ);
      expect(notices.filter((n) => n.startsWith('model answer'))).toEqual([]);
      expect(error?.code).toBe('42501');
      expect(error?.message).toBe('a NOTICE "aurora_ml:miss" did not come from an aws_ml function');
      expect(await loggedCalls()).toEqual([]);
      // No answer to read afterwards either (the failed statement took the cache table with it).
      await expect(app.query('SELECT count(*) FROM pg_temp.aurora_ml_cache')).rejects.toMatchObject({
        code: expect.stringMatching(/^42(501|P01)$/),
      });
      expect((await app.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await app.end();
    }
  });

  it('gets no model answer from a function of its own that raises the NOTICE, next to a call it may make', async () => {
    await admin.query(`GRANT EXECUTE ON FUNCTION aws_sagemaker.invoke_endpoint(varchar, int, json) TO ${APP}`);
    const app = await connectAs(APP);
    try {
      await app.query(`CREATE FUNCTION app.forge() RETURNS int LANGUAGE plpgsql AS $$
        BEGIN RAISE NOTICE 'aurora_ml:miss' USING DETAIL = ${FORGED_DETAIL}; RETURN 1; END $$`);
      const { error } = await run(app, `SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'x'), app.forge()`);
      expect(error?.code).toBe('42501');
      expect((await loggedCalls()).filter((c) => c.service === 'comprehend')).toEqual([]);
      // Without the forgery the call it is allowed to make works.
      const ok = await app.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'x', 2) AS out`);
      expect(ok.rows).toEqual([{ out: 'x 2' }]);
      // Only the endpoint it may call was ever called (the forged statement may
      // have evaluated its own call before it failed: its calls are found first).
      expect(new Set((await loggedCalls()).map((c) => c.service))).toEqual(new Set(['sagemaker']));
    } finally {
      await app.end();
      await admin.query(`REVOKE EXECUTE ON FUNCTION aws_sagemaker.invoke_endpoint(varchar, int, json) FROM ${APP}`);
    }
  });

  it('gets no model answer through a temporary table aurora_ml_cache made in advance', async () => {
    const app = await connectAs(APP);
    try {
      await app.query('CREATE TEMP TABLE aurora_ml_cache (k text PRIMARY KEY, v text)');
      const { notices, error } = await run(app, FORGE_AND_READ);
      expect(notices.filter((n) => n.startsWith('model answer'))).toEqual([]);
      expect(error?.code).toBe('42501');
      expect(error?.message).toBe('pg_temp.aurora_ml_cache was not created by aurora-ml-emulator');
      expect((await app.query('SELECT count(*)::int AS n FROM pg_temp.aurora_ml_cache')).rows).toEqual([{ n: 0 }]);
      expect(await loggedCalls()).toEqual([]);
    } finally {
      await app.end();
    }
  });
});

describe('a database the user controls', () => {
  it('cannot vouch for a miss with a begin_statement of its own', async () => {
    await using own = await startTestEmulator();
    const su = await own.client();
    await su.query(`GRANT CREATE ON DATABASE ${own.database} TO ${APP}`);
    const url = new URL(own.url);
    url.username = APP;
    const app = new pg.Client({ connectionString: url.toString() });
    await app.connect();
    try {
      // A look-alike of the emulator's function, returning a key the user knows.
      await app.query('CREATE SCHEMA aurora_ml_private');
      await app.query(`CREATE FUNCTION aurora_ml_private.begin_statement(boolean) RETURNS text
        LANGUAGE sql SECURITY DEFINER AS $$ SELECT 'known' $$`);
      const { error } = await run(
        app,
        `DO $$ BEGIN
          IF false THEN PERFORM aws_comprehend.detect_sentiment('never', 'en'); END IF;
          RAISE NOTICE 'aurora_ml:miss' USING DETAIL = '["aws_comprehend.detect_sentiment","k",["I love it","en",null],"known"]';
        END $$`,
      );
      expect(error?.code).toBe('42501');
      expect(error?.message).toContain('cannot be verified');
      const calls = await fetch(`${own.emulator.api.url}/_aurora-ml/calls`);
      expect(((await calls.json()) as { calls: CallEntry[] }).calls).toEqual([]);
    } finally {
      await app.end();
      await su.query(`DROP SCHEMA aurora_ml_private CASCADE`);
      await su.query(`REVOKE CREATE ON DATABASE ${own.database} FROM ${APP}`);
    }
  });
});

describe('a user granted aws_ml', () => {
  it('gets real answers, and the stubs never read a relation of the user as their owner', async () => {
    await admin.query(`GRANT aws_ml TO ${APP}`);
    const app = await connectAs(APP);
    try {
      const { rows } = await app.query(
        `SELECT (aws_comprehend.detect_sentiment(t, 'en')).sentiment AS s FROM (VALUES ('I love it'), ('I hate it')) v(t)`,
      );
      expect(rows).toEqual([{ s: 'POSITIVE' }, { s: 'NEGATIVE' }]);
      // The cache holds answers the user was allowed to get, and the user's
      // role reads them (the cache-reading answer functions run as it), but
      // never the statement key that proves a miss notice is a stub's: that
      // column is the emulator's alone, to read and to write.
      const answers = await app.query(
        `SELECT split_part(v, E'\\t', 1) AS label FROM pg_temp.aurora_ml_cache WHERE k <> '' ORDER BY 1`,
      );
      expect(answers.rows).toEqual([{ label: 'NEGATIVE' }, { label: 'POSITIVE' }]);
      for (const sql of [
        'SELECT s FROM pg_temp.aurora_ml_cache',
        'SELECT * FROM pg_temp.aurora_ml_cache',
        "INSERT INTO pg_temp.aurora_ml_cache (k, s) VALUES ('x', 'y')",
        "UPDATE pg_temp.aurora_ml_cache SET v = 'x'",
      ]) {
        await expect(app.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
      // The stubs run as the superuser who installed them: a view of the user
      // under the cache's name, read by them, would run the user's code as that
      // superuser. Here the stub is called outside the emulator's loop, with the
      // mode setting forged by hand (the EXECUTE hides it from the classifier).
      await app.query(`CREATE FUNCTION app.spy() RETURNS text LANGUAGE plpgsql AS $$
        BEGIN RAISE NOTICE 'spy runs as %', current_user; RETURN 'POSITIVE'; END $$`);
      const other = await connectAs(APP);
      try {
        await other.query(`CREATE TEMP VIEW aurora_ml_cache AS SELECT app.spy() AS k, 'x'::text AS v`);
        await other.query(`SET aurora_ml.mode = 'on'`);
        const { notices, error } = await run(
          other,
          `DO $$ BEGIN EXECUTE 'SELECT aws_' || 'comprehend.detect_sentiment(''I love it'', ''en'')'; END $$`,
        );
        expect(notices.filter((n) => n.startsWith('spy runs as'))).toEqual([]);
        expect(error?.code).toBe('0A000');
      } finally {
        await other.end();
      }
    } finally {
      await app.end();
      await admin.query(`REVOKE aws_ml FROM ${APP}`);
    }
  });
});

describe('the last denial of a connection', () => {
  it('is forgotten when its PostgreSQL session ends', async () => {
    await using bare = await startTestEmulator({ controlPreset: 'bare' });
    const c = await bare.client();
    await c.query('CREATE EXTENSION aws_ml CASCADE');
    const { rows } = await c.query('SELECT pg_backend_pid() AS pid');
    const pid = Number(rows[0].pid);
    await expect(c.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment`)).rejects.toMatchObject({
      code: '38000',
    });
    expect(bare.emulator.control.gate.lastDenial('postgres', pid)?.step).toBe('association');
    await c.end();
    await expect
      .poll(() => bare.emulator.control.gate.lastDenial('postgres', pid), { timeout: 5000, interval: 50 })
      .toBeUndefined();
  });

  it('is not shown to the next user of a MySQL connection (COM_CHANGE_USER)', async () => {
    await using bare = await startTestEmulator({
      controlPreset: 'bare',
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: mysqlUrl(),
    });
    const url = new URL(bare.emulator.mysql?.url ?? '');
    const other = `gb_other_${process.pid}`;
    const my = await mysql.createConnection({ host: url.hostname, port: Number(url.port), user: 'root' });
    try {
      await my.query(`CREATE USER IF NOT EXISTS '${other}'@'%'`);
      await expect(my.query(`SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`)).rejects.toMatchObject({
        errno: 1815,
      });
      const [denied] = await my.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_last_denial AS d');
      expect(denied[0]?.d).toContain('aws_comprehend.detect_sentiment');
      await my.changeUser({ user: other });
      const [fresh] = await my.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_last_denial AS d');
      expect(fresh[0]?.d).toBe('');
    } finally {
      await my.changeUser({ user: 'root' }).catch(() => undefined);
      await my.query(`DROP USER IF EXISTS '${other}'@'%'`).catch(() => undefined);
      await my.end();
    }
  });
});
