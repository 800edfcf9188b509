/**
 * An emulator in a process of its own, started by the CLI as a user would,
 * so that /proc/PID/status gives its memory alone (not the bench's).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export interface EmulatorProcess {
  readonly port: number;
  /** The PostgreSQL front's URL, on the upstream URL's database. */
  readonly url: string;
  /** The MySQL front's URL, when the emulator was started with one. */
  readonly mysqlUrl: string | null;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(upstreamUrl: string, extraArgs: readonly string[] = []): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      '--pg-upstream',
      upstreamUrl,
      '--pg-listen',
      '127.0.0.1:0',
      '--api-listen',
      '127.0.0.1:0',
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // The banner's lines come in one write; the AWS APIs line follows both fronts'.
  const banner = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (s: string) => {
      text += s;
      if (!/AWS APIs/.test(text)) return;
      child.stdout?.off('data', onData);
      // Keep draining stdout so log lines can never block the emulator on a full pipe.
      child.stdout?.resume();
      resolve(text);
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${String(code)}: ${text}`)));
  });
  const port = Number(/PostgreSQL front\s+127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
  const mysqlPort = /MySQL front\s+127\.0\.0\.1:(\d+)/.exec(banner)?.[1];
  // Through the emulator, to the upstream's database.
  const url = `postgres://postgres@127.0.0.1:${port}${new URL(upstreamUrl).pathname}`;
  const mysqlUrl = mysqlPort === undefined ? null : `mysql://root@127.0.0.1:${mysqlPort}/test`;
  return { port, url, mysqlUrl, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/** A memory figure of /proc/PID/status (VmRSS, VmHWM), in bytes. */
export async function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  if (m === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}
