/**
 * Answers an ML statement's calls before it runs, where its shape allows
 * (../../sql/mysql/prefetch-plan.ts); the MySQL form of ../pg/prefetch.ts.
 * For `UPDATE tickets SET s = aws_comprehend_detect_sentiment(message, 'en')
 * WHERE s IS NULL` the prefetch query is
 *
 *   SELECT DISTINCT CAST(aurora_ml.aws_comprehend_detect_sentiment_args(message, 'en') AS BINARY)
 *   FROM tickets WHERE s IS NULL
 *
 * Its rows are the calls' JSON arrays of arguments, converted by the
 * arguments function exactly as the stub converts its own parameters
 * (./stubs.ts argsFunctionFor), so each call's cache key is the one the
 * stub will compute. The loop (./ml-loop.ts) undoes the query (a function
 * of the user's in the arguments may write), evaluates the calls and fills
 * the cache, and the statement's first run through the stubs is its last:
 * one cheap query instead of a whole run with a stub call per row.
 *
 * Nothing here decides a result: a call the prefetch did not find (or found
 * with other arguments) misses in the run, and the loop goes on as without
 * a prefetch.
 */
import { createHash } from 'node:crypto';
import type { JsonValue, MlCall, MlFunction } from '../../ml/calls.ts';
import type { MlCall as SqlMlCall } from '../../sql/mysql/ml-calls.ts';
import { planMysqlPrefetch } from '../../sql/mysql/prefetch-plan.ts';
import type { StatementKind } from '../../sql/mysql/statement-kind.ts';
import { argsFunctionFor, stubbedFunction } from './stubs.ts';

export interface MysqlPrefetch {
  /** The statement's row source in the query; '' for a SELECT without FROM (one row). */
  readonly source: string;
  /** One row per distinct combination; column i holds site i's arguments as utf8mb4 bytes. */
  readonly query: string;
  /** The function the evaluator knows, per column. */
  readonly functions: readonly MlFunction[];
  /**
   * A statement that fails where the client's would fail before calling
   * anything (EXPLAIN of it: a table privilege the query does not need, a
   * READ ONLY transaction): then nothing the query found is evaluated.
   */
  readonly check?: string;
}

/** The prefetch, checked by EXPLAIN of the statement as it will run (pointed at the stubs). */
export function checkedBy(prefetch: MysqlPrefetch | null, statement: string): MysqlPrefetch | null {
  return prefetch === null ? null : { ...prefetch, check: `EXPLAIN ${statement}` };
}

/**
 * How the prefetch reads the rows: as the statement will. An UPDATE changes
 * the latest committed rows, not the transaction's snapshot, and locks the
 * rows it changes, as FOR UPDATE does. INSERT ... SELECT reads its source
 * with shared locks under REPEATABLE READ but not under READ COMMITTED, so
 * its prefetch reads the snapshot and takes no lock the statement might not:
 * a row another session changed in between only misses, and the loop finds it.
 */
const LOCKING: Partial<Record<StatementKind, string>> = { update: ' FOR UPDATE' };

/** The prefetch for a client statement and its calls (findMlCalls), or null when its shape has none. */
export function prepareMysqlPrefetch(sql: string, calls: readonly SqlMlCall[], kind: StatementKind): MysqlPrefetch | null {
  const plan = planMysqlPrefetch(sql, calls);
  if (plan === null) return null;
  const columns: string[] = [];
  const functions: MlFunction[] = [];
  for (const site of plan.sites) {
    const argsFunction = argsFunctionFor(site.fn, site.args.length);
    const fn = stubbedFunction(site.fn);
    // The seed's variadic SageMaker call has no arguments function: its calls are found by the run.
    if (argsFunction === undefined || fn === undefined) continue;
    columns.push(`CAST(${argsFunction}(${site.args.map((a) => a.text).join(', ')}) AS BINARY)`);
    functions.push(fn);
  }
  if (columns.length === 0) return null;
  const source = plan.source === '' ? '' : ` ${plan.source}${LOCKING[kind] ?? ''}`;
  return { query: `SELECT DISTINCT ${columns.join(', ')}${source}`, functions, source: plan.source };
}

/**
 * The distinct calls in the prefetch's rows that `known` does not hold, keyed
 * as the stubs key them: MD5 of the function's name and the arguments' text.
 */
export function prefetchedCalls(
  prefetch: MysqlPrefetch,
  rows: readonly (readonly (string | null)[])[],
  known: ReadonlySet<string>,
): MlCall[] {
  const calls = new Map<string, MlCall>();
  for (const row of rows) {
    prefetch.functions.forEach((fn, i) => {
      const args = row[i];
      if (args == null) return;
      const key = createHash('md5').update(`${fn}${args}`, 'utf8').digest('hex');
      if (known.has(key) || calls.has(key)) return;
      calls.set(key, { fn, key, args: JSON.parse(args) as JsonValue[] });
    });
  }
  return [...calls.values()];
}
