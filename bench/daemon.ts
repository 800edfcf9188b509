/**
 * A helper server the bench runs next to the emulator (pgbouncer, HAProxy):
 * a child process kept in the foreground so this process owns it, ready once
 * it accepts TCP connections, and never left behind, even on an abrupt exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { waitForPort } from './util.ts';

export interface DaemonOptions {
  /** For error messages, e.g. 'pgbouncer'. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Where it listens; it counts as started once this accepts connections. */
  readonly host: string;
  readonly port: number;
  /** Its temporary directory (config, log), removed when it stops. */
  readonly dir: string;
  /** A log file worth showing when it fails to start. */
  readonly logFile?: string;
  /** Defaults to 5 s. */
  readonly startTimeoutMs?: number;
}

export interface Daemon {
  /** SIGTERM, SIGKILL after 3 s; safe to call more than once. */
  stop(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const child: ChildProcess = spawn(options.command, [...options.args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (err) => {
      stderr += String(err);
      exited = true;
      resolve();
    });
  });
  // Backstop: never leave the server behind, even on an abrupt exit.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedPromise;
      clearTimeout(timer);
    }
    rmSync(options.dir, { recursive: true, force: true });
  };

  try {
    await Promise.race([
      waitForPort(options.host, options.port, options.startTimeoutMs ?? 5000),
      exitedPromise.then(() => {
        throw new Error(`${options.name} exited at startup`);
      }),
    ]);
  } catch (err) {
    let log = '';
    try {
      if (options.logFile !== undefined) log = readFileSync(options.logFile, 'utf8');
    } catch {
      // no log written
    }
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${stderr}${log}`.trim());
  }
  return { stop };
}
