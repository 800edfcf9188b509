/**
 * Runs one PostgreSQL fuzz case on a raw connection and judges what came
 * back: only known backend messages, ErrorResponses with a severity, a
 * five-character SQLSTATE and a message, ReadyForQuery statuses I/T/E, no
 * half message before a close, and for well-formed input every ReadyForQuery
 * owed. Then a fresh connection must still get an ML answer.
 */
import pg from 'pg';
import { type BackendMessage, errorFields, RawPgConnection, wire } from '../pg-raw.ts';
import type { PgCase } from './pg-cases.ts';

const BACKEND_CODES = new Set([...'RKSZTDCEN AI123nstGHWdcVv'.replace(' ', '')]);
const SQLSTATE = /^[0-9A-Z]{5}$/;

export interface PgTarget {
  readonly port: number;
  readonly database: string;
}

/** Complete messages in `bytes` and how many bytes they used. */
function parseAll(bytes: Buffer): { messages: BackendMessage[]; used: number } {
  const messages: BackendMessage[] = [];
  let at = 0;
  while (bytes.length - at >= 5) {
    const length = bytes.readInt32BE(at + 1);
    if (length < 4) throw new Error(`backend message '${String.fromCharCode(bytes[at] ?? 0)}' with length ${length}`);
    if (bytes.length - at < length + 1) break;
    messages.push({ code: String.fromCharCode(bytes[at] ?? 0), payload: bytes.subarray(at + 5, at + 1 + length) });
    at += length + 1;
  }
  return { messages, used: at };
}

/** Throws unless every message is one the protocol defines, with well-formed errors and statuses. */
export function checkBackendMessages(messages: readonly BackendMessage[]): void {
  for (const m of messages) {
    if (!BACKEND_CODES.has(m.code)) throw new Error(`unknown backend message type '${m.code}'`);
    if (m.code === 'E' || m.code === 'N') {
      const f = errorFields(m.payload);
      const severity = f.get('S') ?? '';
      const code = f.get('C') ?? '';
      if (severity === '' || !SQLSTATE.test(code) || !f.has('M')) {
        throw new Error(`malformed ${m.code === 'E' ? 'ErrorResponse' : 'Notice'}: ${JSON.stringify([...f])}`);
      }
    }
    if (m.code === 'Z' && (m.payload.length !== 1 || !'ITE'.includes(String.fromCharCode(m.payload[0] ?? 0)))) {
      throw new Error(`ReadyForQuery with status ${JSON.stringify(m.payload.toString('latin1'))}`);
    }
  }
}

/** Waits until the connection closes or has been quiet for `quietMs`. */
async function settle(conn: RawPgConnection, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let size = -1;
  let quietSince = Date.now();
  while (!conn.closed && Date.now() < deadline) {
    const now = conn.bytes.length;
    if (now !== size) {
      size = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type PgOutcome = 'answered' | 'closed' | 'silent';

/** Runs the case; throws with the case's label on a protocol violation; says how the connection ended. */
export async function runPgCase(target: PgTarget, c: PgCase, quietMs = 150): Promise<PgOutcome> {
  const conn = await RawPgConnection.open(target.port);
  try {
    let skip = 0;
    if (c.phase === 'ready') {
      conn.send(wire.startup({ user: 'postgres', database: target.database }));
      const before = await conn.waitForReady(1, 0, 10_000);
      checkBackendMessages(before);
      skip = conn.bytes.length;
    }
    for (const w of c.writes) conn.send(w);
    if (c.wellFormed && c.phase === 'ready') {
      const owed = () => parseAll(conn.bytes.subarray(skip)).messages.filter((m) => m.code === 'Z').length >= c.readyOwed;
      await conn.waitUntil(owed, 20_000);
    } else await settle(conn, quietMs, 10_000);
    let bytes = conn.bytes.subarray(skip);
    if (c.oneByteAnswer && bytes.length > 0) {
      const first = String.fromCharCode(bytes[0] ?? 0);
      // 'S' / 'G' (encryption accepted) would be followed by TLS or GSS bytes: nothing more to judge.
      if (first === 'S' || first === 'G') return 'answered';
      if (first !== 'N' && first !== 'E') throw new Error(`answer to an SSL/GSS request starts with '${first}'`);
      if (first === 'N') bytes = bytes.subarray(1);
    }
    const { messages, used } = parseAll(bytes);
    checkBackendMessages(messages);
    if (conn.closed && used !== bytes.length) throw new Error(`closed after half a message (${bytes.length - used} bytes left)`);
    if (c.wellFormed && c.phase === 'ready') {
      if (conn.closed) throw new Error(`well-formed input, connection closed (saw ${messages.map((m) => m.code).join('')})`);
      const ready = messages.filter((m) => m.code === 'Z').length;
      if (ready !== c.readyOwed) throw new Error(`well-formed input owed ${c.readyOwed} ReadyForQuery, got ${ready}`);
    }
    if (c.wellFormed && c.phase === 'startup') {
      const codes = messages.map((m) => m.code);
      if (!codes.includes('Z') && !(codes.includes('E') && conn.closed)) {
        throw new Error(`startup neither completed nor failed with an error (saw ${codes.join('')}, closed=${conn.closed})`);
      }
    }
    return conn.closed ? 'closed' : messages.length > 0 ? 'answered' : 'silent';
  } catch (err) {
    throw new Error(`${c.label}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    conn.close();
  }
}

/** A fresh client through the front gets the known ML answer. */
export async function checkPgAnswers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ sentiment: string }>(
      `SELECT (aws_comprehend.detect_sentiment('I love it','en')).sentiment`,
    );
    if (rows[0]?.sentiment !== 'POSITIVE') throw new Error(`fresh connection got ${JSON.stringify(rows)} instead of POSITIVE`);
  } finally {
    await client.end();
  }
}

/** Sessions the upstream PostgreSQL has on `database` (asked directly, not through the front). */
export async function pgSessions(adminUrl: string, database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rows[0]?.n ?? -1;
  } finally {
    await admin.end();
  }
}
