/**
 * A small MySQL client/server protocol client for the differential harness.
 * Drivers hide what the harness compares (the SERVER_STATUS flags and warning
 * count of a result set's EOF packets, column definitions byte for byte, binary
 * rows), so it speaks the protocol itself: the 4.1 handshake with an empty
 * password, COM_QUERY (text protocol) and COM_STMT_PREPARE / EXECUTE / CLOSE
 * (binary protocol). It asks for no CLIENT_DEPRECATE_EOF, so every result set
 * ends in an EOF packet that carries the status and warnings.
 */
import net from 'node:net';

const CAPABILITIES =
  0x0000_0001 | // CLIENT_LONG_PASSWORD
  0x0000_0004 | // CLIENT_LONG_FLAG
  0x0000_0008 | // CLIENT_CONNECT_WITH_DB
  0x0000_0200 | // CLIENT_PROTOCOL_41
  0x0000_2000 | // CLIENT_TRANSACTIONS
  0x0000_8000 | // CLIENT_SECURE_CONNECTION
  0x0002_0000 | // CLIENT_MULTI_RESULTS
  0x0004_0000 | // CLIENT_PS_MULTI_RESULTS
  0x0008_0000; // CLIENT_PLUGIN_AUTH

const UTF8MB4_GENERAL_CI = 45;

export interface ColumnDef {
  readonly schema: string;
  readonly table: string;
  readonly orgTable: string;
  readonly name: string;
  readonly orgName: string;
  readonly charset: number;
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly decimals: number;
}

export interface OkOutcome {
  readonly kind: 'ok';
  readonly affectedRows: number;
  readonly lastInsertId: number;
  readonly status: number;
  readonly warnings: number;
  readonly info: string;
}

export interface RowsOutcome {
  readonly kind: 'rows';
  readonly columns: readonly ColumnDef[];
  /** Text protocol: the values as strings (NULL as null); binary protocol: each row's bytes in hex. */
  readonly rows: readonly (readonly (string | null)[] | string)[];
  /** Status and warnings of the EOF after the column definitions, then of the one after the rows. */
  readonly columnsEof: { readonly status: number; readonly warnings: number };
  readonly status: number;
  readonly warnings: number;
}

export interface ErrorOutcome {
  readonly kind: 'error';
  readonly errno: number;
  readonly sqlState: string;
  readonly message: string;
}

export type Outcome = OkOutcome | RowsOutcome | ErrorOutcome;

export interface Prepared {
  readonly kind: 'prepared';
  readonly id: number;
  readonly params: readonly ColumnDef[];
  readonly columns: readonly ColumnDef[];
  readonly warnings: number;
}

export type Param = string | number | null;

/** Reads the protocol's length-encoded values and fixed-size integers from one payload. */
class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  u8(): number {
    return this.buf.readUInt8(this.offset++);
  }
  u16(): number {
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  /** null for the NULL marker 0xfb. */
  lenenc(): number | null {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfb) return null;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) {
      const v = this.buf.readUIntLE(this.offset, 3);
      this.offset += 3;
      return v;
    }
    const v = Number(this.buf.readBigUInt64LE(this.offset));
    this.offset += 8;
    return v;
  }
  lenencString(): string | null {
    const n = this.lenenc();
    if (n === null) return null;
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }
  nulString(): string {
    const end = this.buf.indexOf(0, this.offset);
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }
  rest(): string {
    const s = this.buf.toString('utf8', this.offset);
    this.offset = this.buf.length;
    return s;
  }
}

function lenenc(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  const b = Buffer.alloc(4);
  b[0] = 0xfd;
  b.writeUIntLE(n, 1, 3);
  return b;
}

const isEof = (p: Buffer) => p[0] === 0xfe && p.length < 9;

function parseOk(p: Buffer): OkOutcome {
  const r = new Reader(p);
  r.u8();
  const affectedRows = r.lenenc() ?? 0;
  const lastInsertId = r.lenenc() ?? 0;
  const status = r.u16();
  const warnings = r.u16();
  return { kind: 'ok', affectedRows, lastInsertId, status, warnings, info: r.rest() };
}

