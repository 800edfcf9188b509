/**
 * Where the tests find their two real database servers: the one place that
 * reads TEST_PG_URL and TEST_MYSQL_URL, so pointing the suite at other servers
 * (docker-compose.test.yml's, say) is one environment variable each.
 * Kept free of the emulator's own imports: the preflight loads it too.
 */

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

type Env = Readonly<Record<string, string | undefined>>;

/** A superuser connection to the PostgreSQL the tests create their databases in. */
export function pgUrlFrom(env: Env): string {
  return env.TEST_PG_URL || DEFAULT_PG_URL;
}

/** TEST_MYSQL_URL; without it, the default with TEST_MYSQL_PORT (the older knob) as its port. */
export function mysqlUrlFrom(env: Env): string {
  if (env.TEST_MYSQL_URL) return env.TEST_MYSQL_URL;
  const url = new URL(DEFAULT_MYSQL_URL);
  if (env.TEST_MYSQL_PORT) url.port = env.TEST_MYSQL_PORT;
  return url.toString();
}

export const PG_URL = pgUrlFrom(process.env);
export const MYSQL_URL = mysqlUrlFrom(process.env);

const mysqlParts = new URL(MYSQL_URL);
export const MYSQL_HOST = mysqlParts.hostname;
export const MYSQL_PORT = Number(mysqlParts.port || 3306);
export const MYSQL_USER = decodeURIComponent(mysqlParts.username) || 'root';
const MYSQL_PASSWORD = decodeURIComponent(mysqlParts.password);
/** The database that exists before any test runs (`test` by default). */
export const MYSQL_DATABASE = decodeURIComponent(mysqlParts.pathname.slice(1)) || 'test';

export interface MysqlConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
}

/** mysql2 / mariadb connector options straight to the tests' MariaDB; no database unless one is named. */
export function mysqlConnectionOptions(database?: string): MysqlConnectionOptions {
  return {
    host: MYSQL_HOST,
    port: MYSQL_PORT,
    user: MYSQL_USER,
    ...(MYSQL_PASSWORD === '' ? {} : { password: MYSQL_PASSWORD }),
    ...(database === undefined ? {} : { database }),
  };
}

/** MYSQL_URL on another database (an emulator's mysqlUpstream); the database that exists by default otherwise. */
export function mysqlUrl(database = MYSQL_DATABASE): string {
  const url = new URL(MYSQL_URL);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
