/**
 * The statements every driver runs, in node's `$n` placeholder style, and a
 * deadline for in-process flows (a driver waiting for a message the emulator
 * never sends must fail the case, not the whole file's time budget).
 */

/** Rows per fetch for every chunked read in the matrix (the programs get it as FETCH_ROWS). */
export const FETCH_ROWS = 7;

/** One text in, one row out; the input is echoed so a row run with another row's parameters shows it. */
export const PARAM_SQL = `SELECT $1::text AS input, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment($1, 'en') s`;

/** Every text of a case's input table, in input order, for cursors and chunked reads. */
export const tableSql = (table: string): string =>
  `SELECT t.txt AS input, s.sentiment, s.confidence FROM ${table} t, aws_comprehend.detect_sentiment(t.txt, 'en') s ORDER BY t.id`;

/** Resolves with `work`, or rejects after `ms` having called `abandon` (which should close the connection). */
export async function withDeadline<T>(ms: number, abandon: () => unknown, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      Promise.resolve()
        .then(abandon)
        .catch(() => {});
      reject(new Error(`no answer within ${ms} ms (hung)`));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
