/**
 * Where the server's answer to one command ends, read one packet at a time.
 * The proxy needs this twice: for the answers to its own commands (whole
 * packets) and for the answers it relays to a client that pipelines (the
 * first bytes of each packet, while the bytes stream through unbuffered), so
 * that it takes the upstream over only once every relayed answer is out.
 *
 * Each packet gets a role; only the first SHAPE_PREFIX bytes of a payload are
 * ever read, and `length` only has to say whether the payload is shorter than
 * 9 bytes (an EOF) or than 0xFFFFFF (an OK-form terminator, not a huge row).
 */
import { Command, MAX_PACKET_PAYLOAD, ResponseHeader, ServerStatus } from './codes.ts';

export type AnswerKind =
  /** COM_QUERY: OK, ERR, a LOCAL INFILE request, or text result sets (several while MORE_RESULTS_EXISTS). */
  | 'result'
  /** COM_STMT_EXECUTE and COM_STMT_BULK_EXECUTE: as `result` with binary rows; MariaDB may skip the column definitions. */
  | 'binary-result'
  /** COM_STMT_PREPARE: COM_STMT_PREPARE_OK and its parameter and column definitions, or ERR. */
  | 'prepare'
  /** COM_STMT_FETCH: rows, then EOF (or its OK form), or ERR. */
  | 'rows'
  /** COM_FIELD_LIST: column definitions, then EOF, or ERR. */
  | 'definitions'
  /** COM_CHANGE_USER: an authentication exchange that ends with OK or ERR. */
  | 'auth'
  /** One packet: OK, ERR, EOF or COM_STATISTICS' text. */
  | 'single'
  /** COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT. */
  | 'none'
  /** Replication streams: no command follows them. */
  | 'endless';

/** The answer a client command gets. */
export function answerKindOf(command: number): AnswerKind {
  switch (command) {
    case Command.COM_QUERY:
    case Command.COM_PROCESS_INFO:
      return 'result';
    case Command.COM_STMT_EXECUTE:
    case Command.COM_STMT_BULK_EXECUTE:
      return 'binary-result';
    case Command.COM_STMT_PREPARE:
      return 'prepare';
    case Command.COM_STMT_FETCH:
      return 'rows';
    case Command.COM_FIELD_LIST:
      return 'definitions';
    case Command.COM_CHANGE_USER:
      return 'auth';
    case Command.COM_QUIT:
    case Command.COM_STMT_CLOSE:
    case Command.COM_STMT_SEND_LONG_DATA:
      return 'none';
    case Command.COM_BINLOG_DUMP:
    case Command.COM_BINLOG_DUMP_GTID:
      return 'endless';
    default:
      return 'single';
  }
}

export interface ShapeOptions {
  /** CLIENT_DEPRECATE_EOF: result sets end with an OK packet (header 0xFE), with no EOF after the definitions. */
  readonly deprecateEof: boolean;
  /** MARIADB_CLIENT_CACHE_METADATA: a binary result set's column count is followed by a "metadata follows" byte. */
  readonly cacheMetadata: boolean;
}

export type PacketRole =
  | 'ok'
  | 'err'
  | 'infile-request'
  | 'column-count'
  | 'column'
  /** The EOF after definitions. */
  | 'eof'
  | 'row'
  /** The EOF or OK that ends a result set's rows. */
  | 'end'
  | 'prepare-ok'
  | 'param'
  | 'other';

/** Payload bytes a shape reads at most: an OK's header, two 9-byte length-encoded integers and its status. */
export const SHAPE_PREFIX = 24;

type State =
  | { readonly at: 'first' }
  | { readonly at: 'columns'; left: number }
  | { readonly at: 'columns-eof' }
  | { readonly at: 'rows' }
  /** What is left after COM_STMT_PREPARE_OK: [role, count] blocks in order. */
  | { readonly at: 'prepared'; readonly blocks: [PacketRole, number][] }
  | { readonly at: 'done' };

