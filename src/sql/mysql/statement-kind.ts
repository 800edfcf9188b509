/**
 * Classifying one statement by its leading keywords, with the tokenizer
 * rather than a regular expression so that comments (executable ones
 * included), quoting and case do not fool it.
 */
import { tokenize } from './lexer.ts';
import { skipDefiner } from './statement-split.ts';
import { isKeyword, type LexOptions, type Token } from './tokens.ts';

export type StatementKind =
  | 'empty'
  | 'select' // SELECT, a parenthesised SELECT, TABLE, VALUES
  | 'with' // a statement starting with a CTE (its main verb may be any DML)
  | 'insert'
  | 'replace'
  | 'update'
  | 'delete'
  | 'call'
  | 'create_function_alias' // CREATE FUNCTION ... ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT | AWS_BEDROCK_INVOKE_MODEL
  | 'create_function' // any other CREATE FUNCTION (stored or loadable)
  | 'create_view'
  | 'create_table_select' // CREATE TABLE ... [AS] SELECT: executes its query
  | 'create_trigger'
  | 'drop_function'
  | 'show_create_function'
  | 'show_function_status'
  | 'show_status'
  | 'show_variables'
  | 'show' // any other SHOW
  | 'flush_status'
  | 'explain' // EXPLAIN / DESCRIBE / DESC, of a statement or a table
  | 'set'
  | 'grant'
  | 'revoke'
  | 'kill'
  | 'transaction' // BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT, XA
  | 'lock' // LOCK TABLE(S), UNLOCK TABLE(S): commit implicitly
  | 'admin' // ANALYZE TABLE, CHECK, CHECKSUM, OPTIMIZE, REPAIR, CACHE INDEX, LOAD INDEX, RESET
  | 'ddl' // other CREATE / ALTER / DROP / RENAME / TRUNCATE
  | 'other';

const SIMPLE_KINDS: Readonly<Record<string, StatementKind>> = {
  select: 'select',
  table: 'select',
  values: 'select',
  with: 'with',
  insert: 'insert',
  replace: 'replace',
  update: 'update',
  delete: 'delete',
  call: 'call',
  explain: 'explain',
  describe: 'explain',
  desc: 'explain',
  set: 'set',
  grant: 'grant',
  revoke: 'revoke',
  kill: 'kill',
  begin: 'transaction',
  commit: 'transaction',
  rollback: 'transaction',
  savepoint: 'transaction',
  release: 'transaction',
  xa: 'transaction',
  alter: 'ddl',
  rename: 'ddl',
  truncate: 'ddl',
  lock: 'lock',
  unlock: 'lock',
  check: 'admin',
  checksum: 'admin',
  optimize: 'admin',
  repair: 'admin',
  cache: 'admin',
  reset: 'admin',
};

/** Classifies a single statement (e.g. from splitStatements) by its leading keywords. */
export function classifyStatement(text: string, opts: LexOptions = {}): StatementKind {
  const tokens = tokenize(text, { ...opts, comments: false });
  const first = tokens[0];
  if (first === undefined) return 'empty';
  if (first.kind === 'lparen') return 'select';
  if (first.kind !== 'ident') return 'other';
  const w = (k: number): string => wordAt(tokens, k);
  switch (first.value) {
    case 'start':
      return w(1) === 'transaction' ? 'transaction' : 'other';
    case 'create':
      return classifyCreate(tokens);
    case 'drop':
      return w(1) === 'function' ? 'drop_function' : 'ddl';
    case 'show':
      return classifyShow(tokens);
    case 'flush': {
      const k = w(1) === 'local' || w(1) === 'no_write_to_binlog' ? 2 : 1;
      return w(k) === 'status' && tokens.length === k + 1 ? 'flush_status' : 'other';
    }
    case 'analyze': {
      // ANALYZE TABLE is maintenance; MariaDB's ANALYZE SELECT ... runs its statement.
      const k = w(1) === 'local' || w(1) === 'no_write_to_binlog' ? 2 : 1;
      return w(k) === 'table' || w(k) === 'tables' ? 'admin' : 'other';
    }
    case 'load':
      // LOAD INDEX INTO CACHE is maintenance; LOAD DATA / LOAD XML fill a table (their SET clause may call ML).
      return w(1) === 'index' ? 'admin' : 'other';
    default:
      return SIMPLE_KINDS[first.value] ?? 'other';
  }
}