function parseErr(p: Buffer): ErrorOutcome {
  const r = new Reader(p);
  r.u8();
  const errno = r.u16();
  let sqlState = '';
  if (p[r.offset] === 0x23) {
    r.offset++;
    sqlState = p.toString('latin1', r.offset, r.offset + 5);
    r.offset += 5;
  }
  return { kind: 'error', errno, sqlState, message: r.rest() };
}

function parseEof(p: Buffer): { status: number; warnings: number } {
  return { warnings: p.readUInt16LE(1), status: p.readUInt16LE(3) };
}

function parseColumn(p: Buffer): ColumnDef {
  const r = new Reader(p);
  r.lenencString(); // catalog, always "def"
  const schema = r.lenencString() ?? '';
  const table = r.lenencString() ?? '';
  const orgTable = r.lenencString() ?? '';
  const name = r.lenencString() ?? '';
  const orgName = r.lenencString() ?? '';
  r.lenenc(); // length of the fixed fields
  const charset = r.u16();
  const length = r.u32();
  const type = r.u8();
  const flags = r.u16();
  const decimals = r.u8();
  return { schema, table, orgTable, name, orgName, charset, length, type, flags, decimals };
}

function parseTextRow(p: Buffer): (string | null)[] {
  const r = new Reader(p);
  const values: (string | null)[] = [];
  while (r.offset < p.length) values.push(r.lenencString());
  return values;
}