export class AnswerShape {
  /** Status flags of the answer's last OK or EOF, or null while it has had none. */
  status: number | null = null;
  /** The statement id of a COM_STMT_PREPARE_OK. */
  statementId: number | null = null;
  /** The role of the packet that ended the answer ('ok' or 'err' for an authentication), null until done. */
  endedWith: PacketRole | null = null;
  private state: State;
  // The packet being read: its first bytes are buf[at, end), end - at = min(length, SHAPE_PREFIX).
  private buf: Buffer = EMPTY;
  private at = 0;
  private end = 0;

  constructor(
    readonly kind: AnswerKind,
    private readonly options: ShapeOptions,
  ) {
    this.state = kind === 'none' ? { at: 'done' } : { at: 'first' };
  }

  get done(): boolean {
    return this.state.at === 'done';
  }

  /**
   * The role of the answer's next packet. `buf` holds the payload's first
   * min(length, SHAPE_PREFIX) bytes at least, from offset `at` (a scanner
   * passes the chunk the packet arrived in, without copying); `length` is
   * the payload length (that of its first wire packet is enough).
   */
  next(buf: Buffer, at: number, length: number): PacketRole {
    this.buf = buf;
    this.at = at;
    this.end = at + Math.min(length, SHAPE_PREFIX);
    const header = length > 0 ? buf[at] : undefined;
    switch (this.kind) {
      case 'result':
      case 'binary-result':
        return this.result(length, header);
      case 'prepare':
        return this.prepare(length, header);
      case 'rows':
        if (header === ResponseHeader.ERR) return this.finish('err');
        if (this.isTerminator(header, length)) return this.finish('end', this.terminatorStatus());
        return 'row';
      case 'definitions':
        if (header === ResponseHeader.ERR) return this.finish('err');
        if (header === ResponseHeader.EOF && length < MAX_PACKET_PAYLOAD) {
          return this.finish('end', length < 9 ? this.eofStatus() : this.okStatus());
        }
        return 'column';
      case 'auth':
        if (header === ResponseHeader.OK) return this.finish('ok', this.okStatus());
        if (header === ResponseHeader.ERR) return this.finish('err');
        return 'other';
      case 'single':
        if (header === ResponseHeader.OK) return this.finish('ok', this.okStatus());
        if (header === ResponseHeader.ERR) return this.finish('err');
        if (header === ResponseHeader.EOF && length < 9) return this.finish('end', this.eofStatus());
        return this.finish('other');
      case 'none':
      case 'endless':
        return 'other';
    }
  }

  private result(length: number, header: number | undefined): PacketRole {
    const state = this.state;
    switch (state.at) {
      case 'first':
        if (header === ResponseHeader.OK) return this.endOfResult('ok', this.okStatus());
        if (header === ResponseHeader.ERR) return this.finish('err');
        // The client sends the file (or an empty packet); the OK or ERR that follows ends the answer.
        if (header === ResponseHeader.LocalInfile) return 'infile-request';
        this.afterColumnCount();
        return 'column-count';
      case 'columns':
        if (--state.left === 0) this.state = this.options.deprecateEof ? { at: 'rows' } : { at: 'columns-eof' };
        return 'column';
      case 'columns-eof': {
        const status = this.eofStatus();
        this.status = status;
        // An opened cursor: the rows come with COM_STMT_FETCH.
        if ((status & ServerStatus.SERVER_STATUS_CURSOR_EXISTS) !== 0) return this.finish('eof', status);
        this.state = { at: 'rows' };
        return 'eof';
      }
      case 'rows':
        if (header === ResponseHeader.ERR) return this.finish('err');
        if (this.isTerminator(header, length)) return this.endOfResult('end', this.terminatorStatus());
        return 'row';
      default:
        return 'other';
    }
  }

