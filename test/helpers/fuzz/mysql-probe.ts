/**
 * Runs one MySQL fuzz case and judges what came back: ERR packets with an
 * error number and, where they carry one, a five-character SQLSTATE; no half
 * packet before a close; for well-formed commands, the sentinel's answer on
 * a connection still open. Then a fresh mysql2 connection must still get an
 * ML answer, and the upstream threads the fuzz opened must end.
 */
import mysql from 'mysql2/promise';
import type { MySqlCase } from './mysql-cases.ts';
import { FuzzMySqlSocket, type MySqlPacket } from './mysql-socket.ts';

const SQLSTATE = /^[0-9A-Z]{5}$/;

export function checkMySqlPackets(packets: readonly MySqlPacket[]): void {
  for (const p of packets) {
    if (p.payload[0] !== 0xff) continue;
    if (p.payload.length < 3) throw new Error(`ERR packet of ${p.payload.length} bytes`);
    if (p.payload[3] === 0x23 /* '#' */) {
      const state = p.payload.toString('latin1', 4, 9);
      if (!SQLSTATE.test(state)) throw new Error(`ERR packet with SQLSTATE ${JSON.stringify(state)}`);
    }
  }
}

export type MySqlOutcome = 'answered' | 'closed' | 'silent';

async function settle(s: FuzzMySqlSocket, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let count = -1;
  let quietSince = Date.now();
  while (!s.closed && Date.now() < deadline) {
    if (s.packets.length !== count) {
      count = s.packets.length;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the case; returns how it ended and the upstream thread id it used (0 if none). */
export async function runMySqlCase(
  port: number,
  database: string,
  c: MySqlCase,
  quietMs = 150,
): Promise<{ outcome: MySqlOutcome; threadId: number }> {
  const s = await FuzzMySqlSocket.open(port);
  try {
    if (c.phase === 'command') await s.login(database);
    else {
      await s.greeting();
      s.packets.length = 0;
    }
    s.send(c.bytes);
    const sentinel = c.sentinel;
    const answered = () => s.packets.some((p) => p.payload.includes(sentinel ?? '\u0000never'));
    if (sentinel !== null) await s.until(answered, 20_000);
    else await settle(s, quietMs, 10_000);
    checkMySqlPackets(s.packets);
    if (s.closed && s.leftover > 0) throw new Error(`closed after half a packet (${s.leftover} bytes)`);
    if (sentinel !== null) {
      if (!answered()) {
        const heads = s.packets.map((p) => p.payload[0]?.toString(16)).join(' ');
        throw new Error(`well-formed commands: no sentinel answer (closed=${s.closed}, packet heads ${heads})`);
      }
      if (s.closed) throw new Error('well-formed commands: connection closed');
    }
    return { outcome: s.closed ? 'closed' : s.packets.length > 0 ? 'answered' : 'silent', threadId: s.threadId };
  } catch (err) {
    throw new Error(`${c.label}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    s.destroy();
  }
}

/** A fresh mysql2 connection through the front gets the known ML answer. */
export async function checkMySqlAnswers(port: number, database: string): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', database, connectTimeout: 10_000 });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('I love it','en') AS s`);
    if (rows[0]?.s !== 'POSITIVE') throw new Error(`fresh connection got ${JSON.stringify(rows)} instead of POSITIVE`);
  } finally {
    await conn.end();
  }
}

/** Of `ids`, the threads the upstream still has, and how many threads use `database` (asked directly). */
export async function mysqlThreads(
  admin: mysql.Connection,
  database: string,
  ids: readonly number[],
): Promise<{ alive: number[]; onDatabase: number }> {
  const [alive] =
    ids.length === 0
      ? [[] as mysql.RowDataPacket[]]
      : await admin.query<mysql.RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (?)', [ids]);
  const [count] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
    [database],
  );
  return { alive: alive.map((r) => Number(r.ID)), onDatabase: Number(count[0]?.n ?? -1) };
}
