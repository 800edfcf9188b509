/**
 * Who holds a data folder: servers of this process (an in-memory set) and
 * servers of any process (PostgreSQL's own lock, postmaster.pid), including
 * the stale postmaster.pid a crash leaves behind.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors.ts';
import type { EmbeddedPostgresLogger } from './types.ts';
import { pidAlive, readOr, realpathOr } from './util.ts';

/** Data folders in use by this process (realpath or resolved path). */
const inUse = new Set<string>();

/**
 * Claims `dataDir` for this process, or throws DATA_DIR_IN_USE. The returned
 * release may be called any number of times.
 */
export function lockDataDir(dataDir: string): () => void {
  const key = realpathOr(dataDir);
  if (inUse.has(key)) {
    throw new EmbeddedPostgresError(
      'DATA_DIR_IN_USE',
      `data directory ${dataDir} is already in use by an embedded PostgreSQL server started by this process; ` +
        'stop it first or choose another data directory',
    );
  }
  inUse.add(key);
  let released = false;
  return () => {
    if (!released) inUse.delete(key);
    released = true;
  };
}

/**
 * Looks at a postmaster.pid left in the folder: a live server of ours holding
 * it is a clear error; a file left by a crash (dead PID, or a PID reused by an
 * unrelated process, common after container restarts) is removed.
 */
export async function checkPidFile(realPath: string, dataDir: string, log: EmbeddedPostgresLogger): Promise<void> {
  const file = path.join(realPath, 'postmaster.pid');
  const text = await readOr(file);
  if (!text) return;
  const lines = text.split('\n');
  const pid = Math.abs(Number.parseInt(lines[0] ?? '', 10));
  const port = lines[3]?.trim();
  const alive = pid > 0 && pidAlive(pid);
  if (alive) {
    const cwd = await fsp.readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    const comm = (await readOr(`/proc/${pid}/comm`)).trim();
    const ours = cwd !== undefined ? cwd === realPath : comm === 'postgres';
    if (ours) throw inUseError(dataDir, pid, port);
  }
  log.warn({ dataDir, stalePid: pid, alive }, 'removing stale postmaster.pid (left by a crash)');
  await fsp.rm(file, { force: true });
}

/** The folder is held by a running server (of this process or another one). */
export function inUseError(dataDir: string, pid: number | undefined, port: string | undefined): EmbeddedPostgresError {
  return new EmbeddedPostgresError(
    'DATA_DIR_IN_USE',
    `data directory ${dataDir} is already in use by a running PostgreSQL server` +
      (pid ? ` (PID ${pid}${port ? `, port ${port}` : ''})` : '') +
      '; stop that emulator first or choose another data directory',
  );
}
