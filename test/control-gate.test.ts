/**
 * The gate on a bare cluster: each front refuses ML calls with the catalog's
 * error for the first missing piece of wiring, names what to fix, and shows
 * the refusal again through SQL (SHOW aurora_ml_last_denial on PostgreSQL,
 * @@aurora_ml_last_denial on MySQL). With `gate: false` nothing is checked.
 */
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../src/errors.ts';
import { mysqlUrl, startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

const MYSQL_UPSTREAM = mysqlUrl();
const SENTIMENT_PG = `SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment`;
const SENTIMENT_MYSQL = `SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`;

describe('a bare cluster', () => {
  let env: TestEmulator;
  let pgClient: pg.Client;
  let my: mysql.Connection;

  beforeAll(async () => {
    env = await startTestEmulator({ controlPreset: 'bare', mysqlListen: '127.0.0.1:0', mysqlUpstream: MYSQL_UPSTREAM });
    pgClient = await env.client();
    await pgClient.query('CREATE EXTENSION aws_ml CASCADE');
    my = await mysql.createConnection(env.emulator.mysql?.url ?? '');
  });

  afterAll(async () => {
    await my?.end();
    await env?.[Symbol.asyncDispose]();
  });

  it('PostgreSQL: 38000 naming the missing association, its hint, and SHOW aurora_ml_last_denial', async () => {
    const before = await pgClient.query('SHOW aurora_ml_last_denial');
    expect(before.rows).toEqual([{ aurora_ml_last_denial: '' }]);
    const err = await pgClient.query(SENTIMENT_PG).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string; hint?: string },
    );
    expect(err?.code).toBe(catalog.MlRoleNotConfigured.pg);
    expect(err?.message).toBe('No IAM role is associated with cluster aurora-ml-postgres for the feature Comprehend');
    expect(err?.hint).toContain(
      'aws rds add-role-to-db-cluster --db-cluster-identifier aurora-ml-postgres --feature-name Comprehend --role-arn <role ARN>',
    );
    const denial = await pgClient.query('SHOW aurora_ml_last_denial');
    expect(denial.rows[0].aurora_ml_last_denial).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z association: aws_comprehend\.detect_sentiment\(\*\): No IAM role is associated/,
    );
    expect((await pgClient.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('MySQL: 1815 naming the empty aws_default_comprehend_role, and @@aurora_ml_last_denial', async () => {
    await expect(my.query(SENTIMENT_MYSQL)).rejects.toMatchObject({
      errno: catalog.MlRoleNotConfigured.mysqlErrno,
      sqlState: catalog.MlRoleNotConfigured.mysqlState,
      message: expect.stringMatching(
        /parameter aws_default_comprehend_role is empty\. Hint: aws rds modify-db-cluster-parameter-group .*ParameterName=aws_default_comprehend_role,ParameterValue=<role ARN>,ApplyMethod=pending-reboot then aws rds reboot-db-instance/,
      ),
    });
    const [rows] = await my.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_last_denial AS d');
    expect(rows[0]?.d).toMatch(/ parameter: aws_comprehend\.detect_sentiment\(\*\): No IAM role is set for Comprehend/);
    // Another connection has no denial of its own.
    const other = await mysql.createConnection(env.emulator.mysql?.url ?? '');
    const [fresh] = await other.query<mysql.RowDataPacket[]>('SELECT @@aurora_ml_last_denial AS d');
    expect(fresh[0]?.d).toBe('');
    await other.end();
  });

  it('keeps the last denial per connection for the programmatic API too', async () => {
    const { rows } = await pgClient.query('SELECT pg_backend_pid() AS pid');
    const denial = env.emulator.control.gate.lastDenial('postgres', Number(rows[0].pid));
    expect(denial?.step).toBe('association');
    expect(denial?.fn).toBe('aws_comprehend.detect_sentiment');
  });
});

describe('gate: false', () => {
  it('lets every call through on a bare cluster', async () => {
    await using env = await startTestEmulator({ controlPreset: 'bare', gate: false });
    const c = await env.client();
    await c.query('CREATE EXTENSION aws_ml CASCADE');
    const { rows } = await c.query(SENTIMENT_PG);
    expect(rows).toEqual([{ sentiment: 'POSITIVE' }]);
  });
});

describe("the seed's GRANT EXECUTE ON FUNCTION mysql.aurora_ml.*", () => {
  it('grants the Aurora MySQL 3 roles with a warning, and is an error in strict mode', async () => {
    await using env = await startTestEmulator({ mysqlListen: '127.0.0.1:0', mysqlUpstream: MYSQL_UPSTREAM });
    const root = await mysql.createConnection(env.emulator.mysql?.url ?? '');
    const user = `aml_seed_${process.pid}`;
    try {
      await root.query(`CREATE USER '${user}'@'%'`);
      await root.query(`GRANT EXECUTE, CREATE TEMPORARY TABLES ON aurora_ml.* TO '${user}'@'%'`);
      const [ok] = await root.query<mysql.ResultSetHeader>(`GRANT EXECUTE ON FUNCTION mysql.aurora_ml.* TO '${user}'@'%'`);
      expect(ok.warningStatus).toBe(1);
      const [warnings] = await root.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
      expect(warnings).toEqual([
        {
          Level: 'Warning',
          Code: 1235,
          Message: 'GRANT EXECUTE ON FUNCTION mysql.aurora_ml.* is an aurora-ml-emulator extension: real Aurora MySQL rejects it',
        },
      ]);
      const [grants] = await root.query<mysql.RowDataPacket[]>(`SHOW GRANTS FOR '${user}'@'%'`);
      const text = grants.map((g) => Object.values(g)[0]).join('\n');
      for (const role of ['AWS_COMPREHEND_ACCESS', 'AWS_SAGEMAKER_ACCESS', 'AWS_BEDROCK_ACCESS']) expect(text).toContain(role);
      const app = await mysql.createConnection({ ...connectionOf(env), user });
      try {
        await expect(app.query(SENTIMENT_MYSQL)).rejects.toMatchObject({ errno: catalog.PermissionDenied.mysqlErrno });
        await app.query('SET ROLE AWS_COMPREHEND_ACCESS');
        const [rows] = await app.query<mysql.RowDataPacket[]>(SENTIMENT_MYSQL);
        expect(rows).toEqual([{ s: 'POSITIVE' }]);
      } finally {
        await app.end();
      }
      await root.query('SET aurora_ml_strict = ON');
      await expect(root.query(`GRANT EXECUTE ON FUNCTION mysql.aurora_ml.* TO '${user}'@'%'`)).rejects.toMatchObject({
        errno: catalog.NotSupportedByAurora.mysqlErrno,
        sqlState: catalog.NotSupportedByAurora.mysqlState,
      });
    } finally {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await root.end();
    }
  });
});

/** The MySQL front's address, with no default database (the app user here has none). */
function connectionOf(env: TestEmulator): mysql.ConnectionOptions {
  const url = new URL(env.emulator.mysql?.url ?? '');
  return { host: url.hostname, port: Number(url.port) };
}
