/**
 * What the ML loop needs from the upstream session before a statement: the
 * session's cache and miss tables, and the facts it reads in the same round
 * trip (transaction state, character set, time limit, binary logging, the
 * caller's account and roles).
 */
import { accountName } from '../../control/mysql-privileges.ts';
import { ServerStatus } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { finalStatus } from './server-status.ts';
import { CACHE_TABLE, MISS_TABLE, SESSION_TABLES } from './session-objects.ts';
import { isUnicodeCharset } from './synthetic-result.ts';
import { check } from './upstream-errors.ts';

/** What the loop keeps per client session between statements. */
export interface LoopSession {
  inferenceTimeoutMs: number;
  /** The ML work in flight, for KILL QUERY. */
  work: AbortController | null;
  /** The cache and miss tables exist in the upstream session (COM_RESET_CONNECTION drops them). */
  tablesReady: boolean;
  /** The charset fact the last setup read (see PipelinedSetup). */
  unicode?: boolean;
}

export function newLoopSession(inferenceTimeoutMs: number): LoopSession {
  return { inferenceTimeoutMs, work: null, tablesReady: false };
}

/** What the setup round learnt about the upstream session. */
export interface SessionFacts {
  /** The client's statement finds a transaction open (SERVER_STATUS_IN_TRANS). */
  readonly inTransaction: boolean;
  /** SERVER_STATUS_AUTOCOMMIT. */
  readonly autocommit: boolean;
  /** The open transaction is READ ONLY (SERVER_STATUS_IN_TRANS_READONLY). */
  readonly readOnly: boolean;
  /** The connection's character set is a Unicode one (decides the stubs' result charset). */
  readonly unicode: boolean;
  /** max_execution_time (MySQL) / max_statement_time (MariaDB) in ms; 0 = none. */
  readonly timeLimitMs: number;
  readonly mariadb: boolean;
  /** CURRENT_USER() as 'user'@'host'. */
  readonly account: string;
  /** The roles enabled in the session (SET ROLE, default roles). */
  readonly activeRoles: readonly string[];
  /** The roles granted to the account, enabled or not. */
  readonly grantedRoles: readonly string[];
}

const FACT_COLUMNS = 7;

function factsQuery(up: ControlledUpstream, privileges: boolean): string {
  const mariadb = /mariadb/i.test(up.session.serverVersion);
  const limit = mariadb ? 'CAST(@@max_statement_time * 1000 AS UNSIGNED)' : '@@max_execution_time';
  // CURRENT_USER() and the enabled and granted roles: who the control plane's gate checks privileges for.
  const caller = privileges
    ? `CURRENT_USER(), (SELECT GROUP_CONCAT(ROLE_NAME) FROM information_schema.ENABLED_ROLES),
    (SELECT GROUP_CONCAT(ROLE_NAME) FROM information_schema.APPLICABLE_ROLES)`
    : 'CURRENT_USER(), NULL, NULL';
  return `SELECT @@character_set_connection, ${limit}, @@log_bin, @@session.binlog_format, ${caller}`;
}

/**
 * One round trip: the facts (asked first, so that the answer's status flags
 * show the transaction state the client's statement finds) and the session's
 * tables made ready (the loop empties them, inside its transaction).
 * @param privileges whether the gate will check this session's database
 * privileges (not for the master user): only then are its account and roles
 * read, which costs the server about 40 µs per statement.
 */
export async function setUpSession(up: ControlledUpstream, session: LoopSession, privileges = true): Promise<SessionFacts> {
  const query = factsQuery(up, privileges);
  let factsAnswer: Packet[] | undefined;
  const statements: string[] = [];
  if (!session.tablesReady) {
    // A session's first ML statement: the binlog format must change before
    // the temporary tables exist (or they are logged, and MySQL refuses it).
    factsAnswer = await up.query(query);
    check([factsAnswer]);
    const [row] = textRows(factsAnswer, FACT_COLUMNS);
    // The format cannot change inside a transaction.
    const inTransaction = ((finalStatus(factsAnswer, up.deprecateEof) ?? 0) & ServerStatus.SERVER_STATUS_IN_TRANS) !== 0;
    if (!inTransaction) await preferRowBinlog(up, row?.[2] === '1', row?.[3]);
    statements.push(...SESSION_TABLES);
  }
  const answers = await Promise.all([
    ...(factsAnswer === undefined ? [up.query(query)] : []),
    ...statements.map((s) => up.query(s)),
  ]);
  try {
    check(answers);
  } catch (err) {
    session.tablesReady = false;
    throw err;
  }
  session.tablesReady = true;
  const facts = readFacts(factsAnswer ?? answers[0] ?? [], up);
  session.unicode = facts.unicode;
  return facts;
}

