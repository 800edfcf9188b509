/**
 * The INSERTs that put a round's answers in the session's cache table. The
 * server refuses a statement longer than max_allowed_packet by closing the
 * connection, and one INSERT of 200,000 answers is about 26 MB, over
 * MariaDB's default of 16 MB: the rows are split into statements of at most
 * FILL_STATEMENT_BYTES each.
 */
import { comprehendMysqlValue } from '../../functions/comprehend.ts';
import type { MlCall, MlResults } from '../../ml/calls.ts';
import { CACHE_TABLE } from './session-objects.ts';
import { learnedPlaceholderKey } from './stubs.ts';

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

/** The `(k, v)` tuples of a round's answers, as hex literals of their UTF-8 bytes (see cacheValues). */
export function cacheRows(results: MlResults, calls: readonly MlCall[], learned: Set<string>): string[] {
  return [...cacheValues(results, calls, learned)].map(([k, v]) => `(${hex(k)}, ${v === null ? 'NULL' : hex(v)})`);
}

/** A literal of the string's UTF-8 bytes: X'' for the empty string (0x00 would be one NUL byte). */
const hex = (s: string) => `X'${Buffer.from(s, 'utf8').toString('hex')}'`;

/**
 * The cache rows for a round's answers (as the stubs read them: see
 * src/functions/comprehend.ts), plus, for each target (endpoint, model) not learned
 * yet, its first real answer as the value its later misses return in place
 * of the placeholder: a run then gets past expressions that fail on a
 * made-up value and finds every call at once. One row per target and
 * statement: the cache's key is unique.
 */
function cacheValues(results: MlResults, calls: readonly MlCall[], learned: Set<string>): Map<string, string | null> {
  const fnOf = new Map(calls.map((c) => [c.key, c.fn]));
  const values = new Map<string, string | null>();
  for (const [k, v] of results) {
    values.set(k, v === null ? null : comprehendMysqlValue(fnOf.get(k) ?? 'aws_comprehend.detect_sentiment', v));
  }
  for (const call of calls) {
    const key = learnedPlaceholderKey(call.fn, call.args[0]);
    const value = values.get(call.key);
    if (key === null || learned.has(key) || value == null) continue;
    learned.add(key);
    values.set(key, value);
  }
  return values;
}
