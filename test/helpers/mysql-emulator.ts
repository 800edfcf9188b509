/**
 * The MySQL front's counterpart of startTestEmulator (emulator.ts): a fresh
 * database on the machine's MariaDB, the emulator in-process with its MySQL
 * front on port 0 in front of it, and one dispose that closes the clients and
 * the emulator and drops the database, so test files cannot disturb each other.
 */
import mysql from 'mysql2/promise';
import type { Emulator, EmulatorOptions } from '../../src/index.ts';
import { startMysqlEmulator } from './emulator.ts';
import { mysqlConnectionOptions } from './test-databases.ts';

export interface MysqlTestDatabase {
  /** The database's name (dropped first if it exists); a fresh unique one by default. */
  readonly name?: string;
  /** What CREATE DATABASE adds after the name, e.g. 'CHARACTER SET utf8mb4'. */
  readonly createOptions?: string;
  /** Runs after the database exists and before the emulator starts: tables, routines, reference data. */
  readonly prepare?: (admin: mysql.Connection, database: string) => Promise<void>;
}

export interface MysqlTestEmulator extends AsyncDisposable {
  readonly emulator: Emulator;
  /** Connection string through the emulator's MySQL front, on the database. */
  readonly url: string;
  /** The MySQL front's port. */
  readonly port: number;
  readonly database: string;
  /** root straight to MariaDB, no database selected (for set-up and checks); ended by the dispose. */
  readonly admin: mysql.Connection;
  /** A mysql2 connection through the emulator on the database, ended by the dispose. */
  client(options?: Omit<mysql.ConnectionOptions, 'uri'>): Promise<mysql.Connection>;
}

export async function startMysqlTestEmulator(
  options: EmulatorOptions = {},
  { name, createOptions, prepare }: MysqlTestDatabase = {},
): Promise<MysqlTestEmulator> {
  const database = name ?? `aurora_ml_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await mysql.createConnection(mysqlConnectionOptions());
  const clients: mysql.Connection[] = [];
  let emulator: Emulator | undefined;
  const dispose = async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    await emulator?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.end();
  };
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}${createOptions === undefined ? '' : ` ${createOptions}`}`);
    await prepare?.(admin, database);
    emulator = await startMysqlEmulator(database, options);
  } catch (err) {
    await dispose().catch(() => {});
    throw err;
  }
  const front = emulator.mysql;
  if (front === null) throw new Error('the emulator started without its MySQL front');
  return {
    emulator,
    url: front.url,
    port: front.port,
    database,
    admin,
    client: async (more = {}) => {
      const c = await mysql.createConnection({ uri: front.url, ...more });
      clients.push(c);
      return c;
    },
    [Symbol.asyncDispose]: dispose,
  };
}
