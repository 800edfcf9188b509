/**
 * Runs one client statement that calls Aurora ML functions until every call
 * it makes has an answer (see docs/how-it-works.md); the MySQL form of
 * src/aurora/pg/ml-loop.ts:
 *
 *   SAVEPOINT; run it (a stub that misses counts the miss in a user variable,
 *   records its arguments in a MyISAM temporary table, whose rows survive the
 *   rollback, and returns a placeholder) -> ROLLBACK TO SAVEPOINT; evaluate
 *   the distinct misses in batches; fill the session's cache table -> run it
 *   again ... until a run misses nothing. That run is the real execution: its
 *   rows, OK packet and warnings go to the client and its effects stay.
 *
 * The emulator's statements are pipelined, so a statement whose calls are
 * answered in one round costs five round trips plus the backend's time. After
 * the last run only statements that use no table run (SELECT @var, SET,
 * COMMIT, RELEASE SAVEPOINT), as those leave the client's SHOW WARNINGS alone.
 */

import { accountName } from '../../control/mysql-privileges.ts';
import { EmulatorError } from '../../errors.ts';
import type { JsonValue, MlCall, MlFunction } from '../../ml/calls.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { parseErr, textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { mysqlCacheValue } from './cache-values.ts';
import { withoutInTransaction, withWarningCount } from './server-status.ts';
import { CACHE_TABLE, MISS_COUNTER, MISS_TABLE, MODE_VARIABLE, SESSION_TABLES } from './stubs.ts';
import { isUnicodeCharset, utf8Literal } from './synthetic-result.ts';

/** Nesting and ORDER BY ... LIMIT need a few rounds; more means the inputs keep changing. */
const MAX_ROUNDS = 12;
const SAVEPOINT = 'aurora_ml_statement';

/** What the loop keeps per client session between statements. */
export interface LoopSession {
  inferenceTimeoutMs: number;
  /** The ML work in flight, for KILL QUERY. */
  work: AbortController | null;
  /** The cache and miss tables exist in the upstream session (COM_RESET_CONNECTION drops them). */
  tablesReady: boolean;
  /** The previous statement stopped with misses recorded. */
  missesLeft: boolean;
}

export function newLoopSession(inferenceTimeoutMs: number): LoopSession {
  return { inferenceTimeoutMs, work: null, tablesReady: false, missesLeft: false };
}

/** What the setup round learnt about the upstream session. */
export interface SessionFacts {
  readonly inTransaction: boolean;
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

const FACT_COLUMNS = 8;

const isErr = (p: Packet | undefined) => p?.payload[0] === 0xff;
/** A pipelined answer that may never be awaited if an earlier step fails. */
const pending = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => {});
  return p;
};
const hex = (s: string) => `0x${Buffer.from(s, 'utf8').toString('hex') || '00'}`;

/** Throws when an emulator statement failed: the upstream session is not in the state the loop needs. */
function check(answers: readonly Packet[][]): void {
  for (const answer of answers) {
    if (isErr(answer[0])) {
      const err = parseErr((answer[0] as Packet).payload);
      throw new EmulatorError('Internal', `emulator statement failed: ${err.message}`);
    }
  }
}

/** One round trip: the session's tables made ready and emptied, and the facts the loop needs. */
/**
 * @param privileges whether the gate will check this session's database
 * privileges (not for the master user): only then are its account and roles
 * read, which costs the server about 40 µs per statement.
 */
