/**
 * The preflight's database checks: each server the suite needs must accept
 * the connection the tests will make and let them create databases, since
 * every test file works in databases of its own.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

/** One thing the machine lacks, and what provides it. */
export interface Finding {
  readonly what: string;
  readonly problem: string;
  readonly fix: string;
}

/** A refused port answers at once; an unroutable host must not stall the whole run. */
const CONNECT_TIMEOUT_MS = 1500;

const COMPOSE_UP = 'docker compose -f docker-compose.test.yml up -d --wait';
const PG_FIX =
  'start PostgreSQL with trust auth for postgres on 127.0.0.1:5432 (Debian: apt-get install postgresql), ' +
  `or run \`${COMPOSE_UP}\` and export TEST_PG_URL=postgres://postgres@127.0.0.1:15432/postgres`;
const MYSQL_FIX =
  'start MariaDB with root and no password on 127.0.0.1:3306 and a database `test` ' +
  `(Debian: apt-get install mariadb-server; mariadb -uroot -e 'CREATE DATABASE test'), or run \`${COMPOSE_UP}\` ` +
  'and export TEST_MYSQL_URL=mysql://root@127.0.0.1:13306/test';

const messageOf = (err: unknown) => (err instanceof Error && err.message !== '' ? err.message : String(err));
/** The URL as a person would recognise it, without its password. */
function shown(url: string): string {
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.toString();
}
const scratchName = (prefix: string) => `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** Connect, be a superuser, create and drop a database. */
export async function checkPostgres(url: string): Promise<Finding[]> {
  const what = `PostgreSQL at ${shown(url)} (TEST_PG_URL)`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // a server going away mid-check is reported by the query that fails
  try {
    await client.connect();
  } catch (err) {
    return [{ what, problem: `cannot connect: ${messageOf(err)}`, fix: PG_FIX }];
  }
  try {
    const { rows } = await client.query<{ superuser: boolean; who: string }>(
      "SELECT current_setting('is_superuser') = 'on' AS superuser, current_user AS who",
    );
    if (rows[0]?.superuser !== true) {
      const problem = `${rows[0]?.who ?? 'the user'} is not a superuser (the tests create extensions and roles)`;
      return [{ what, problem, fix: 'point TEST_PG_URL at a superuser, e.g. postgres' }];
    }
    const database = scratchName('aurora_ml_preflight');
    try {
      await client.query(`CREATE DATABASE ${database}`);
    } catch (err) {
      return [{ what, problem: `cannot CREATE DATABASE: ${messageOf(err)}`, fix: 'point TEST_PG_URL at a superuser' }];
    }
    await client.query(`DROP DATABASE IF EXISTS ${database}`);
    return [];
  } catch (err) {
    return [{ what, problem: messageOf(err), fix: PG_FIX }];
  } finally {
    await client.end().catch(() => {});
  }
}

/** Connect, find the URL's database, create and drop one of its own. */
export async function checkMysql(url: string): Promise<Finding[]> {
  const what = `MariaDB/MySQL at ${shown(url)} (TEST_MYSQL_URL)`;
  const parts = new URL(url);
  const database = decodeURIComponent(parts.pathname.slice(1)) || 'test';
  let conn: mysql.Connection;
  try {
    // Without the database: a missing one is a finding of its own, not a failed connection.
    conn = await mysql.createConnection({
      host: parts.hostname,
      port: Number(parts.port || 3306),
      user: decodeURIComponent(parts.username) || 'root',
      password: decodeURIComponent(parts.password),
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    return [{ what, problem: `cannot connect: ${messageOf(err)}`, fix: MYSQL_FIX }];
  }
  conn.on('error', () => {});
  try {
    const findings: Finding[] = [];
    const [found] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      database,
    ]);
    if (found.length === 0) {
      findings.push({ what, problem: `database \`${database}\` does not exist`, fix: `CREATE DATABASE ${database}` });
    }
    const scratch = scratchName('aml_preflight');
    try {
      await conn.query(`CREATE DATABASE ${scratch}`);
      await conn.query(`DROP DATABASE IF EXISTS ${scratch}`);
    } catch (err) {
      const fix = 'point TEST_MYSQL_URL at root (the tests create databases, users and functions)';
      findings.push({ what, problem: `cannot CREATE DATABASE: ${messageOf(err)}`, fix });
    }
    return findings;
  } catch (err) {
    return [{ what, problem: messageOf(err), fix: MYSQL_FIX }];
  } finally {
    await conn.end().catch(() => {});
  }
}
