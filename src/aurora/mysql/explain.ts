/**
 * EXPLAIN of a statement with batched ML calls shows `Batched machine
 * learning` in the Extra column, as Aurora MySQL documents, on the
 * plan's first row (the table the calls run over).
 */
import type { Packet } from '../../wire/mysql/framer.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import { resultColumns } from './result-columns.ts';

export const BATCHED_ML = 'Batched machine learning';

export interface ExplainRows {
  readonly columns: readonly string[];
  /** Which columns hold numbers (kept numeric when the rows are re-encoded). */
  readonly numeric: readonly boolean[];
  readonly rows: (string | null)[][];
}

/** The tabular EXPLAIN answer with the Extra column marked, or null when it has no Extra column. */
export function markBatched(answer: readonly Packet[]): ExplainRows | null {
  const infos = resultColumns(answer);
  if (infos === null) return null;
  const columns = infos.map((c) => c.name);
  const extra = columns.indexOf('Extra');
  const rows = textRows(answer, columns.length);
  const first = rows[0];
  if (extra < 0 || first === undefined) return null;
  const current = first[extra];
  first[extra] = current == null || current === '' ? BATCHED_ML : `${current}; ${BATCHED_ML}`;
  return { columns, numeric: infos.map((c) => c.numeric), rows };
}
