/**
 * Runs one client statement that calls Aurora ML functions until every call
 * it makes has an answer (see docs/how-it-works.md):
 *
 *   SAVEPOINT; run it (stubs report misses as NOTICEs and return placeholders)
 *   -> ROLLBACK TO SAVEPOINT; evaluate the distinct misses in batches; COPY
 *   the answers into the session's cache table -> run it again ... until a
 *   pass reports no miss. That last pass is the real execution: its rows and
 *   notices go to the client and its effects stay.
 */
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { EvalContext, MlCall, MlResults } from '../../ml/calls.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import type { StatementFailure, StatementTrace } from '../../ml/statement-trace.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseNoticeFields } from '../../wire/pg/messages.ts';
import type { ControlledUpstream } from '../../wire/pg/statement-handler.ts';
import { copyRows } from './copy-text.ts';
import type { FrameSpool } from './frame-spool.ts';
import { runLiteralStatement } from './literal-statement.ts';
import {
  ABORT_BLOCK,
  type LoopSessionState,
  readSettings,
  SAVEPOINT,
  type SessionSettings,
  setupStatements,
} from './loop-settings.ts';
import { CACHE_TABLE, readBegin, readStatementKey, unverifiedMissError } from './miss-channel.ts';
import { PassCollector } from './pass-collector.ts';
import type { ControlStatement, PassDriver, PassText } from './pass-driver.ts';
import { answeredStatement, cachedStatement, type Prefetch, type PrefetchedCall, prefetchedCall } from './prefetch.ts';
import { CallSpool, fillFromSpool, PREFETCH_CHUNK } from './prefetch-spool.ts';
import { learnedPlaceholderKey } from './stubs.ts';

export type { LoopSessionState };

/** Nesting, ORDER BY ... LIMIT and CASE need a few rounds; more means the inputs keep changing. */
const MAX_ROUNDS = 12;

export type LoopOutcome =
  /** `answer` holds the final run's messages for the client (see frame-spool.ts); the caller disposes of it. */
  { readonly ok: true; readonly answer: FrameSpool } | { readonly ok: false; readonly error: EmulatorError | Frame };

export const firstError = (frames: readonly Frame[]) => frames.find((f) => f.code === BackendCode.ErrorResponse);

/** Answers into the cache table outside the loop's savepoint, so that later rounds' rollbacks keep them. */
function cacheFill(copy: Buffer | null): ControlStatement[] {
  return [
    `ROLLBACK TO SAVEPOINT ${SAVEPOINT}`,
    `RELEASE SAVEPOINT ${SAVEPOINT}`,
    // copyRows writes UTF-8 whatever the client's encoding: the server converts it.
    ...(copy === null ? [] : [{ sql: `COPY ${CACHE_TABLE} (k, v) FROM STDIN WITH (ENCODING 'UTF8')`, data: copy }]),
    `SAVEPOINT ${SAVEPOINT}`,
  ];
}

/** A failure as the dashboard records it: the database's own error by its SQLSTATE. */
function statementFailure(error: EmulatorError | Frame): StatementFailure {
  if (error instanceof EmulatorError) return error;
  const { code, message } = parseNoticeFields(error.payload);
  return { databaseCode: code, message };
}

/** What the evaluator needs to know of the statement it evaluates for. */
export function evalContext(
  up: ControlledUpstream,
  settings: SessionSettings,
  startedAt: number,
  trace: StatementTrace,
): EvalContext {
  return {
    user: up.session.user,
    database: up.session.database,
    signal: up.signal,
    statementDeadline: settings.statementTimeoutMs > 0 ? startedAt + settings.statementTimeoutMs : Number.POSITIVE_INFINITY,
    inferenceTimeoutMs: settings.inferenceTimeoutMs,
    caller: { front: 'postgres', connectionId: up.session.processId },
    progress: trace,
  };
}

