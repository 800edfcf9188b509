/**
 * A throwaway MariaDB server for one test file, for server settings the
 * machine's MariaDB does not have (binary logging, say): a fresh datadir in a
 * temp directory, its own socket, pid file and loopback port. Root connects
 * over TCP without a password.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from '../../bench/util.ts';

const run = promisify(execFile);

export interface PrivateMariadb extends AsyncDisposable {
  readonly port: number;
  /** mysql://root@127.0.0.1:<port>/test */
  readonly url: string;
  /** The server's unix socket (root@localhost works there too). */
  readonly socketPath: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

function firstExisting(paths: readonly string[]): string {
  const found = paths.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`none of ${paths.join(', ')} exists`);
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param serverFlags extra mariadbd options, e.g. ['--log-bin=mysql-bin', '--server-id=1'] */
export async function startPrivateMariadb(serverFlags: readonly string[] = []): Promise<PrivateMariadb> {
  const installDb = firstExisting(['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db']);
  const mariadbd = firstExisting(['/usr/sbin/mariadbd', '/usr/sbin/mysqld']);
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'aml-mdb-'));
  const datadir = join(dir, 'data');
  const socketPath = join(dir, 'mysqld.sock');
  const logFile = join(dir, 'error.log');
  const user = asRoot ? ['--user=root'] : [];

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    child = null;
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // --no-defaults first: nothing from /etc/mysql (the machine server's socket, pid file, port).
    await run(installDb, [
      '--no-defaults',
      `--datadir=${datadir}`,
      ...user,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    const port = await freePort();
    child = spawn(
      mariadbd,
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socketPath}`,
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        `--log-error=${logFile}`,
        `--tmpdir=${dir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=32M',
        ...user,
        ...serverFlags,
      ],
      { stdio: 'ignore' },
    );
    const proc = child;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    process.on('exit', killOnExit);

    // root@localhost (socket, empty password) grants the same to root@127.0.0.1 (TCP).
    const deadline = Date.now() + START_TIMEOUT_MS;
    let admin: mysql.Connection | null = null;
    while (admin === null) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error('mariadbd exited while starting');
      try {
        admin = await mysql.createConnection({ socketPath, user: 'root' });
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
    try {
      // mariadb-install-db may already have made it (with --auth-root-authentication-method=normal).
      await admin.query(`CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'`);
      await admin.query(`ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY ''`);
      await admin.query(`GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION`);
      await admin.query('CREATE DATABASE test');
    } finally {
      await admin.end();
    }
    const url = `mysql://root@127.0.0.1:${port}/test`;
    const check = await mysql.createConnection(url);
    await check.end();
    return { port, url, socketPath, stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`private MariaDB did not start: ${(err as Error).message}\n${log.slice(-2000)}`);
  }
}
