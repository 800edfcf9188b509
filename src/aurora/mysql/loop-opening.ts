/**
 * How a statement's ML work opens on the upstream session: the loop's
 * variables set, the session's tables emptied, the savepoint taken. Shared by
 * the loop (./ml-loop.ts) and the light path (./literal-statement.ts).
 */
import { SAVEPOINT } from './loop-end.ts';
import {
  CACHE_TABLE,
  HIT_COUNTER,
  LAST_MISS_VARIABLE,
  MISS_COUNTER,
  MISS_TABLE,
  MODE_VARIABLE,
  SPILL_VARIABLE,
} from './session-objects.ts';

/** A run's counters, zeroed before it. */
export const RUN_COUNTERS = `${MISS_COUNTER} = 0, ${HIT_COUNTER} = 0`;

/** @param ownTransaction SET assignments that turn autocommit off when the loop makes the transaction (each ending ', '). */
export function openingStatements(ownTransaction: string): string[] {
  return [...lightOpeningStatements(ownTransaction), `DELETE FROM ${MISS_TABLE}`, `SAVEPOINT ${SAVEPOINT}`];
}

/**
 * The light path's opening, which the loop's continues. That path reads only
 * the stubs' counters, never the miss table (whose readers empty it first, in
 * the loop's opening), and it never returns to a savepoint: its run reads no
 * table and calls nothing of the user's, so a failing run has only itself to
 * undo, which the server's statement rollback does.
 */
export function lightOpeningStatements(ownTransaction: string): string[] {
  return [
    `SET ${ownTransaction}${MODE_VARIABLE} = 1, ${RUN_COUNTERS}, ${SPILL_VARIABLE} = NULL, ${LAST_MISS_VARIABLE} = NULL`,
    // Emptied before every statement, inside the transaction (which the first one opens): a
    // rollback of the client's transaction can bring back rows an earlier DELETE removed, and
    // answers from them would skip the control plane's gate.
    `DELETE FROM ${CACHE_TABLE}`,
  ];
}
