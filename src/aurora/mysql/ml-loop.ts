/**
 * Runs one client statement that calls Aurora ML functions until every call
 * it makes has an answer (see docs/how-it-works.md); the MySQL form of
 * src/aurora/pg/ml-loop.ts:
 *
 *   SAVEPOINT; run it (a stub that misses counts the miss in a user variable,
 *   records its arguments in the session's miss table and returns a
 *   placeholder) -> read the misses, ROLLBACK TO SAVEPOINT; evaluate the
 *   distinct misses in batches; fill the session's cache table -> run it
 *   again ... until a run misses nothing. That run is the real execution: its
 *   rows, OK packet and warnings go to the client and its effects stay. A run
 *   that fails takes its miss rows with it: the next one spills its misses
 *   into a user variable (./stubs.ts; ./loop-misses.ts reads them back).
 *
 * The savepoint needs a transaction. Inside the client's own it is simply
 * set; in autocommit mode the emulator turns autocommit off for the
 * statement and back on after it (which commits), since START TRANSACTION
 * would release the client's LOCK TABLES. Nothing is assumed to survive: the
 * status flags of each answer show whether the statement ended the
 * transaction (an implicit commit), and the end of the loop leaves no
 * savepoint, setting or variable of its own behind, whatever happened.
 *
 * The emulator's statements are pipelined, so a statement whose calls are
 * answered in one round costs five round trips plus the backend's time. After
 * the last run only statements that use no table run (SELECT @var, SET,
 * COMMIT, RELEASE SAVEPOINT), as those leave the client's SHOW WARNINGS alone.
 */

import { EmulatorError, toEmulatorError } from '../../errors.ts';
import { comprehendMysqlValue } from '../../functions/comprehend.ts';
import type { MlCall, MlResults } from '../../ml/calls.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import type { StatementFailure, StatementTrace } from '../../ml/statement-trace.ts';
import type { AnswerKind } from '../../wire/mysql/answer-shape.ts';
import { ResponseHeader, ServerStatus } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { parseErr, parseOk, textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { cacheFillStatements } from './cache-fill.ts';
import { distinctMisses, spilledMisses } from './loop-misses.ts';
import { finalStatus, withTransactionFlags, withWarningCount } from './server-status.ts';
import { CACHE_TABLE, LAST_MISS_VARIABLE, MISS_COUNTER, MISS_TABLE, MODE_VARIABLE, SPILL_VARIABLE } from './session-objects.ts';
import { ER_TABLE_NOT_LOCKED_FOR_WRITE, type LoopSession, refreshTables, type SessionFacts } from './session-setup.ts';
import { learnedPlaceholderKey } from './stubs.ts';
import { utf8Literal } from './synthetic-result.ts';
import { check, errnoOf, implicitCommit, isErr, SAVEPOINT_DOES_NOT_EXIST } from './upstream-errors.ts';

/** Nesting and ORDER BY ... LIMIT need a few rounds; more means the inputs keep changing. */
const MAX_ROUNDS = 12;
const SAVEPOINT = 'aurora_ml_statement';

/** A pipelined answer that may never be awaited if an earlier step fails. */
const pending = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => {});
  return p;
};
/** A literal of the string's UTF-8 bytes: X'' for the empty string (0x00 would be one NUL byte). */
const hex = (s: string) => `X'${Buffer.from(s, 'utf8').toString('hex')}'`;

export interface LoopRequest {
  readonly up: ControlledUpstream;
  readonly session: LoopSession;
  readonly facts: SessionFacts;
  readonly evaluator: MlEvaluator;
  /** Sends the client's statement (with its calls pointed at the stubs) once. */
  run(): Promise<Packet[]>;
  /**
   * Makes the statement's calls without running the statement itself (a bulk
   * execution's rows one by one): when given, the loop discovers with it and
   * runs the statement only once the calls found so far are answered.
   */
  readonly discover?: () => Promise<Packet[]>;
  /** The shape of run()'s answer: `result` for COM_QUERY, `binary-result` for an execution. */
  readonly answer: AnswerKind;
  /** A warning for the client's SHOW WARNINGS after success (seed extensions), replacing the statement's own. */
  readonly warning?: string | null;
  /** The client's statement, as the dashboard shows it. */
  readonly sql?: string;
}

/** How the statement's transaction ended, for the loop's clean-up. */
type Outcome = 'succeeded' | 'failed' | 'committed';

/**
 * The final run's answer (an OK, a result set, or the statement's own ERR),
 * with its status flags as the client's own transaction state would leave them.
 */
export async function runToConvergence(req: LoopRequest): Promise<Packet[]> {
  const trace = req.evaluator.statements.begin('mysql', req.up.session.connectionId, req.sql ?? '');
  try {
    const answer = await converge(req, trace);
    // An UPDATE's or INSERT's OK packet says how many rows it changed.
    const ok = answer.length === 1 && answer[0]?.payload[0] === ResponseHeader.OK ? parseOk(answer[0].payload) : null;
    if (ok !== null) trace.rows(ok.affectedRows);
    trace.end(statementError(answer));
    return answer;
  } catch (err) {
    trace.end(toEmulatorError(err));
    throw err;
  }
}

