/**
 * EXPLAIN of a statement with batched ML calls shows `Batched machine
 * learning` in the Extra column, as Aurora MySQL does (reference §2), on the
 * plan's first row (the table the calls run over).
 */
import type { Packet } from '../../wire/mysql/framer.ts';
import { PayloadReader, textRows } from '../../wire/mysql/messages.ts';

export const BATCHED_ML = 'Batched machine learning';

/** Column type codes of the numeric MySQL types (MYSQL_TYPE_*). */
const NUMERIC_TYPES: ReadonlySet<number> = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0xf6]);

/** ColumnDefinition41's fixed-length part announces its length, always 0x0c. */
const FIXED_FIELDS_LENGTH = 0x0c;

interface ColumnInfo {
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

export interface ExplainRows {
  readonly columns: readonly string[];
  /** Which columns hold numbers (kept numeric when the rows are re-encoded). */
  readonly numeric: readonly boolean[];
  readonly rows: (string | null)[][];
}

/** The tabular EXPLAIN answer with the Extra column marked, or null when it has no Extra column. */
export function markBatched(answer: readonly Packet[]): ExplainRows | null {
  const head = answer[0]?.payload;
  if (head === undefined || head[0] === 0x00 || head[0] === 0xff || head[0] === undefined || head[0] >= 0xfb) return null;
  const count = head[0];
  const infos = answer.slice(1, 1 + count).map(columnInfo);
  if (infos.some((c) => c === null)) return null;
  const columns = (infos as ColumnInfo[]).map((c) => c.name);
  const extra = columns.indexOf('Extra');
  const rows = textRows(answer, count);
  const first = rows[0];
  if (extra < 0 || first === undefined) return null;
  const current = first[extra];
  first[extra] = current == null || current === '' ? BATCHED_ML : `${current}; ${BATCHED_ML}`;
  return { columns, numeric: (infos as ColumnInfo[]).map((c) => c.numeric), rows };
}
