/**
 * The postmaster as our direct child (no pg_ctl): starting it, waiting until
 * it really serves, and stopping it, also when Node exits without stop().
 * See README.md, "Process lifetime".
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DATABASE, SUPERUSER, serverArgs } from './cluster.ts';
import { inUseError } from './data-dir-lock.ts';
import { EmbeddedPostgresError } from './errors.ts';
import { forwardLogs } from './logging.ts';
import { probe } from './probe.ts';
import { type SpawnContext, spawnServerProcess } from './spawn.ts';
import type { EmbeddedPostgres, EmbeddedPostgresLogger } from './types.ts';
import { lastLines, sleep } from './util.ts';

const STOP_GRACE_MS = 30_000;

/** Servers still running, signalled if the Node process exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Everything a start needs besides the port, which changes between attempts. */
export interface ServerPlan {
  /** The folder holding bin/lib/share. */
  readonly native: string;
  /** The -D argument: the real path or /proc/self/cwd. */
  readonly dataPath: string;
  /** The folder as the caller named it, for messages and the result. */
  readonly dataDir: string;
  readonly ctx: SpawnContext;
  readonly log: EmbeddedPostgresLogger;
  readonly deadline: number;
  /** Frees the folder for this process again; called on stop and on an unexpected exit. */
  readonly release: () => void;
}

/** A start that failed for a reason another attempt may not have; `final` is thrown when out of attempts. */
export class RetryableStart extends Error {
  constructor(
    readonly reason: 'port' | 'shmem',
    readonly final: EmbeddedPostgresError,
  ) {
    super(final.message);
  }
}

export async function launch(plan: ServerPlan, port: number): Promise<EmbeddedPostgres> {
  const { native, dataPath, dataDir, ctx, log, deadline, release } = plan;
  const child = spawnServerProcess(path.join(native, 'bin', 'postgres'), serverArgs(dataPath, port), ctx);
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
  };
  let ready = false;
  let stopping = false;
  let spawnError: Error | undefined;
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      exitInfo ??= { code: null, signal: null };
      resolve(exitInfo);
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  forwardLogs(child, log, remember);
  // 'close' comes after the last output was read; bounded in case a
  // grandchild still holds the pipes.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const flushed = () => Promise.race([closed, sleep(500)]);
  const shutDown = async () => {
    stopping = true;
    await terminate(child, exited);
  };

  if (child.pid !== undefined) {
    live.add(child);
    installExitHook();
  }
  void exited.then((info) => {
    live.delete(child);
    if (ready && !stopping) {
      // Exit code 0 is a shutdown someone asked for: a terminal's Ctrl-C reaches this server too, often
      // before the emulator itself stops it. Anything else is a crash worth a warning.
      if (info.code === 0) log.info({ dataDir }, 'embedded PostgreSQL shut down');
      else log.warn({ ...info, dataDir, lastLines: recent.slice(-10) }, 'embedded PostgreSQL exited unexpectedly');
      release();
    }
  });

  const failure = (): EmbeddedPostgresError | RetryableStart => {
    const text = recent.join('\n');
    if (spawnError) {
      return new EmbeddedPostgresError('START_FAILED', `could not start postgres: ${spawnError.message}`);
    }
    if (/lock file "postmaster\.pid" already exists/.test(text)) {
      const m = /another postmaster \(PID (\d+)\)/.exec(text);
      return inUseError(dataDir, m?.[1] ? Number(m[1]) : undefined, undefined);
    }
    if (/could not bind|could not create any TCP\/IP sockets|Address already in use/.test(text)) {
      return new RetryableStart(
        'port',
        new EmbeddedPostgresError(
          'START_FAILED',
          `port ${port} on 127.0.0.1 is already in use; choose another port (or 0 for a free one):\n${lastLines(text, 4)}`,
        ),
      );
    }
    const err = new EmbeddedPostgresError(
      'START_FAILED',
      `postgres exited during startup (${exitInfo?.signal ?? `exit ${exitInfo?.code}`}):\n${lastLines(text, 15)}`,
    );
    if (/pre-existing shared memory block .* is still in use/.test(text)) return new RetryableStart('shmem', err);
    return err;
  };

  // Wait until a real client startup succeeds against *our* postmaster.
  for (;;) {
    if (exitInfo) {
      await flushed();
      throw failure();
    }
    if (Date.now() > deadline) {
      await shutDown();
      throw new EmbeddedPostgresError(
        'START_TIMEOUT',
        `postgres did not accept connections on 127.0.0.1:${port} in time:\n${lastLines(recent.join('\n'), 15)}`,
      );
    }
    // Raced with the exit: a foreign service on the port may never answer.
    const r = await Promise.race([probe(port, DATABASE), exited.then(() => undefined)]);
    if (r === undefined) continue;
    if (r.kind === 'ready') {
      if (r.backendParent === undefined || r.backendParent === child.pid) break;
      // Another server answers on this port; ours will fail to bind and exit.
    } else if (r.kind === 'error' && r.code === '3D000') {
      const created = await probe(port, 'template1', `CREATE DATABASE ${DATABASE}`);
      if (created.kind === 'ready') log.info({ database: DATABASE }, 'created missing database');
    } else if (r.kind === 'error' && r.code !== '57P03') {
      await shutDown();
      throw new EmbeddedPostgresError('START_FAILED', `embedded PostgreSQL refused the probe: ${r.message}`);
    }
    await Promise.race([sleep(50), exited]);
  }
  ready = true;

  let stopPromise: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      await shutDown();
      release();
      log.info({ dataDir, port }, 'embedded PostgreSQL stopped');
    })();
    return stopPromise;
  };

  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
    port,
    dataDir,
    pid: child.pid ?? -1,
    exited,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Fast shutdown (SIGINT), then SIGQUIT, then SIGKILL; resolves on exit. */
async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  const steps: [NodeJS.Signals, number][] = [
    ['SIGINT', STOP_GRACE_MS],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, wait] of steps) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), wait);
      }),
    ]);
    clearTimeout(timer);
    if (!timedOut) break;
  }
  await exited;
  live.delete(child);
}

/** SIGINT to every live server on process exit: the only safeguard where setpriv is missing. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGINT');
      } catch {
        // already gone
      }
    }
  });
}
