/**
 * Connects to each upstream and logs in once before the emulator says it is
 * running, so a wrong scheme, host, port, role, password or database stops
 * the start with the option to fix, not a client's first connection later.
 */
import pg from 'pg';
import { networkReason, probeMySqlLogin } from './mysql-login-probe.ts';
import { environmentError } from './startup-errors.ts';

const TIMEOUT_MS = 5000;

/** PostgreSQL errors that mean the login itself was refused (role, password, database, pg_hba.conf). */
const LOGIN_REFUSED = /^(28|3D)/;

export async function checkPgUpstream(value: string, name: string): Promise<void> {
  const url = new URL(value);
  const where = `${url.hostname}:${url.port || 5432}`;
  const client = new pg.Client({ connectionString: value, connectionTimeoutMillis: TIMEOUT_MS });
  // A server that drops the connection later would otherwise raise an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { severity?: string };
    if (e.severity !== undefined && LOGIN_REFUSED.test(e.code ?? '')) {
      throw environmentError(`${name}: the PostgreSQL at ${where} refused the login: ${e.message}`, { cause: err });
    }
    const reason =
      e.severity !== undefined
        ? e.message
        : /timeout/i.test(e.message)
          ? `no answer within ${TIMEOUT_MS / 1000} s`
          : e.code === undefined
            ? `it did not answer as PostgreSQL: ${e.message}`
            : networkReason(e);
    throw environmentError(`${name}: cannot use the PostgreSQL at ${where} (${reason})`, { cause: err });
  } finally {
    await client.end().catch(() => {});
  }
}

export async function checkMySqlUpstream(value: string, name: string): Promise<void> {
  const url = new URL(value);
  const where = `${url.hostname}:${url.port || 3306}`;
  const outcome = await probeMySqlLogin(
    {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    },
    TIMEOUT_MS,
  );
  if (outcome.ok) return;
  if (outcome.refused) throw environmentError(`${name}: the MySQL at ${where} refused the login: ${outcome.message}`);
  throw environmentError(`${name}: cannot use the MySQL at ${where} (${outcome.message})`);
}
