/**
 * A raw MySQL/MariaDB protocol client for tests that must send exactly the
 * bytes they want (pipelines, statement id -1, COM_STMT_BULK_EXECUTE, long
 * data, parameters bound once) and read exactly what comes back, including
 * status flags no driver exposes. Deliberately independent of src/wire/mysql
 * so it does not share the bugs it is meant to find. Logs in as a user
 * without a password (mysql_native_password with an empty scramble).
 */
import net from 'node:net';

// Capability bits (lower and upper 16-bit halves joined) and MariaDB's extended ones (bits 32-63, given here shifted down).
export const CAP = {
  LONG_PASSWORD: 0x1,
  CONNECT_WITH_DB: 0x8,
  PROTOCOL_41: 0x200,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  PLUGIN_AUTH_LENENC: 0x200000,
  DEPRECATE_EOF: 0x1000000,
} as const;
export const MARIADB_CAP = {
  STMT_BULK_OPERATIONS: 1 << 2,
  EXTENDED_METADATA: 1 << 3,
  CACHE_METADATA: 1 << 4,
  BULK_UNIT_RESULTS: 1 << 5,
} as const;

export const STATUS = { IN_TRANS: 0x1, AUTOCOMMIT: 0x2, MORE_RESULTS: 0x8, IN_TRANS_READONLY: 0x2000 } as const;

/** MYSQL_TYPE_* codes the tests bind or read. */
export const TYPE = {
  TINY: 0x01,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  LONGLONG: 0x08,
  VARCHAR: 0x0f,
  NEWDECIMAL: 0xf6,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
} as const;

export interface Column {
  readonly name: string;
  readonly orgName: string;
  readonly type: number;
  readonly charset: number;
  readonly length: number;
  readonly flags: number;
  readonly decimals: number;
}

export type Value = string | number | null;

/** One answer, as far as these tests need to see it. */
export interface Answer {
  readonly kind: 'ok' | 'err' | 'rows' | 'prepared';
  readonly packets: readonly Buffer[];
  /** Status flags of the last OK/EOF (0 for ERR). */
  readonly status: number;
  readonly warnings: number;
  readonly affectedRows: number;
  readonly errno: number;
  readonly sqlState: string;
  readonly message: string;
  /** Null when the server skipped the metadata (MariaDB's metadata cache). */
  readonly columns: readonly Column[] | null;
  readonly rows: readonly Value[][];
  /** Every result of a multi-result answer, in order (this answer is the first). */
  readonly results: readonly Answer[];
  readonly statementId: number;
  readonly paramCount: number;
}

function lenenc(buf: Buffer, at: { i: number }): number {
  const first = buf[at.i++] ?? 0;
  if (first < 0xfb) return first;
  if (first === 0xfc) {
    const v = buf.readUInt16LE(at.i);
    at.i += 2;
    return v;
  }
  if (first === 0xfd) {
    const v = buf.readUIntLE(at.i, 3);
    at.i += 3;
    return v;
  }
  const v = Number(buf.readBigUInt64LE(at.i));
  at.i += 8;
  return v;
}

function lenencString(buf: Buffer, at: { i: number }): Buffer {
  const n = lenenc(buf, at);
  const s = buf.subarray(at.i, at.i + n);
  at.i += n;
  return s;
}

export function lenencBytes(value: Buffer): Buffer {
  const n = value.length;
  if (n < 0xfb) return Buffer.concat([Buffer.from([n]), value]);
  if (n <= 0xffff) return Buffer.concat([Buffer.from([0xfc, n & 0xff, n >> 8]), value]);
  return Buffer.concat([Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]), value]);
}

