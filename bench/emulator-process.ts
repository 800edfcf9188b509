/**
 * An emulator in a process of its own, started by the CLI as a user would,
 * so that /proc/PID/status gives its memory alone (not the bench's). It is
 * started and read as the CLI tests start it (test/helpers/cli-process.ts).
 */
import { readFile } from 'node:fs/promises';
import { cliCommand, startCli } from '../test/helpers/cli-process.ts';

export interface EmulatorProcess {
  readonly port: number;
  /** The PostgreSQL front's URL, on the upstream URL's database. */
  readonly url: string;
  /** The MySQL front's URL, when the emulator was started with one. */
  readonly mysqlUrl: string | null;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(upstreamUrl: string, extraArgs: readonly string[] = []): Promise<EmulatorProcess> {
  const cli = await startCli({
    command: cliCommand(
      '--pg-upstream',
      upstreamUrl,
      '--pg-listen',
      '127.0.0.1:0',
      '--api-listen',
      '127.0.0.1:0',
      '--log-level',
      'warn',
      ...extraArgs,
    ),
  });
  const port = Number(cli.address('PostgreSQL front').split(':').at(-1));
  // Through the emulator, to the upstream's database.
  const url = `postgres://postgres@127.0.0.1:${port}${new URL(upstreamUrl).pathname}`;
  // 'off' unless the emulator was started with a MySQL upstream.
  const mysql = cli.address('MySQL front');
  return {
    port,
    url,
    mysqlUrl: mysql === 'off' ? null : `mysql://root@${mysql}${mysqlDatabasePath(extraArgs)}`,
    pid: cli.child.pid ?? 0,
    stop: async () => {
      await cli.stop('SIGINT');
    },
  };
}

/** The database of `--mysql-upstream` among the arguments, as a URL path ('/test' without one). */
function mysqlDatabasePath(args: readonly string[]): string {
  const upstream = args[args.indexOf('--mysql-upstream') + 1];
  const path = args.includes('--mysql-upstream') && upstream !== undefined ? new URL(upstream).pathname : '';
  return path.length > 1 ? path : '/test';
}

/** A memory figure of /proc/PID/status (VmRSS, VmHWM), in bytes. */
export async function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}
