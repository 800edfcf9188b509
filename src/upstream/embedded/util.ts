/** Small file, process and text helpers shared by the embedded server's parts. */
import { constants as fsConstants, promises as fsp, realpathSync } from 'node:fs';
import net from 'node:net';

/** A free loopback port (it may be taken again before the server binds it: callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** EPERM counts as alive: the process exists but belongs to another user. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** mkdir that accepts an existing entry; callers check what they found. */
export async function mkdirIfMissing(p: string, mode: number): Promise<void> {
  await fsp.mkdir(p, { mode }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

export async function readOr(p: string, fallback = ''): Promise<string> {
  try {
    return await fsp.readFile(p, 'utf8');
  } catch {
    return fallback;
  }
}

export function realpathOr(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