/** The statement's own ERR packet (first, or last after a result set's rows), as the dashboard records it. */
function statementError(answer: readonly Packet[]): StatementFailure | undefined {
  const err = [answer[0], answer.at(-1)].find((p) => p !== undefined && isErr(p));
  if (err === undefined) return undefined;
  const { errno, message } = parseErr(err.payload);
  return { databaseCode: String(errno), message };
}

async function converge(req: LoopRequest, trace: StatementTrace): Promise<Packet[]> {
  const { up, session, facts, evaluator } = req;
  const startedAt = Date.now();
  trace.phase('run');
  // In autocommit mode the statement would be a transaction of its own: the emulator makes one.
  const own = !facts.inTransaction && facts.autocommit;
  const work = new AbortController();
  session.work = work;
  const signal = AbortSignal.any([up.signal, work.signal]);
  const known = new Set<string>();
  let firstRunCalls = 0;
  let outcome: Outcome = 'failed';
  /** This round's misses go to SPILL_VARIABLE (the previous run failed, taking its miss rows with it). */
  let spilling = false;
  /** Targets whose learned placeholder is in the cache already (see stubs.ts learnedPlaceholderKey). */
  const learned = new Set<string>();
  try {
    const opening = [
      up.query(
        `SET ${own ? 'autocommit = 0, ' : ''}${MODE_VARIABLE} = 1, ${MISS_COUNTER} = 0, ${SPILL_VARIABLE} = NULL, ${LAST_MISS_VARIABLE} = NULL`,
      ),
      // Emptied before every statement, inside the transaction (which the first one opens): a
      // rollback of the client's transaction can bring back rows an earlier DELETE removed, and
      // answers from them would skip the control plane's gate.
      up.query(`DELETE FROM ${CACHE_TABLE}`),
      up.query(`DELETE FROM ${MISS_TABLE}`),
      up.query(`SAVEPOINT ${SAVEPOINT}`),
    ];
    // Discovering: this round's run only made the calls (req.discover); its answer is not the statement's.
    let discovering = req.discover !== undefined;
    const next = () => pending(discovering && req.discover ? req.discover() : req.run());
    let run = next();
    let counter = pending(up.query(`SELECT ${MISS_COUNTER}`));
    const opened = await Promise.all(opening);
    if (opened.some((a) => errnoOf(a) === ER_TABLE_NOT_LOCKED_FOR_WRITE)) {
      // LOCK TABLES after a stub read the tables (./session-setup.ts): the run read a cache nobody
      // emptied. It is undone, the tables are made anew, and the loop starts over.
      await Promise.allSettled([run, counter]);
      check([await up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)]);
      await refreshTables(up);
      const again = [up.query(`SAVEPOINT ${SAVEPOINT}`)];
      run = next();
      counter = pending(up.query(`SELECT ${MISS_COUNTER}`));
      check(await Promise.all(again));
    } else check(opened);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const answer = await run;
      const [missed] = textRows(await counter, 1);
      if (signal.aborted) throw new EmulatorError('QueryCanceled', 'Query execution was interrupted');
      const misses = Number(missed?.[0] ?? 0);
      if (round === 0) firstRunCalls = misses;
      if (discovering && misses === 0) {
        // Every call is answered: undo the discovery and run the statement itself.
        discovering = false;
        const again = [up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`), up.query(`SAVEPOINT ${SAVEPOINT}`)];
        run = next();
        counter = pending(up.query(`SELECT ${MISS_COUNTER}`));
        check(await Promise.all(again));
        continue;
      }
      // DDL, LOCK TABLES, START TRANSACTION...: the transaction and its savepoint are gone.
      const status = finalStatus(answer, up.deprecateEof);
      const committed = status !== null && (status & ServerStatus.SERVER_STATUS_IN_TRANS) === 0;
      if (committed && misses > 0) {
        outcome = 'committed';
        throw implicitCommit();
      }
      if (misses === 0) {
        outcome = committed ? 'committed' : isErr(answer[0]) ? 'failed' : 'succeeded';
        await finish(up, own, outcome);
        if (outcome === 'failed') return answer;
        // Counters with Aurora's meanings: logical = row-level calls, cache hits = repeats of an input.
        evaluator.stats.logicalRequests += firstRunCalls;
        evaluator.stats.logicalResponses += firstRunCalls;
        evaluator.stats.cacheHits += Math.max(0, firstRunCalls - known.size);
        // Run with autocommit off, the answer says "in transaction": the client's statement alone would not.
        const settled = own ? withTransactionFlags(answer, req.answer, up, ServerStatus.SERVER_STATUS_AUTOCOMMIT) : answer;
        if (!req.warning) return settled;
        await raiseWarning(up, req.warning);
        return withWarningCount(settled, 1, up.deprecateEof);
      }
      // A result set can fail after its column definitions (an error while computing rows): its ERR comes last.
      const failed = isErr(answer[0]) || isErr(answer.at(-1));
      // A failed run took its miss rows with it: its last miss is what it leaves.
      const lostRows = failed && !spilling;
      // The rollback takes the run's miss rows (and its changes) away.
      const [recorded = [], last = [], ...rest] = await Promise.all([
        up.query(spilling ? `SELECT ${SPILL_VARIABLE}` : `SELECT k, f, a FROM ${MISS_TABLE}`),
        up.query(`SELECT ${lostRows ? LAST_MISS_VARIABLE : 'NULL'}`),
        up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`),
      ]);
      check([recorded, last, ...rest]);
      const calls = spilling ? spilledMisses(recorded, known) : distinctMisses(recorded, last, known);
      if (failed && calls.length === 0) {
        // Nothing new to answer: another run would fail alike, so its error is the statement's own.
        await finish(up, own, 'failed');
        return answer;
      }
      spilling ||= failed;
      trace.phase('evaluate', calls.length);
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
        progress: trace,
      });
      trace.phase('cache-fill');
      for (const call of calls) known.add(call.key);
      const rows = [...cacheValues(results, calls, learned)].map(([k, v]) => `(${hex(k)}, ${v === null ? 'NULL' : hex(v)})`);
      // The savepoint moves past the new cache rows, so the next round's rollback keeps them.
      const refill = [
        ...cacheFillStatements(rows).map((insert) => up.query(insert)),
        up.query(`SET ${MISS_COUNTER} = 0, ${SPILL_VARIABLE} = ${spilling ? "''" : 'NULL'}, ${LAST_MISS_VARIABLE} = NULL`),
        up.query(`SAVEPOINT ${SAVEPOINT}`),
      ];
      // After a discovery the statement itself runs; if it still misses, discovery again.
      discovering = req.discover !== undefined && !discovering;
      run = next();
      counter = pending(up.query(`SELECT ${MISS_COUNTER}`));
      check(await Promise.all(refill));
      trace.phase('run');
    }
    throw new EmulatorError('DidNotConverge', `the arguments of the ML calls kept changing over ${MAX_ROUNDS} executions`);
  } catch (err) {
    await finish(up, own, outcome === 'committed' ? 'committed' : 'failed').catch(() => {});
    throw withMySqlTimeout(err, facts);
  } finally {
    session.work = null;
  }
}