function parseColumn(p: Buffer, extendedMetadata: boolean): Column {
  const at = { i: 0 };
  for (let k = 0; k < 4; k++) lenencString(p, at); // catalog, schema, table, org_table
  const name = lenencString(p, at).toString('utf8');
  const orgName = lenencString(p, at).toString('utf8');
  if (extendedMetadata) lenencString(p, at);
  lenenc(p, at); // 0x0c
  const charset = p.readUInt16LE(at.i);
  const length = p.readUInt32LE(at.i + 2);
  const type = p[at.i + 6] ?? 0;
  return { name, orgName, type, charset, length, flags: p.readUInt16LE(at.i + 7), decimals: p[at.i + 9] ?? 0 };
}

function parseOkFields(p: Buffer): { affectedRows: number; status: number; warnings: number } {
  const at = { i: 1 };
  const affectedRows = lenenc(p, at);
  lenenc(p, at);
  return { affectedRows, status: p.readUInt16LE(at.i), warnings: p.readUInt16LE(at.i + 2) };
}

function textRow(p: Buffer, count: number): Value[] {
  const at = { i: 0 };
  const out: Value[] = [];
  for (let k = 0; k < count; k++) {
    if (p[at.i] === 0xfb) {
      at.i++;
      out.push(null);
    } else out.push(lenencString(p, at).toString('utf8'));
  }
  return out;
}

function binaryRow(p: Buffer, columns: readonly Column[]): Value[] {
  const nullBytes = Math.floor((columns.length + 7 + 2) / 8);
  const at = { i: 1 + nullBytes };
  return columns.map((c, k) => {
    const bit = k + 2;
    if (((p[1 + (bit >> 3)] ?? 0) & (1 << (bit & 7))) !== 0) return null;
    switch (c.type) {
      case TYPE.TINY:
        return p.readInt8(at.i++);
      case TYPE.LONG:
        at.i += 4;
        return p.readInt32LE(at.i - 4);
      case TYPE.LONGLONG:
        at.i += 8;
        return Number(p.readBigInt64LE(at.i - 8));
      case TYPE.FLOAT:
        at.i += 4;
        return p.readFloatLE(at.i - 4);
      case TYPE.DOUBLE:
        at.i += 8;
        return p.readDoubleLE(at.i - 8);
      default:
        return lenencString(p, at).toString('utf8');
    }
  });
}

export interface RawOptions {
  readonly port: number;
  /** Collation id of the connection (default 45, utf8mb4_general_ci; 8 is latin1_swedish_ci). */
  readonly collation?: number;
  readonly host?: string;
  readonly user?: string;
  readonly database?: string;
  /** Extra capability bits to ask for (joined with the server's). */
  readonly capabilities?: number;
  /** MariaDB extended capabilities to ask for (only those the server offers are kept). */
  readonly mariadbCapabilities?: number;
}

