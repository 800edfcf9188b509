/**
 * Starting child processes as the server user: a clean environment, the
 * uid/gid switch done by Node's spawn (libuv chdirs, drops supplementary
 * groups, then setgid/setuid before exec; no capabilities are kept), and
 * setpriv so the server dies with us.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import type { RunAs } from './os-user.ts';
import { exists } from './util.ts';

export interface SpawnContext {
  /** The data folder: the chdir happens while still root, before the uid switch. */
  readonly cwd: string;
  readonly runAs: RunAs | undefined;
  readonly setpriv: string | undefined;
}

/** Only PATH and TZ reach the children; the rest of our environment stays with us. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

/** spawn/execFile options that switch to `runAs`, or none when we are not root. */
function asUser(runAs: RunAs | undefined): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

/** initdb or postgres, through `setpriv --pdeathsig INT` when available. */
export function spawnServerProcess(bin: string, args: string[], ctx: SpawnContext): ChildProcess {
  const [cmd, argv] = ctx.setpriv ? [ctx.setpriv, ['--pdeathsig', 'INT', '--', bin, ...args]] : [bin, args];
  return spawn(cmd, argv, {
    cwd: ctx.cwd,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...asUser(ctx.runAs),
  });
}

/** Runs a short command to completion; code -2 means it could not be spawned. */
export function run(
  cmd: string,
  args: string[],
  o: { cwd: string; runAs?: RunAs | undefined },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: o.cwd,
        env: childEnv(),
        maxBuffer: 4 * 1024 * 1024,
        ...asUser(o.runAs),
      },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!err) return resolve({ code: 0, output });
        const code = (err as NodeJS.ErrnoException).code;
        if (typeof code === 'string') return resolve({ code: -2, output: output || err.message });
        resolve({ code: typeof code === 'number' ? code : 1, output });
      },
    );
  });
}

let setprivCache: Promise<string | undefined> | undefined;
/**
 * util-linux setpriv with --pdeathsig support, if installed: through it even
 * a SIGKILLed Node process takes the server down (fast shutdown).
 */
export function setprivPath(): Promise<string | undefined> {
  setprivCache ??= (async () => {
    for (const p of ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv']) {
      if (!(await exists(p))) continue;
      const out = await run(p, ['--help'], { cwd: '/' });
      if (out.output.includes('--pdeathsig')) return p;
    }
    return undefined;
  })();
  return setprivCache;
}
