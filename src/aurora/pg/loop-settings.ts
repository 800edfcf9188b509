/**
 * What the PostgreSQL evaluation loop (./ml-loop.ts) sets up before a
 * statement's first run, in the same round trip: the settings it reads and
 * changes for the statement (restored afterwards), the statement key, the
 * savepoint, and what it keeps per client session between statements.
 */
import { limits } from '../../ml/limits.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseDataRow } from '../../wire/pg/messages.ts';
import { beginStatementSql } from './miss-channel.ts';
import { cachedAllowedSql, type Prefetch } from './prefetch.ts';
import { MODE_SETTING } from './stubs.ts';

export const SAVEPOINT = 'aurora_ml_statement';

/**
 * Leaves the client's transaction block aborted, as a statement that fails
 * in it would: run after the emulator answered the statement's own error.
 */
export const ABORT_BLOCK = `DO $f$ BEGIN RAISE EXCEPTION 'aurora_ml: statement failed'; END $f$`;

export interface SessionSettings {
  readonly statementTimeoutMs: number;
  readonly restore: string;
  readonly inferenceTimeoutMs: number;
  /** The server stores UTF-8 (answers with any character can be written into a statement). */
  readonly serverUtf8: boolean;
  /** The session may use the answer functions for the prefetched calls (see prefetch.ts). */
  readonly answersAllowed: boolean;
  /** ...and the cache-reading ones exist, for answers too many to write into the statement. */
  readonly cachedAllowed: boolean;
}

/** What the loop keeps per client session between statements. */
export interface LoopSessionState {
  /** Rows the previous statements put in the cache table (a large count empties it with TRUNCATE). */
  cachedRows: number;
  /** The oid of the begin_statement this session found a superuser's (see miss-channel.ts beginStatementSql). */
  trustedBegin?: string | null;
  /** The light path's last answers to its settings probe, by the probe's privilege expression (see literal-statement.ts). */
  probes?: Map<string, SessionSettings>;
}

export function setupStatements(ownsTransaction: boolean, state: LoopSessionState, prefetch: Prefetch | null): string[] {
  // Emptied before every statement, whatever the count says: a rollback (of a
  // refused statement, or of the client's own transaction) can bring back rows
  // an earlier DELETE removed, and answers from them would skip the gate.
  // begin_statement also makes the cache table and the statement key (see
  // miss-channel.ts); it comes after the SELECT so client_min_messages lets its
  // NOTICE through.
  const emptyByTruncate = state.cachedRows > 10_000;
  state.cachedRows = 0;
  const statements = [
    `SELECT current_setting('statement_timeout'),
       current_setting('client_min_messages'), current_setting('max_parallel_workers_per_gather'),
       current_setting('aurora_ml.inference_timeout', true),
       set_config('client_min_messages', 'notice', true),
       set_config('max_parallel_workers_per_gather', '0', true),
       set_config('${MODE_SETTING}', 'on', true)${
         prefetch === null
           ? ''
           : `,
       current_setting('server_encoding'), ${prefetch.allowed}, ${cachedAllowedSql(prefetch)}`
       }`,
    beginStatementSql(emptyByTruncate, state.trustedBegin ?? null),
    `SAVEPOINT ${SAVEPOINT}`,
  ];
  return ownsTransaction ? ['BEGIN', ...statements] : statements;
}

/**
 * The settings alone, read without changing anything, for a statement that
 * needs no set-up (see literal-statement.ts): the columns stand where
 * readSettings reads them in setupStatements' SELECT. Its answers are always
 * written into the statement, so it does not ask for the cache-reading
 * functions (cachedAllowed reads false).
 */
export function settingsProbe(prefetch: Prefetch): string {
  return `SELECT current_setting('statement_timeout'), NULL, NULL,
       current_setting('aurora_ml.inference_timeout', true), NULL, NULL, NULL,
       current_setting('server_encoding'), ${prefetch.allowed}`;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads a time setting as SHOW prints it ('0', '250ms', '5s', '1min'). */
function parseDuration(text: string | null | undefined): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text ?? '');
  if (!m) return 0;
  return Number(m[1]) * (DURATION_UNITS[(m[2] ?? '').toLowerCase() || 'ms'] ?? 1);
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function readSettings(frames: readonly Frame[]): SessionSettings {
  const row = frames.find((f) => f.code === BackendCode.DataRow);
  const [timeout, minMessages, parallel, inference, , , , serverEncoding, allowed, cached] = row ? parseDataRow(row.payload) : [];
  const inferenceMs = Number(inference);
  return {
    serverUtf8: serverEncoding === 'UTF8',
    answersAllowed: allowed === 't',
    cachedAllowed: allowed === 't' && cached === 't',
    statementTimeoutMs: parseDuration(timeout),
    inferenceTimeoutMs: Number.isFinite(inferenceMs) && inferenceMs > 0 ? inferenceMs : limits.defaultInferenceTimeoutMs,
    restore: `SELECT set_config('client_min_messages', ${quote(minMessages ?? 'notice')}, true),
      set_config('max_parallel_workers_per_gather', ${quote(parallel ?? '2')}, true),
      set_config('${MODE_SETTING}', '', true)`,
  };
}
