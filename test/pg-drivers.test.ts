/**
 * The PostgreSQL driver matrix (issue 9): real drivers run their own protocol
 * flows through the emulator, in front of the machine's PostgreSQL, and every
 * row they read is held to the emulator's Comprehend API asked about the same
 * text alone (label, and confidence compared as the float4 the column holds).
 * Debian packages come from .ci/install-pg-drivers.sh; a missing one fails its
 * cases with that hint.
 *
 * Drivers (versions as installed when this matrix was written) and flows:
 * - node-postgres pg 8.23.1 with pg-cursor 2.22.1 (npm): parameterized query;
 *   pg-cursor reading 7 rows at a time in autocommit and in a transaction.
 * - postgres.js 3.4.9 (npm): prepare true (pipelined), prepare false (Parse in
 *   one round trip, Bind in the next), sql.begin, .cursor(7).
 * - psycopg2 2.9.5 (python3-psycopg2 2.9.5-1+b1): execute with params,
 *   executemany of an ML INSERT, named cursor in a transaction, WITH HOLD named
 *   cursor in autocommit (fetchmany(7)), SQL-level PREPARE/EXECUTE/DEALLOCATE.
 * - psycopg 3.1.7 (python3-psycopg 3.1.7-4): executemany of an ML INSERT,
 *   pipeline() in autocommit and in a transaction, named cursor in a
 *   transaction, WITH HOLD named cursor in autocommit and in a transaction.
 * - asyncpg 0.27.0 (python3-asyncpg 0.27.0-1+b2): executemany of an ML INSERT,
 *   fetch with params, statement_cache_size=0, cursor in a transaction, a
 *   prepared statement reused.
 * - pgjdbc 42.5.5 (libpostgresql-jdbc-java 42.5.5-0+deb12u1, OpenJDK 17 from
 *   default-jdk-headless 2:1.17-74): default settings, setAutoCommit(false),
 *   prepareThreshold=1 with autocommit on and off, executeBatch of an ML
 *   INSERT, setFetchSize(7) with autocommit off.
 * - pgx 4.15.0 (golang-github-jackc-pgx-v4-dev 4.15.0-4, Go 1.19 from
 *   golang-go 2:1.19~1): SendBatch, Query with params, a transaction.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputsFor } from './drivers/pg/corpus.ts';
import { type Expected, expectedSentiments } from './drivers/pg/expected.ts';
import { buildDir, buildGo, buildJava, pythonFlow } from './drivers/pg/external.ts';
import { FETCH_ROWS } from './drivers/pg/node-flows.ts';
import { nodePostgresFlow } from './drivers/pg/node-postgres.ts';
import { postgresJsFlow } from './drivers/pg/postgres-js.ts';
import { debianVersion, type Flow, requireDebianPackages } from './drivers/pg/programs.ts';
import { chunksOf, expectRows, type SentimentRow } from './drivers/pg/rows.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

/** A flow program gives up after 20 s; the first case of a driver also builds its program. */
const CASE_TIMEOUT_MS = 60_000;

type DriverId = 'node-postgres' | 'postgres.js' | 'psycopg2' | 'psycopg3' | 'asyncpg' | 'pgjdbc' | 'pgx';

interface DriverCase {
  readonly driver: DriverId;
  /** The flow name the driver's program understands. */
  readonly flow: string;
  readonly title: string;
  readonly count: number;
  /** Where the rows are read: the flow's own output, or (for INSERT flows) the table it wrote, read straight from PostgreSQL. */
  readonly reads: 'output' | 'table';
  /** The rows per fetch the flow asked for, when the rows must arrive in chunks of that size. */
  readonly chunk?: number;
  /** The flow reports one update count per row (a batch of single-row INSERTs). */
  readonly counts?: boolean;
}

