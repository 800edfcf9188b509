/**
 * The SQL positions Aurora MySQL allows for aws_comprehend_detect_sentiment
 * and aws_comprehend_detect_sentiment_confidence, through the emulator's
 * MySQL front in front of the machine's MariaDB: the scenario table shared
 * with the PostgreSQL front (test/scenarios/sentiment-positions.ts), checked
 * against answers computed by calling the built-in Comprehend model directly.
 */
import * as mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { mysqlUrl, UPSTREAM } from './helpers/emulator.ts';
import {
  type Outcome,
  REVIEWS,
  REVIEWS_DDL,
  runScenario,
  type ScenarioRunner,
  type Statement,
  scenariosFor,
} from './scenarios/sentiment-positions.ts';

const DIRECT = mysqlUrl();
/** This file's databases: one per mode, so each mode has its own tables. */
const DATABASE_PREFIX = `aml_shapes_${process.pid}`;

/**
 * Each scenario runs four ways: mysql2 text protocol (COM_QUERY) in
 * autocommit, the same inside an explicit transaction (BEGIN ... COMMIT
 * around each statement), mysql2 binary protocol (COM_STMT_PREPARE /
 * COM_STMT_EXECUTE for every statement), and the mariadb connector's query.
 */
interface Mode {
  readonly name: string;
  readonly client: 'mysql2' | 'mariadb';
  readonly transaction: boolean;
  /** Every checked statement through COM_STMT_PREPARE / COM_STMT_EXECUTE. */
  readonly binary: boolean;
}
const MODES: readonly Mode[] = [
  { name: 'mysql2 query, autocommit', client: 'mysql2', transaction: false, binary: false },
  { name: 'mysql2 query, explicit transaction', client: 'mysql2', transaction: true, binary: false },
  { name: 'mysql2 execute (binary protocol)', client: 'mysql2', transaction: false, binary: true },
  { name: 'mariadb connector query', client: 'mariadb', transaction: false, binary: false },
];

const databaseOf = (mode: Mode) => `${DATABASE_PREFIX}_${MODES.indexOf(mode)}`;

/** What the runner needs of a connection, whichever the client library. */
interface Connection {
  /** Text protocol, `?` filled in by the client. */
  query(sql: string, params?: readonly unknown[]): Promise<unknown>;
  /** Binary protocol (prepared on first use, then re-executed). */
  execute(sql: string, params: readonly unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

let emu: Emulator;
let direct: mysql.Connection;

beforeAll(async () => {
  direct = await mysql.createConnection(DIRECT);
  emu = await startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: UPSTREAM,
    mysqlListen: '127.0.0.1:0',
    mysqlUpstream: DIRECT,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
});

afterAll(async () => {
  await emu?.close();
  for (const mode of MODES) await direct?.query(`DROP DATABASE IF EXISTS ${databaseOf(mode)}`);
  await direct?.end();
});

async function connect(mode: Mode, database: string): Promise<Connection> {
  const url = new URL(emu.mysql?.url ?? '');
  if (mode.client === 'mysql2') {
    const c = await mysql.createConnection({ host: url.hostname, port: Number(url.port), user: 'root', database });
    return {
      query: async (sql, params) => (await c.query(sql, params === undefined ? undefined : [...params]))[0],
      execute: async (sql, params) => (await c.execute(sql, [...params] as mysql.ExecuteValues))[0],
      end: () => c.end(),
    };
  }
  const c = await mariadb.createConnection({ host: url.hostname, port: Number(url.port), user: 'root', database });
  return {
    query: (sql, params) => c.query(sql, params === undefined ? undefined : [...params]),
    execute: (sql, params) => c.execute(sql, [...params]),
    end: () => c.end(),
  };
}

/** A result set (array of rows) or an OK packet, as each client library gives them. */
function outcome(result: unknown): Outcome {
  if (Array.isArray(result)) return { rows: result.map((r) => ({ ...(r as Record<string, unknown>) })), affectedRows: null };
  const affected = (result as { affectedRows?: number | bigint }).affectedRows;
  return { rows: [], affectedRows: affected === undefined ? null : Number(affected) };
}

describe.each(MODES)('$name', (mode) => {
  let conn: Connection;
  let runner: ScenarioRunner;

  beforeAll(async () => {
    const database = databaseOf(mode);
    await direct.query(`DROP DATABASE IF EXISTS ${database}`);
    await direct.query(`CREATE DATABASE ${database}`);
    conn = await connect(mode, database);
    await conn.query(REVIEWS_DDL.mysql);
    for (const [i, body] of REVIEWS.entries()) await conn.query('INSERT INTO reviews (id, body) VALUES (?, ?)', [i + 1, body]);

    /** Text-protocol prepared statements (PREPARE ... FROM) made so far on this connection. */
    const prepared = new Set<string>();
    const send = async (statement: Statement): Promise<unknown> => {
      if (mode.binary) return conn.execute(statement.sql, statement.params ?? []);
      if (statement.prepared === undefined) return conn.query(statement.sql, statement.params);
      const name = statement.prepared;
      if (!prepared.has(name)) {
        await conn.query(`PREPARE ${name} FROM ?`, [statement.sql]);
        prepared.add(name);
      }
      const params = statement.params ?? [];
      const vars = params.map((_, i) => `@aml_shapes_p${i + 1}`);
      if (params.length > 0) await conn.query(`SET ${vars.map((v) => `${v} = ?`).join(', ')}`, params);
      return conn.query(`EXECUTE ${name}${vars.length > 0 ? ` USING ${vars.join(', ')}` : ''}`);
    };
    runner = {
      setup: async (sql) => {
        await conn.query(sql);
      },
      run: async (statement) => {
        if (!mode.transaction) return outcome(await send(statement));
        await conn.query('BEGIN');
        try {
          const result = await send(statement);
          await conn.query('COMMIT');
          return outcome(result);
        } catch (err) {
          await conn.query('ROLLBACK');
          throw err;
        }
      },
      actualRequests: () => emu.stats.actualRequests,
    };
  });

  afterAll(async () => {
    await conn?.end();
  });

  describe('aws_comprehend_detect_sentiment in every SQL position (the table shared with the PostgreSQL front)', () => {
    for (const { scenario, statements } of scenariosFor('mysql')) {
      it(`${scenario.id}: ${scenario.name}`, () => runScenario(scenario, statements, runner));
    }
  });
});
