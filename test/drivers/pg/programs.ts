/**
 * Runs the matrix's Python, Java and Go programs: texts in on stdin, JSON out
 * on stdout. A program that fails or hangs becomes an Error carrying its
 * stderr (the driver's own message and SQLSTATE), which is what the test report shows.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { SentimentRow } from './rows.ts';

/** What every flow gives back: the rows it read, how many rows each fetch gave (chunked reads), update counts (batches). */
export interface FlowOutput {
  readonly rows: SentimentRow[];
  readonly chunks?: number[];
  readonly counts?: number[];
}

/** Runs one named flow of a driver on a case's table and texts. */
export type Flow = (url: string, flow: string, table: string, texts: readonly string[]) => Promise<FlowOutput>;

export const INSTALL_HINT = 'run .ci/install-pg-drivers.sh (as root) to install the driver matrix';

/** The installed version of a Debian package, or undefined when it is not installed. */
export function debianVersion(pkg: string): string | undefined {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax, not a template
    const format = '-f=${Status}\t${Version}';
    const out = execFileSync('dpkg-query', ['-W', format, pkg], { encoding: 'utf8', stdio: 'pipe' });
    const [status, version] = out.split('\t');
    return status?.endsWith(' installed') ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Fails (never skips) when a Debian package the matrix needs is missing. */
export function requireDebianPackages(...pkgs: string[]): void {
  const missing = pkgs.filter((p) => debianVersion(p) === undefined);
  if (missing.length > 0) throw new Error(`missing Debian package(s) ${missing.join(', ')}: ${INSTALL_HINT}`);
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly stdin: string;
  readonly timeoutMs: number;
}

/** Runs `command args`, feeds `stdin`, and parses its stdout as JSON. */
export function runProgram(command: string, args: readonly string[], options: RunOptions): Promise<FlowOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const err = Buffer.concat(stderr).toString('utf8').trim();
      const label = `${command} ${args.join(' ')}`;
      if (timedOut) return reject(new Error(`${label}: no answer within ${options.timeoutMs} ms (hung)\n${err}`));
      if (code !== 0) return reject(new Error(`${label} exited with ${code}:\n${err.split('\n').slice(-12).join('\n')}`));
      try {
        resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as FlowOutput);
      } catch (parseError) {
        reject(new Error(`${label} printed no JSON (${String(parseError)}):\n${err}`));
      }
    });
    // A program that dies before reading its input must report its own error, not EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin);
  });
}
