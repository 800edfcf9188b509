/**
 * The INSERTs that put a round's answers in the session's cache table. The
 * server refuses a statement longer than max_allowed_packet by closing the
 * connection, and one INSERT of 200,000 answers is about 26 MB, over
 * MariaDB's default of 16 MB: the rows are split into statements of at most
 * FILL_STATEMENT_BYTES each.
 */
import { CACHE_TABLE } from './session-objects.ts';

/**
 * A fixed budget rather than the server's @@max_allowed_packet (which would
 * cost a round trip or a column in every statement's setup): just under
 * 1 MiB fits every server default since MySQL 5.5's 1 MiB (4 MiB on 5.6 and
 * 5.7, 16 MiB on MariaDB, 64 MiB on MySQL 8 and Aurora), and a statement of
 * about 7,500 answers is long enough that splitting costs nothing
 * measurable (the statements are pipelined).
 */
export const FILL_STATEMENT_BYTES = 1_000_000;

const PREFIX = `INSERT INTO ${CACHE_TABLE} (k, v) VALUES `;
const SEPARATOR = ', ';

/**
 * @param rows `(k, v)` tuples of ASCII text (hex literals), so a string's
 * length is its size in bytes. A tuple longer than the budget gets a
 * statement of its own.
 */
export function cacheFillStatements(rows: readonly string[], budget = FILL_STATEMENT_BYTES): string[] {
  const statements: string[] = [];
  let batch: string[] = [];
  let length = PREFIX.length;
  for (const row of rows) {
    const grown = length + (batch.length > 0 ? SEPARATOR.length : 0) + row.length;
    if (batch.length > 0 && grown > budget) {
      statements.push(PREFIX + batch.join(SEPARATOR));
      batch = [];
      length = PREFIX.length;
    }
    length += (batch.length > 0 ? SEPARATOR.length : 0) + row.length;
    batch.push(row);
  }
  if (batch.length > 0) statements.push(PREFIX + batch.join(SEPARATOR));
  return statements;
}
