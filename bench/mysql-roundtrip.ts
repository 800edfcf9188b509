/**
 * Round trips through the MySQL front with mysql2: `query()` without values
 * sends COM_QUERY, the text protocol, like the pg simple Query message of the
 * PostgreSQL round trips (the timing loop is shared: roundtrip.ts).
 */
import mysql from 'mysql2/promise';
import { distinctTexts, isOneLabel, type LatencyResult, measureRoundTrips, type SqlConnection } from './roundtrip.ts';

export async function mysqlConnection(url: string): Promise<SqlConnection> {
  const connection = await mysql.createConnection(url);
  return {
    query: async (sql) => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(sql);
      return rows;
    },
    end: () => connection.end(),
  };
}

/** `SELECT aws_comprehend_detect_sentiment('...', 'en')` with a different text on every call. */
export function mysqlSentimentRoundTrips(url: string, warmUp: number, calls: number, seed = 7): Promise<LatencyResult> {
  const texts = distinctTexts(warmUp + calls, seed);
  return measureRoundTrips({
    connect: () => mysqlConnection(url),
    warmUp,
    calls,
    // mysql.escape: MySQL string literals treat backslashes as escapes, unlike standard SQL's.
    sql: (i) => `SELECT aws_comprehend_detect_sentiment(${mysql.escape(texts[i] ?? '')}, 'en') AS sentiment`,
    check: isOneLabel,
  });
}
