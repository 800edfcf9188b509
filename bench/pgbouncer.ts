/**
 * A throwaway pgbouncer (session pooling, trust auth) on a free loopback port
 * in front of the upstream PostgreSQL. pgbouncer refuses to run as root, so as
 * root it runs as `nobody` with its temporary directory owned by that user.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCommand, waitForPort } from './util.ts';

export interface PgbouncerOptions {
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  readonly database: string;
  readonly user: string;
  /** Defaults to /usr/sbin/pgbouncer. */
  readonly binary?: string;
}

export interface Pgbouncer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const UNPRIVILEGED_USER = 'nobody';

async function idOf(flag: '-u' | '-g', user: string): Promise<number> {
  const result = await runCommand('id', [flag, user]);
  const id = Number(result.stdout.trim());
  if (result.code !== 0 || !Number.isInteger(id)) throw new Error(`cannot look up ${user}: ${result.stderr.trim()}`);
  return id;
}

export async function startPgbouncer(options: PgbouncerOptions): Promise<Pgbouncer> {
  const binary = options.binary ?? '/usr/sbin/pgbouncer';
  const host = '127.0.0.1';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aurora-ml-bench-pgbouncer-'));
  const ini = join(dir, 'pgbouncer.ini');
  const userlist = join(dir, 'userlist.txt');
  const logfile = join(dir, 'pgbouncer.log');
  writeFileSync(userlist, `"${options.user}" ""\n`);
  writeFileSync(
    ini,
    [
      '[databases]',
      `${options.database} = host=${options.upstreamHost} port=${options.upstreamPort} dbname=${options.database}`,
      '',
      '[pgbouncer]',
      `listen_addr = ${host}`,
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${userlist}`,
      'pool_mode = session',
      'max_client_conn = 200',
      'default_pool_size = 50',
      `logfile = ${logfile}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      'ignore_startup_parameters = extra_float_digits',
      '',
    ].join('\n'),
  );

  let command = binary;
  let args = [ini];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    const uid = await idOf('-u', UNPRIVILEGED_USER);
    const gid = await idOf('-g', UNPRIVILEGED_USER);
    for (const path of [dir, ini, userlist]) chownSync(path, uid, gid);
    command = 'setpriv';
    args = [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', binary, ini];
  }

  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (err) => {
      stderr += String(err);
      exited = true;
      resolve();
    });
  });
  // Backstop: never leave pgbouncer behind, even on an abrupt exit.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await Promise.race([
      waitForPort(host, port, 5000),
      exitedPromise.then(() => {
        throw new Error('pgbouncer exited at startup');
      }),
    ]);
  } catch (err) {
    let log = '';
    try {
      log = readFileSync(logfile, 'utf8');
    } catch {
      // no log written
    }
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${stderr}${log}`.trim());
  }
  return { host, port, stop };
}
