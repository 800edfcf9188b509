/**
 * The two Node MySQL drivers as the connector differential test drives them,
 * each answer turned into a comparable value: the rows exactly as the driver
 * decoded them (so a value the emulator corrupted, or metadata that made the
 * driver decode it differently, shows), every column definition the driver
 * exposes (name, original name, table, database, type, character set or
 * collation, length, flags, decimals, and for mariadb MariaDB's extended type
 * info: the data type name of UUID/INET6/geometry columns, the `json` format
 * of JSON columns), the OK packet's fields, or the error (errno, SQLSTATE,
 * message). Database names are replaced by `<db>`: the two sides use two.
 */
import { Readable } from 'node:stream';
import * as mariadb from 'mariadb';
import mysql from 'mysql2/promise';

export type Outcome =
  | { readonly rows: unknown; readonly columns: readonly Record<string, unknown>[] }
  | { readonly ok: Record<string, unknown> }
  /** Several result sets (a CALL's), in order. */
  | { readonly results: readonly Outcome[] }
  /** What COM_STMT_PREPARE answered: the parameter count and the result's column definitions. */
  | { readonly prepared: { readonly params: number; readonly columns: readonly Record<string, unknown>[] } }
  | { readonly error: { readonly errno?: number; readonly sqlState?: string; readonly message: string } };

export interface PreparedHandle {
  execute(params: readonly unknown[]): Promise<Outcome>;
  close(): Promise<void>;
}

/**
 * A parameter the mariadb connector sends as a stream, in
 * COM_STMT_SEND_LONG_DATA packets ahead of the execution (mysql2 gets the
 * bytes). A marker, not the stream: each side of each execution reads a new one.
 */
export class StreamParam {
  constructor(readonly bytes: Buffer) {}
}

const forMariadb = (params: readonly unknown[]) => params.map((p) => (p instanceof StreamParam ? Readable.from([p.bytes]) : p));
const forMysql2 = (params: readonly unknown[]) => params.map((p) => (p instanceof StreamParam ? p.bytes : p));

/** One connection of one driver, its answers made comparable. */
export interface DriverConnection {
  /** Text protocol; placeholders filled in by the driver. */
  query(sql: string, params?: readonly unknown[]): Promise<Outcome>;
  /** The driver's execute(): prepared on first use of a text, then from its statement cache. */
  execute(sql: string, params: readonly unknown[]): Promise<Outcome>;
  /** COM_STMT_PREPARE: what it answered, and the statement (null when it failed). */
  prepare(sql: string): Promise<{ readonly described: Outcome; readonly handle: PreparedHandle | null }>;
  /** mariadb: conn.batch() (COM_STMT_BULK_EXECUTE, or pipelined executions with bulk off); mysql2: execute() per row. */
  batch(sql: string, rows: readonly (readonly unknown[])[]): Promise<Outcome>;
  /** COM_RESET_CONNECTION: the server drops the session's temporary tables, variables and prepared statements. */
  reset(): Promise<Outcome>;
  end(): Promise<void>;
}

export interface DriverConfig {
  readonly name: string;
  readonly driver: 'mariadb' | 'mysql2';
  /** Options given to the driver's createConnection, besides where to connect. */
  readonly options: Record<string, unknown>;
  /** The connection's character set is latin1 (the built-ins' labels are utf8mb4 there). */
  readonly latin1?: boolean;
}

/** The driver configurations every workload runs with. */
export const DRIVER_CONFIGS: readonly DriverConfig[] = [
  // The defaults: DEPRECATE_EOF, metadata cache, extended metadata, bulk.
  { name: 'mariadb default', driver: 'mariadb', options: {} },
  {
    // EOF packets (no DEPRECATE_EOF), rows and metadata as arrays, numbers and dates as the options say.
    name: 'mariadb keepEof rowsAsArray metaAsArray bigIntAsNumber insertIdAsNumber decimalAsNumber dateStrings',
    driver: 'mariadb',
    options: {
      keepEof: true,
      rowsAsArray: true,
      metaAsArray: true,
      bigIntAsNumber: true,
      insertIdAsNumber: true,
      decimalAsNumber: true,
      dateStrings: true,
    },
  },
  // batch() as pipelined COM_STMT_EXECUTEs, JSON left as text.
  { name: 'mariadb bulk off jsonStrings', driver: 'mariadb', options: { bulk: false, jsonStrings: true } },
  { name: 'mysql2 default', driver: 'mysql2', options: {} },
  {
    name: 'mysql2 rowsAsArray dateStrings bigNumberStrings decimalNumbers',
    driver: 'mysql2',
    options: { rowsAsArray: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, decimalNumbers: true },
  },
  // Statements, parameters, results and column names in latin1.
  { name: 'mariadb latin1', driver: 'mariadb', options: { collation: 'latin1_swedish_ci' }, latin1: true },
  { name: 'mysql2 latin1', driver: 'mysql2', options: { charset: 'LATIN1_SWEDISH_CI' }, latin1: true },
];

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /** Database names the answers may name, all shown as `<db>`. */
  readonly databaseNames: readonly string[];
}

