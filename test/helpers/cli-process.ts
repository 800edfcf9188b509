/**
 * The emulator's CLI as a child process, the way users start it: waits for the
 * start-up banner and reads the listeners' addresses off it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI's source, run through tsx the way `npm start` runs it. */
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** The command that runs the CLI from source with `args`, for CliStart's command. */
export function cliCommand(...args: string[]): [string, ...string[]] {
  return [process.execPath, '--import', 'tsx', CLI, ...args];
}

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr interleaved. */
  output(): string;
  /** What it printed so far on stdout alone, and on stderr alone. */
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<CliExit>;
  /** The address the banner prints after `label` (for example 'PostgreSQL' or 'AWS APIs'). */
  address(label: string): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface CliStart {
  /** The command and its arguments; the first is run, e.g. [process.execPath, 'bin/aurora-ml-emulator.js']. */
  readonly command: readonly [string, ...string[]];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Starts it in a process group of its own, so that `process.kill(-pid)` reaches all it started. */
  readonly detached?: boolean;
  /** A start that may fail: an exit before the banner resolves (see `exited`) instead of throwing. */
  readonly mayExitFirst?: boolean;
}

/** The banner's last line starts with "then"; the process is running once it is out. */
const BANNER_END = /\n {2}then /;

export async function startCli({
  command,
  cwd,
  env,
  timeoutMs = 90_000,
  detached = false,
  mayExitFirst = false,
}: CliStart): Promise<CliProcess> {
  const [file, ...args] = command;
  const child = spawn(file, args, { cwd, env, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    text += s;
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    text += s;
    stderr += s;
  });
  const exited = new Promise<CliExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!BANNER_END.test(text) && child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const gone = child.exitCode !== null || child.signalCode !== null;
  if (!BANNER_END.test(text) && !(mayExitFirst && gone)) {
    // Detached, everything it started goes too.
    if (detached && child.pid !== undefined && !gone) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
    throw new Error(`the emulator printed no banner (exit code ${child.exitCode}):\n${text}`);
  }
  // A process that exited may still have output in the pipes: all of it is read once they close.
  // (A grandchild that inherited them could hold them open: not for long.)
  if (gone) await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
  return {
    child,
    output: () => text,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    address(label) {
      const match = new RegExp(`${label}\\s+(\\S+)`).exec(text);
      if (match?.[1] === undefined) throw new Error(`the banner has no ${label} line:\n${text}`);
      return match[1];
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return (await exited).code;
    },
  };
}
