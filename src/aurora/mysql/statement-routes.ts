/**
 * How the handler runs a statement that calls ML or names something that
 * does, by its kind: through the loop, once (it only names an ML-dependent
 * object, and most such statements commit implicitly, which no savepoint
 * survives), or once as a definition after which the ML-dependent objects are
 * reread. Plus the refusals that depend on the kind alone.
 */
import { EmulatorError } from '../../errors.ts';
import type { StatementKind } from '../../sql/mysql/statement-kind.ts';

/** Kinds that define objects: run once, never inside the loop's transaction, then the dependents are reread. */
export const DEFINITION_KINDS: ReadonlySet<StatementKind> = new Set(['create_view', 'create_function', 'ddl', 'drop_function']);

/** The definitions before which the session's tables go (a view over a function that reads a temporary table: 1352). */
export const VIEW_KINDS: ReadonlySet<StatementKind> = new Set(['create_view', 'create_function', 'ddl']);

/** Kinds that run no function: run once, outside the loop. */
export const ONCE_KINDS: ReadonlySet<StatementKind> = new Set([
  'grant',
  'revoke',
  'transaction',
  'lock',
  'admin',
  'kill',
  'show',
  'show_create_function',
  'show_function_status',
  'show_variables',
  'show_status',
]);

/** Writes whose target tables must be transactional for the loop to undo its runs. */
export const WRITE_KINDS: ReadonlySet<StatementKind> = new Set(['insert', 'replace', 'update', 'delete']);

/** Kinds whose calls a prefetch query may answer before the loop's first run (./prefetch.ts). */
export const PREFETCH_KINDS: ReadonlySet<StatementKind> = new Set(['select', 'update', 'insert', 'replace']);

export type Route = 'loop' | 'once' | 'definition';

export function routeOf(kind: StatementKind): Route {
  if (DEFINITION_KINDS.has(kind)) return 'definition';
  return ONCE_KINDS.has(kind) ? 'once' : 'loop';
}

export function triggerRefusal(): EmulatorError {
  return new EmulatorError('UnsafeMlStatement', 'Aurora machine learning functions are not supported in triggers', {
    hint: 'Call the function from the statement that changes the table, or from a stored procedure',
  });
}

/** CREATE TABLE ... SELECT needs its text to run its query first (it commits implicitly). */
export function preparedCreateTableSelectRefusal(): EmulatorError {
  return new EmulatorError(
    'UnsafeMlStatement',
    'aurora-ml-emulator cannot run CREATE TABLE ... SELECT with ML calls as a prepared statement: it commits implicitly, so the emulator runs its query first, which needs the statement text',
    { hint: 'Send it as a plain query, or CREATE TABLE first and INSERT ... SELECT as a prepared statement' },
  );
}
