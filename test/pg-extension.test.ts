/**
 * The aws_ml extension as Aurora PostgreSQL has it: CREATE/DROP EXTENSION,
 * versions by engine version, the aws_ml role and EXECUTE revoked from PUBLIC.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPENDENTS_QUERY } from '../src/aurora/pg/dependencies.ts';
import { startTestEmulator, type TestEmulator, UPSTREAM } from './helpers/emulator.ts';

let env: TestEmulator;
let admin: pg.Client;
const APP_USER = `aml_app_${process.pid}`;

beforeAll(async () => {
  env = await startTestEmulator();
  admin = await env.client();
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
  const c = new pg.Client(UPSTREAM);
  await c.connect();
  await c.query(`DROP ROLE IF EXISTS ${APP_USER}`);
  await c.end();
});

async function connectAs(user: string): Promise<pg.Client> {
  const url = new URL(env.url);
  url.username = user;
  const c = new pg.Client(url.toString());
  await c.connect();
  return c;
}

describe('CREATE EXTENSION', () => {
  it('needs CASCADE (or aws_commons first), then installs aws_commons with a NOTICE', async () => {
    await expect(admin.query('CREATE EXTENSION aws_ml')).rejects.toMatchObject({
      code: '42704',
      message: 'required extension "aws_commons" is not installed',
    });
    const notices: string[] = [];
    admin.on('notice', (n) => notices.push(n.message ?? ''));
    await admin.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    expect(notices).toContain('installing required extension "aws_commons"');
    await admin.query('CREATE EXTENSION IF NOT EXISTS aws_ml');
    expect(notices).toContain('extension "aws_ml" already exists, skipping');
    admin.removeAllListeners('notice');
    await expect(admin.query('CREATE EXTENSION aws_ml')).rejects.toMatchObject({ code: '42710' });
  });

  it('creates the schemas, the role and the documented signatures', async () => {
    const schemas = await admin.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'aws\\_%' ORDER BY 1`);
    expect(schemas.rows.map((r) => r.nspname)).toEqual(['aws_bedrock', 'aws_commons', 'aws_comprehend', 'aws_sagemaker']);
    const role = await admin.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'aws_ml'`);
    expect(role.rows).toEqual([{ rolcanlogin: false }]);
    const sig = await admin.query(
      `SELECT pg_get_function_arguments('aws_comprehend.detect_sentiment'::regproc) AS args,
              pg_get_function_result('aws_comprehend.detect_sentiment'::regproc) AS result`,
    );
    expect(sig.rows[0].args).toBe(
      'input_text character varying, language_code character varying, max_rows_per_batch integer DEFAULT NULL::integer, OUT sentiment character varying, OUT confidence real',
    );
    expect(sig.rows[0].result).toBe('record');
    const ext = await admin.query(`SELECT extname, extversion FROM pg_catalog.pg_extension WHERE extname LIKE 'aws%' ORDER BY 1`);
    expect(ext.rows).toEqual([
      { extname: 'aws_commons', extversion: '1.2' },
      { extname: 'aws_ml', extversion: '2.0' },
    ]);
  });
});

describe('privileges', () => {
  it('EXECUTE is revoked from PUBLIC: 42501 until granted, directly or through the aws_ml role', async () => {
    await admin.query(`CREATE ROLE ${APP_USER} LOGIN`);
    const app = await connectAs(APP_USER);
    try {
      await expect(app.query(`SELECT * FROM aws_comprehend.detect_sentiment('I love it', 'en')`)).rejects.toMatchObject({
        code: '42501',
        message: 'permission denied for function detect_sentiment',
      });
      await expect(app.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
      await admin.query(`GRANT EXECUTE ON FUNCTION aws_comprehend.detect_sentiment(varchar, varchar, int) TO ${APP_USER}`);
      const ok = await app.query(`SELECT sentiment FROM aws_comprehend.detect_sentiment('I love it', 'en')`);
      expect(ok.rows[0].sentiment).toBe('POSITIVE');
      await expect(app.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 1)`)).rejects.toMatchObject({
        code: '42501',
      });
      await admin.query(`GRANT aws_ml TO ${APP_USER}`);
      const granted = await app.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'x', 2) AS out`);
      expect(granted.rows[0].out).toBe('x 2');
    } finally {
      await app.end();
      await admin.query(`REVOKE aws_ml FROM ${APP_USER}`);
      await admin.query(`REVOKE EXECUTE ON FUNCTION aws_comprehend.detect_sentiment(varchar, varchar, int) FROM ${APP_USER}`);
    }
  });

  it('the stubs refuse to run when called on the upstream directly, with a hint', async () => {
    const direct = new pg.Client(env.directUrl);
    await direct.connect();
    try {
      await expect(direct.query(`SELECT * FROM aws_comprehend.detect_sentiment('x', 'en')`)).rejects.toMatchObject({
        code: '0A000',
        hint: "Connect to the emulator's port instead of the database behind it.",
      });
    } finally {
      await direct.end();
    }
  });
});

describe('the objects that reach an ML function, as the front reads them', () => {
  it('finds views and functions through views, and its query stays well below the JIT threshold', async () => {
    await admin.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    await admin.query(`CREATE VIEW dep_v1 AS SELECT (aws_comprehend.detect_sentiment('x', 'en')).sentiment`);
    await admin.query('CREATE VIEW dep_v2 AS SELECT sentiment FROM dep_v1');
    await admin.query(`CREATE FUNCTION dep_f1() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT sentiment FROM dep_v2; END`);
    await admin.query(`CREATE FUNCTION dep_f2() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT dep_f1(); END`);
    const direct = new pg.Client(env.directUrl);
    await direct.connect();
    try {
      const found = await direct.query<{ coalesce: string }>(DEPENDENTS_QUERY);
      const names = found.rows.map((r) => r.coalesce);
      expect(names).toEqual(expect.arrayContaining(['dep_v1', 'dep_v2', 'dep_f1', 'dep_f2']));
      // The emulator's own answer functions are not the user's dependents: a column named sentiment is not ML.
      expect(names.filter((n) => !n.startsWith('dep_'))).toEqual([]);
      // JIT compiling it cost a database's first session 60-80 ms; the estimate is what decides.
      const plan = await direct.query<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(
        `EXPLAIN (FORMAT JSON) ${DEPENDENTS_QUERY}`,
      );
      const cost = plan.rows[0]?.['QUERY PLAN'][0].Plan['Total Cost'] ?? Number.POSITIVE_INFINITY;
      const threshold = await direct.query<{ c: string }>(`SELECT current_setting('jit_above_cost') AS c`);
      expect(cost).toBeLessThan(Number(threshold.rows[0]?.c) / 2);
    } finally {
      await direct.end();
    }
    await admin.query('DROP FUNCTION dep_f2, dep_f1; DROP VIEW dep_v2, dep_v1');
  });
});

describe('DROP EXTENSION', () => {
  it('refuses while objects depend on it, drops them with CASCADE', async () => {
    await admin.query(`CREATE VIEW moods AS SELECT (aws_comprehend.detect_sentiment('x', 'en')).sentiment`);
    await expect(admin.query('DROP EXTENSION aws_ml')).rejects.toMatchObject({ code: '2BP01' });
    await expect(admin.query('DROP EXTENSION aws_commons')).rejects.toMatchObject({ code: '2BP01' });
    await admin.query('DROP EXTENSION aws_ml CASCADE');
    const left = await admin.query(
      `SELECT count(*)::int AS n FROM pg_namespace
        WHERE nspname IN ('aws_comprehend', 'aws_sagemaker', 'aws_bedrock', 'aurora_ml_private', 'aurora_ml_cached')`,
    );
    // The emulator's own schemas (the miss channel, the answer functions) go with it.
    expect(left.rows[0].n).toBe(0);
    const view = await admin.query(`SELECT to_regclass('moods') AS v`);
    expect(view.rows[0].v).toBeNull();
    await expect(admin.query(`SELECT * FROM aws_comprehend.detect_sentiment('x', 'en')`)).rejects.toMatchObject({
      code: '3F000',
    });
    await admin.query('DROP EXTENSION aws_commons');
    await expect(admin.query('DROP EXTENSION aws_ml')).rejects.toMatchObject({ code: '42704' });
    await admin.query('DROP EXTENSION IF EXISTS aws_ml');
    const ext = await admin.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname LIKE 'aws%'`);
    expect(ext.rows[0].n).toBe(0);
  });
});

describe('extension version follows the engine version', () => {
  it('Aurora PostgreSQL 13 installs aws_ml 1.0 without aws_bedrock', async () => {
    await using old = await startTestEmulator({ pgEngineVersion: '13.12' });
    const c = await old.client();
    await c.query('CREATE EXTENSION aws_ml CASCADE');
    const ext = await c.query(`SELECT extversion FROM pg_extension WHERE extname = 'aws_ml'`);
    expect(ext.rows).toEqual([{ extversion: '1.0' }]);
    await expect(
      c.query(`SELECT aws_bedrock.invoke_model('amazon.titan-text-express-v1', 'application/json', 'application/json', '{}')`),
    ).rejects.toMatchObject({ code: '3F000' });
    const { rows } = await c.query(`SELECT (aws_comprehend.detect_sentiment('great', 'en')).sentiment AS s`);
    expect(rows[0].s).toBe('POSITIVE');
  });
});
