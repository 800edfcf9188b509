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
 * The emulator's statements are pipelined (and leave in one write per round
 * trip), so a statement whose calls are answered in one round costs three
 * round trips plus the backend's time on MariaDB once the session's tables
 * exist (the setup's facts go with the first run: ./session-setup.ts
 * PipelinedSetup), four otherwise; a run's misses are read from variables
 * unless it missed more than once, and undoing it goes with the next round's
 * statements. After
 * the last run only statements that use no table run (SELECT @var, SET,
 * COMMIT, RELEASE SAVEPOINT), as those leave the client's SHOW WARNINGS alone.
 */

import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { MlCall } from '../../ml/calls.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import type { StatementFailure, StatementTrace } from '../../ml/statement-trace.ts';
import type { AnswerKind } from '../../wire/mysql/answer-shape.ts';
import { ResponseHeader, ServerStatus } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { parseErr, parseOk, textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { cacheFillStatements, cacheRows } from './cache-fill.ts';
import { countStatementCalls, mysqlEvaluationContext } from './evaluation-context.ts';
import { runLiteralStatement } from './literal-statement.ts';
import { finish, type Outcome, raiseWarning, SAVEPOINT, withMySqlTimeout } from './loop-end.ts';
import { distinctMisses, spilledMisses } from './loop-misses.ts';
import { openingStatements, RUN_COUNTERS } from './loop-opening.ts';
import { type MysqlPrefetch, prefetchedCalls } from './prefetch.ts';
import { finalStatus, withTransactionFlags, withWarningCount } from './server-status.ts';
import { HIT_COUNTER, LAST_MISS_VARIABLE, MISS_COUNTER, MISS_TABLE, OWN_VARIABLE, SPILL_VARIABLE } from './session-objects.ts';
import {
  ER_TABLE_NOT_LOCKED_FOR_WRITE,
  type LoopSession,
  ownTransactionSql,
  type PipelinedSetup,
  refreshTables,
  type SessionFacts,
  StaleSetup,
} from './session-setup.ts';
import { withoutStubSchemaChange } from './stub-schema-change.ts';
import { check, errnoOf, implicitCommit, isErr } from './upstream-errors.ts';

/** Nesting and ORDER BY ... LIMIT need a few rounds; more means the inputs keep changing. */
const MAX_ROUNDS = 12;

/** Errors after which the transaction (and the loop's savepoint) may be gone. */
const TRANSACTION_LOST: ReadonlySet<number> = new Set([1205, 1213]);

/** A pipelined answer that may never be awaited if an earlier step fails. */
const pending = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => {});
  return p;
};
/**
 * A utf8mb4 value (a call's arguments, as the stubs record them) read as its
 * own bytes: as text the server would convert it to the client's
 * character_set_results, and on a latin1 connection 'brûlée ✓' would reach
 * the model as 'br\uFFFDl\uFFFDe ?' (its answer cached for the real text).
 */
const asUtf8Bytes = (expression: string) => `CAST(${expression} AS BINARY)`;

export interface LoopRequest {
  readonly up: ControlledUpstream;
  readonly session: LoopSession;
  /** The setup's facts, or the setup to ask for them with the loop's first statements. */
  readonly facts: SessionFacts | PipelinedSetup;
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
  /** A query listing the statement's calls before it runs (./prefetch.ts): its answers are cached first. */
  readonly prefetch?: MysqlPrefetch;
  /** The calls of a statement that makes nothing else, read from its literals (./literal-statement.ts). */
  readonly literal?: LiteralCalls;
}

export interface LiteralCalls {
  readonly calls: readonly MlCall[];
  /** The statement pointed at the stubs of a charset. */
  readonly statement: (unicode: boolean) => string;
}

/**
 * The final run's answer (an OK, a result set, or the statement's own ERR),
 * with its status flags as the client's own transaction state would leave
 * them, and no session state change the stubs made.
 */