const CASES: readonly DriverCase[] = [
  { driver: 'node-postgres', flow: 'parameterized', title: 'parameterized query per text', count: 12, reads: 'output' },
  {
    driver: 'node-postgres',
    flow: 'cursor-autocommit',
    title: `pg-cursor read(${FETCH_ROWS}) in autocommit (portal row limits, no Sync until the end)`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  {
    driver: 'node-postgres',
    flow: 'cursor-transaction',
    title: `pg-cursor read(${FETCH_ROWS}) inside BEGIN/COMMIT`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  {
    driver: 'postgres.js',
    flow: 'prepared-pipelined',
    title: 'prepare: true, 40 queries pipelined on one named statement',
    count: 40,
    reads: 'output',
  },
  {
    driver: 'postgres.js',
    flow: 'unprepared',
    title: 'prepare: false (unnamed statement parsed in one round trip, bound in the next)',
    count: 12,
    reads: 'output',
  },
  { driver: 'postgres.js', flow: 'begin', title: 'sql.begin transaction', count: 12, reads: 'output' },
  { driver: 'postgres.js', flow: 'cursor', title: `.cursor(${FETCH_ROWS})`, count: 60, reads: 'output', chunk: FETCH_ROWS },
  { driver: 'psycopg2', flow: 'execute', title: 'execute with params (client-side binding)', count: 12, reads: 'output' },
  {
    driver: 'psycopg2',
    flow: 'executemany',
    title: 'executemany of an INSERT ... SELECT with an ML call',
    count: 30,
    reads: 'table',
  },
  {
    driver: 'psycopg2',
    flow: 'named-cursor',
    title: `named cursor in a transaction, fetchmany(${FETCH_ROWS}) (DECLARE/FETCH)`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  {
    driver: 'psycopg2',
    flow: 'withhold-cursor',
    title: `withhold=True named cursor in autocommit, fetchmany(${FETCH_ROWS}) (DECLARE ... WITH HOLD)`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  {
    driver: 'psycopg2',
    flow: 'sql-prepare',
    title: 'SQL-level PREPARE s(text) AS ... / EXECUTE s(...)',
    count: 12,
    reads: 'output',
  },
  {
    driver: 'psycopg3',
    flow: 'executemany',
    title: 'executemany of an INSERT ... VALUES with two ML calls, autocommit off',
    count: 30,
    reads: 'table',
  },
  {
    driver: 'psycopg3',
    flow: 'pipeline-autocommit',
    title: 'pipeline() with 30 executes, autocommit on',
    count: 30,
    reads: 'output',
  },
  {
    driver: 'psycopg3',
    flow: 'pipeline-transaction',
    title: 'pipeline() with 30 executes, autocommit off',
    count: 30,
    reads: 'output',
  },
  {
    driver: 'psycopg3',
    flow: 'named-cursor-transaction',
    title: `named cursor, autocommit off, fetchmany(${FETCH_ROWS})`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  {
    driver: 'psycopg3',
    flow: 'withhold-cursor-autocommit',
    title: `withhold=True named cursor, autocommit on, fetchmany(${FETCH_ROWS})`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  {
    driver: 'psycopg3',
    flow: 'withhold-cursor-transaction',
    title: `withhold=True named cursor, autocommit off, fetchmany(${FETCH_ROWS})`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  {
    driver: 'asyncpg',
    flow: 'executemany',
    title: 'executemany of an INSERT ... SELECT with an ML call',
    count: 30,
    reads: 'table',
  },
  { driver: 'asyncpg', flow: 'fetch', title: 'fetch with params', count: 12, reads: 'output' },
  {
    driver: 'asyncpg',
    flow: 'no-statement-cache',
    title: 'statement_cache_size=0 (unnamed statement bound a round trip after its Parse)',
    count: 12,
    reads: 'output',
  },
  {
    driver: 'asyncpg',
    flow: 'cursor-transaction',
    title: `conn.cursor() in a transaction, fetch(${FETCH_ROWS})`,
    count: 60,
    reads: 'output',
    chunk: FETCH_ROWS,
  },
  { driver: 'asyncpg', flow: 'prepared-reused', title: 'prepared statement reused for every text', count: 12, reads: 'output' },
  {
    driver: 'pgjdbc',
    flow: 'default',
    title: 'default settings, one PreparedStatement for 12 texts',
    count: 12,
    reads: 'output',
  },
  {
    driver: 'pgjdbc',
    flow: 'autocommit-off',
    title: "setAutoCommit(false): the transaction's first statement is the ML PreparedStatement, then commit",
    count: 12,
    reads: 'output',
  },
  {
    driver: 'pgjdbc',
    flow: 'threshold1',
    title: 'prepareThreshold=1, the same statement 8 times',
    count: 8,
    reads: 'output',
  },
  {
    driver: 'pgjdbc',
    flow: 'threshold1-autocommit-off',
    title: 'prepareThreshold=1 with setAutoCommit(false), the same statement 8 times',
    count: 8,
    reads: 'output',
  },
  {
    driver: 'pgjdbc',
    flow: 'batch',
    title: 'executeBatch of 40 INSERT ... SELECT with an ML call',
    count: 40,
    reads: 'table',
    counts: true,
  },
  {
    driver: 'pgjdbc',
    flow: 'fetch-size',
    title: `setFetchSize(${FETCH_ROWS}) with autocommit off (portal row limits)`,
    count: 60,
    reads: 'output',
  },
  {
    driver: 'pgx',
    flow: 'batch',
    title: 'SendBatch of 30 queued ML queries, each with its own parameter',
    count: 30,
    reads: 'output',
  },
  { driver: 'pgx', flow: 'query', title: 'Query with params', count: 12, reads: 'output' },
  { driver: 'pgx', flow: 'transaction', title: 'Begin, Query with params, Commit', count: 12, reads: 'output' },
];

const npmVersion = (pkg: string): string =>
  (JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string })
    .version;
const deb = (pkg: string): string => `${pkg} ${debianVersion(pkg) ?? 'NOT INSTALLED'}`;

interface Driver {
  /** How the driver and its version appear in every test name. */
  readonly label: string;
  readonly debianPackages: readonly string[];
  /** Returns the flow runner, building the program first where there is one to build. */
  readonly prepare: (buildDir: string) => Promise<Flow>;
}

const DRIVERS: Record<DriverId, Driver> = {
  'node-postgres': {
    label: `node-postgres pg ${npmVersion('pg')} + pg-cursor ${npmVersion('pg-cursor')}`,
    debianPackages: [],
    prepare: async () => nodePostgresFlow,
  },
  'postgres.js': {
    label: `postgres.js ${npmVersion('postgres')}`,
    debianPackages: [],
    prepare: async () => postgresJsFlow,
  },
  psycopg2: {
    label: `psycopg2 (${deb('python3-psycopg2')})`,
    debianPackages: ['python3-psycopg2'],
    prepare: async () => pythonFlow('psycopg2_flows.py'),
  },
  psycopg3: {
    label: `psycopg 3 (${deb('python3-psycopg')})`,
    debianPackages: ['python3-psycopg'],
    prepare: async () => pythonFlow('psycopg3_flows.py'),
  },
  asyncpg: {
    label: `asyncpg (${deb('python3-asyncpg')})`,
    debianPackages: ['python3-asyncpg'],
    prepare: async () => pythonFlow('asyncpg_flows.py'),
  },
  pgjdbc: {
    label: `pgjdbc (${deb('libpostgresql-jdbc-java')}, ${deb('default-jdk-headless')})`,
    debianPackages: ['libpostgresql-jdbc-java', 'default-jdk-headless'],
    prepare: buildJava,
  },
  pgx: {
    label: `pgx v4 (${deb('golang-github-jackc-pgx-v4-dev')}, ${deb('golang-go')})`,
    debianPackages: ['golang-github-jackc-pgx-v4-dev', 'golang-go'],
    prepare: buildGo,
  },
};

/** Each case's own tables and texts; the index makes both unique. */
const PLANNED = CASES.map((c, i) => {
  const tag = `${c.driver}-${c.flow}`.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
  return { ...c, table: `drv_${i}_${tag}`, inputs: inputsFor(tag, i, c.count) };
});

let env: TestEmulator;
let direct: pg.Client;
let expected: Map<string, Expected>;

beforeAll(async () => {
  env = await startTestEmulator();
  const setup = await env.client();
  await setup.query('CREATE EXTENSION aws_ml CASCADE');
  // Case tables are made straight on PostgreSQL, so a case depends on the emulator only for its own flow.
  direct = new pg.Client({ connectionString: env.directUrl });
  await direct.connect();
  for (const c of PLANNED) {
    await direct.query(`CREATE TABLE ${c.table} (id int PRIMARY KEY, txt text NOT NULL)`);
    await direct.query(`CREATE TABLE ${c.table}_out (id int PRIMARY KEY, input text, sentiment text, confidence real)`);
    await direct.query(`INSERT INTO ${c.table} SELECT i - 1, t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)`, [c.inputs]);
  }
  expected = await expectedSentiments(
    env.emulator.api.url,
    PLANNED.flatMap((c) => c.inputs),
  );
});

afterAll(async () => {
  await direct?.end();
  await env?.[Symbol.asyncDispose]();
});

for (const driverId of Object.keys(DRIVERS) as DriverId[]) {
  const driver = DRIVERS[driverId];
  describe(driver.label, () => {
    let build: Awaited<ReturnType<typeof buildDir>> | undefined;
    let ready: Promise<Flow> | undefined;
    // Built on first use rather than in beforeAll: a missing package then fails every case of the
    // driver with the install hint, where a failing beforeAll would only mark them skipped.
    const flowRunner = (): Promise<Flow> => {
      ready ??= (async () => {
        requireDebianPackages(...driver.debianPackages);
        build = await buildDir();
        return driver.prepare(build.dir);
      })();
      return ready;
    };

    afterAll(async () => {
      await build?.[Symbol.asyncDispose]();
    });

    for (const c of PLANNED.filter((p) => p.driver === driverId)) {
      it(`${driver.label}: ${c.title} (${c.count} rows)`, { timeout: CASE_TIMEOUT_MS }, async () => {
        const flow = await flowRunner();
        const out = await flow(env.url, c.flow, c.table, c.inputs);
        const rows =
          c.reads === 'table'
            ? (await direct.query<SentimentRow>(`SELECT input, sentiment, confidence FROM ${c.table}_out ORDER BY id`)).rows
            : out.rows;
        expectRows(rows, c.inputs, expected);
        if (c.chunk !== undefined) expect(out.chunks, 'rows per fetch').toEqual(chunksOf(c.count, c.chunk));
        if (c.counts) expect(out.counts, 'update count per batched INSERT').toEqual(c.inputs.map(() => 1));
      });
    }
  });
}