/** Where to connect, as both drivers take it. */
function connectionOptions({ host, port, user, password, database }: Endpoint) {
  return { host, port, user, database, ...(password === undefined ? {} : { password }) };
}

export function connect(config: DriverConfig, at: Endpoint): Promise<DriverConnection> {
  return config.driver === 'mariadb' ? mariadbConnection(config, at) : mysql2Connection(config, at);
}

function normalizer(names: readonly string[]) {
  const pattern = new RegExp(names.map((n) => n.replace(/[^A-Za-z0-9_]/g, '\\$&')).join('|'), 'g');
  return (s: string) => s.replace(pattern, '<db>');
}

function failure(err: unknown, db: (s: string) => string): Outcome {
  const e = err as { errno?: number; sqlState?: string; sqlMessage?: string; text?: string; message?: string };
  // mariadb puts the server's text in `text` (its message adds the SQL and a connection id); mysql2 in sqlMessage.
  const message = db(e.sqlMessage ?? e.text ?? e.message ?? String(err));
  return {
    error: { ...(e.errno === undefined ? {} : { errno: e.errno }), ...(e.sqlState ? { sqlState: e.sqlState } : {}), message },
  };
}

async function outcome(answer: () => Promise<Outcome>, db: (s: string) => string): Promise<Outcome> {
  try {
    return await answer();
  } catch (err) {
    return failure(err, db);
  }
}

/** COM_RESET_CONNECTION through either connector, as an outcome. */
function resetOutcome(c: { reset(): Promise<unknown> }, db: (s: string) => string): Promise<Outcome> {
  return outcome(async () => {
    await c.reset();
    return { ok: { reset: true } };
  }, db);
}

// ---- mariadb ----

type MariaMeta = mariadb.FieldInfo & { _dataTypeFormat?: Buffer };

function mariadbColumn(m: MariaMeta, db: (s: string) => string): Record<string, unknown> {
  return {
    name: m.name(),
    orgName: m.orgName(),
    table: m.table(),
    orgTable: m.orgTable(),
    db: db(m.db()),
    collation: m.collation.index,
    length: m.columnLength,
    type: m.columnType,
    flags: m.flags,
    scale: m.scale,
    dataTypeName: m.dataTypeName ?? null,
    dataTypeFormat: m._dataTypeFormat?.toString('ascii') ?? null,
  };
}

function mariadbAnswer(result: unknown, metaAsArray: boolean, db: (s: string) => string): Outcome {
  if (metaAsArray && Array.isArray(result) && result.length === 2 && Array.isArray(result[1])) {
    const [rows, meta] = result as [unknown[], (MariaMeta | MariaMeta[] | null)[]];
    if (!Array.isArray(rows)) return { ok: { ...(rows as object) } };
    // A CALL: [[each result set..., the OK], [each one's meta..., null]].
    if (meta.some((m) => m === null || Array.isArray(m))) {
      return { results: rows.map((r, i) => mariadbAnswer(meta[i] == null ? r : [r, meta[i]], true, db)) };
    }
    return { rows: [...rows], columns: (meta as MariaMeta[]).map((m) => mariadbColumn(m, db)) };
  }
  const meta = (result as { meta?: MariaMeta[] }).meta;
  if (Array.isArray(result) && meta !== undefined) return { rows: [...result], columns: meta.map((m) => mariadbColumn(m, db)) };
  // A CALL: each result set (with its own meta), then the procedure's OK.
  if (Array.isArray(result)) return { results: result.map((r) => mariadbAnswer(r, metaAsArray, db)) };
  return { ok: { ...(result as object) } };
}

