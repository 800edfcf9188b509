/**
 * The column definitions of a one-result-set answer (ColumnDefinition41):
 * names and whether each holds numbers, for answers the emulator re-encodes.
 */
import { ResponseHeader } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { PayloadReader } from '../../wire/mysql/messages.ts';

/** Column type codes of the numeric MySQL types (MYSQL_TYPE_*). */
const NUMERIC_TYPES: ReadonlySet<number> = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0xf6]);

/** ColumnDefinition41's fixed-length part announces its length, always 0x0c. */
const FIXED_FIELDS_LENGTH = 0x0c;

export interface ColumnInfo {
  readonly name: string;
  readonly numeric: boolean;
}

function columnInfo(p: Packet): ColumnInfo | null {
  try {
    const r = new PayloadReader(p.payload);
    const fields: string[] = [];
    for (let i = 0; i < 6; i++) fields.push(r.bytes(r.lenenc()).toString('utf8'));
    // MariaDB's extended metadata (when the client asked for it) comes before the fixed fields.
    let fixed = r.lenenc();
    if (fixed !== FIXED_FIELDS_LENGTH) {
      r.bytes(fixed);
      fixed = r.lenenc();
    }
    r.int2(); // character set
    r.int4(); // column length
    return { name: fields[4] ?? '', numeric: NUMERIC_TYPES.has(r.int1()) };
  } catch {
    return null;
  }
}

/** The columns of a result set answer, or null for an OK/ERR or unreadable definitions. */
export function resultColumns(answer: readonly Packet[]): ColumnInfo[] | null {
  const head = answer[0]?.payload;
  const count = head?.[0];
  // An OK, or a first byte from LOCAL INFILE up (EOF, ERR, or a column count too large for one byte).
  if (head === undefined || count === undefined || count === ResponseHeader.OK || count >= ResponseHeader.LocalInfile)
    return null;
  const infos = answer.slice(1, 1 + count).map(columnInfo);
  return infos.some((c) => c === null) ? null : (infos as ColumnInfo[]);
}
