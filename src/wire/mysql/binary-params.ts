/**
 * Parameters of the binary protocol: the types a COM_STMT_EXECUTE or
 * COM_STMT_BULK_EXECUTE carries (or, with "new params bound" / "send types"
 * clear, leaves to the server's memory of the previous execution), the rows
 * of a bulk execution, and one row as a COM_STMT_EXECUTE of its own.
 *
 * COM_STMT_EXECUTE: 0x17, statement id (4), flags (1), iteration count (4),
 *   and with parameters: NULL bitmap ((n + 7) / 8), new-params-bound (1),
 *   types (2 each, when bound), values.
 * COM_STMT_BULK_EXECUTE (MariaDB): 0xFA, statement id (4), flags (2: 128 =
 *   types follow, 64 = one result per row), types (2 each, when sent), then
 *   per row and parameter an indicator (0 value, 1 NULL, 2 DEFAULT, 3 IGNORE)
 *   and, after 0, the value.
 */

import { ProtocolViolation } from '../protocol-violation.ts';
import { Command } from './codes.ts';
import { PayloadReader } from './messages.ts';

/** COM_STMT_BULK_EXECUTE flag: the parameter types follow the flags. */
export const STMT_BULK_FLAG_SEND_TYPES = 128;

/** MYSQL_TYPE_* codes whose binary values have a fixed size or a one-byte length. */
const FIXED_SIZE: Readonly<Record<number, number>> = {
  1: 1, // TINY
  2: 2, // SHORT
  3: 4, // LONG
  4: 4, // FLOAT
  5: 8, // DOUBLE
  6: 0, // NULL
  8: 8, // LONGLONG
  9: 4, // INT24
  13: 2, // YEAR
};
/** DATE, DATETIME, TIMESTAMP, TIME: a length byte, then that many bytes. */
const LENGTH_BYTE: ReadonlySet<number> = new Set([0x07, 0x0a, 0x0b, 0x0c]);

/** Reads one binary value of `type` (the 2-byte type field: code and unsigned flag). */
function valueBytes(r: PayloadReader, type: number): Buffer {
  const code = type & 0xff;
  const fixed = FIXED_SIZE[code];
  if (fixed !== undefined) return r.bytes(fixed);
  const start = r.offset;
  if (LENGTH_BYTE.has(code)) r.bytes(r.int1());
  else r.bytes(r.lenenc());
  return r.bytesFrom(start);
}

/** The parameter types a COM_STMT_EXECUTE or COM_STMT_BULK_EXECUTE carries (2 bytes each), or null. */
export function boundTypes(payload: Buffer, paramCount: number): Buffer | null {
  if (paramCount === 0) return null;
  if (payload[0] === Command.COM_STMT_BULK_EXECUTE) {
    if (payload.length < 7 || (payload.readUInt16LE(5) & STMT_BULK_FLAG_SEND_TYPES) === 0) return null;
    return payload.subarray(7, 7 + 2 * paramCount);
  }
  const bound = 10 + Math.floor((paramCount + 7) / 8);
  if (payload.length <= bound || payload[bound] !== 1) return null;
  return payload.subarray(bound + 1, bound + 1 + 2 * paramCount);
}

/** One parameter of a bulk row: a value, or NULL (DEFAULT and IGNORE read as NULL here). */
export type BulkValue = Buffer | null;

/**
 * The rows of a COM_STMT_BULK_EXECUTE; `types` when the packet does not
 * carry its own (the server's memory of the previous execution).
 */
export function bulkRows(payload: Buffer, paramCount: number, types: Buffer | null): BulkValue[][] {
  const own = boundTypes(payload, paramCount);
  const used = own ?? types;
  if (used === null || used.length < 2 * paramCount) {
    throw new ProtocolViolation('COM_STMT_BULK_EXECUTE without parameter types');
  }
  const r = new PayloadReader(payload);
  r.bytes(7 + (own === null ? 0 : 2 * paramCount));
  const rows: BulkValue[][] = [];
  while (r.remaining > 0) {
    const row: BulkValue[] = [];
    for (let i = 0; i < paramCount; i++) {
      const indicator = r.int1();
      row.push(indicator === 0 ? valueBytes(r, used.readUInt16LE(2 * i)) : null);
    }
    rows.push(row);
  }
  return rows;
}

/** A COM_STMT_EXECUTE payload for one row of values, with its types bound. */
export function executePayload(statementId: number, types: Buffer, row: readonly BulkValue[]): Buffer {
  const head = Buffer.alloc(10);
  head[0] = Command.COM_STMT_EXECUTE;
  head.writeUInt32LE(statementId, 1);
  head.writeUInt32LE(1, 6); // iteration count, always 1
  if (row.length === 0) return head;
  const nulls = Buffer.alloc(Math.floor((row.length + 7) / 8));
  row.forEach((v, i) => {
    if (v === null) nulls[i >> 3] = (nulls[i >> 3] ?? 0) | (1 << (i & 7));
  });
  return Buffer.concat([head, nulls, Buffer.from([1]), types, ...row.filter((v): v is Buffer => v !== null)]);
}
