/**
 * The two databases the differential test compares, on the machine's one
 * PostgreSQL server: a direct one with the SQL twins of the aws_ml functions,
 * and one behind an in-process emulator (`CREATE EXTENSION aws_ml CASCADE`
 * through it) whose backends give the same answers. Same tables, same rows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startTestEmulator, type TestEmulator, UPSTREAM } from '../emulator.ts';
import { makeDocs, schemaSql } from './dataset.ts';
import { Rng } from './prng.ts';
import { emulatorBackends, rulesYaml, twinSql } from './twins.ts';

export interface Differential extends AsyncDisposable {
  readonly env: TestEmulator;
  /** Connection string of the direct database. */
  readonly directUrl: string;
  readonly directPort: number;
  readonly directDatabase: string;
  readonly emulatorPort: number;
  readonly emulatorDatabase: string;
  /** A node-postgres client on each side, for the driver family (closed on dispose). */
  client(side: 'direct' | 'emulator'): Promise<pg.Client>;
}

async function run(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function openDifferential(dataSeed: number): Promise<Differential> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pg-differential-'));
  const rulesFile = path.join(dir, 'rules.yaml');
  await writeFile(rulesFile, rulesYaml());
  const env = await startTestEmulator({ backends: emulatorBackends(rulesFile) });
  const directDatabase = `pg_differential_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await run(UPSTREAM, `CREATE DATABASE ${directDatabase}`);
  const direct = new URL(UPSTREAM);
  direct.pathname = `/${directDatabase}`;
  const directUrl = direct.toString();
  const schema = schemaSql(makeDocs(new Rng(dataSeed)));
  await run(directUrl, `${twinSql()}\n${schema}`);
  await run(env.url, 'CREATE EXTENSION aws_ml CASCADE');
  await run(env.url, schema);
  const clients: pg.Client[] = [];
  return {
    env,
    directUrl,
    directPort: Number(direct.port || 5432),
    directDatabase,
    emulatorPort: env.emulator.postgres.port,
    emulatorDatabase: env.database,
    client: async (side) => {
      const c = new pg.Client({ connectionString: side === 'direct' ? directUrl : env.url });
      c.on('error', () => {});
      await c.connect();
      clients.push(c);
      return c;
    },
    [Symbol.asyncDispose]: async () => {
      for (const c of clients) c.connection.stream.destroy();
      await env[Symbol.asyncDispose]();
      await run(UPSTREAM, `DROP DATABASE IF EXISTS ${directDatabase} WITH (FORCE)`);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