/** One connection; commands run one at a time, each reading its whole response. */
export class WireClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((p: Buffer) => void) | null = null;
  private failure: Error | null = null;
  private readonly packets: Buffer[] = [];
  private sequence = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static async connect(options: { host: string; port: number; user: string; database: string }): Promise<WireClient> {
    const socket = net.connect(options.port, options.host);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    await client.handshake(options.user, options.database);
    return client;
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUIntLE(0, 3);
      if (this.buffered.length < 4 + length) break;
      this.sequence = (this.buffered[3] ?? 0) + 1;
      const payload = this.buffered.subarray(4, 4 + length);
      this.buffered = this.buffered.subarray(4 + length);
      const waiter = this.waiting;
      if (waiter) {
        this.waiting = null;
        waiter(payload);
      } else {
        this.packets.push(payload);
      }
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const waiter = this.waiting;
    this.waiting = null;
    // Wake a reader with an empty packet; it sees the failure and throws.
    waiter?.(Buffer.alloc(0));
  }

  private async read(): Promise<Buffer> {
    const queued = this.packets.shift();
    if (queued) return queued;
    if (this.failure) throw this.failure;
    const p = await new Promise<Buffer>((resolve) => {
      this.waiting = resolve;
    });
    if (this.failure && p.length === 0) throw this.failure;
    return p;
  }

  private write(payload: Buffer, sequence: number): void {
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = sequence & 0xff;
    this.socket.write(Buffer.concat([header, payload]));
  }

  private command(payload: Buffer): void {
    this.packets.length = 0;
    this.write(payload, 0);
  }

  private async handshake(user: string, database: string): Promise<void> {
    const greeting = await this.read();
    if (greeting[0] === 0xff) throw new Error(`server refused the connection: ${parseErr(greeting).message}`);
    const response = Buffer.concat([
      (() => {
        const fixed = Buffer.alloc(32);
        fixed.writeUInt32LE(CAPABILITIES, 0);
        fixed.writeUInt32LE(16 * 1024 * 1024, 4);
        fixed[8] = UTF8MB4_GENERAL_CI;
        return fixed;
      })(),
      Buffer.from(`${user}\0`, 'utf8'),
      Buffer.from([0]), // empty auth response: the account has no password
      Buffer.from(`${database}\0`, 'utf8'),
      Buffer.from('mysql_native_password\0', 'latin1'),
    ]);
    this.write(response, this.sequence);
    let reply = await this.read();
    if (reply[0] === 0xfe) {
      // Auth switch: an empty password answers any scramble with nothing.
      this.write(Buffer.alloc(0), this.sequence);
      reply = await this.read();
    }
    if (reply[0] !== 0x00) throw new Error(`login failed: ${parseErr(reply).message}`);
  }

  /** COM_QUERY: the text protocol. */
  async query(sql: string): Promise<Outcome> {
    this.command(Buffer.concat([Buffer.from([0x03]), Buffer.from(sql, 'utf8')]));
    return this.readResult('text');
  }

  /** COM_STMT_PREPARE. */
  async prepare(sql: string): Promise<Prepared | ErrorOutcome> {
    this.command(Buffer.concat([Buffer.from([0x16]), Buffer.from(sql, 'utf8')]));
    const first = await this.read();
    if (first[0] === 0xff) return parseErr(first);
    const r = new Reader(first);
    r.u8();
    const id = r.u32();
    const columnCount = r.u16();
    const paramCount = r.u16();
    r.u8();
    const warnings = r.u16();
    const params = await this.readDefinitions(paramCount);
    const columns = await this.readDefinitions(columnCount);
    return { kind: 'prepared', id, params, columns, warnings };
  }

  private async readDefinitions(count: number): Promise<ColumnDef[]> {
    const defs: ColumnDef[] = [];
    for (let i = 0; i < count; i++) defs.push(parseColumn(await this.read()));
    if (count > 0) await this.read(); // EOF
    return defs;
  }

  /** COM_STMT_EXECUTE with every parameter bound (strings as VAR_STRING, numbers as LONGLONG). */
  async execute(statementId: number, params: readonly Param[]): Promise<Outcome> {
    const head = Buffer.alloc(10);
    head[0] = 0x17;
    head.writeUInt32LE(statementId, 1);
    head[5] = 0; // CURSOR_TYPE_NO_CURSOR
    head.writeUInt32LE(1, 6);
    const parts: Buffer[] = [head];
    if (params.length > 0) {
      const nulls = Buffer.alloc((params.length + 7) >> 3);
      const types = Buffer.alloc(params.length * 2);
      const values: Buffer[] = [];
      for (const [i, p] of params.entries()) {
        if (p === null) {
          nulls[i >> 3] = (nulls[i >> 3] ?? 0) | (1 << (i & 7));
          types[i * 2] = 0x06;
        } else if (typeof p === 'number') {
          types[i * 2] = 0x08;
          const v = Buffer.alloc(8);
          v.writeBigInt64LE(BigInt(p));
          values.push(v);
        } else {
          types[i * 2] = 0xfd;
          const bytes = Buffer.from(p, 'utf8');
          values.push(lenenc(bytes.length), bytes);
        }
      }
      parts.push(nulls, Buffer.from([1]), types, ...values);
    }
    this.command(Buffer.concat(parts));
    return this.readResult('binary');
  }

  /** COM_STMT_CLOSE (the server sends nothing back). */
  close(statementId: number): void {
    const p = Buffer.alloc(5);
    p[0] = 0x19;
    p.writeUInt32LE(statementId, 1);
    this.command(p);
  }

  private async readResult(protocol: 'text' | 'binary'): Promise<Outcome> {
    const first = await this.read();
    if (first[0] === 0x00) return parseOk(first);
    if (first[0] === 0xff) return parseErr(first);
    const count = new Reader(first).lenenc() ?? 0;
    const columns: ColumnDef[] = [];
    for (let i = 0; i < count; i++) columns.push(parseColumn(await this.read()));
    const columnsEof = parseEof(await this.read());
    const rows: (readonly (string | null)[] | string)[] = [];
    for (;;) {
      const p = await this.read();
      if (p[0] === 0xff) return parseErr(p);
      if (isEof(p)) {
        const { status, warnings } = parseEof(p);
        // A CALL's extra results are not part of this workload: read past them so the next command starts clean.
        if (status & 0x0008) await this.readResult(protocol);
        return { kind: 'rows', columns, rows, columnsEof, status, warnings };
      }
      rows.push(protocol === 'text' ? parseTextRow(p) : p.toString('hex'));
    }
  }

  async end(): Promise<void> {
    this.command(Buffer.from([0x01]));
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}
