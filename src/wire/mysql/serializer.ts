/**
 * Builds the MySQL packets the emulator sends itself. Payloads longer than
 * 0xFFFFFF bytes are split into continuation packets with rising sequence ids.
 */
import type { EmulatorError } from '../../errors.ts';
import { Command, MAX_PACKET_PAYLOAD, ResponseHeader } from './codes.ts';

/** Frames one logical payload starting at `sequenceId` (wrapping at 256). */
export function packet(payload: Buffer, sequenceId: number): Buffer {
  const parts: Buffer[] = [];
  let seq = sequenceId & 0xff;
  let offset = 0;
  for (;;) {
    const length = Math.min(MAX_PACKET_PAYLOAD, payload.length - offset);
    const header = Buffer.allocUnsafe(4);
    header.writeUIntLE(length, 0, 3);
    header[3] = seq;
    parts.push(header, payload.subarray(offset, offset + length));
    offset += length;
    seq = (seq + 1) & 0xff;
    // Exactly 0xFFFFFF bytes means "more follows", so a final empty packet is needed then.
    if (length < MAX_PACKET_PAYLOAD) break;
  }
  return Buffer.concat(parts);
}

/** A length-encoded string: its length as a length-encoded integer, then the bytes (under 16 MB). */
export function lenencBytes(value: Buffer): Buffer {
  const n = value.length;
  let prefix: Buffer;
  if (n < 0xfb) prefix = Buffer.from([n]);
  else if (n <= 0xffff) prefix = Buffer.from([0xfc, n & 0xff, n >> 8]);
  else prefix = Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  return Buffer.concat([prefix, value]);
}

export interface ErrFields {
  readonly errno: number;
  /** Five characters, e.g. 'HY000'. */
  readonly sqlState: string;
  readonly message: string;
}

function errPayload(f: ErrFields): Buffer {
  if (f.sqlState.length !== 5) throw new Error(`SQLSTATE must have 5 characters: ${f.sqlState}`);
  const head = Buffer.allocUnsafe(3);
  head[0] = ResponseHeader.ERR;
  head.writeUInt16LE(f.errno, 1);
  return Buffer.concat([head, Buffer.from(`#${f.sqlState}`, 'latin1'), Buffer.from(f.message, 'utf8')]);
}

export const serialize = {
  /** ERR_Packet (protocol 4.1 form, with the SQLSTATE marker). */
  err: (f: ErrFields, sequenceId: number) => packet(errPayload(f), sequenceId),
  /**
   * An EmulatorError as ERR_Packet, with the catalog's errno and SQLSTATE. The
   * packet has no hint field (PostgreSQL's has), so the hint follows the message.
   */
  emulatorError: (err: EmulatorError, sequenceId: number) =>
    packet(
      errPayload({
        errno: err.entry.mysqlErrno,
        sqlState: err.entry.mysqlState,
        message: err.hint === undefined ? err.message : `${err.message}. Hint: ${err.hint}`,
      }),
      sequenceId,
    ),
  /** COM_QUERY with the statement text (a string as UTF-8, or the bytes given), as a new command (sequence id 0). */
  comQuery: (sql: string | Buffer) =>
    packet(Buffer.concat([Buffer.from([Command.COM_QUERY]), typeof sql === 'string' ? Buffer.from(sql, 'utf8') : sql]), 0),
  comQuit: () => packet(Buffer.from([Command.COM_QUIT]), 0),
};
