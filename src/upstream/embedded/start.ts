/** startEmbeddedPostgres: the steps of a start, in order, with the retries a start may need. */
import path from 'node:path';
import { locatePackage, prepareBinaries } from './binaries.ts';
import { initCluster } from './cluster.ts';
import { prepareDataDir, serverDataPath } from './data-dir.ts';
import { checkPidFile, lockDataDir } from './data-dir-lock.ts';
import { noopLogger } from './logging.ts';
import { resolveRunAs } from './os-user.ts';
import { launch, RetryableStart, type ServerPlan } from './server-process.ts';
import { type SpawnContext, setprivPath } from './spawn.ts';
import type { EmbeddedPostgres, EmbeddedPostgresLogger, EmbeddedPostgresOptions } from './types.ts';
import { freePort, sleep } from './util.ts';

const DEFAULT_START_TIMEOUT_MS = 120_000;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.logger ?? noopLogger;
  const dataDir = path.resolve(opts.dataDir);
  const release = lockDataDir(dataDir);
  try {
    return await startLocked(dataDir, opts, log, release);
  } catch (err) {
    release();
    throw err;
  }
}

async function startLocked(
  dataDir: string,
  opts: EmbeddedPostgresOptions,
  log: EmbeddedPostgresLogger,
  release: () => void,
): Promise<EmbeddedPostgres> {
  const t0 = performance.now();
  const deadline = Date.now() + (opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const pkg = await locatePackage();
  const runAs = await resolveRunAs(dataDir, log);
  const native = await prepareBinaries(pkg, runAs, log);
  const setpriv = await setprivPath();

  const state = await prepareDataDir(dataDir, runAs, log);
  const dataPath = await serverDataPath(dataDir, state, runAs, log);
  const ctx: SpawnContext = { cwd: state.realPath, runAs, setpriv };

  if (!state.initialized) {
    await initCluster(native, dataPath, state.realPath, ctx, log, deadline);
  } else {
    await checkPidFile(state.realPath, dataDir, log);
  }

  // Retried: a port picked by us and taken before postgres bound it, and
  // shared memory still held by backends of a crashed postmaster (they exit
  // on their own within moments of noticing the postmaster is gone).
  const plan: ServerPlan = { native, dataPath, dataDir, ctx, log, deadline, release };
  const autoPort = !opts.port;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port || (await freePort());
    try {
      const server = await launch(plan, port);
      log.info(
        { dataDir, port, pid: server.pid, ms: Math.round(performance.now() - t0), initdb: !state.initialized },
        'embedded PostgreSQL ready',
      );
      return server;
    } catch (err) {
      if (!(err instanceof RetryableStart)) throw err;
      const retry = (err.reason === 'shmem' || autoPort) && attempt < 10 && Date.now() < deadline;
      if (!retry) throw err.final;
      log.warn({ port, attempt, reason: err.reason }, 'embedded PostgreSQL start will be retried');
      await sleep(err.reason === 'shmem' ? 500 : 50);
    }
  }
}
