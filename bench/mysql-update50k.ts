/**
 * The nightly job on Aurora MySQL: UPDATE every unscored ticket with the
 * built-in aws_comprehend_detect_sentiment, through the emulator's MySQL
 * front, timed end to end from the client. The same UPDATE with a plain
 * expression straight to MariaDB is the reference. Aurora counts one logical
 * ML request per row, so Aurora_ml_logical_request_cnt must grow by the row
 * count: that checks the emulator called the model for every row.
 */
import mysql from 'mysql2/promise';
import { generateTickets } from './tickets.ts';
import { describeMessages, tallyLabels, type Update50kResult } from './update50k.ts';
import { elapsedMs } from './util.ts';

export const MYSQL_ML_UPDATE =
  "UPDATE tickets SET sentiment = aws_comprehend_detect_sentiment(message, 'en') WHERE sentiment IS NULL";
export const MYSQL_PLAIN_UPDATE = 'UPDATE tickets SET sentiment = LEFT(message, 3) WHERE sentiment IS NULL';

/** Rows per INSERT while loading: well under the server's max_allowed_packet. */
const INSERT_BATCH = 5000;

export interface MysqlUpdate50kOptions {
  readonly directUrl: string;
  readonly emulatorUrl: string;
  readonly rows: number;
}

export interface MysqlUpdate50kResult extends Update50kResult {
  /** How much Aurora_ml_logical_request_cnt grew over the ML UPDATE. */
  readonly logicalRequests: number;
}

async function withConnection<T>(url: string, run: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(url);
  try {
    return await run(connection);
  } finally {
    await connection.end();
  }
}

/** The emulator's Aurora_ml_logical_request_cnt (its counters are shared by both fronts, so callers take differences). */
async function logicalRequestCount(emu: mysql.Connection): Promise<number> {
  const [rows] = await emu.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Aurora_ml_logical_request_cnt'");
  const value = rows.find((r) => r.Variable_name === 'Aurora_ml_logical_request_cnt')?.Value;
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n)) {
    throw new Error(`SHOW GLOBAL STATUS gave no Aurora_ml_logical_request_cnt: ${JSON.stringify(rows)}`);
  }
  return n;
}

export async function runMysqlUpdate50k(options: MysqlUpdate50kOptions): Promise<MysqlUpdate50kResult> {
  const messages = generateTickets(options.rows);

  return withConnection(options.directUrl, async (direct) => {
    await direct.query('DROP TABLE IF EXISTS tickets');
    await direct.query(
      'CREATE TABLE tickets (id INT AUTO_INCREMENT PRIMARY KEY, message TEXT, sentiment VARCHAR(16)) ENGINE=InnoDB',
    );
    for (let at = 0; at < messages.length; at += INSERT_BATCH) {
      const batch = messages.slice(at, at + INSERT_BATCH).map((m) => [m]);
      await direct.query('INSERT INTO tickets (message) VALUES ?', [batch]);
    }
    await direct.query('ANALYZE TABLE tickets');

    // Reference: the same UPDATE shape with a plain expression, straight to MariaDB.
    let started = performance.now();
    const [plain] = await direct.query<mysql.ResultSetHeader>(MYSQL_PLAIN_UPDATE);
    const plainUpdateMs = elapsedMs(started);
    if (plain.affectedRows !== options.rows) {
      throw new Error(`plain UPDATE updated ${plain.affectedRows} rows, not ${options.rows}`);
    }
    await direct.query('UPDATE tickets SET sentiment = NULL');

    const { mlUpdated, mlUpdateMs, logicalRequests } = await withConnection(options.emulatorUrl, async (emu) => {
      const before = await logicalRequestCount(emu);
      started = performance.now();
      const [result] = await emu.query<mysql.ResultSetHeader>(MYSQL_ML_UPDATE);
      const ms = elapsedMs(started);
      return { mlUpdated: result.affectedRows, mlUpdateMs: ms, logicalRequests: (await logicalRequestCount(emu)) - before };
    });

    const [counts] = await direct.query<mysql.RowDataPacket[]>(
      'SELECT sentiment, COUNT(*) AS n FROM tickets GROUP BY sentiment ORDER BY sentiment',
    );
    return {
      rows: options.rows,
      ...describeMessages(messages),
      mlUpdated,
      mlUpdateMs,
      plainUpdateMs,
      ...tallyLabels(counts.map((r) => ({ sentiment: r.sentiment as string | null, n: Number(r.n) }))),
      logicalRequests,
    };
  });
}
