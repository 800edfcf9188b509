/**
 * The MySQL packets the emulator reads itself, as typed values. Everything
 * else travels as raw packets and is never decoded.
 */

import { ProtocolViolation } from '../protocol-violation.ts';
import { isAscii } from './client-charset.ts';
import { Capability, PROTOCOL_VERSION, ResponseHeader } from './codes.ts';

/** Reads the fields of a payload with bounds checks. */
export class PayloadReader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  int1(): number {
    this.need(1);
    return this.buf[this.offset++] ?? 0;
  }

  int2(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  int4(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  /** A length-encoded integer (values past 2^53 are not expected in the fields read here). */
  lenenc(): number {
    const first = this.int1();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.int2();
    if (first === 0xfd) {
      this.need(3);
      const v = this.buf.readUIntLE(this.offset, 3);
      this.offset += 3;
      return v;
    }
    if (first === 0xfe) {
      this.need(8);
      const v = Number(this.buf.readBigUInt64LE(this.offset));
      this.offset += 8;
      return v;
    }
    throw new ProtocolViolation(`invalid length-encoded integer 0x${first.toString(16)}`);
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  nulString(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolViolation('unterminated string in packet');
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** The bytes read since `start`. */
  bytesFrom(start: number): Buffer {
    return this.buf.subarray(start, this.offset);
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) throw new ProtocolViolation('packet shorter than its fields');
  }
}

// ---- server packets ----

export interface HandshakeV10 {
  readonly protocolVersion: number;
  readonly serverVersion: string;
  /** The server's thread id: the id KILL takes. */
  readonly connectionId: number;
  /** Lower and upper capability halves joined. */
  readonly capabilities: number;
  /** Offset of the lower capability half in the payload (for rewriting it). */
  readonly capabilityOffset: number;
  readonly characterSet: number;
  readonly statusFlags: number;
  /** MariaDB's extended capabilities (0 from MySQL, which sets CLIENT_LONG_PASSWORD). */
  readonly mariadbCapabilities: number;
}

export function parseHandshakeV10(payload: Buffer): HandshakeV10 {
  const r = new PayloadReader(payload);
  const protocolVersion = r.int1();
  if (protocolVersion !== PROTOCOL_VERSION) throw new ProtocolViolation(`unsupported handshake protocol ${protocolVersion}`);
  const serverVersion = r.nulString();
  const connectionId = r.int4();
  r.bytes(8); // auth-plugin-data-part-1
  r.int1(); // filler
  const capabilityOffset = r.offset;
  const lower = r.int2();
  // A pre-4.1 server may end here.
  if (r.remaining === 0) {
    return {
      protocolVersion,
      serverVersion,
      connectionId,
      capabilities: lower,
      capabilityOffset,
      characterSet: 0,
      statusFlags: 0,
      mariadbCapabilities: 0,
    };
  }
  const characterSet = r.int1();
  const statusFlags = r.int2();
  const upper = r.int2();
  // auth-plugin-data length (1), reserved (6), then MariaDB's extended capabilities (4).
  const mariadb = (lower & Capability.CLIENT_LONG_PASSWORD) === 0 && r.remaining >= 11;
  if (mariadb) r.bytes(7);
  return {
    protocolVersion,
    serverVersion,
    connectionId,
    capabilities: (lower | (upper << 16)) >>> 0,
    capabilityOffset,
    characterSet,
    statusFlags,
    mariadbCapabilities: mariadb ? r.int4() : 0,
  };
}

/** A copy of the handshake with the given capability bits cleared (in both halves, where it has two). */
export function withoutCapabilities(payload: Buffer, handshake: HandshakeV10, bits: number): Buffer {
  const out = Buffer.from(payload);
  const lowerAt = handshake.capabilityOffset;
  out.writeUInt16LE(out.readUInt16LE(lowerAt) & ~bits & 0xffff, lowerAt);
  // The upper half follows the character set (1) and the status flags (2).
  const upperAt = lowerAt + 5;
  if (out.length >= upperAt + 2) out.writeUInt16LE(out.readUInt16LE(upperAt) & ~(bits >>> 16) & 0xffff, upperAt);
  return out;
}

export interface ErrPacket {
  readonly errno: number;
  /** Empty when the server sent no SQLSTATE marker (pre-4.1 or the handshake stage). */
  readonly sqlState: string;
  readonly message: string;
}

export function parseErr(payload: Buffer): ErrPacket {
  const r = new PayloadReader(payload);
  if (r.int1() !== ResponseHeader.ERR) throw new ProtocolViolation('not an ERR packet');
  const errno = r.int2();
  let sqlState = '';
  if (r.remaining >= 6 && payload[r.offset] === 0x23) {
    r.int1();
    sqlState = r.bytes(5).toString('latin1');
  }
  return { errno, sqlState, message: r.rest().toString('utf8') };
}

export interface OkPacket {
  readonly affectedRows: number;
  readonly lastInsertId: number;
  readonly statusFlags: number;
  readonly warnings: number;
}

/** OK packets (header 0x00, or 0xFE when it ends a result set under CLIENT_DEPRECATE_EOF). */
export function parseOk(payload: Buffer): OkPacket {
  const r = new PayloadReader(payload);
  r.int1();
  const affectedRows = r.lenenc();
  const lastInsertId = r.lenenc();
  const statusFlags = r.remaining >= 2 ? r.int2() : 0;
  const warnings = r.remaining >= 2 ? r.int2() : 0;
  return { affectedRows, lastInsertId, statusFlags, warnings };
}

// ---- client packets ----

export interface HandshakeResponse41 {
  readonly capabilities: number;
  readonly maxPacketSize: number;
  readonly characterSet: number;
  /** MariaDB's extended capabilities, in the last 4 bytes of the filler (0 when CLIENT_LONG_PASSWORD is set). */
  readonly mariadbCapabilities: number;
  /** Empty in an SSLRequest (which stops after the fixed part). */
  readonly user: string;
  readonly database: string;
  /** The fixed 32-byte SSLRequest, sent before a TLS handshake. */
  readonly sslRequest: boolean;
}

export function parseHandshakeResponse(payload: Buffer): HandshakeResponse41 {
  const r = new PayloadReader(payload);
  const capabilities = r.int4();
  if ((capabilities & Capability.CLIENT_PROTOCOL_41) === 0) {
    throw new ProtocolViolation('pre-4.1 handshake responses are not supported');
  }
  const maxPacketSize = r.int4();
  const characterSet = r.int1();
  const filler = r.bytes(23);
  const mariadbCapabilities = (capabilities & Capability.CLIENT_LONG_PASSWORD) === 0 ? filler.readUInt32LE(19) : 0;
  if (r.remaining === 0) {
    return { capabilities, maxPacketSize, characterSet, mariadbCapabilities, user: '', database: '', sslRequest: true };
  }
  const user = r.nulString();
  if ((capabilities & Capability.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) !== 0) r.bytes(r.lenenc());
  else if ((capabilities & Capability.CLIENT_SECURE_CONNECTION) !== 0) r.bytes(r.int1());
  else r.nulString();
  const database = (capabilities & Capability.CLIENT_CONNECT_WITH_DB) !== 0 && r.remaining > 0 ? r.nulString() : '';
  return { capabilities, maxPacketSize, characterSet, mariadbCapabilities, user, database, sslRequest: false };
}

/** The statement bytes of a COM_QUERY or COM_STMT_PREPARE (MariaDB and MySQL without query attributes). */
export function statementBytes(payload: Buffer): Buffer {
  return payload.subarray(1);
}

/**
 * The statement as text for deciding whether the handler wants it, before
 * the connection's charset is known: 7-bit bytes read alike in every charset
 * the emulator rewrites, and the rest only has to keep the SQL's structure
 * (8-bit bytes are never quotes, backslashes or keywords in those charsets).
 * The handler gets the statement decoded in the real charset (./handler-runs.ts).
 */
export function provisionalText(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/**
 * The rows of a one-result-set text-protocol answer (column count, column
 * definitions, EOF unless deprecated, rows, EOF/OK), each value as text or null.
 */
export function textRows(answer: readonly { readonly payload: Buffer }[], columns: number): (string | null)[][] {
  const rows: (string | null)[][] = [];
  // The last packet ends the answer (EOF, OK or ERR): an OK carrying session-state changes
  // (a query that called a function of another database) is as long as a row.
  for (const p of answer.slice(1 + columns, -1)) {
    const first = p.payload[0];
    if ((first === 0xfe && p.payload.length < 9) || first === 0xff) continue; // EOF after the definitions
    const r = new PayloadReader(p.payload);
    const values: (string | null)[] = [];
    for (let i = 0; i < columns && r.remaining > 0; i++) {
      if (p.payload[r.offset] === 0xfb) {
        r.int1();
        values.push(null);
      } else {
        values.push(r.bytes(r.lenenc()).toString('utf8'));
      }
    }
    if (values.length === columns) rows.push(values);
  }
  return rows;
}
