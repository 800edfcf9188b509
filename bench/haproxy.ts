/**
 * A throwaway HAProxy in TCP mode on a free loopback port in front of the
 * upstream MySQL/MariaDB: the yardstick for the MySQL front, the way
 * pgbouncer is for the PostgreSQL one. A plain TCP relay is the least a proxy
 * can cost, so it bounds what the emulator's relay path may add.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInstalled } from './apt.ts';
import { startDaemon } from './daemon.ts';
import { freePort } from './util.ts';

export const HAPROXY_BINARY = '/usr/sbin/haproxy';

export interface HaproxyOptions {
  readonly upstreamHost: string;
  readonly upstreamPort: number;
}

export interface Haproxy {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  await ensureInstalled(HAPROXY_BINARY, 'haproxy');
  const host = '127.0.0.1';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'aurora-ml-bench-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 1000',
      '',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      // Long enough that no bench connection is cut for being idle.
      '  timeout client 1h',
      '  timeout server 1h',
      '',
      'listen mysql',
      `  bind ${host}:${port}`,
      `  server upstream ${options.upstreamHost}:${options.upstreamPort}`,
      '',
    ].join('\n'),
  );
  // -db: stay in the foreground, so the bench owns the process and can stop it.
  const daemon = await startDaemon({ name: 'haproxy', command: HAPROXY_BINARY, args: ['-db', '-f', config], host, port, dir });
  return { host, port, stop: daemon.stop };
}