export class RawMySql {
  private buffered = Buffer.alloc(0);
  private readonly waiting: ((p: { seq: number; payload: Buffer }) => void)[] = [];
  /** Packets not yet read, from `queueHead` on (an index, not shift(): floods queue hundreds of thousands). */
  private queue: { seq: number; payload: Buffer }[] = [];
  private queueHead = 0;
  private closedError: Error | null = null;
  /** The capabilities agreed (lower 32 bits) and MariaDB's extended ones. */
  capabilities = 0;
  mariadbCapabilities = 0;
  serverMariadbCapabilities = 0;
  connectionId = 0;
  /** Status flags of the authentication OK. */
  status = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static async connect(options: RawOptions): Promise<RawMySql> {
    const socket = net.connect({ host: options.host ?? '127.0.0.1', port: options.port });
    socket.setNoDelay(true);
    const c = new RawMySql(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    await c.handshake(options);
    return c;
  }

  private onData(chunk: Buffer): void {
    const bytes = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    // Read in place (flood tests receive hundreds of thousands of packets): only the incomplete tail is kept.
    let at = 0;
    while (bytes.length - at >= 4) {
      const n = bytes.readUIntLE(at, 3);
      if (bytes.length - at < 4 + n) break;
      // Test payloads stay below 16 MB: no continuation packets to join.
      const p = { seq: bytes[at + 3] ?? 0, payload: Buffer.from(bytes.subarray(at + 4, at + 4 + n)) };
      at += 4 + n;
      const w = this.waiting.shift();
      if (w) w(p);
      else this.queue.push(p);
    }
    this.buffered = at === bytes.length ? Buffer.alloc(0) : Buffer.from(bytes.subarray(at));
  }

  private fail(err: Error): void {
    this.closedError ??= err;
  }

  /** The next packet from the server (fails after `timeoutMs` of silence). */
  next(timeoutMs = 10_000): Promise<{ seq: number; payload: Buffer }> {
    const queued = this.queue[this.queueHead];
    if (queued) {
      this.queueHead++;
      if (this.queueHead === this.queue.length) {
        this.queue = [];
        this.queueHead = 0;
      }
      return Promise.resolve(queued);
    }
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(done);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`no packet from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (p: { seq: number; payload: Buffer }) => {
        clearTimeout(timer);
        resolve(p);
      };
      this.waiting.push(done);
    });
  }

  /** Packets still unread after a pause (for checking that nothing more came). */
  async pending(waitMs = 200): Promise<number> {
    await new Promise((r) => setTimeout(r, waitMs));
    return this.queue.length - this.queueHead;
  }

  private async handshake(options: RawOptions): Promise<void> {
    const { payload: g } = await this.next();
    if (g[0] === 0xff) throw new Error(`server refused: ${g.toString('utf8', 9)}`);
    let i = g.indexOf(0, 1) + 1;
    this.connectionId = g.readUInt32LE(i);
    i += 4 + 8 + 1;
    const lower = g.readUInt16LE(i);
    i += 2 + 1 + 2;
    const upper = g.readUInt16LE(i);
    i += 2 + 1 + 6;
    const server = (lower | (upper << 16)) >>> 0;
    this.serverMariadbCapabilities = (server & CAP.LONG_PASSWORD) === 0 ? g.readUInt32LE(i) : 0;
    const wanted =
      CAP.PROTOCOL_41 |
      CAP.SECURE_CONNECTION |
      CAP.PLUGIN_AUTH |
      CAP.TRANSACTIONS |
      CAP.MULTI_RESULTS |
      CAP.PS_MULTI_RESULTS |
      (options.database ? CAP.CONNECT_WITH_DB : 0) |
      (options.capabilities ?? 0);
    this.capabilities = (wanted & server) >>> 0;
    this.mariadbCapabilities = (options.mariadbCapabilities ?? 0) & this.serverMariadbCapabilities;
    const head = Buffer.alloc(32);
    head.writeUInt32LE(this.capabilities, 0);
    head.writeUInt32LE(16 * 1024 * 1024, 4);
    head[8] = options.collation ?? 45;
    head.writeUInt32LE(this.mariadbCapabilities, 28);
    const body = Buffer.concat([
      head,
      Buffer.from(`${options.user ?? 'root'}\0`),
      Buffer.from([0]), // empty auth response
      options.database ? Buffer.from(`${options.database}\0`) : Buffer.alloc(0),
      Buffer.from('mysql_native_password\0'),
    ]);
    this.write(body, 1);
    for (;;) {
      const { payload, seq } = await this.next();
      if (payload[0] === 0x00) {
        this.status = parseOkFields(payload).status;
        return;
      }
      if (payload[0] === 0xff) throw new Error(`authentication failed: ${payload.toString('utf8', 9)}`);
      if (payload[0] === 0xfe) this.write(Buffer.alloc(0), seq + 1); // auth switch: empty password
    }
  }

  get deprecateEof(): boolean {
    return (this.capabilities & CAP.DEPRECATE_EOF) !== 0;
  }

  get cacheMetadata(): boolean {
    return (this.mariadbCapabilities & MARIADB_CAP.CACHE_METADATA) !== 0;
  }

  get extendedMetadata(): boolean {
    return (this.mariadbCapabilities & MARIADB_CAP.EXTENDED_METADATA) !== 0;
  }

  /** Frames one payload. */
  frame(payload: Buffer, seq = 0): Buffer {
    const h = Buffer.alloc(4);
    h.writeUIntLE(payload.length, 0, 3);
    h[3] = seq;
    return Buffer.concat([h, payload]);
  }

  write(payload: Buffer, seq = 0): void {
    this.socket.write(this.frame(payload, seq));
  }

  /** Several commands in one write: a pipeline. */
  writeAll(payloads: readonly Buffer[]): void {
    this.socket.write(Buffer.concat(payloads.map((p) => this.frame(p, 0))));
  }

  /** Reads one whole answer; `binary` for COM_STMT_EXECUTE / BULK answers, `prepare` for COM_STMT_PREPARE. */
  async answer(shape: 'text' | 'binary' | 'prepare' = 'text', prepared: readonly Column[] = []): Promise<Answer> {
    const results: Answer[] = [];
    for (;;) {
      const one = await this.oneResult(shape, prepared);
      results.push(one);
      if (one.kind === 'err' || one.kind === 'prepared' || (one.status & STATUS.MORE_RESULTS) === 0) break;
    }
    return { ...(results[0] as Answer), results };
  }

  private async oneResult(shape: 'text' | 'binary' | 'prepare', prepared: readonly Column[]): Promise<Answer> {
    const packets: Buffer[] = [];
    const read = async () => {
      const { payload } = await this.next();
      packets.push(payload);
      return payload;
    };
    const base = {
      packets,
      status: 0,
      warnings: 0,
      affectedRows: 0,
      errno: 0,
      sqlState: '',
      message: '',
      columns: null as Column[] | null,
      rows: [] as Value[][],
      results: [] as Answer[],
      statementId: 0,
      paramCount: 0,
    };
    const first = await read();
    if (first[0] === 0xff) {
      return {
        ...base,
        kind: 'err',
        errno: first.readUInt16LE(1),
        sqlState: first.toString('latin1', 4, 9),
        message: first.toString('utf8', 9),
      };
    }
    if (shape === 'prepare') {
      const statementId = first.readUInt32LE(1);
      const columnCount = first.readUInt16LE(5);
      const paramCount = first.readUInt16LE(7);
      const eof = this.deprecateEof ? 0 : 1;
      const columns: Column[] = [];
      for (let k = 0; k < paramCount + (paramCount > 0 ? eof : 0); k++) await read();
      for (let k = 0; k < columnCount; k++) columns.push(parseColumn(await read(), this.extendedMetadata));
      if (columnCount > 0 && eof) await read();
      return { ...base, kind: 'prepared', statementId, paramCount, columns, warnings: first.readUInt16LE(10) };
    }
    if (first[0] === 0x00) return { ...base, kind: 'ok', ...parseOkFields(first) };
    const at = { i: 0 };
    const count = lenenc(first, at);
    const metadataFollows = shape === 'binary' && this.cacheMetadata ? first[at.i] === 1 : true;
    let columns: Column[] | null = null;
    if (metadataFollows) {
      columns = [];
      for (let k = 0; k < count; k++) columns.push(parseColumn(await read(), this.extendedMetadata));
      if (!this.deprecateEof) await read();
    } else if (!this.deprecateEof) await read();
    const rowColumns = columns ?? prepared;
    const rows: Value[][] = [];
    for (;;) {
      const p = await read();
      if (p[0] === 0xff) {
        return {
          ...base,
          kind: 'err',
          errno: p.readUInt16LE(1),
          sqlState: p.toString('latin1', 4, 9),
          message: p.toString('utf8', 9),
        };
      }
      if (p[0] === 0xfe && p.length < 0xffffff && (this.deprecateEof || p.length < 9)) {
        const flags = this.deprecateEof ? parseOkFields(p) : { status: p.readUInt16LE(3), warnings: p.readUInt16LE(1) };
        return { ...base, kind: 'rows', columns, rows, status: flags.status, warnings: flags.warnings };
      }
      rows.push(shape === 'binary' ? binaryRow(p, rowColumns) : textRow(p, count));
    }
  }

  async query(sql: string): Promise<Answer> {
    this.write(Buffer.concat([Buffer.from([0x03]), Buffer.from(sql, 'utf8')]));
    return this.answer('text');
  }

  async prepare(sql: string): Promise<Answer> {
    this.write(prepareCommand(sql));
    return this.answer('prepare');
  }

  close(): void {
    if (!this.socket.destroyed) this.socket.end(this.frame(Buffer.from([0x01])));
  }
}

export const prepareCommand = (sql: string) => Buffer.concat([Buffer.from([0x16]), Buffer.from(sql, 'utf8')]);

function int4(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function int2(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

/** A parameter value with its MYSQL_TYPE_* (strings as VAR_STRING, integers as LONGLONG). */
export type Param = string | number | null | { readonly type: number; readonly bytes: Buffer };

function paramType(p: Param): number {
  if (p === null || typeof p === 'string') return TYPE.VAR_STRING;
  if (typeof p === 'number') return TYPE.LONGLONG;
  return p.type;
}

function paramBytes(p: Param): Buffer {
  if (p === null) return Buffer.alloc(0);
  if (typeof p === 'string') return lenencBytes(Buffer.from(p, 'utf8'));
  if (typeof p === 'number') {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(p));
    return b;
  }
  return p.bytes;
}

/**
 * COM_STMT_EXECUTE. `sendTypes` false sends the "parameters already bound"
 * form (new-params-bound flag 0, no types), valid from the second execution.
 */
export function executeCommand(
  statementId: number,
  params: readonly Param[],
  options: { sendTypes?: boolean; flags?: number } = {},
): Buffer {
  const sendTypes = options.sendTypes ?? true;
  const parts: Buffer[] = [Buffer.from([0x17]), int4(statementId), Buffer.from([options.flags ?? 0]), int4(1)];
  if (params.length > 0) {
    const nulls = Buffer.alloc(Math.floor((params.length + 7) / 8));
    params.forEach((p, k) => {
      if (p === null) nulls[k >> 3] = (nulls[k >> 3] ?? 0) | (1 << (k & 7));
    });
    parts.push(nulls, Buffer.from([sendTypes ? 1 : 0]));
    if (sendTypes) for (const p of params) parts.push(int2(paramType(p)));
    for (const p of params) parts.push(paramBytes(p));
  }
  return Buffer.concat(parts);
}

/** COM_STMT_BULK_EXECUTE with types sent (flag 128) and, when asked, unit results (flag 64). */
export function bulkCommand(
  statementId: number,
  rows: readonly (readonly Param[])[],
  options: { unitResults?: boolean } = {},
): Buffer {
  const first = rows[0] ?? [];
  const parts: Buffer[] = [Buffer.from([0xfa]), int4(statementId), int2(128 | (options.unitResults ? 64 : 0))];
  for (const p of first) parts.push(int2(paramType(p)));
  for (const row of rows) {
    for (const p of row) {
      if (p === null) parts.push(Buffer.from([1]));
      else parts.push(Buffer.from([0]), paramBytes(p));
    }
  }
  return Buffer.concat(parts);
}

export function longDataCommand(statementId: number, param: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x18]), int4(statementId), int2(param), data]);
}

export const closeCommand = (statementId: number) => Buffer.concat([Buffer.from([0x19]), int4(statementId)]);
export const resetCommand = (statementId: number) => Buffer.concat([Buffer.from([0x1a]), int4(statementId)]);
export const queryCommand = (sql: string) => Buffer.concat([Buffer.from([0x03]), Buffer.from(sql, 'utf8')]);

/** Statement id -1: "the statement prepared just before", MariaDB's pipelining form. */
export const LAST_PREPARED = 0xffffffff;
