/**
 * A throwaway pgbouncer (session pooling, trust auth) on a free loopback port
 * in front of the upstream PostgreSQL. pgbouncer refuses to run as root, so as
 * root it runs as `nobody` with its temporary directory owned by that user.
 */
import { chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInstalled } from './apt.ts';
import { startDaemon } from './daemon.ts';
import { freePort, isRoot, runCommand } from './util.ts';

export interface PgbouncerOptions {
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  readonly database: string;
  readonly user: string;
}

export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';

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
  const binary = PGBOUNCER_BINARY;
  await ensureInstalled(binary, 'pgbouncer');
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
  if (isRoot()) {
    const uid = await idOf('-u', UNPRIVILEGED_USER);
    const gid = await idOf('-g', UNPRIVILEGED_USER);
    for (const path of [dir, ini, userlist]) chownSync(path, uid, gid);
    command = 'setpriv';
    args = [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', binary, ini];
  }

  const daemon = await startDaemon({ name: 'pgbouncer', command, args, host, port, dir, logFile: logfile });
  return { host, port, stop: daemon.stop };
}
