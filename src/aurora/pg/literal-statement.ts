/**
 * A statement that is nothing but ML calls on literals (`SELECT * FROM
 * aws_comprehend.detect_sentiment('...', 'en')`) in two light round trips,
 * where the evaluation loop needs two heavier ones:
 *
 *   1. the session's settings and its right to the calls' functions, read
 *      without a transaction (settingsProbe);
 *   2. the statement with its answers written in, as the client's own
 *      single-statement transaction; inside the client's transaction block
 *      (a simple Query), between a savepoint and its release, sent together,
 *      so that a run that fails can be undone and the block go on.
 *
 * Nothing else is needed: its calls' keys come from its literals
 * (literal-keys.ts) instead of a prefetch query, and the statement runs no
 * code of the user's and no stub once its answers are in (sealed-statement.ts),
 * so there is no cache to fill, no savepoint to return to, and no statement
 * key to tell a stub's notice from a forged one. The privileges are checked
 * before anything is evaluated, as in the loop, and the database checks them
 * again when the statement runs.
 *
 * Whatever this path did not foresee (settings or privileges that say no, an
 * answer that cannot be written in, a run that fails or reaches a stub) ends
 * it with null and the loop runs the statement from the start: the run here
 * changed nothing, being one SELECT of the calls alone, and what the client
 * sees is what the loop gives it.
 */
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { MlResults } from '../../ml/calls.ts';
import type { StatementTrace } from '../../ml/statement-trace.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { ABORT_BLOCK, readSettings, SAVEPOINT, settingsProbe } from './loop-settings.ts';
import { evalContext, firstError, type LoopOptions, type LoopOutcome } from './ml-loop.ts';
import { PassCollector } from './pass-collector.ts';
import { answeredStatement, type Prefetch, type PrefetchedCall } from './prefetch.ts';

const NOTHING_KNOWN: ReadonlySet<string> = new Set();

/**
 * The statement's outcome, or null when the loop must run it (see above).
 * `keep` takes each run for disposal. `probed` is settingsProbe's answer when
 * it was read already, in a round trip with the client's own messages (the
 * extended protocol's runner).
 */
export async function runLiteralStatement(
  { driver, up, evaluator, inClientBlock }: LoopOptions,
  prefetch: Prefetch,
  calls: ReadonlyMap<string, PrefetchedCall>,
  trace: StatementTrace,
  keep: (run: PassCollector) => void,
  probed?: readonly Frame[],
): Promise<LoopOutcome | null> {
  const startedAt = Date.now();
  trace.phase('run');
  const probe = probed ?? (await driver.control([settingsProbe(prefetch)]));
  if (firstError(probe) !== undefined) return null;
  const settings = readSettings(probe);
  // Answers with any character can be written in only where the server stores UTF-8.
  if (!settings.answersAllowed || !settings.serverUtf8) return null;

  // Inside the client's block, a run that fails must not end the block: a savepoint guards it.
  const guardedRun = inClientBlock === true ? driver.passThenClose : undefined;
  // A driver that cannot send the savepoint with the run cannot guard it: the loop runs the statement.
  if (inClientBlock === true && guardedRun === undefined) return null;
  /** The statement's failure, which inside the client's block must leave the block aborted, as a failing statement does. */
  const failed = async (error: EmulatorError): Promise<LoopOutcome> => {
    if (guardedRun !== undefined) await driver.control([ABORT_BLOCK]);
    return { ok: false, error };
  };

  let results: MlResults;
  try {
    trace.phase('evaluate', calls.size);
    results = await evaluator.evaluate(
      [...calls.values()].map((c) => c.call),
      evalContext(up, settings, startedAt, trace),
    );
  } catch (err) {
    return failed(toEmulatorError(err));
  }
  const answered = await answeredStatement(prefetch, calls, results, settings.serverUtf8);
  if (answered === null) return null;

  trace.phase('run');
  const run = new PassCollector(NOTHING_KNOWN, null, up.decodeText);
  keep(run);
  const take = (frame: Frame) => run.take(frame);
  if (guardedRun !== undefined) {
    const { control } = await guardedRun([`SAVEPOINT ${SAVEPOINT}`], take, { sql: answered }, [`RELEASE SAVEPOINT ${SAVEPOINT}`]);
    const savepointError = firstError(control);
    if (savepointError !== undefined) return { ok: false, error: savepointError };
    if (run.error !== null || run.missed) {
      // Back to before the run; the block goes on, and the loop runs the statement in it.
      const undone = await driver.control([`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`, `RELEASE SAVEPOINT ${SAVEPOINT}`]);
      const undoError = firstError(undone);
      return undoError === undefined ? null : { ok: false, error: undoError };
    }
  } else {
    // Alone: with nothing in `before`, no message of the emulator's goes ahead of it.
    await driver.pass([], take, { sql: answered });
    if (run.error !== null || run.missed) return null;
  }
  if (up.signal.aborted) return failed(new EmulatorError('QueryCanceled', 'canceling statement due to user request'));

  // Each site runs once: the statement has no row source but its calls.
  const rowCalls = prefetch.plan.sites.length;
  evaluator.stats.logicalRequests += rowCalls;
  evaluator.stats.logicalResponses += rowCalls;
  evaluator.stats.cacheHits += rowCalls - calls.size;
  if (run.rows !== null) trace.rows(run.rows);
  return { ok: true, answer: run.answer };
}