/** The facts in the answer to factsQuery. */
function readFacts(factsAnswer: Packet[], up: ControlledUpstream): SessionFacts {
  const [facts] = textRows(factsAnswer, FACT_COLUMNS);
  const status = finalStatus(factsAnswer, up.deprecateEof) ?? up.status;
  return {
    inTransaction: (status & ServerStatus.SERVER_STATUS_IN_TRANS) !== 0,
    autocommit: (status & ServerStatus.SERVER_STATUS_AUTOCOMMIT) !== 0,
    readOnly: (status & ServerStatus.SERVER_STATUS_IN_TRANS_READONLY) !== 0,
    unicode: isUnicodeCharset(facts?.[0]),
    timeLimitMs: Number(facts?.[1] ?? 0) || 0,
    mariadb: /mariadb/i.test(up.session.serverVersion),
    account: accountName(facts?.[4] ?? ''),
    activeRoles: facts?.[5] ? facts[5].split(',') : [],
    grantedRoles: facts?.[6] ? facts[6].split(',') : [],
  };
}

/**
 * The setup's facts asked in the same round trip as the loop's first
 * statements, instead of one round trip before them. Two facts decide what
 * those statements are: whether the loop makes the transaction (the server
 * decides that itself, with the same test as the facts' status flags: see
 * ownTransactionSql), and the charset, which picks the stubs the statement is
 * rewritten to: the session's last reading is used, and when the facts say
 * otherwise the loop undoes its start and the statement begins again the
 * usual way (StaleSetup). Only on MariaDB (@@in_transaction), and once the
 * session's tables exist (the first statement may have to change the binlog
 * format before making them).
 */
export interface PipelinedSetup {
  readonly query: string;
  /** The charset fact the statement was rewritten for. */
  readonly unicode: boolean;
  /** The facts from the query's answer (the charset fact remembered for the next statement). */
  read(answer: Packet[]): SessionFacts;
}

export function pipelinedSetup(up: ControlledUpstream, session: LoopSession, privileges: boolean): PipelinedSetup | null {
  const { unicode } = session;
  if (!session.tablesReady || unicode === undefined || !/mariadb/i.test(up.session.serverVersion)) return null;
  return {
    query: factsQuery(up, privileges),
    unicode,
    read: (answer) => {
      check([answer]);
      const facts = readFacts(answer, up);
      session.unicode = facts.unicode;
      return facts;
    },
  };
}

/** MariaDB's test for "autocommit on and no transaction open", as the status flags tell it. */
export const ownTransactionSql = '(@@in_transaction = 0 AND @@autocommit = 1)';

/** The statement's charset fact differed from the session's last: the loop undid its start. */
export class StaleSetup extends Error {}

/** ER_TABLE_NOT_LOCKED_FOR_WRITE */
export const ER_TABLE_NOT_LOCKED_FOR_WRITE = 1099;

/**
 * The session's tables made anew. Under LOCK TABLES, MariaDB (10.11) refuses
 * to write to a temporary table that a stored function last read in a
 * statement before LOCK TABLES ("was locked with a READ lock"): the stubs do
 * read the cache. Temporary tables may be dropped and created under LOCK
 * TABLES, which clears that.
 */
export async function refreshTables(up: ControlledUpstream): Promise<void> {
  const answers = await Promise.all(
    [`DROP TEMPORARY TABLE IF EXISTS ${CACHE_TABLE}, ${MISS_TABLE}`, ...SESSION_TABLES].map((s) => up.query(s)),
  );
  check(answers);
}

/**
 * The session's tables made ready ahead of time, for a statement after which
 * they could not be created: inside a READ ONLY transaction the server
 * refuses CREATE TEMPORARY TABLE (1792).
 */
export async function prepareSessionTables(up: ControlledUpstream, session: LoopSession): Promise<void> {
  if (session.tablesReady || (up.status & ServerStatus.SERVER_STATUS_IN_TRANS_READONLY) !== 0) return;
  await setUpSession(up, session, false);
}

/**
 * With binary logging on in MIXED or STATEMENT format, every stub call of a
 * discover run is logged (MIXED) or refused (STATEMENT, 1418) even when rolled
 * back, so the session switches to ROW format where its user may (SUPER /
 * BINLOG ADMIN); otherwise it stays as it is, with those costs (README).
 */
async function preferRowBinlog(up: ControlledUpstream, logBin: boolean, format: string | null | undefined): Promise<void> {
  if (!logBin || format?.toUpperCase() === 'ROW') return;
  await up.query(`SET SESSION binlog_format = 'ROW'`);
}