/**
 * The cache rows for a round's answers (as the stubs read them: see
 * src/functions/comprehend.ts), plus, for each target (endpoint, model) not learned
 * yet, its first real answer as the value its later misses return in place
 * of the placeholder: a run then gets past expressions that fail on a
 * made-up value and finds every call at once. One row per target and
 * statement: the cache's key is unique.
 */
function cacheValues(results: MlResults, calls: readonly MlCall[], learned: Set<string>): Map<string, string | null> {
  const fnOf = new Map(calls.map((c) => [c.key, c.fn]));
  const values = new Map<string, string | null>();
  for (const [k, v] of results) {
    values.set(k, v === null ? null : comprehendMysqlValue(fnOf.get(k) ?? 'aws_comprehend.detect_sentiment', v));
  }
  for (const call of calls) {
    const key = learnedPlaceholderKey(call.fn, call.args[0]);
    const value = values.get(call.key);
    if (key === null || learned.has(key) || value == null) continue;
    learned.add(key);
    values.set(key, value);
  }
  return values;
}

/**
 * Leaves the upstream session as the client's statement alone would have:
 * the emulator's transaction committed or rolled back and autocommit back on,
 * or, inside the client's transaction, the statement's work kept or undone
 * and the savepoint released; the loop's variables unset either way.
 */
async function finish(up: ControlledUpstream, own: boolean, outcome: Outcome): Promise<void> {
  const reset = `SET ${MODE_VARIABLE} = NULL, ${MISS_COUNTER} = NULL, ${SPILL_VARIABLE} = NULL, ${LAST_MISS_VARIABLE} = NULL${own ? ', autocommit = 1' : ''}`;
  if (own) {
    // A statement that ran ends with COMMIT; one that failed is undone to the savepoint and the
    // rest (the session tables' rows) committed by SET autocommit = 1. As on MariaDB for the
    // statement alone: a READ ONLY left over from an earlier transaction (START TRANSACTION READ
    // ONLY ended by SET autocommit = 1) is forgotten on COMMIT, kept after a failed statement.
    const end = outcome === 'failed' ? `ROLLBACK TO SAVEPOINT ${SAVEPOINT}` : 'COMMIT';
    const answers = await Promise.all([up.query(end), up.query(reset)]);
    check(answers.filter((a) => errnoOf(a) !== SAVEPOINT_DOES_NOT_EXIST));
    return;
  }
  if (outcome === 'committed') {
    check([await up.query(reset)]);
    return;
  }
  const answers = await Promise.all([
    ...(outcome === 'failed' ? [up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)] : []),
    up.query(`RELEASE SAVEPOINT ${SAVEPOINT}`),
    up.query(reset),
  ]);
  // A failed statement may have taken the whole transaction with it (a deadlock, a DDL that
  // committed before it failed): then there is no savepoint left to undo or release.
  check(answers.filter((a) => !(outcome === 'failed' && errnoOf(a) === SAVEPOINT_DOES_NOT_EXIST)));
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
