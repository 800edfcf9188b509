/**
 * sysbench oltp_read_only against MySQL/MariaDB: creating the bench database,
 * preparing its tables, and fixed-duration runs against any host:port.
 */
import mysql from 'mysql2/promise';
import { ensureInstalled } from './apt.ts';
import { runCommand, type Target } from './util.ts';

export const SYSBENCH_BINARY = '/usr/bin/sysbench';

/** auto: prepared statements (COM_STMT_*); disable: plain text queries (COM_QUERY). */
export type PsMode = 'auto' | 'disable';

export interface SysbenchTables {
  readonly tables: number;
  readonly tableSize: number;
}

export interface SysbenchOptions {
  readonly psMode: PsMode;
  readonly threads: number;
  readonly seconds: number;
}

/**
 * Creates the database afresh, so runs are comparable and independent of
 * what earlier emulator versions left in it.
 */
export async function freshMysqlDatabase(server: Target): Promise<void> {
  const admin = await mysql.createConnection({ host: server.host, port: server.port, user: server.user });
  const name = `\`${server.database.replace(/`/g, '``')}\``;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

function commonArgs(target: Target, tables: SysbenchTables): string[] {
  return [
    'oltp_read_only',
    '--db-driver=mysql',
    // An address, not 'localhost': the client library would take the Unix socket and bypass any proxy.
    `--mysql-host=${target.host}`,
    `--mysql-port=${target.port}`,
    `--mysql-user=${target.user}`,
    '--mysql-password=',
    `--mysql-db=${target.database}`,
    // The emulator does not relay TLS; and the direct and HAProxy runs must not pay for it either.
    '--mysql-ssl=off',
    `--tables=${tables.tables}`,
    // The run picks its random ids from 1..table-size, so it must be the prepared size.
    `--table-size=${tables.tableSize}`,
  ];
}

async function sysbench(args: readonly string[]): Promise<string> {
  const result = await runCommand(SYSBENCH_BINARY, args);
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.code !== 0 || /^FATAL:/m.test(output)) {
    throw new Error(`sysbench ${args.at(-1) ?? ''} failed (exit ${String(result.code)}): ${output.trim().slice(-800)}`);
  }
  return output;
}

/** `sysbench oltp_read_only prepare`: the sbtest tables, one loader thread per table. */
export async function prepareSysbench(target: Target, tables: SysbenchTables): Promise<void> {
  await ensureInstalled(SYSBENCH_BINARY, 'sysbench');
  await sysbench([...commonArgs(target, tables), `--threads=${tables.tables}`, 'prepare']);
}

/** One `sysbench oltp_read_only run`; returns transactions per second. */
export async function runReadOnly(target: Target, tables: SysbenchTables, options: SysbenchOptions): Promise<number> {
  const output = await sysbench([
    ...commonArgs(target, tables),
    `--db-ps-mode=${options.psMode}`,
    `--threads=${options.threads}`,
    `--time=${options.seconds}`,
    '--events=0', // stop on time only
    'run',
  ]);
  const where = `sysbench against ${target.host}:${target.port}`;
  const tps = /^\s*transactions:\s+\d+\s+\(([0-9.]+) per sec\.\)/m.exec(output);
  if (tps === null) throw new Error(`${where}: no transaction rate in its output: ${output.trim().slice(-800)}`);
  // Errors sysbench ignores (deadlocks and the like) or reconnects would make a proxy look faster than it is.
  for (const counter of ['ignored errors', 'reconnects']) {
    const n = new RegExp(`^\\s*${counter}:\\s+(\\d+)`, 'm').exec(output);
    if (n !== null && Number(n[1]) > 0) throw new Error(`${where}: ${n[1]} ${counter}`);
  }
  return Number(tps[1]);
}
