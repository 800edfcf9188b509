/**
 * How the ML loop (./ml-loop.ts) ends a statement: the upstream session left
 * as the client's statement alone would have left it, a seed extension's
 * warning, and the server's wording for a statement time limit.
 */
import { EmulatorError } from '../../errors.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { HIT_COUNTER, LAST_MISS_VARIABLE, MISS_COUNTER, MODE_VARIABLE, OWN_VARIABLE, SPILL_VARIABLE } from './session-objects.ts';
import { flushStubSchemaChange } from './stub-schema-change.ts';
import { utf8Literal } from './synthetic-result.ts';
import { check, errnoOf, SAVEPOINT_DOES_NOT_EXIST } from './upstream-errors.ts';

export const SAVEPOINT = 'aurora_ml_statement';

/** How the statement's transaction ended, for the loop's clean-up. */
export type Outcome = 'succeeded' | 'failed' | 'committed';

/**
 * Leaves the upstream session as the client's statement alone would have:
 * the emulator's transaction committed or rolled back and autocommit back on,
 * or, inside the client's transaction, the statement's work kept or undone
 * and the savepoint released; the loop's variables unset either way; and
 * a change of database the stubs made reported to the emulator, not in a
 * later answer of the client's (./stub-schema-change.ts).
 */
export async function finish(up: ControlledUpstream, own: boolean, outcome: Outcome, savepoint = true): Promise<void> {
  // undo() sends its statements before its first await: the flush goes after them, in the same round trip.
  const undone = undo(up, own, outcome, savepoint);
  const flushed = flushStubSchemaChange(up);
  try {
    await undone;
  } finally {
    await flushed;
  }
}

/** @param savepoint whether the statement took the loop's savepoint (the light path does not) */
async function undo(up: ControlledUpstream, own: boolean, outcome: Outcome, savepoint: boolean): Promise<void> {
  const reset = `SET ${MODE_VARIABLE} = NULL, ${MISS_COUNTER} = NULL, ${HIT_COUNTER} = NULL, ${SPILL_VARIABLE} = NULL, ${LAST_MISS_VARIABLE} = NULL, ${OWN_VARIABLE} = NULL${own ? ', autocommit = 1' : ''}`;
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
  if (outcome === 'committed' || !savepoint) {
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
export function withMySqlTimeout(err: unknown, mariadb: boolean): unknown {
  if (!(err instanceof EmulatorError) || err.code !== 'StatementTimeout') return err;
  return mariadb
    ? new EmulatorError('MaxStatementTime', 'Query execution was interrupted (max_statement_time exceeded)')
    : new EmulatorError('StatementTimeout', 'Query execution was interrupted, maximum statement execution time exceeded');
}
