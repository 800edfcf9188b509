/**
 * The preflight (test/preflight.ts) against real servers: wrong addresses are
 * named with their fix, the machine's own servers pass, and it stays fast.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { checkMysql, checkPostgres } from './helpers/preflight-services.ts';
import { missingPrograms } from './helpers/preflight-tools.ts';
import { MYSQL_URL, mysqlUrlFrom, PG_URL, pgUrlFrom } from './helpers/test-databases.ts';
import setup, { checkTestMachine, describeFailures } from './preflight.ts';

const DEAD_PG = 'postgres://postgres@127.0.0.1:1/postgres';
const DEAD_MYSQL = 'mysql://root@127.0.0.1:1/test';
const COMPOSE = 'docker compose -f docker-compose.test.yml up -d';

describe('preflight findings', () => {
  it('names a PostgreSQL and a MariaDB that do not answer, each with its fix, in one message', async () => {
    const report = await checkTestMachine({ TEST_PG_URL: DEAD_PG, TEST_MYSQL_URL: DEAD_MYSQL, PATH: process.env.PATH });
    expect(report.failures).toHaveLength(2);
    const [pgFinding, mysqlFinding] = report.failures;
    expect(pgFinding?.what).toBe(`PostgreSQL at ${DEAD_PG} (TEST_PG_URL)`);
    expect(pgFinding?.problem).toMatch(/^cannot connect: .*ECONNREFUSED 127\.0\.0\.1:1/);
    expect(pgFinding?.fix).toContain('apt-get install postgresql');
    expect(pgFinding?.fix).toContain(COMPOSE);
    expect(pgFinding?.fix).toContain('TEST_PG_URL=postgres://postgres@127.0.0.1:15432/postgres');
    expect(mysqlFinding?.what).toBe(`MariaDB/MySQL at ${DEAD_MYSQL} (TEST_MYSQL_URL)`);
    expect(mysqlFinding?.problem).toMatch(/^cannot connect: .*ECONNREFUSED/);
    expect(mysqlFinding?.fix).toContain('apt-get install mariadb-server');
    expect(mysqlFinding?.fix).toContain('TEST_MYSQL_URL=mysql://root@127.0.0.1:13306/test');

    const message = describeFailures(report.failures);
    expect(message).toMatch(/^npm test needs 2 things this machine lacks/);
    for (const f of report.failures) expect(message).toContain(`  - ${f.what}: ${f.problem}\n      fix: ${f.fix}`);
  });

  it('hides the password of the URL it names', async () => {
    const [finding] = await checkPostgres('postgres://postgres:s3cret@127.0.0.1:1/postgres');
    expect(finding?.what).toBe('PostgreSQL at postgres://postgres:***@127.0.0.1:1/postgres (TEST_PG_URL)');
  });

  it('names a MariaDB database that does not exist', async () => {
    const url = new URL(MYSQL_URL);
    url.pathname = `/aml_preflight_absent_${process.pid}`;
    const findings = await checkMysql(url.toString());
    expect(findings).toEqual([
      {
        what: `MariaDB/MySQL at ${url} (TEST_MYSQL_URL)`,
        problem: `database \`aml_preflight_absent_${process.pid}\` does not exist`,
        fix: `CREATE DATABASE aml_preflight_absent_${process.pid}`,
      },
    ]);
  });

  it('names a PostgreSQL user that is not a superuser', async () => {
    const role = `aml_preflight_plain_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      const url = new URL(PG_URL);
      url.username = role;
      const findings = await checkPostgres(url.toString());
      expect(findings).toHaveLength(1);
      expect(findings[0]?.problem).toBe(`${role} is not a superuser (the tests create extensions and roles)`);
      expect(findings[0]?.fix).toContain('TEST_PG_URL');
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });

  it('names each program missing from PATH with the Debian package that has it', () => {
    const byWhat = new Map(missingPrograms(undefined, '/nonexistent').map((f) => [f.what.split(' (')[0], f.fix]));
    expect(byWhat.get('psql')).toBe('apt-get install postgresql-client');
    expect(byWhat.get('pgbench')).toBe('apt-get install postgresql-client');
    expect(byWhat.get('mariadb')).toBe('apt-get install mariadb-client');
    expect(byWhat.get('curl')).toBe('apt-get install curl');
    // Found by absolute path, whatever PATH says.
    expect(byWhat.has('/usr/bin/aws')).toBe(false);
  });
});

describe('preflight on this machine', () => {
  it('passes against the real servers and programs, in well under two seconds', async () => {
    const started = performance.now();
    const report = await checkTestMachine();
    const elapsed = performance.now() - started;
    expect(report.failures).toEqual([]);
    expect(elapsed).toBeLessThan(2000);
  });
});

describe('preflight as globalSetup', () => {
  const saved = { pg: process.env.TEST_PG_URL, off: process.env.TEST_PREFLIGHT };
  const restore = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  afterEach(() => {
    restore('TEST_PG_URL', saved.pg);
    restore('TEST_PREFLIGHT', saved.off);
  });

  it('throws the message naming what is missing; TEST_PREFLIGHT=off skips the check', async () => {
    process.env.TEST_PG_URL = DEAD_PG;
    delete process.env.TEST_PREFLIGHT;
    await expect(setup()).rejects.toThrow(`PostgreSQL at ${DEAD_PG} (TEST_PG_URL): cannot connect`);
    process.env.TEST_PREFLIGHT = 'off';
    await expect(setup()).resolves.toBeUndefined();
  });
});

describe('where the tests find their servers', () => {
  it('TEST_PG_URL and TEST_MYSQL_URL win; TEST_MYSQL_PORT still moves the default', () => {
    expect(pgUrlFrom({})).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(pgUrlFrom({ TEST_PG_URL: 'postgres://u@h:1/d' })).toBe('postgres://u@h:1/d');
    expect(mysqlUrlFrom({})).toBe('mysql://root@127.0.0.1:3306/test');
    expect(mysqlUrlFrom({ TEST_MYSQL_PORT: '13306' })).toBe('mysql://root@127.0.0.1:13306/test');
    expect(mysqlUrlFrom({ TEST_MYSQL_URL: 'mysql://root@127.0.0.1:23306/test', TEST_MYSQL_PORT: '13306' })).toBe(
      'mysql://root@127.0.0.1:23306/test',
    );
    expect(PG_URL).toBe(pgUrlFrom(process.env));
  });
});
