/**
 * Prepared statements (COM_STMT_PREPARE / COM_STMT_EXECUTE) that call ML
 * functions. The statement is prepared upstream with its calls pointed at the
 * stubs, under the upstream's statement id, so COM_STMT_CLOSE, COM_STMT_RESET
 * and binary rows need nothing from the emulator; each execution runs through
 * the same loop as a COM_QUERY, re-sending the client's COM_STMT_EXECUTE.
 */
import { EmulatorError } from '../../errors.ts';
import { Packet } from '../../wire/mysql/framer.ts';
import { packet } from '../../wire/mysql/serializer.ts';
import { restoreColumnName } from './column-names.ts';

/** What the handler keeps for one prepared statement. */
export interface PreparedMl {
  /** COM_STMT_SEND_LONG_DATA was used: the server keeps that data for one execution only. */
  longData: boolean;
  /** The seed-extension warning each execution raises, or null. */
  readonly warning: string | null;
}

/** COM_STMT_EXECUTE flags asking for a cursor (CURSOR_TYPE_READ_ONLY and the rest). */
const CURSOR_FLAGS = 0x07;

export const framePrepare = (sql: string) => packet(Buffer.concat([Buffer.from([0x16]), Buffer.from(sql, 'utf8')]), 0);
export const frameExecute = (payload: Buffer) => packet(payload, 0);

/** The statement id a COM_STMT_PREPARE_OK gives, or null for an ERR. */
export function preparedId(answer: readonly Packet[]): number | null {
  const ok = answer[0]?.payload;
  return ok !== undefined && ok[0] === 0x00 && ok.length >= 5 ? ok.readUInt32LE(1) : null;
}

/** Why the emulator cannot run this execution through its loop, or null. */
export function executeRefusal(payload: Buffer, prepared: PreparedMl): EmulatorError | null {
  if (((payload[5] ?? 0) & CURSOR_FLAGS) !== 0) {
    return new EmulatorError(
      'NotSupportedByAurora',
      'aurora-ml-emulator cannot open a cursor (COM_STMT_EXECUTE with a cursor type) on a statement that calls ML functions',
      { hint: 'Execute it without a cursor (no fetch size / useCursorFetch)' },
    );
  }
  if (prepared.longData) {
    return new EmulatorError(
      'NotSupportedByAurora',
      'aurora-ml-emulator cannot send parameters as long data (COM_STMT_SEND_LONG_DATA) to a statement that calls ML functions',
      { hint: 'Bind the value directly' },
    );
  }
  return null;
}

/** The prepare answer with the stub qualifier taken out of every column name. */
export function withClientColumnNamesPrepared(answer: readonly Packet[]): Packet[] {
  return answer.map((p, i) => {
    const patched = i === 0 ? null : restoreColumnName(p);
    return patched === null ? p : new Packet(p.sequenceId, patched, p.payload);
  });
}
