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
 * A session that ran such a statement before has its answer to the same
 * probe: the calls are evaluated under it first, and the probe travels with
 * the answered statement in ONE round trip. The run stands only if the probe
 * answers as before (the same timeouts, the right to the functions); if not,
 * it is dropped, as the run changed nothing, and the statement goes the
 * two-round-trip way with the fresh answer. The answers kept are those read
 * outside a transaction block (a SET LOCAL inside one ends with it), and a
 * session forgets them when it sends a statement that may change its
 * settings (forgetProbesFor): so the calls are evaluated under the timeouts
 * the statement will have, and a timeout ends them on time. A change the
 * emulator cannot see (set_config inside a function of the user's) is caught
 * by the probe: the calls are evaluated again under the new timeouts, the
 * first evaluation's time added. A right to the functions revoked since the
 * session's last such statement costs an evaluation the statement then refuses.
 *
 * Nothing else is needed: its calls' keys come from its literals
 * (literal-keys.ts) instead of a prefetch query, and the statement runs no
 * code of the user's and no stub once its answers are in (sealed-statement.ts),
 * so there is no cache to fill, no savepoint to return to, and no statement
 * key to tell a stub's notice from a forged one. The database checks the
 * privileges again when the statement runs.
 *
 * Whatever this path did not foresee (settings or privileges that say no, an
 * answer that cannot be written in, a run that fails or reaches a stub) ends
 * it with null and the loop runs the statement from the start: the run here
 * changed nothing, being one SELECT of the calls alone, and what the client
 * sees is what the loop gives it.
 */
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { StatementTrace } from '../../ml/statement-trace.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { ABORT_BLOCK, readSettings, SAVEPOINT, type SessionSettings, settingsProbe } from './loop-settings.ts';
import { evalContext, firstError, type LoopOptions, type LoopOutcome } from './ml-loop.ts';
import { PassCollector } from './pass-collector.ts';
import { answeredStatement, type Prefetch, type PrefetchedCall } from './prefetch.ts';

const NOTHING_KNOWN: ReadonlySet<string> = new Set();
/** Probe answers a session keeps (one per set of functions its statements call). */
const PROBES_KEPT = 8;

/** The statement with its answers written in, the error its evaluation ended in, or null: it cannot be written in. */
type Answered = { readonly sql: string } | { readonly error: EmulatorError } | null;

/** A run of the answered statement, with the answer to what went ahead of it. */
interface AnsweredRun {
  readonly control: readonly Frame[];
  readonly run: PassCollector;
}

/**
 * The statement's outcome, or null when the loop must run it (see above).
 * `keep` takes each run for disposal. `probed` is settingsProbe's answer when
 * it was read already, in a round trip with the client's own messages (the
 * extended protocol's runner).
 */
export async function runLiteralStatement(
  options: LoopOptions,
  prefetch: Prefetch,
  calls: ReadonlyMap<string, PrefetchedCall>,
  trace: StatementTrace,
  keep: (run: PassCollector) => void,
  probed?: readonly Frame[],
): Promise<LoopOutcome | null> {
  const { driver, up, evaluator, inClientBlock, state } = options;
  const startedAt = Date.now();
  trace.phase('run');
  // Inside the client's block, a run that fails must not end the block: a savepoint guards it.
  const guardedRun = inClientBlock === true ? driver.passThenClose : undefined;
  // A driver that cannot send the savepoint with the run cannot guard it: the loop runs the statement.
  if (inClientBlock === true && guardedRun === undefined) return null;
  /** The statement's failure, which inside the client's block must leave the block aborted, as a failing statement does. */
  const failed = async (error: EmulatorError): Promise<LoopOutcome> => {
    if (guardedRun !== undefined) await driver.control([ABORT_BLOCK]);
    return { ok: false, error };
  };

  const answer = async (settings: SessionSettings): Promise<Answered> => {
    try {
      trace.phase('evaluate', calls.size);
      const results = await evaluator.evaluate(
        [...calls.values()].map((c) => c.call),
        evalContext(up, settings, startedAt, trace),
      );
      const sql = await answeredStatement(prefetch, calls, results, settings.serverUtf8);
      return sql === null ? null : { sql };
    } catch (err) {
      return { error: toEmulatorError(err) };
    }
  };

  /** Runs the answered statement, `ahead` pipelined before it (with the savepoint, in the client's block). */
  const runAnswered = async (sql: string, ahead: readonly string[]): Promise<AnsweredRun> => {
    trace.phase('run');
    const run = new PassCollector(NOTHING_KNOWN, null, up.decodeText);
    keep(run);
    const take = (frame: Frame) => run.take(frame);
    if (guardedRun === undefined) return { control: await driver.pass(ahead, take, { sql }), run };
    const { control } = await guardedRun([...ahead, `SAVEPOINT ${SAVEPOINT}`], take, { sql }, [`RELEASE SAVEPOINT ${SAVEPOINT}`]);
    return { control, run };
  };

  /** After a run that failed or reached a stub: back to before it, in the client's block, for the loop. */
  const undo = async (): Promise<LoopOutcome | null> => {
    if (guardedRun === undefined) return null;
    const undone = await driver.control([`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`, `RELEASE SAVEPOINT ${SAVEPOINT}`]);
    const undoError = firstError(undone);
    return undoError === undefined ? null : { ok: false, error: undoError };
  };

  const probeSql = settingsProbe(prefetch);
  // The probe is a function of its privilege expression, built once per set of functions: the key.
  const assumed = probed === undefined ? state.probes?.get(prefetch.allowed) : undefined;
  let probe = probed;
  let done: AnsweredRun | null = null;
  if (assumed !== undefined) {
    const speculated = await answer(assumed);
    if (speculated === null) return null;
    if ('error' in speculated) {
      probe = await driver.control([probeSql]);
      if (sameAnswer(probe, assumed)) return failed(speculated.error);
    } else {
      const ran = await runAnswered(speculated.sql, [probeSql]);
      probe = ran.control;
      if (sameAnswer(probe, assumed)) done = ran;
      // A probe that failed left nothing behind it to undo (the two-round-trip way below gives up too).
      else if (ran.run.error !== null && firstError(probe) === undefined) {
        const undone = await undo();
        if (undone !== null) return undone;
      }
    }
  }
  if (done === null) {
    probe ??= await driver.control([probeSql]);
    if (firstError(probe) !== undefined) return null;
    const settings = readSettings(probe);
    // Answers with any character can be written in only where the server stores UTF-8.
    if (!settings.answersAllowed || !settings.serverUtf8) return null;
    if (inClientBlock !== true) remember(state, prefetch.allowed, settings);
    const answered = await answer(settings);
    if (answered === null) return null;
    if ('error' in answered) return failed(answered.error);
    done = await runAnswered(answered.sql, []);
  }

  const { control, run } = done;
  if (guardedRun !== undefined) {
    const savepointError = firstError(control);
    if (savepointError !== undefined) return { ok: false, error: savepointError };
  }
  // Back to before the run; the loop runs the statement (in the client's block, if any).
  if (run.error !== null || run.missed) return undo();
  if (up.signal.aborted) return failed(new EmulatorError('QueryCanceled', 'canceling statement due to user request'));

  // Each site runs once: the statement has no row source but its calls.
  const rowCalls = prefetch.plan.sites.length;
  evaluator.stats.logicalRequests += rowCalls;
  evaluator.stats.logicalResponses += rowCalls;
  evaluator.stats.cacheHits += rowCalls - calls.size;
  if (run.rows !== null) trace.rows(run.rows);
  return { ok: true, answer: run.answer };
}

/** The probe answered without an error, as it did when `assumed` was read from it. */
function sameAnswer(probe: readonly Frame[], assumed: SessionSettings): boolean {
  if (firstError(probe) !== undefined) return false;
  const now = readSettings(probe);
  return (
    now.answersAllowed &&
    now.serverUtf8 &&
    now.statementTimeoutMs === assumed.statementTimeoutMs &&
    now.inferenceTimeoutMs === assumed.inferenceTimeoutMs
  );
}

/**
 * A statement that may change the session's settings (SET, RESET, DISCARD,
 * set_config): the light path's kept probe answers are dropped. SET counts
 * where it starts a statement, not as an UPDATE's SET.
 */
const CHANGES_SETTINGS = /(?:^|;)\s*(?:set|reset|discard)\b|set_config/i;

export function forgetProbesFor(sql: string, state: LoopOptions['state'] | undefined): void {
  if (state?.probes === undefined || state.probes.size === 0) return;
  // A long text (a bulk INSERT) is not searched: dropping the answers costs one round trip later.
  if (sql.length > LONGEST_SEARCHED || CHANGES_SETTINGS.test(sql)) state.probes.clear();
}

const LONGEST_SEARCHED = 65_536;

function remember(state: LoopOptions['state'], allowed: string, settings: SessionSettings): void {
  const probes = state.probes ?? new Map<string, SessionSettings>();
  state.probes = probes;
  probes.delete(allowed);
  probes.set(allowed, settings);
  if (probes.size > PROBES_KEPT) probes.delete(probes.keys().next().value as string);
}