export interface LoopOptions {
  readonly driver: PassDriver;
  readonly up: ControlledUpstream;
  readonly evaluator: MlEvaluator;
  /** True when the loop opened the transaction and must end it. */
  readonly ownsTransaction: boolean;
  /**
   * A simple Query inside the client's transaction block: a statement of
   * calls on literals may take the light path there too, its run guarded by
   * a savepoint (see literal-statement.ts).
   */
  readonly inClientBlock?: boolean;
  readonly state: LoopSessionState;
  /** The statement's calls can be found before it runs (see prefetch.ts). */
  readonly prefetch?: Prefetch | null;
  /**
   * The block the statement runs in ends with a COMMIT right after it (the
   * extended-protocol runner's own block, at the client's Sync): the
   * statements that restore the session's settings are handed over to go
   * with that COMMIT, which also releases the savepoint.
   */
  readonly closeWithCommit?: (statements: readonly string[]) => void;
  /** An extended-protocol statement the light path may answer (see LightRun). */
  readonly light?: LightRun;
}

/**
 * An Execute whose calls were read from its literals and bound values, with
 * the session's settings probed already, in the round trip that carried the
 * client's messages (see ExtendedRunner). Its round trips end the client's
 * implicit transaction, which holds nothing of the client's yet: when the
 * light path gives the statement back, `reopen` binds the client's portal
 * again and opens the runner's transaction block, and the loop runs it there.
 */
export interface LightRun {
  readonly calls: ReadonlyMap<string, PrefetchedCall>;
  readonly probe: readonly Frame[];
  /** Resolves with the error that stopped it, or null once the block is open. */
  reopen(): Promise<Frame | null>;
}

export async function runMlStatement(options: LoopOptions): Promise<LoopOutcome> {
  const runs: PassCollector[] = [];
  const spool = new CallSpool();
  let outcome: LoopOutcome | null = null;
  // Statement tracking (the dashboard): hooks only, see src/ml/statement-trace.ts.
  const trace = options.evaluator.statements.begin('postgres', options.up.session.processId, options.driver.statement);
  try {
    const keep = (run: PassCollector) => runs.push(run);
    const { prefetch, light } = options;
    if (light !== undefined && prefetch) {
      outcome = await runLiteralStatement(options, prefetch, light.calls, trace, keep, light.probe);
      const reopenError = outcome === null ? await light.reopen() : null;
      if (reopenError !== null) outcome = { ok: false, error: reopenError };
    } else if (prefetch?.literalCalls && (options.ownsTransaction || options.inClientBlock)) {
      outcome = await runLiteralStatement(options, prefetch, prefetch.literalCalls, trace, keep);
    }
    outcome ??= await runLoop(options, runs, spool, trace);
    return outcome;
  } catch (err) {
    outcome = { ok: false, error: toEmulatorError(err) };
    throw err;
  } finally {
    trace.end(outcome === null || outcome.ok ? undefined : statementFailure(outcome.error));
    // Every run's answer but the one returned is released here; the caller releases that one.
    const kept = outcome?.ok ? outcome.answer : null;
    for (const run of runs) if (run.answer !== kept) run.dispose();
    spool.dispose();
  }
}