export async function setUpSession(up: ControlledUpstream, session: LoopSession, privileges = true): Promise<SessionFacts> {
  const mariadb = /mariadb/i.test(up.session.serverVersion);
  const limit = mariadb ? 'CAST(@@max_statement_time * 1000 AS UNSIGNED)' : '@@max_execution_time';
  // CURRENT_USER() and the enabled and granted roles: who the control plane's gate checks privileges for.
  const caller = privileges
    ? `CURRENT_USER(), (SELECT GROUP_CONCAT(ROLE_NAME) FROM information_schema.ENABLED_ROLES),
    (SELECT GROUP_CONCAT(ROLE_NAME) FROM information_schema.APPLICABLE_ROLES)`
    : 'CURRENT_USER(), NULL, NULL';
  const factsQuery = `SELECT @@in_transaction, @@character_set_connection, ${limit}, @@log_bin, @@session.binlog_format, ${caller}`;
  const statements: string[] = [];
  let facts: (string | null)[] | undefined;
  if (!session.tablesReady) {
    // A session's first ML statement: the binlog format must change before
    // the temporary tables exist (or they are logged, and MySQL refuses it).
    [facts] = textRows(await up.query(factsQuery), FACT_COLUMNS);
    if (facts?.[0] !== '1') await preferRowBinlog(up, facts?.[3] === '1', facts?.[4]);
    statements.push(...SESSION_TABLES);
  }
  if (session.missesLeft) statements.push(`DELETE FROM ${MISS_TABLE}`);
  // Emptied before every statement (it travels in the same round trip): a rollback of the
  // client's transaction can bring back rows an earlier DELETE removed, and answers
  // from them would skip the control plane's gate.
  statements.push(`DELETE FROM ${CACHE_TABLE}`);
  if (facts === undefined) statements.push(factsQuery);
  const answers = await Promise.all(statements.map((s) => up.query(s)));
  try {
    check(answers);
  } catch (err) {
    session.tablesReady = false;
    throw err;
  }
  session.tablesReady = true;
  session.missesLeft = false;
  facts ??= textRows(answers.at(-1) ?? [], FACT_COLUMNS)[0];
  return {
    inTransaction: facts?.[0] === '1',
    unicode: isUnicodeCharset(facts?.[1]),
    timeLimitMs: Number(facts?.[2] ?? 0) || 0,
    mariadb,
    account: accountName(facts?.[5] ?? ''),
    activeRoles: facts?.[6] ? facts[6].split(',') : [],
    grantedRoles: facts?.[7] ? facts[7].split(',') : [],
  };
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

export interface LoopRequest {
  readonly up: ControlledUpstream;
  readonly session: LoopSession;
  readonly facts: SessionFacts;
  readonly evaluator: MlEvaluator;
  /** Sends the client's statement (with its calls pointed at the stubs) once. */
  run(): Promise<Packet[]>;
  /** A warning for the client's SHOW WARNINGS after success (seed extensions), replacing the statement's own. */
  readonly warning?: string | null;
}

/**
 * The final run's answer (an OK, a result set, or the statement's own ERR),
 * with its status flags as the client's own transaction state would leave them.
 */
export async function runToConvergence(req: LoopRequest): Promise<Packet[]> {
  const { up, session, facts, evaluator } = req;
  const startedAt = Date.now();
  const own = !facts.inTransaction;
  const work = new AbortController();
  session.work = work;
  const signal = AbortSignal.any([up.signal, work.signal]);
  const known = new Set<string>();
  let firstRunCalls = 0;
  try {
    const opening = [
      ...(own ? [up.query('START TRANSACTION')] : []),
      up.query(`SET ${MODE_VARIABLE} = 1, ${MISS_COUNTER} = 0`),
      up.query(`SAVEPOINT ${SAVEPOINT}`),
    ];
    let run = pending(req.run());
    let counter = pending(up.query(`SELECT ${MISS_COUNTER}`));
    check(await Promise.all(opening));
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const answer = await run;
      const [missed] = textRows(await counter, 1);
      if (signal.aborted) throw new EmulatorError('QueryCanceled', 'Query execution was interrupted');
      const misses = Number(missed?.[0] ?? 0);
      if (round === 0) firstRunCalls = misses;
      if (misses === 0) {
        const ok = !isErr(answer[0]);
        await finish(up, own, ok);
        if (!ok) return answer;
        // Counters with Aurora's meanings: logical = row-level calls, cache hits = repeats of an input.
        evaluator.stats.logicalRequests += firstRunCalls;
        evaluator.stats.logicalResponses += firstRunCalls;
        evaluator.stats.cacheHits += Math.max(0, firstRunCalls - known.size);
        const settled = own ? withoutInTransaction(answer) : answer;
        if (!req.warning) return settled;
        await raiseWarning(up, req.warning);
        return withWarningCount(settled, 1);
      }
      const [recorded, ...rest] = await Promise.all([
        up.query(`SELECT k, f, a FROM ${MISS_TABLE}`),
        up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`),
        up.query(`DELETE FROM ${MISS_TABLE}`),
      ]);
      check([recorded ?? [], ...rest]);
      const calls = distinctMisses(recorded ?? [], known);
      const results = await evaluator.evaluate(calls, {
        user: up.session.user,
        database: up.session.database,
        signal,
        statementDeadline: facts.timeLimitMs > 0 ? startedAt + facts.timeLimitMs : Number.POSITIVE_INFINITY,
        inferenceTimeoutMs: session.inferenceTimeoutMs,
        caller: {
          front: 'mysql',
          connectionId: up.session.connectionId,
          account: facts.account,
          activeRoles: facts.activeRoles,
          grantedRoles: facts.grantedRoles,
        },
      });
      const fnOf = new Map(calls.map((c) => [c.key, c.fn]));
      for (const call of calls) known.add(call.key);
      const rows = [...results].map(([k, v]) => {
        const value = v === null ? null : mysqlCacheValue(fnOf.get(k) ?? 'aws_comprehend.detect_sentiment', v);
        return `(${hex(k)}, ${value === null ? 'NULL' : hex(value)})`;
      });
      // The savepoint moves past the new cache rows, so the next round's rollback keeps them.
      const refill = [
        ...(rows.length > 0 ? [up.query(`INSERT INTO ${CACHE_TABLE} (k, v) VALUES ${rows.join(', ')}`)] : []),
        up.query(`SET ${MISS_COUNTER} = 0`),
        up.query(`SAVEPOINT ${SAVEPOINT}`),
      ];
      run = pending(req.run());
      counter = pending(up.query(`SELECT ${MISS_COUNTER}`));
      check(await Promise.all(refill));
    }
    throw new EmulatorError('DidNotConverge', `the arguments of the ML calls kept changing over ${MAX_ROUNDS} executions`);
  } catch (err) {
    session.missesLeft = true;
    await finish(up, own, false).catch(() => {});
    throw withMySqlTimeout(err, facts);
  } finally {
    session.work = null;
  }
}

function distinctMisses(answer: readonly Packet[], known: ReadonlySet<string>): MlCall[] {
  const calls = new Map<string, MlCall>();
  for (const [k, f, a] of textRows(answer, 3)) {
    if (k == null || f == null || a == null || known.has(k) || calls.has(k)) continue;
    calls.set(k, { fn: f as MlFunction, key: k, args: JSON.parse(a) as JsonValue[] });
  }
  return [...calls.values()];
}

/** Leaves the upstream session as the client's statement alone would have. */
async function finish(up: ControlledUpstream, own: boolean, ok: boolean): Promise<void> {
  const end = own ? (ok ? 'COMMIT' : 'ROLLBACK') : ok ? `RELEASE SAVEPOINT ${SAVEPOINT}` : `ROLLBACK TO SAVEPOINT ${SAVEPOINT}`;
  check(await Promise.all([up.query(`SET ${MODE_VARIABLE} = NULL`), up.query(end)]));
}

/** A top-level SIGNAL of class 01 leaves exactly this warning in the session's diagnostics area. */
export async function raiseWarning(up: ControlledUpstream, message: string): Promise<void> {
  const errno = new EmulatorError('NotSupportedByAurora', message).entry.mysqlErrno;
  await Promise.all([
    up.query(`SET @aurora_ml_warning = ${utf8Literal(message)}`),
    up.query(`SIGNAL SQLSTATE '01000' SET MESSAGE_TEXT = @aurora_ml_warning, MYSQL_ERRNO = ${errno}`),
    up.query('SET @aurora_ml_warning = NULL'),
  ]);
}

/** The server's own wording for its statement time limit. */
function withMySqlTimeout(err: unknown, facts: SessionFacts): unknown {
  if (!(err instanceof EmulatorError) || err.code !== 'StatementTimeout') return err;
  return facts.mariadb
    ? new EmulatorError('MaxStatementTime', 'Query execution was interrupted (max_statement_time exceeded)')
    : new EmulatorError('StatementTimeout', 'Query execution was interrupted, maximum statement execution time exceeded');
}
