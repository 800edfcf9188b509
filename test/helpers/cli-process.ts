/**
 * The emulator's CLI as a child process, the way users start it: waits for the
 * start-up banner and reads the listeners' addresses off it.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr interleaved. */
  output(): string;
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
}

/** The banner's last line starts with "then"; the process is running once it is out. */
const BANNER_END = /\n {2}then /;

export async function startCli({ command, cwd, env, timeoutMs = 90_000 }: CliStart): Promise<CliProcess> {
  const [file, ...args] = command;
  const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    text += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    text += s;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!BANNER_END.test(text) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!BANNER_END.test(text)) {
    child.kill('SIGKILL');
    throw new Error(`the emulator printed no banner (exit code ${child.exitCode}):\n${text}`);
  }
  return {
    child,
    output: () => text,
    address(label) {
      const match = new RegExp(`${label}\\s+(\\S+)`).exec(text);
      if (match?.[1] === undefined) throw new Error(`the banner has no ${label} line:\n${text}`);
      return match[1];
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