export async function runToConvergence(req: LoopRequest): Promise<Packet[]> {
  const trace = req.evaluator.statements.begin('mysql', req.up.session.connectionId, req.sql ?? '');
  try {
    const light =
      req.literal !== undefined && 'query' in req.facts
        ? await runLiteralStatement({ ...req.literal, ...req, setup: req.facts, trace })
        : null;
    // A light run that missed changed nothing: the loop runs the statement from the start.
    const answer = withoutStubSchemaChange(light ?? (await converge(req, trace)), req.answer, req.up);
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
  const { up, session, evaluator } = req;
  const startedAt = Date.now();
  trace.phase('run');
  const setup = 'query' in req.facts ? req.facts : null;
  let facts = setup === null ? (req.facts as SessionFacts) : null;
  // In autocommit mode the statement would be a transaction of its own: the emulator makes one.
  // With a pipelined setup the server decides that (ownTransactionSql) and the facts tell it after.
  let own: boolean | null = facts === null ? null : !facts.inTransaction && facts.autocommit;
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
    const factsAnswer = setup === null ? null : pending(up.query(setup.query));
    const makeOwn =
      own === null
        ? `${OWN_VARIABLE} = ${ownTransactionSql}, autocommit = IF(${ownTransactionSql}, 0, @@autocommit), `
        : own
          ? 'autocommit = 0, '
          : '';
    const opening = openingStatements(makeOwn).map((statement) => up.query(statement));
    // Discovering: this round's run only made the calls (req.discover); its answer is not the statement's.
    let discovering = req.discover !== undefined;
    const next = () => pending(discovering && req.discover ? req.discover() : req.run());
    // With the miss count, what a run's misses left in variables (no table read: SHOW WARNINGS
    // stays the final run's): the last miss, which is the only one when the count is 1, or
    // everything spilled. Only a run with several misses has its miss table read after it.
    const readCounter = () =>
      pending(up.query(`SELECT ${MISS_COUNTER}, ${asUtf8Bytes(spilling ? SPILL_VARIABLE : LAST_MISS_VARIABLE)}, ${HIT_COUNTER}`));
    /** The last run is still to be undone: the next round's statements start with the rollback. */
    let undoPending = false;
    // With a prefetch, the first run waits until its answers are cached.
    const checked = req.prefetch?.check === undefined ? null : pending(up.query(req.prefetch.check));
    let prefetched = req.prefetch === undefined ? null : pending(up.query(req.prefetch.query));
    let run = prefetched ?? next();
    let counter = prefetched ?? readCounter();
    if (setup !== null && factsAnswer !== null) {
      facts = setup.read(await factsAnswer);
      own = !facts.inTransaction && facts.autocommit;
      if (facts.unicode !== setup.unicode) {
        // The statement went to the stubs of the other charset: undone, it begins again.
        await Promise.allSettled([...opening, run, counter]);
        await finish(up, own, 'failed');
        throw new StaleSetup();
      }
    }
    const context = mysqlEvaluationContext(up, session, facts as SessionFacts, startedAt, signal, trace);
    /** Known from here on: from the facts, read before or with the first statements. */
    const owns = own as boolean;
    /** Evaluates the calls, caches their answers and starts the next run, which keeps them. */
    const answerAndRun = async (calls: MlCall[]): Promise<void> => {
      trace.phase('evaluate', calls.length);
      const results = await evaluator.evaluate(calls, context);
      trace.phase('cache-fill');
      for (const call of calls) known.add(call.key);
      const rows = cacheRows(results, calls, learned);
      // The savepoint moves past the new cache rows, so the next round's rollback keeps them.
      const refill = [
        ...(undoPending ? [up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)] : []),
        ...cacheFillStatements(rows).map((insert) => up.query(insert)),
        up.query(`SET ${RUN_COUNTERS}, ${SPILL_VARIABLE} = ${spilling ? "''" : 'NULL'}, ${LAST_MISS_VARIABLE} = NULL`),
        up.query(`SAVEPOINT ${SAVEPOINT}`),
      ];
      // After a discovery the statement itself runs; if it still misses, discovery again.
      discovering = req.discover !== undefined && !discovering;
      run = next();
      counter = readCounter();
      check(await Promise.all(refill));
      trace.phase('run');
    };
    const opened = await Promise.all(opening);
    if (opened.some((a) => errnoOf(a) === ER_TABLE_NOT_LOCKED_FOR_WRITE)) {
      // LOCK TABLES after a stub read the tables (./session-setup.ts): the run read a cache nobody
      // emptied. It is undone, the tables are made anew, and the loop starts over (without prefetch).
      await Promise.allSettled([run, counter]);
      prefetched = null;
      check([await up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)]);
      await refreshTables(up);
      const again = [up.query(`SAVEPOINT ${SAVEPOINT}`)];
      run = next();
      counter = readCounter();
      check(await Promise.all(again));
    } else check(opened);
    if (prefetched !== null && req.prefetch !== undefined) {
      const listed = await prefetched;
      const refused = checked !== null && errnoOf(await checked) !== null;
      const errno = errnoOf(listed);
      if (errno !== null && TRANSACTION_LOST.has(errno)) {
        // The statement would have waited on the same locks: their error is its own.
        await finish(up, owns, 'failed');
        return listed;
      }
      // Any other refusal (a privilege, a conversion in strict mode) is left to the run to give.
      const calls =
        errno === null && !refused ? prefetchedCalls(req.prefetch, textRows(listed, req.prefetch.functions.length), known) : [];
      // What the query did (a function of the user's it called may write) is undone, as a run would be.
      undoPending = true;
      if (calls.length > 0) await answerAndRun(calls);
      else {
        const undo = up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
        run = next();
        counter = readCounter();
        check([await undo]);
      }
      undoPending = false;
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const answer = await run;
      const [missed] = textRows(await counter, 3);
      if (signal.aborted) throw new EmulatorError('QueryCanceled', 'Query execution was interrupted');
      const misses = Number(missed?.[0] ?? 0);
      // The calls the run made: every one misses without a prefetch, every one is found with a complete one.
      if (round === 0) firstRunCalls = misses + Number(missed?.[2] ?? 0);
      if (discovering && misses === 0) {
        // Every call is answered: undo the discovery and run the statement itself.
        discovering = false;
        const again = [up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`), up.query(`SAVEPOINT ${SAVEPOINT}`)];
        run = next();
        counter = readCounter();
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
        await finish(up, owns, outcome);
        if (outcome === 'failed') return answer;
        // Counters with Aurora's meanings: logical = row-level calls, cache hits = repeats of an input.
        countStatementCalls(evaluator.stats, firstRunCalls, known.size);
        // Run with autocommit off, the answer says "in transaction": the client's statement alone would not.
        const settled = owns ? withTransactionFlags(answer, req.answer, up, ServerStatus.SERVER_STATUS_AUTOCOMMIT) : answer;
        if (!req.warning) return settled;
        await raiseWarning(up, req.warning);
        return withWarningCount(settled, 1, up.deprecateEof);
      }
      // A result set can fail after its column definitions (an error while computing rows): its ERR comes last.
      const failed = isErr(answer[0]) || isErr(answer.at(-1));
      // A failed run took its miss rows with it: its last miss is what it leaves.
      const lostRows = failed && !spilling;
      const left = missed?.[1];
      let calls: MlCall[];
      if (spilling) calls = spilledMisses(left, known);
      else if (misses === 1 || lostRows) calls = distinctMisses([], left, known);
      else {
        // The rollback takes the run's miss rows (and its changes) away: they are read first.
        const [recorded = [], ...rest] = await Promise.all([
          up.query(`SELECT k, f, ${asUtf8Bytes('a')} FROM ${MISS_TABLE}`),
          up.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`),
        ]);
        check([recorded, ...rest]);
        calls = distinctMisses(textRows(recorded, 3), null, known);
      }
      // Otherwise the run is undone with the next round's statements (or by finish): one round trip less.
      undoPending = spilling || misses === 1 || lostRows;
      if (failed && calls.length === 0) {
        // Nothing new to answer: another run would fail alike, so its error is the statement's own.
        await finish(up, owns, 'failed');
        return answer;
      }
      spilling ||= failed;
      await answerAndRun(calls);
    }
    throw new EmulatorError('DidNotConverge', `the arguments of the ML calls kept changing over ${MAX_ROUNDS} executions`);
  } catch (err) {
    if (err instanceof StaleSetup) throw err;
    // The setup's answer lost: whether the loop made the transaction, as the server decided it.
    own ??= await up.query(`SELECT ${OWN_VARIABLE}`).then(
      (a) => textRows(a, 1)[0]?.[0] === '1',
      () => false,
    );
    await finish(up, own, outcome === 'committed' ? 'committed' : 'failed').catch(() => {});
    throw withMySqlTimeout(err, /mariadb/i.test(up.session.serverVersion));
  } finally {
    session.work = null;
  }
}
