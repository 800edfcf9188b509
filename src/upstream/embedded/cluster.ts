/**
 * The cluster itself: initdb on first start, our postgresql.conf defaults,
 * and the settings forced on every start.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors.ts';
import { type SpawnContext, spawnServerProcess } from './spawn.ts';
import type { EmbeddedPostgresLogger } from './types.ts';
import { lastLines } from './util.ts';

/** The major version of the bundled server; a cluster of another one is refused. */
export const PG_MAJOR = '16';
export const SUPERUSER = 'postgres';
export const DATABASE = 'postgres';

/** Appended to postgresql.conf right after initdb (users may edit it later). */
const CONF_BLOCK = `
# ---- aurora-ml-emulator defaults (written once after initdb; edit freely) ----
# Sized for a small (2-core) machine; pgbench needs more than 100 connections
# once the proxy's own connections are counted.
max_connections = 200
shared_buffers = 128MB
# Logs go to the emulator's logger; keep routine noise out of it.
log_checkpoints = off
log_min_error_statement = panic
`;

/**
 * Forced on every start because the emulator depends on them: trust auth must
 * never face a network, the proxy talks TCP (a socket path would have the same
 * reachability problem as the data folder), and our log forwarder parses the
 * line prefix.
 */
export function serverArgs(dataPath: string, port: number): string[] {
  return [
    '-D',
    dataPath,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'logging_collector=off',
    '-c',
    'log_destination=stderr',
    '-c',
    'log_line_prefix=[%b] ',
  ];
}

/**
 * Runs initdb (superuser `postgres`, trust auth, UTF8, locale C.UTF-8 or plain
 * C where C.UTF-8 is missing), then appends our defaults to postgresql.conf.
 * `dataPath` is what the server sees, `realPath` what we see.
 */
export async function initCluster(
  native: string,
  dataPath: string,
  realPath: string,
  ctx: SpawnContext,
  log: EmbeddedPostgresLogger,
  deadline: number,
): Promise<void> {
  const base = [
    '-D',
    dataPath,
    `--username=${SUPERUSER}`,
    '--auth-local=trust',
    '--auth-host=trust',
    '--encoding=UTF8',
    '--no-instructions',
  ];
  const t0 = performance.now();
  let locale = 'C.UTF-8';
  let result = await runInitdbOnce(native, [...base, '--locale=C.UTF-8'], ctx, deadline);
  if (result.code !== 0 && /locale/i.test(result.output)) {
    log.warn({ output: lastLines(result.output, 3) }, 'locale C.UTF-8 unavailable; initializing with locale C');
    locale = 'C';
    result = await runInitdbOnce(native, [...base, '--no-locale'], ctx, deadline);
  }
  if (result.code !== 0) {
    throw new EmbeddedPostgresError('INITDB_FAILED', `initdb failed (exit ${result.code}):\n${lastLines(result.output, 20)}`);
  }
  log.info({ ms: Math.round(performance.now() - t0), locale }, 'initdb created the embedded PostgreSQL cluster');
  await fsp.appendFile(path.join(realPath, 'postgresql.conf'), CONF_BLOCK);
}

/** Spawned like the server (same user, cwd and setpriv), and interrupted at the deadline. */
function runInitdbOnce(
  native: string,
  args: string[],
  ctx: SpawnContext,
  deadline: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawnServerProcess(path.join(native, 'bin', 'initdb'), args, ctx);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), Math.max(1000, deadline - Date.now()));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -2, output: `${output}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: signal ? `${output}\n(initdb killed by ${signal}: timeout?)` : output });
    });
  });
}