async function runLoop(
  { driver, up, evaluator, ownsTransaction, state, prefetch = null, closeWithCommit }: LoopOptions,
  runs: PassCollector[],
  spool: CallSpool,
  trace: StatementTrace,
): Promise<LoopOutcome> {
  const startedAt = Date.now();
  trace.phase('run');
  const known = new Set<string>();
  const collector = (statementKey: string | null, onRow?: (values: (string | null)[]) => void) => {
    const c = new PassCollector(known, statementKey, up.decodeText, onRow);
    runs.push(c);
    return c;
  };
  // The setup and the first run (or the prefetch query) travel together: one
  // round trip. The run is read as it arrives, with the statement key from the
  // setup's answer, which comes first.
  const found = new Map<string, PrefetchedCall>();
  let prefetchedRows = 0;
  const takeRow = (values: (string | null)[]) => {
    const row = prefetch === null ? null : prefetchedCall(prefetch, values);
    if (row === null) return;
    prefetchedRows += Number(values[3] ?? 0);
    if (known.has(row.key)) return;
    // Spooled only once more calls come than memory holds: up to PREFETCH_CHUNK, the answers can still be
    // written into the statement.
    if (found.size >= PREFETCH_CHUNK) {
      spool.add(found.values());
      found.clear();
    }
    found.set(row.key, row);
  };
  let first: PassCollector | null = null;
  const setupFrames = await driver.pass(
    setupStatements(ownsTransaction, state, prefetch),
    (frame, control) => {
      first ??= collector(readStatementKey(control), prefetch === null ? undefined : takeRow);
      first.take(frame);
    },
    prefetch === null ? undefined : { sql: prefetch.query, textResults: true },
  );
  const setupError = firstError(setupFrames);
  if (setupError) {
    if (ownsTransaction) await driver.control(['ROLLBACK']);
    return { ok: false, error: setupError };
  }
  const settings = readSettings(setupFrames);
  const { key: statementKey, oid: trustedBegin } = readBegin(setupFrames);
  state.trustedBegin = trustedBegin;
  let run: PassCollector = first ?? collector(statementKey);
  const ctx = evalContext(up, settings, startedAt, trace);
  let rowCalls: number | null = null;
  /** What each run executes: the client's statement, or it with the prefetched answers written in. */
  let text: PassText | undefined;
  /** The closing statements' answer, when they went right behind a sealed run (see sealed-statement.ts). */
  let closed: Frame[] | null = null;
  const closingStatements = () => (ownsTransaction ? ['COMMIT'] : [`RELEASE SAVEPOINT ${SAVEPOINT}`, settings.restore]);

  const fail = async (error: EmulatorError | Frame): Promise<LoopOutcome> => {
    if (ownsTransaction) {
      // After a closing COMMIT the transaction is over (a failed one's COMMIT rolled it back).
      if (closed === null) await driver.control(['ROLLBACK']);
    } else {
      // Leave the client's transaction aborted, exactly as a failing statement would:
      // the transaction itself, not only the loop's savepoint (COMMIT AND CHAIN
      // after an aborted subtransaction would keep the transaction's characteristics,
      // after an aborted transaction PostgreSQL starts the next one with the defaults).
      await driver.control([
        `ROLLBACK TO SAVEPOINT ${SAVEPOINT}`,
        `RELEASE SAVEPOINT ${SAVEPOINT}`,
        settings.restore,
        ABORT_BLOCK,
      ]);
    }
    return { ok: false, error };
  };

  /** Distinct calls the prefetch spooled (see prefetch-spool.ts): evaluated, but not in `known`. */
  let spilled = 0;

  /** Targets whose learned placeholder is in the cache already (see stubs.ts learnedPlaceholderKey). */
  const learned = new Set<string>();

  /**
   * Evaluates `misses`, COPYs the answers in (outside the savepoint, so later
   * rounds' rollbacks keep them) and runs again. After the prefetch, the run
   * is the statement with its answers written in when they are few enough
   * (`inline`), else with its calls reading them from the cache table.
   */
  const evaluateAndRun = async (
    misses: readonly MlCall[],
    answers: 'inline' | 'cached' | 'none' = 'none',
  ): Promise<EmulatorError | Frame | MlResults> => {
    let copy: Buffer | null = null;
    let results: MlResults = new Map();
    if (misses.length > 0) {
      trace.phase('evaluate', misses.length);
      try {
        results = await evaluator.evaluate(misses, ctx);
        for (const call of misses) known.add(call.key);
        copy = copyRows(withLearnedPlaceholders(results, misses, learned));
        state.cachedRows += results.size;
      } catch (err) {
        return toEmulatorError(err);
      }
    }
    if (answers !== 'none' && prefetch !== null) {
      const answered = answers === 'inline' ? await answeredStatement(prefetch, found, results, settings.serverUtf8) : null;
      if (answered !== null) text = { sql: answered };
      else if (settings.cachedAllowed) text = { sql: cachedStatement(prefetch) };
    }
    const next = collector(statementKey);
    trace.phase('cache-fill');
    const before = cacheFill(copy);
    const take = (frame: Frame) => next.take(frame);
    let fillFrames: Frame[];
    if (text !== undefined && prefetch?.sealed && driver.passThenClose !== undefined) {
      // The run can report no miss: its closing statements go with it, one round trip less.
      ({ control: fillFrames, closing: closed } = await driver.passThenClose(before, take, text, closingStatements()));
    } else fillFrames = await driver.pass(before, take, text);
    const fillError = firstError(fillFrames);
    if (fillError) return fillError;
    run = next;
    return results;
  };

  if (prefetch !== null) {
    // The prefetch query's run: its rows are the statement's calls. When it
    // failed, or the session may not use the answer functions, nothing it
    // found is evaluated and the statement runs as written.
    if (run.forged > 0) return fail(unverifiedMissError(statementKey !== null));
    const usable = settings.answersAllowed && run.error === null;
    const misses = usable ? [...run.misses, ...[...found.values()].map((f) => f.call)] : [];
    if (!usable) found.clear();
    run.dispose();
    spilled = usable ? spool.count : 0;
    if (spilled > 0) {
      const spoolError = await fillFromSpool(spool, {
        evaluate: (calls) => {
          trace.phase('evaluate', calls.length);
          return evaluator.evaluate(calls, ctx);
        },
        fillStatements: (results, calls) => {
          state.cachedRows += results.size;
          return cacheFill(copyRows(withLearnedPlaceholders(results, calls, learned)));
        },
        control: (statements) => driver.control(statements),
        errorIn: firstError,
      }).catch(toEmulatorError);
      if (spoolError !== undefined) return fail(spoolError);
    }
    // Spilled answers are in the cache table only: too many to write into the statement.
    const outcome = await evaluateAndRun(misses, !usable ? 'none' : spilled === 0 ? 'inline' : 'cached');
    if (!(outcome instanceof Map)) return fail(outcome);
    if (usable) rowCalls = prefetchedRows;
  }

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { misses, total, forged } = run;
    if (closed !== null && (forged > 0 || total > 0) && firstError(closed) === undefined) {
      // A sealed run cannot reach a stub: it did, and its effects are committed or released already.
      return fail(new EmulatorError('Internal', 'a statement without stub calls reported a miss after it was closed'));
    }
    if (forged > 0) {
      // Nothing a forged notice names is evaluated, and the statement cannot
      // be trusted to have reported its real calls either.
      return fail(unverifiedMissError(statementKey !== null));
    }
    if (rowCalls === null) rowCalls = total;
    if (misses.length === 0 && total > 0) {
      // Every miss was answered already, yet the cache did not have it.
      return fail(new EmulatorError('Internal', 'the ML answer cache lost entries during the statement'));
    }
    if (misses.length === 0) {
      if (run.error !== null) return fail(run.error);
      if (closed === null && up.signal.aborted) {
        return fail(new EmulatorError('QueryCanceled', 'canceling statement due to user request'));
      }
      let closing: Frame[] | null = closed;
      if (closing === null && closeWithCommit !== undefined && !ownsTransaction) {
        closeWithCommit([settings.restore]);
        closing = [];
      }
      closing ??= await driver.control(closingStatements());
      const closingError = firstError(closing);
      if (closingError) return { ok: false, error: closingError };
      evaluator.stats.logicalRequests += rowCalls;
      evaluator.stats.logicalResponses += rowCalls;
      evaluator.stats.cacheHits += Math.max(0, rowCalls - known.size - spilled);
      if (run.rows !== null) trace.rows(run.rows);
      return { ok: true, answer: run.answer };
    }
    run.dispose();
    const outcome = await evaluateAndRun(misses);
    if (!(outcome instanceof Map)) return fail(outcome);
  }
  return fail(
    new EmulatorError(
      'DidNotConverge',
      `the arguments of the ML calls kept changing over ${MAX_ROUNDS} executions of the statement`,
      {
        hint: 'A volatile expression such as random() or clock_timestamp() feeds an ML function; compute it once in a CTE or a column first.',
      },
    ),
  );
}

/**
 * The answers to write into the cache, plus, for each target (endpoint,
 * model) not learned yet, its first real answer as the placeholder its later
 * misses return: a run then gets past expressions that fail on a made-up
 * value (1 / 0) and finds every call at once. One row per target and
 * statement: the cache's key is unique.
 */
function withLearnedPlaceholders(results: MlResults, calls: readonly MlCall[], learned: Set<string>): MlResults {
  const rows: MlResults = new Map(results);
  for (const call of calls) {
    const key = learnedPlaceholderKey(call.fn, call.args[0]);
    const answer = results.get(call.key);
    if (key === null || learned.has(key) || answer === undefined || answer === null) continue;
    learned.add(key);
    rows.set(key, answer);
  }
  return rows;
}
