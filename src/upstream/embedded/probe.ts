/**
 * The readiness probe: a raw protocol-3 startup (no client library needed at
 * run time), optionally followed by one simple query.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { SUPERUSER } from './cluster.ts';

/** `backendParent` tells whose postmaster answered (undefined when /proc is unreadable). */
export type ProbeResult =
  | { kind: 'ready'; backendParent: number | undefined }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'unreachable'; message: string };

export function probe(port: number, database: string, query?: string, timeoutMs = 3000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let phase: 'startup' | 'query' = 'startup';
    let backendPid: number | undefined;
    let backendParent: number | undefined;
    let queryError: { code: string; message: string } | undefined;
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => finish({ kind: 'unreachable', message: 'timeout' }));
    sock.on('error', (err) => finish({ kind: 'unreachable', message: err.message }));
    sock.on('close', () => finish({ kind: 'unreachable', message: 'connection closed' }));
    sock.on('connect', () => {
      const params = Buffer.from(`user\0${SUPERUSER}\0database\0${database}\0application_name\0aurora-ml-emulator probe\0\0`);
      const head = Buffer.alloc(8);
      head.writeInt32BE(8 + params.length, 0);
      head.writeInt32BE(196608, 4); // protocol 3.0
      sock.write(Buffer.concat([head, params]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 5) {
        const type = String.fromCharCode(buf.readUInt8(0));
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) break;
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        if (type === 'R' && body.readInt32BE(0) !== 0) {
          return finish({
            kind: 'error',
            code: '28000',
            message: 'the server asked for a password (pg_hba.conf must trust 127.0.0.1)',
          });
        }
        if (type === 'K') {
          backendPid = body.readInt32BE(0);
          backendParent = parentOf(backendPid);
        } else if (type === 'E') {
          const fields = errorFields(body);
          if (phase === 'startup') return finish({ kind: 'error', ...fields });
          queryError = fields;
        } else if (type === 'Z') {
          if (phase === 'startup' && query !== undefined) {
            phase = 'query';
            const q = Buffer.from(`${query}\0`);
            const head = Buffer.alloc(5);
            head.write('Q', 0);
            head.writeInt32BE(4 + q.length, 1);
            sock.write(Buffer.concat([head, q]));
          } else {
            sock.write(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate
            return finish(queryError ? { kind: 'error', ...queryError } : { kind: 'ready', backendParent });
          }
        }
      }
    });
  });
}

/** SQLSTATE and message of an ErrorResponse body. */
function errorFields(body: Buffer): { code: string; message: string } {
  let code = '';
  let message = '';
  let i = 0;
  while (i < body.length && body.readUInt8(i) !== 0) {
    const field = String.fromCharCode(body.readUInt8(i));
    const end = body.indexOf(0, i + 1);
    const value = body.toString('utf8', i + 1, end < 0 ? body.length : end);
    if (field === 'C') code = value;
    if (field === 'M') message = value;
    i = end < 0 ? body.length : end + 1;
  }
  return { code, message };
}

/** Parent PID of a process from /proc, or undefined when unreadable. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isFinite(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}
