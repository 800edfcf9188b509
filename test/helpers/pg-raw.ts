/**
 * A raw PostgreSQL wire-protocol client for tests that need to send exactly
 * the bytes they want (garbage, truncated packets, pipelines no driver sends)
 * and see exactly what comes back. Deliberately independent of src/wire/pg so
 * it does not share the bugs it is meant to find.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

export interface BackendMessage {
  /** The type byte as a character ('Z', 'E', ...). */
  readonly code: string;
  readonly payload: Buffer;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

/** A typed frontend message. */
export function frontend(code: string, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from(code, 'latin1'), int32(body.length + 4), body]);
}

export const wire = {
  startup(params: Record<string, string>, version = 196608): Buffer {
    const body = Buffer.concat([
      int32(version),
      ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]),
      Buffer.from([0]),
    ]);
    return Buffer.concat([int32(body.length + 4), body]);
  },
  sslRequest: (): Buffer => Buffer.concat([int32(8), int32(80877103)]),
  cancelRequest: (processId: number, secretKey: number): Buffer =>
    Buffer.concat([int32(16), int32(80877102), int32(processId), int32(secretKey)]),
  query: (sql: string): Buffer => frontend('Q', cstr(sql)),
  parse: (name: string, sql: string): Buffer => frontend('P', Buffer.concat([cstr(name), cstr(sql), int16(0)])),
  /** Bind with text parameters (null = SQL NULL); results in text unless `resultFormats` says (1 = binary). */
  bind: (portal: string, statement: string, params: readonly (string | null)[], resultFormats: readonly number[] = []): Buffer =>
    frontend(
      'B',
      Buffer.concat([
        cstr(portal),
        cstr(statement),
        int16(0),
        int16(params.length),
        ...params.flatMap((p) => (p === null ? [int32(-1)] : [int32(Buffer.byteLength(p)), Buffer.from(p)])),
        int16(resultFormats.length),
        ...resultFormats.map(int16),
      ]),
    ),
  describePortal: (portal: string): Buffer => frontend('D', Buffer.concat([Buffer.from('P'), cstr(portal)])),
  describeStatement: (statement: string): Buffer => frontend('D', Buffer.concat([Buffer.from('S'), cstr(statement)])),
  /** Parse with declared parameter type OIDs (0 = let the server infer it). */
  parseTyped: (name: string, sql: string, paramTypes: readonly number[]): Buffer =>
    frontend('P', Buffer.concat([cstr(name), cstr(sql), int16(paramTypes.length), ...paramTypes.map(int32)])),
  /** Bind with raw parameter bytes (null = SQL NULL) and per-parameter format codes (1 = binary). */
  bindRaw: (
    portal: string,
    statement: string,
    paramFormats: readonly number[],
    params: readonly (Buffer | null)[],
    resultFormats: readonly number[],
  ): Buffer =>
    frontend(
      'B',
      Buffer.concat([
        cstr(portal),
        cstr(statement),
        int16(paramFormats.length),
        ...paramFormats.map(int16),
        int16(params.length),
        ...params.flatMap((p) => (p === null ? [int32(-1)] : [int32(p.length), p])),
        int16(resultFormats.length),
        ...resultFormats.map(int16),
      ]),
    ),
  close: (target: 'S' | 'P', name: string): Buffer => frontend('C', Buffer.concat([Buffer.from(target), cstr(name)])),
  execute: (portal: string, maxRows = 0): Buffer => frontend('E', Buffer.concat([cstr(portal), int32(maxRows)])),
  sync: (): Buffer => frontend('S'),
  flush: (): Buffer => frontend('H'),
  copyData: (data: string): Buffer => frontend('d', Buffer.from(data)),
  copyDone: (): Buffer => frontend('c'),
  copyFail: (reason: string): Buffer => frontend('f', cstr(reason)),
  terminate: (): Buffer => frontend('X'),
};

/** Parses complete typed backend messages from `bytes` (a trailing partial message is ignored). */
export function parseBackend(bytes: Buffer): BackendMessage[] {
  const out: BackendMessage[] = [];
  let offset = 0;
  while (bytes.length - offset >= 5) {
    const length = bytes.readInt32BE(offset + 1);
    if (length < 4 || bytes.length - offset < length + 1) break;
    out.push({ code: String.fromCharCode(bytes[offset] ?? 0), payload: bytes.subarray(offset + 5, offset + 1 + length) });
    offset += length + 1;
  }
  return out;
}

