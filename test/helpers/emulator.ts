/**
 * Starts the emulator in-process on port 0 in front of the machine's real
 * PostgreSQL, on a database of its own so test files cannot disturb each other.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/index.ts';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_URL, mysqlConnectionOptions, mysqlUrl, PG_URL } from './test-databases.ts';

export { MYSQL_HOST, MYSQL_PORT, MYSQL_URL, mysqlConnectionOptions, mysqlUrl };

/** TEST_PG_URL (test-databases.ts). */
export const UPSTREAM = PG_URL;

export interface TestEmulator extends AsyncDisposable {
  readonly emulator: Emulator;
  /** Connection string through the emulator. */
  readonly url: string;
  /** Connection string straight to the upstream database (for checks). */
  readonly directUrl: string;
  readonly database: string;
  client(): Promise<pg.Client>;
}

/** @param upstreamUrl a superuser connection to the PostgreSQL to run in front of */
export async function startTestEmulator(options: EmulatorOptions = {}, upstreamUrl = UPSTREAM): Promise<TestEmulator> {
  const database = `aurora_ml_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: upstreamUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const upstream = new URL(upstreamUrl);
  upstream.pathname = `/${database}`;
  const emulator = await startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: upstream.toString(),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...options,
  });
  const clients: pg.Client[] = [];
  const dispose = async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    await emulator.close();
    const cleanup = new pg.Client({ connectionString: upstreamUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await cleanup.end();
  };
  return {
    emulator,
    url: emulator.postgres.url,
    directUrl: upstream.toString(),
    database,
    client: async () => {
      const c = new pg.Client({ connectionString: emulator.postgres.url });
      await c.connect();
      clients.push(c);
      return c;
    },
    [Symbol.asyncDispose]: dispose,
  };
}

/** What a suite's tests use of its emulator (the suite disposes of it). */
export interface SuiteEmulator extends Omit<TestEmulator, typeof Symbol.asyncDispose> {
  /** The PostgreSQL front's port. */
  readonly port: number;
}

/**
 * startTestEmulator for the enclosing describe block (or file): started in its
 * beforeAll, disposed in its afterAll. The object can be taken at once; it
 * reads the running emulator, so use it inside the tests.
 */
export function startTestEmulatorForSuite(options: EmulatorOptions = {}): SuiteEmulator {
  let env: TestEmulator | undefined;
  const running = (): TestEmulator => {
    if (env === undefined) throw new Error('the suite emulator is not running (use it inside a test or hook)');
    return env;
  };
  beforeAll(async () => {
    env = await startTestEmulator(options);
  });
  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });
  return {
    get emulator() {
      return running().emulator;
    },
    get url() {
      return running().url;
    },
    get directUrl() {
      return running().directUrl;
    },
    get database() {
      return running().database;
    },
    get port() {
      return running().emulator.postgres.port;
    },
    client: () => running().client(),
  };
}

/** startTestEmulator with aws_ml installed (CREATE EXTENSION aws_ml CASCADE through the emulator). */
export async function startTestEmulatorWithMl(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const env = await startTestEmulator(options);
  const setup = new pg.Client({ connectionString: env.url });
  await setup.connect();
  try {
    await setup.query('CREATE EXTENSION aws_ml CASCADE');
  } finally {
    await setup.end();
  }
  return env;
}

/**
 * Starts the emulator in-process with its MySQL front on port 0, in front of
 * `database` on the machine's MariaDB (the PostgreSQL front stays on the
 * shared upstream: these tests do not use it).
 */
export function startMysqlEmulator(database: string, options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: UPSTREAM,
    mysqlListen: '127.0.0.1:0',
    mysqlUpstream: mysqlUrl(database),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...options,
  });
}
