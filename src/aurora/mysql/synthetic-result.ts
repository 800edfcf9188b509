/**
 * Result sets the emulator answers itself (SHOW STATUS rows, SHOW VARIABLES
 * rows, SHOW CREATE FUNCTION) are encoded by the upstream from a SELECT, so
 * the packets match whatever this connection negotiated (MariaDB's extended
 * metadata, DEPRECATE_EOF, the result character set).
 */
import type { Packet } from '../../wire/mysql/framer.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';

/** A string literal that means the same under every sql_mode (no quoting or escaping involved). */
export function utf8Literal(value: string): string {
  return value === '' ? `_utf8mb4''` : `_utf8mb4 X'${Buffer.from(value, 'utf8').toString('hex')}'`;
}

const column = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * SELECT text for the rows (every value a string or NULL); `columns` names the
 * result's columns, `numeric` marks those whose values are sent as numbers.
 */
export function selectRows(
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  numeric: readonly boolean[] = [],
): string {
  const literal = (v: string | null | undefined, j: number) =>
    v == null ? 'NULL' : numeric[j] && /^-?\d+(\.\d+)?$/.test(v) ? v : utf8Literal(v);
  if (rows.length === 0) {
    return `SELECT ${columns.map((c, j) => `${literal('', j)} AS ${column(c)}`).join(', ')} FROM DUAL WHERE FALSE`;
  }
  return rows
    .map((row, i) => `SELECT ${columns.map((c, j) => `${literal(row[j], j)}${i === 0 ? ` AS ${column(c)}` : ''}`).join(', ')}`)
    .join(' UNION ALL ');
}

/** Answers the client with the rows, encoded by the upstream. */
export async function answerRows(
  up: ControlledUpstream,
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  numeric: readonly boolean[] = [],
): Promise<void> {
  sendToClient(up, await up.query(selectRows(columns, rows, numeric)));
}

/** Answers the client with the server's OK for a statement that changes nothing (keeps its status flags). */
export async function answerOk(up: ControlledUpstream): Promise<void> {
  sendToClient(up, await up.query('DO 0'));
}

/** Passes an upstream answer on to the client. */
export function sendToClient(up: ControlledUpstream, answer: readonly Packet[]): void {
  up.toClient(Buffer.concat(answer.map((p) => p.raw)));
}

/** Whether the connection's character set is a Unicode one (decides the stubs' result charset). */
export async function connectionIsUnicode(up: ControlledUpstream): Promise<boolean> {
  const [charset] = textRows(await up.query('SELECT @@character_set_connection'), 1);
  return isUnicodeCharset(charset?.[0]);
}

export const isUnicodeCharset = (name: string | null | undefined) => /^(utf8|ucs2|utf16|utf32)/i.test(name ?? 'utf8mb4');
