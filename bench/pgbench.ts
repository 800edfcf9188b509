/** pgbench: creating and initialising the bench database, and select-only runs against any host:port. */
import pg from 'pg';
import { runCommand, type Target } from './util.ts';

export type QueryMode = 'simple' | 'extended';

export interface PgbenchOptions {
  readonly mode: QueryMode;
  readonly clients: number;
  readonly threads: number;
  readonly seconds: number;
}

/**
 * Creates the database afresh (connecting to the `postgres` database of the
 * same server). Starting empty keeps runs comparable and independent of what
 * earlier emulator versions left in it (their aws_ml objects, for one).
 */
export async function freshDatabase(server: Target): Promise<void> {
  const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
  await admin.connect();
  const name = `"${server.database.replace(/"/g, '""')}"`;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

function connectionArgs(target: Target): string[] {
  return ['-h', target.host, '-p', String(target.port), '-U', target.user];
}

/** `pgbench -i -s scale` straight into the database. */
export async function initPgbench(target: Target, scale: number): Promise<void> {
  const result = await runCommand('pgbench', [...connectionArgs(target), '-i', '-q', '-s', String(scale), target.database]);
  if (result.code !== 0) throw new Error(`pgbench -i failed (exit ${String(result.code)}): ${result.stderr.trim()}`);
}

/** One `pgbench -S` run; returns transactions per second (without initial connection time). */
export async function runSelectOnly(target: Target, options: PgbenchOptions): Promise<number> {
  const args = [
    ...connectionArgs(target),
    '-n', // no vacuum before the run: the emulator and pgbouncer runs must do the same as the direct run
    '-S',
    '-M',
    options.mode,
    '-c',
    String(options.clients),
    '-j',
    String(options.threads),
    '-T',
    String(options.seconds),
    target.database,
  ];
  const result = await runCommand('pgbench', args);
  const output = `${result.stdout}\n${result.stderr}`;
  const tps = /^tps = ([0-9.]+) \(without initial connection time\)/m.exec(output);
  const failed = /^number of failed transactions: (\d+)/m.exec(output);
  if (result.code !== 0 || tps === null) {
    throw new Error(
      `pgbench against ${target.host}:${target.port} failed (exit ${String(result.code)}): ${output.trim().slice(-800)}`,
    );
  }
  if (failed !== null && Number(failed[1]) > 0) {
    throw new Error(`pgbench against ${target.host}:${target.port}: ${failed[1]} failed transactions`);
  }
  return Number(tps[1]);
}