async function mariadbConnection(config: DriverConfig, at: Endpoint): Promise<DriverConnection> {
  const c = await mariadb.createConnection({ ...connectionOptions(at), ...config.options });
  const db = normalizer(at.databaseNames);
  const metaAsArray = config.options.metaAsArray === true;
  const answer = (run: () => Promise<unknown>) => outcome(async () => mariadbAnswer(await run(), metaAsArray, db), db);
  return {
    query: (sql, params) => answer(() => c.query(sql, params && forMariadb(params))),
    execute: (sql, params) => answer(() => c.execute(sql, forMariadb(params))),
    prepare: async (sql) => {
      try {
        const p = await c.prepare(sql);
        const info = p as unknown as { columns: MariaMeta[]; parameterCount: number };
        const columns = info.columns.map((m) => mariadbColumn(m, db));
        return {
          described: { prepared: { params: info.parameterCount, columns } },
          handle: { execute: (params) => answer(() => p.execute(forMariadb(params))), close: async () => p.close() },
        };
      } catch (err) {
        return { described: failure(err, db), handle: null };
      }
    },
    // With metaAsArray the connector (3.5) throws inside its packet handler on a batch the server answers
    // in several OKs (it spreads an OkPacket) and never settles: its totals then (fullResult: false).
    batch: (sql, rows) =>
      answer(() => c.batch(metaAsArray ? ({ sql, fullResult: false } as mariadb.QueryOptions) : sql, rows.map(forMariadb))),
    reset: () => resetOutcome(c, db),
    end: () => c.end(),
  };
}

// ---- mysql2 ----

function mysql2Column(f: mysql.FieldPacket, db: (s: string) => string): Record<string, unknown> {
  return {
    name: f.name,
    orgName: f.orgName,
    table: f.table,
    orgTable: f.orgTable,
    db: db(f.schema ?? ''),
    characterSet: f.characterSet,
    length: f.columnLength,
    type: f.columnType,
    flags: Number(f.flags),
    decimals: f.decimals,
  };
}

/**
 * SERVER_QUERY_WAS_SLOW: set when the statement took longer than long_query_time, a matter of timing
 * (this machine's MariaDB has it at 30 ms), not of what the statement gave.
 */
const QUERY_WAS_SLOW = 0x800;

function mysql2Ok(header: object): Outcome {
  const ok = { ...header } as Record<string, unknown>;
  if (typeof ok.serverStatus === 'number') ok.serverStatus &= ~QUERY_WAS_SLOW;
  return { ok };
}

function mysql2Answer([rows, fields]: [unknown, unknown], db: (s: string) => string): Outcome {
  if (fields === undefined || fields === null || !Array.isArray(rows)) return mysql2Ok(rows as object);
  const columns = fields as (mysql.FieldPacket | mysql.FieldPacket[] | undefined)[];
  // A CALL: one entry per result set (its rows and its fields), then the procedure's OK (no fields).
  if (columns.some((f) => f === undefined || Array.isArray(f))) {
    return { results: rows.map((r, i) => mysql2Answer([r, columns[i]], db)) };
  }
  return { rows, columns: (columns as mysql.FieldPacket[]).map((f) => mysql2Column(f, db)) };
}

async function mysql2Connection(config: DriverConfig, at: Endpoint): Promise<DriverConnection> {
  const c = await mysql.createConnection({ ...connectionOptions(at), ...config.options });
  const db = normalizer(at.databaseNames);
  const answer = (run: () => Promise<unknown>) => outcome(async () => mysql2Answer((await run()) as [unknown, unknown], db), db);
  const execute = (sql: string, params: readonly unknown[]) => answer(() => c.execute(sql, forMysql2(params) as never));
  return {
    query: (sql, params) => answer(() => c.query(sql, params && (forMysql2(params) as never))),
    execute,
    prepare: async (sql) => {
      try {
        const p = await c.prepare(sql);
        const statement = (p as unknown as { statement: { columns?: mysql.FieldPacket[]; parameters?: unknown[] } }).statement;
        const columns = (statement.columns ?? []).map((f) => mysql2Column(f, db));
        return {
          described: { prepared: { params: statement.parameters?.length ?? 0, columns } },
          // unprepare(): closes it and takes it out of the statement cache execute() shares (close() leaves it there, closed).
          handle: {
            execute: (params) => answer(() => p.execute(forMysql2(params) as never)),
            close: async () => c.unprepare(sql),
          },
        };
      } catch (err) {
        return { described: failure(err, db), handle: null };
      }
    },
    batch: async (sql, rows) => {
      const each: Outcome[] = [];
      for (const row of rows) each.push(await execute(sql, row));
      return { ok: { each } };
    },
    reset: () => resetOutcome(c, db),
    end: () => c.end(),
  };
}
