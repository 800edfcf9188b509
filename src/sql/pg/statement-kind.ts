/**
 * Classifying one statement by its leading keywords, with the tokenizer
 * rather than a regular expression so that comments, quoting and case do not
 * fool it. Only CREATE TABLE needs more than the first words: whether it has
 * a top-level AS decides if it runs a query.
 */
import { parseCreateAs, skipTableModifiers } from './create-as.ts';
import { PgLexer } from './lexer.ts';
import { firstKeywords } from './statement-cursor.ts';
import type { LexOptions } from './tokens.ts';

export type StatementKind =
  | 'empty'
  | 'select' // SELECT, a parenthesised SELECT (SELECT ... INTO also lands here)
  | 'with' // a statement starting with a CTE (its main verb may be any DML)
  | 'values'
  | 'table'
  | 'insert'
  | 'update'
  | 'delete'
  | 'merge'
  | 'call'
  | 'do'
  | 'prepare'
  | 'execute'
  | 'deallocate'
  | 'declare' // DECLARE CURSOR: the query runs lazily, on FETCH
  | 'fetch' // FETCH / MOVE
  | 'close'
  | 'copy'
  | 'explain'
  | 'create_extension'
  | 'drop_extension'
  | 'alter_extension'
  | 'create_table_as' // executes its query
  | 'create_matview' // executes its query unless WITH NO DATA
  | 'refresh_matview' // executes the view's query
  | 'ddl' // other CREATE/ALTER/DROP/COMMENT/GRANT/REVOKE/SECURITY LABEL/IMPORT FOREIGN SCHEMA
  | 'set'
  | 'reset'
  | 'show'
  | 'transaction' // BEGIN/START/COMMIT/END/ROLLBACK/ABORT/SAVEPOINT/RELEASE/PREPARE TRANSACTION...
  | 'other';

const SIMPLE_KINDS: Readonly<Record<string, StatementKind>> = {
  select: 'select',
  with: 'with',
  values: 'values',
  table: 'table',
  insert: 'insert',
  update: 'update',
  delete: 'delete',
  merge: 'merge',
  call: 'call',
  do: 'do',
  execute: 'execute',
  deallocate: 'deallocate',
  declare: 'declare',
  fetch: 'fetch',
  move: 'fetch',
  close: 'close',
  copy: 'copy',
  explain: 'explain',
  set: 'set',
  reset: 'reset',
  show: 'show',
  begin: 'transaction',
  start: 'transaction',
  commit: 'transaction',
  end: 'transaction',
  rollback: 'transaction',
  abort: 'transaction',
  savepoint: 'transaction',
  release: 'transaction',
  comment: 'ddl',
  grant: 'ddl',
  revoke: 'ddl',
  security: 'ddl',
  import: 'ddl',
};

/** Classifies a single statement (e.g. from splitStatements) by its leading keywords. */
export function classifyStatement(text: string, opts: LexOptions = {}): StatementKind {
  const first = new PgLexer(text, opts).next();
  if (first === undefined) return 'empty';
  if (first.kind === 'lparen') return 'select';
  const words = firstKeywords(text, 6, opts);
  const [w0, w1] = words;
  if (w0 === undefined) return 'other';
  if (w0 === 'prepare') return w1 === 'transaction' ? 'transaction' : 'prepare';
  if (w0 === 'refresh') return w1 === 'materialized' ? 'refresh_matview' : 'other';
  if (w0 === 'drop' || w0 === 'alter') return w1 === 'extension' ? (w0 === 'drop' ? 'drop_extension' : 'alter_extension') : 'ddl';
  if (w0 === 'create') return classifyCreate(text, words.slice(1), opts);
  return SIMPLE_KINDS[w0] ?? 'other';
}

function classifyCreate(text: string, rest: readonly string[], opts: LexOptions): StatementKind {
  if (rest[0] === 'extension') return 'create_extension';
  const k = skipTableModifiers(rest, 0);
  if (rest[k] === 'materialized' && rest[k + 1] === 'view') return 'create_matview';
  if (rest[k] === 'table') return parseCreateAs(text, opts) === null ? 'ddl' : 'create_table_as';
  return 'ddl';
}
