/**
 * The data folder (PGDATA): creating or validating it, handing it to the
 * server user, and choosing the path the server is given for it.
 * See README.md, "Data folder" and "Running as root", point 3.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { PG_MAJOR } from './cluster.ts';
import { EmbeddedPostgresError } from './errors.ts';
import { routineLog } from './logging.ts';
import type { RunAs } from './os-user.ts';
import type { EmbeddedPostgresLogger } from './types.ts';
import { errorText, exists, mkdirIfMissing, readOr } from './util.ts';

/**
 * Resolves to the process's own working directory without checking its
 * ancestors; initdb and postgres are started with their cwd in the data folder.
 */
const MAGIC_CWD = '/proc/self/cwd';

export interface DataDirState {
  readonly realPath: string;
  /** Holds a cluster already (so initdb is skipped). */
  readonly initialized: boolean;
}

/** Any failure becomes DATA_DIR_INVALID with the folder named. */
export async function prepareDataDir(
  dataDir: string,
  runAs: RunAs | undefined,
  log: EmbeddedPostgresLogger,
): Promise<DataDirState> {
  try {
    return await prepareDataDirUnchecked(dataDir, runAs, log);
  } catch (err) {
    if (err instanceof EmbeddedPostgresError) throw err;
    throw new EmbeddedPostgresError('DATA_DIR_INVALID', `cannot prepare data directory ${dataDir}: ${errorText(err)}`, {
      cause: err,
    });
  }
}

async function prepareDataDirUnchecked(
  dataDir: string,
  runAs: RunAs | undefined,
  log: EmbeddedPostgresLogger,
): Promise<DataDirState> {
  await fsp.mkdir(path.dirname(dataDir), { recursive: true });
  await mkdirIfMissing(dataDir, 0o700);
  const realPath = await fsp.realpath(dataDir);
  const st = await fsp.stat(realPath);
  if (!st.isDirectory()) {
    throw new EmbeddedPostgresError('DATA_DIR_INVALID', `data directory ${dataDir} is not a directory`);
  }
  const entries = await fsp.readdir(realPath);
  const initialized = entries.includes('PG_VERSION');
  if (initialized) {
    const major = (await readOr(path.join(realPath, 'PG_VERSION'))).trim();
    if (major !== PG_MAJOR) {
      throw new EmbeddedPostgresError(
        'DATA_DIR_INVALID',
        `data directory ${dataDir} holds a PostgreSQL ${major || '(unknown)'} cluster; the embedded server is ` +
          `PostgreSQL ${PG_MAJOR}. Use another data directory (or dump and restore the data)`,
      );
    }
    if (!(await exists(path.join(realPath, 'global', 'pg_control')))) {
      throw new EmbeddedPostgresError(
        'DATA_DIR_INVALID',
        `data directory ${dataDir} holds an incomplete cluster (interrupted initdb?); delete the folder to start afresh`,
      );
    }
  } else if (entries.length > 0) {
    throw new EmbeddedPostgresError(
      'DATA_DIR_INVALID',
      `data directory ${dataDir} is not empty and is not a PostgreSQL cluster (or another emulator is ` +
        'initializing it right now); choose an empty or new folder',
    );
  }

  if (runAs && st.uid !== runAs.uid) {
    log.info({ dataDir, user: runAs.name }, 'handing the data directory to the server user');
    await chownTree(realPath, runAs.uid, runAs.gid);
  }
  // PostgreSQL accepts 0700 or 0750 only.
  if ((st.mode & 0o027) !== 0) await fsp.chmod(realPath, 0o700);
  return { realPath, initialized };
}

async function chownTree(p: string, uid: number, gid: number): Promise<void> {
  await fsp.lchown(p, uid, gid);
  const st = await fsp.lstat(p);
  if (!st.isDirectory()) return;
  for (const name of await fsp.readdir(p)) await chownTree(path.join(p, name), uid, gid);
}

/**
 * The `-D` argument: the real path when the server user can reach it, else
 * /proc/self/cwd. We never change permissions of the user's directories.
 */
export async function serverDataPath(
  dataDir: string,
  state: DataDirState,
  runAs: RunAs | undefined,
  log: EmbeddedPostgresLogger,
): Promise<string> {
  if (!runAs || (await traversableBy(state.realPath, runAs))) return state.realPath;
  (state.initialized ? routineLog(log) : log.info.bind(log))(
    { dataDir, user: runAs.name },
    'data directory is not reachable by the server user through its path; using -D /proc/self/cwd',
  );
  return MAGIC_CWD;
}

/**
 * Whether `runAs` can search every ancestor of `dir` (mode bits; spawn drops
 * supplementary groups, so only the primary group counts).
 */
async function traversableBy(dir: string, runAs: RunAs): Promise<boolean> {
  for (let cur = path.dirname(dir); ; cur = path.dirname(cur)) {
    const st = await fsp.stat(cur);
    const bit = st.uid === runAs.uid ? 0o100 : st.gid === runAs.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (path.dirname(cur) === cur) return true;
  }
}