/** ErrorResponse / NoticeResponse fields by their one-letter codes ('C' = SQLSTATE, 'M' = message). */
export function errorFields(payload: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < payload.length && payload[offset] !== 0) {
    const type = String.fromCharCode(payload[offset] ?? 0);
    const end = payload.indexOf(0, offset + 1);
    if (end < 0) break;
    fields.set(type, payload.toString('utf8', offset + 1, end));
    offset = end + 1;
  }
  return fields;
}

/** The columns of a DataRow as text, or as hex with `encoding` 'hex' (NULL as null). */
export function dataRow(payload: Buffer, encoding: 'utf8' | 'hex' = 'utf8'): (string | null)[] {
  const n = payload.readInt16BE(0);
  const out: (string | null)[] = [];
  let offset = 2;
  for (let i = 0; i < n; i++) {
    const len = payload.readInt32BE(offset);
    offset += 4;
    if (len === -1) out.push(null);
    else {
      out.push(payload.toString(encoding, offset, offset + len));
      offset += len;
    }
  }
  return out;
}

export class RawPgConnection {
  private readonly chunks: Buffer[] = [];
  private listeners: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawPgConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPgConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  private notify(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /**
   * Removes and returns the complete messages received so far (a trailing
   * partial message stays for the next call), for long sessions where
   * re-reading everything from the first byte would cost too much.
   */
  take(): BackendMessage[] {
    const bytes = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = parseBackend(bytes);
    const used = out.reduce((n, m) => n + 5 + m.payload.length, 0);
    this.chunks.length = 0;
    if (used < bytes.length) this.chunks.push(bytes.subarray(used));
    return out;
  }

  /** Everything received so far. */
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Complete typed messages received so far, starting `skip` bytes in (e.g. 1 after an SSL answer). */
  messages(skip = 0): BackendMessage[] {
    return parseBackend(this.bytes.subarray(skip));
  }

  /** Waits until `done()` holds (checked on every arrival and on close); false on timeout. */
  waitUntil(done: () => boolean, timeoutMs = 5000): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(done()), timeoutMs);
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          resolve(true);
        } else if (this.closed) {
          clearTimeout(timer);
          resolve(done());
        } else this.listeners.push(check);
      };
      check();
    });
  }

  /** Waits for the n-th ReadyForQuery (counting from the first byte after `skip`). */
  async waitForReady(n = 1, skip = 0, timeoutMs = 5000): Promise<BackendMessage[]> {
    const ok = await this.waitUntil(() => this.messages(skip).filter((m) => m.code === 'Z').length >= n, timeoutMs);
    if (!ok) {
      const seen = this.messages(skip)
        .map((m) => m.code)
        .join('');
      throw new Error(`no ReadyForQuery #${n} within ${timeoutMs} ms (closed=${this.closed}, seen ${seen})`);
    }
    return this.messages(skip);
  }

  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return this.waitUntil(() => this.closed, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the psql CLI with no ~/.psqlrc, a connect timeout and optional stdin. */
export function runPsql(
  args: readonly string[],
  options: { readonly env?: Readonly<Record<string, string>>; readonly input?: string; readonly timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', ...args], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '5', PGAPPNAME: 'aurora-ml-wire-test', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** What one exchange of a raw connection received, read for assertions. */
export interface RawAnswer {
  /** The message codes in order ('1', '2', 'D', 'C', 'Z', ...). */
  readonly codes: string;
  /** DataRow columns, as text or as hex (`rowEncoding`). */
  readonly rows: (string | null)[][];
  /** The SQLSTATE of each ErrorResponse. */
  readonly errors: (string | undefined)[];
  /** The last ReadyForQuery's transaction status. */
  readonly status: string;
  /** CommandComplete tags. */
  readonly tags: string[];
}

/** Sends `messages` and waits for `readyCount` ReadyForQuery (15 s at most). */
export async function roundTrip(
  conn: RawPgConnection,
  messages: readonly Buffer[],
  readyCount = 1,
  rowEncoding: 'utf8' | 'hex' = 'utf8',
): Promise<RawAnswer> {
  const skip = conn.bytes.length;
  conn.send(Buffer.concat(messages));
  const received = await conn.waitForReady(readyCount, skip, 15_000);
  return {
    codes: received.map((m) => m.code).join(''),
    rows: received.filter((m) => m.code === 'D').map((m) => dataRow(m.payload, rowEncoding)),
    errors: received.filter((m) => m.code === 'E').map((m) => errorFields(m.payload).get('C')),
    status: String.fromCharCode(received.at(-1)?.payload[0] ?? 0),
    tags: received.filter((m) => m.code === 'C').map((m) => m.payload.toString('utf8', 0, m.payload.length - 1)),
  };
}
