/**
 * The upstream databases' connection limit (max_connections), read once per
 * emulator and kept: the dashboard draws it as the line a pool of waiting
 * clients runs into. A database that cannot be asked gives null (unknown).
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

const TIMEOUT_MS = 3000;

export async function pgMaxConnections(url: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ max_connections: string }>('SHOW max_connections');
    const value = Number(result.rows[0]?.max_connections);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

/** MySQL/MariaDB, through mysql2 (the emulator itself speaks only the login handshake, see mysql-login-probe.ts). */
export async function mysqlMaxConnections(url: string): Promise<number | null> {
  const u = new URL(url);
  let connection: mysql.Connection | null = null;
  try {
    connection = await mysql.createConnection({
      host: u.hostname || '127.0.0.1',
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      connectTimeout: TIMEOUT_MS,
    });
    const [rows] = await connection.query('SELECT @@max_connections AS m');
    const value = Number((rows as { m?: unknown }[])[0]?.m);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  } finally {
    await connection?.end().catch(() => {});
  }
}