  /** The column count, and whether definitions follow it (MariaDB's metadata cache may skip them). */
  private afterColumnCount(): void {
    const [count, size] = this.lenenc(this.at);
    const follows = this.at + size;
    const skipped =
      this.kind === 'binary-result' && this.options.cacheMetadata && follows < this.end && this.buf[follows] === 0x00;
    if (!skipped && count > 0) this.state = { at: 'columns', left: count };
    else this.state = this.options.deprecateEof ? { at: 'rows' } : { at: 'columns-eof' };
  }

  private prepare(length: number, header: number | undefined): PacketRole {
    const state = this.state;
    if (state.at === 'first') {
      if (header === ResponseHeader.ERR || length < 9) return this.finish('err');
      // COM_STMT_PREPARE_OK: status(1) statement_id(4) num_columns(2) num_params(2) ...
      this.statementId = this.buf.readUInt32LE(this.at + 1);
      const columns = this.buf.readUInt16LE(this.at + 5);
      const params = this.buf.readUInt16LE(this.at + 7);
      const eof = this.options.deprecateEof ? 0 : 1;
      const blocks: [PacketRole, number][] = [];
      if (params > 0) blocks.push(['param', params], ['eof', eof]);
      if (columns > 0) blocks.push(['column', columns], ['eof', eof]);
      const left = blocks.filter(([, n]) => n > 0);
      this.state = left.length === 0 ? { at: 'done' } : { at: 'prepared', blocks: left };
      return 'prepare-ok';
    }
    if (state.at !== 'prepared') return 'other';
    const block = state.blocks[0];
    if (block === undefined) return this.finish('other');
    const role = block[0];
    if (role === 'eof') this.status = this.eofStatus();
    if (--block[1] === 0) state.blocks.shift();
    if (state.blocks.length === 0) this.state = { at: 'done' };
    return role;
  }

  private isTerminator(header: number | undefined, length: number): boolean {
    if (header !== ResponseHeader.EOF) return false;
    return this.options.deprecateEof ? length < MAX_PACKET_PAYLOAD : length < 9;
  }

  private terminatorStatus(): number | null {
    return this.options.deprecateEof ? this.okStatus() : this.eofStatus();
  }

  /** A result ends; another follows while SERVER_MORE_RESULTS_EXISTS is set. */
  private endOfResult(role: PacketRole, status: number | null): PacketRole {
    this.status = status ?? this.status;
    if (status !== null && (status & ServerStatus.SERVER_MORE_RESULTS_EXISTS) !== 0) {
      this.state = { at: 'first' };
      return role;
    }
    return this.finish(role);
  }

  private finish(role: PacketRole, status: number | null = null): PacketRole {
    this.status = status ?? this.status;
    this.endedWith = role;
    this.state = { at: 'done' };
    return role;
  }

  /** A length-encoded integer at `pos` and its size in bytes (values past 2^53 are not expected here). */
  private lenenc(pos: number): [number, number] {
    const { buf, end } = this;
    const first = pos < end ? (buf[pos] ?? 0) : 0;
    if (first < 0xfb) return [first, 1];
    if (first === 0xfc && pos + 3 <= end) return [buf.readUInt16LE(pos + 1), 3];
    if (first === 0xfd && pos + 4 <= end) return [buf.readUIntLE(pos + 1, 3), 4];
    if (first === 0xfe && pos + 9 <= end) return [Number(buf.readBigUInt64LE(pos + 1)), 9];
    return [0, 1];
  }

  /** The status flags of an OK packet (either header), or null when it has none. */
  private okStatus(): number | null {
    const [, affected] = this.lenenc(this.at + 1);
    const [, insertId] = this.lenenc(this.at + 1 + affected);
    const pos = this.at + 1 + affected + insertId;
    return pos + 2 <= this.end ? this.buf.readUInt16LE(pos) : null;
  }

  /** The status flags of an EOF packet (0 without the 4.1 fields). */
  private eofStatus(): number {
    return this.end - this.at >= 5 ? this.buf.readUInt16LE(this.at + 3) : 0;
  }
}

const EMPTY = Buffer.alloc(0);