function wordAt(tokens: readonly Token[], k: number): string {
  const t = tokens[k];
  return t?.kind === 'ident' ? t.value : '';
}

function classifyShow(tokens: readonly Token[]): StatementKind {
  const w1 = wordAt(tokens, 1);
  if (w1 === 'create' && wordAt(tokens, 2) === 'function') return 'show_create_function';
  if (w1 === 'function' && wordAt(tokens, 2) === 'status') return 'show_function_status';
  const k = w1 === 'global' || w1 === 'session' || w1 === 'local' ? 2 : 1;
  if (wordAt(tokens, k) === 'status') return 'show_status';
  if (wordAt(tokens, k) === 'variables') return 'show_variables';
  return 'show';
}

/** Words CREATE VIEW may carry before VIEW. */
const VIEW_OPTIONS: ReadonlySet<string> = new Set([
  'algorithm',
  'sql',
  'security',
  'definer',
  'invoker',
  'undefined',
  'merge',
  'temptable',
]);

function classifyCreate(tokens: readonly Token[]): StatementKind {
  let k = 1;
  if (isKeyword(tokens[k], 'or') && isKeyword(tokens[k + 1], 'replace')) k += 2;
  for (;;) {
    const t = tokens[k];
    if (isKeyword(t, 'definer')) k = skipDefiner(tokens, k);
    else if (t?.kind === 'ident' && VIEW_OPTIONS.has(t.value)) k++;
    else if (t?.kind === 'op' && t.text === '=') k++;
    else break;
  }
  if (isKeyword(tokens[k], 'aggregate')) k++;
  if (isKeyword(tokens[k], 'temporary')) k++;
  switch (wordAt(tokens, k)) {
    case 'function':
      return hasAliasClause(tokens, k) ? 'create_function_alias' : 'create_function';
    case 'view':
      return 'create_view';
    case 'trigger':
      return 'create_trigger';
    case 'table':
      return hasQuery(tokens, k + 1) ? 'create_table_select' : 'ddl';
    default:
      return 'ddl';
  }
}

function hasAliasClause(tokens: readonly Token[], from: number): boolean {
  for (let k = from; k < tokens.length - 1; k++) {
    if (!isKeyword(tokens[k], 'alias')) continue;
    const next = wordAt(tokens, k + 1);
    if (next === 'aws_sagemaker_invoke_endpoint' || next === 'aws_bedrock_invoke_model') return true;
  }
  return false;
}

/** A top-level SELECT / WITH / TABLE / VALUES, or a `(` that opens one: CREATE TABLE t [(cols)] [AS] query. */
function hasQuery(tokens: readonly Token[], from: number): boolean {
  return queryStart(tokens, from) >= 0;
}

/** Index of the token that starts the query of CREATE TABLE ... [AS] query, or -1. */
function queryStart(tokens: readonly Token[], from: number): number {
  const QUERY = ['select', 'with', 'table', 'values'];
  let depth = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k];
    if (t?.kind === 'lparen') {
      if (depth === 0 && QUERY.includes(wordAt(tokens, k + 1))) return k;
      depth++;
    } else if (t?.kind === 'rparen') depth--;
    else if (depth === 0 && t?.kind === 'ident' && QUERY.includes(t.value) && tokens[k - 1]?.kind !== 'dot') return k;
  }
  return -1;
}

/** The query text of `CREATE TABLE ... [AS] query` (what the new table is filled from), or null. */
export function createTableQuery(sql: string, opts: LexOptions = {}): string | null {
  const tokens = tokenize(sql, { ...opts, comments: false });
  const table = tokens.findIndex((t) => isKeyword(t, 'table'));
  const k = table < 0 ? -1 : queryStart(tokens, table + 1);
  const start = tokens[k]?.start;
  return start === undefined ? null : sql.slice(start).replace(/;\s*$/, '');
}
