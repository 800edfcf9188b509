/**
 * What finding ML calls costs per statement, on both fronts: the scanners run
 * on every statement a client sends, so their time is added to each round
 * trip. Informational (no target); needs no database. The statements are the
 * scanner tests' own (test/fixtures), so the figures follow what is tested.
 *
 * Runnable alone: `npx tsx bench/scanners.ts`.
 */
import { pathToFileURL } from 'node:url';
import * as mysqlScanner from '../src/sql/mysql/ml-calls.ts';
import * as pgScanner from '../src/sql/pg/ml-calls.ts';
import { MYSQL_SCANNER_SAMPLES } from '../test/fixtures/mysql-scanner-samples.ts';
import { PG_SCANNER_CORPUS } from '../test/fixtures/pg-scanner-corpus.ts';
import { type Row, renderTable } from './table.ts';

/** A query with no ML call and no ML view, as most of an application's traffic is. */
const PLAIN =
  'SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.created_at > $1 ORDER BY o.total DESC LIMIT 50';

export interface ScannerCosts {
  readonly pgStatements: number;
  readonly pgAverageChars: number;
  /** µs per statement of PG_SCANNER_CORPUS, function bodies scanned. */
  readonly pgFindMlCalls: number;
  /** µs for PLAIN. */
  readonly pgMightTouchMl: number;
  /** µs for PLAIN against 2 and 500 names it does not reference. */
  readonly pgReferencesAny2: number;
  readonly pgReferencesAny500: number;
  readonly mysqlStatements: number;
  /** µs per statement of MYSQL_SCANNER_SAMPLES. */
  readonly mysqlFindMlCalls: number;
}

/** µs per call of `once` over `rounds` rounds of `items`, after a warm-up for the JIT. */
function microsPerCall<T>(items: readonly T[], rounds: number, once: (item: T) => unknown): number {
  const warmUp = Math.max(1, Math.round(rounds / 10));
  for (let i = 0; i < warmUp; i++) for (const item of items) once(item);
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) for (const item of items) once(item);
  return Number(process.hrtime.bigint() - started) / 1000 / (rounds * items.length);
}

export function measureScanners(): ScannerCosts {
  const statements = PG_SCANNER_CORPUS.map(([sql]) => sql);
  const names = (n: number): ReadonlySet<string> => new Set(Array.from({ length: n }, (_, i) => `ml_view_${i}`));
  const two = new Set(['sentiment_view', 'score_fn']);
  const many = names(500);
  return {
    pgStatements: statements.length,
    pgAverageChars: statements.reduce((sum, sql) => sum + sql.length, 0) / statements.length,
    pgFindMlCalls: microsPerCall(statements, 2000, (sql) => pgScanner.findMlCalls(sql, { scanBodies: true })),
    pgMightTouchMl: microsPerCall([PLAIN], 100_000, (sql) => pgScanner.mightTouchMl(sql)),
    pgReferencesAny2: microsPerCall([PLAIN], 100_000, (sql) => pgScanner.referencesAny(sql, two)),
    pgReferencesAny500: microsPerCall([PLAIN], 100_000, (sql) => pgScanner.referencesAny(sql, many)),
    mysqlStatements: MYSQL_SCANNER_SAMPLES.length,
    mysqlFindMlCalls: microsPerCall(MYSQL_SCANNER_SAMPLES, 2000, (sql) => mysqlScanner.findMlCalls(sql)),
  };
}

const us = (micros: number, digits = 2): string => `${micros.toFixed(digits)} µs`;

export function scannerRows(id: string, c: ScannerCosts): Row[] {
  const row = (first: boolean, measurement: string, value: string): Row => ({
    id: first ? id : '',
    measurement,
    value,
    target: '',
    verdict: '',
  });
  return [
    row(
      true,
      `PostgreSQL findMlCalls per statement (${c.pgStatements} statements, avg ${Math.round(c.pgAverageChars)} chars)`,
      us(c.pgFindMlCalls),
    ),
    row(false, '  mightTouchMl, a plain SELECT', us(c.pgMightTouchMl, 3)),
    row(false, '  referencesAny no match, 2 names', us(c.pgReferencesAny2)),
    row(false, '  referencesAny no match, 500 names', us(c.pgReferencesAny500)),
    row(false, `MySQL findMlCalls per statement (${c.mysqlStatements} statements)`, us(c.mysqlFindMlCalls)),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(renderTable(scannerRows('11', measureScanners())));
}
