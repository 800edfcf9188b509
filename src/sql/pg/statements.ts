/**
 * Statement-level helpers on top of the lexer: splitting a simple-Query string
 * into statements, classifying a statement by its leading keywords, and small
 * typed parsers for the commands the proxy handles itself (aws_ml extension
 * DDL, SET/RESET/SHOW of emulator settings) or must treat specially because
 * they execute a query (CREATE TABLE AS, CREATE MATERIALIZED VIEW, REFRESH,
 * EXPLAIN ANALYZE).
 *
 * Every parser returns null for anything it does not recognise, including
 * malformed or unterminated input: the caller then forwards the statement and
 * the server reports the genuine error.
 */
import { isKeyword, isNameToken, isOp, isUnterminated, type LexOptions, PgLexer, type Token, tokenize } from './lexer.ts';

export interface StatementSpan {
  /** The statement without its semicolon and without surrounding whitespace/comments. */
  readonly text: string;
  /** Offset of `text` in the original string. */
  readonly start: number;
  readonly end: number;
  /** Ends in an unterminated string, identifier or comment: forward it as is. */
  readonly unterminated: boolean;
}

/** [from, to) indices into a token array: one statement, its semicolon excluded. */
export interface TokenRange {
  readonly from: number;
  readonly to: number;
}

/**
 * Splits on top-level semicolons: not inside parentheses/brackets, literals,
 * comments, or the BEGIN ATOMIC ... END body of CREATE FUNCTION/PROCEDURE.
 * Empty statements are dropped; one holding only an unterminated comment is
 * kept so that the server still reports it.
 */
export function splitStatements(sql: string, opts: LexOptions = {}): StatementSpan[] {
  const tokens = tokenize(sql, { ...opts, comments: false });
  const out: StatementSpan[] = [];
  for (const r of statementRanges(tokens)) {
    const first = tokens[r.from];
    const last = tokens[r.to - 1];
    if (first === undefined || last === undefined || r.to <= r.from) continue;
    out.push({ text: sql.slice(first.start, last.end), start: first.start, end: last.end, unterminated: isUnterminated(last) });
  }
  return out;
}

/**
 * Statement boundaries in a token array produced by tokenize() without
 * comments. Ranges may be empty (`;;`).
 *
 * BEGIN ATOMIC bodies are tracked the way the grammar sees them: inside a
 * CREATE [OR REPLACE] FUNCTION|PROCEDURE, `BEGIN ATOMIC` opens a body, CASE
 * opens a nested END, END closes one. Keywords used as column labels (after
 * AS or a dot) do not count.
 */
export function statementRanges(tokens: readonly Token[]): TokenRange[] {
  const out: TokenRange[] = [];
  let from = 0;
  let depth = 0;
  let atomic = 0;
  let routine = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    if (i === from) routine = isRoutineStart(tokens, i);
    if (t.kind === 'lparen' || t.kind === 'lbracket') depth++;
    else if (t.kind === 'rparen' || t.kind === 'rbracket') depth = Math.max(0, depth - 1);
    else if (t.kind === 'ident' && routine) atomic = trackAtomic(tokens, i, atomic);
    else if (t.kind === 'semicolon' && depth === 0 && atomic === 0) {
      out.push({ from, to: i });
      from = i + 1;
    }
  }
  if (from < tokens.length) out.push({ from, to: tokens.length });
  return out;
}

/** CREATE [OR REPLACE] FUNCTION|PROCEDURE at token index `i`. */
export function isRoutineStart(tokens: readonly Token[], i: number): boolean {
  if (!isKeyword(tokens[i], 'create')) return false;
  let k = i + 1;
  if (isKeyword(tokens[k], 'or') && isKeyword(tokens[k + 1], 'replace')) k += 2;
  return isKeyword(tokens[k], 'function') || isKeyword(tokens[k], 'procedure');
}

function trackAtomic(tokens: readonly Token[], i: number, atomic: number): number {
  const prev = tokens[i - 1];
  if (prev?.kind === 'dot' || isKeyword(prev, 'as')) return atomic;
  const t = tokens[i];
  const word = t?.kind === 'ident' ? t.value : '';
  if (word === 'begin' && isKeyword(tokens[i + 1], 'atomic')) return atomic + 1;
  if (atomic > 0 && word === 'case') return atomic + 1;
  if (atomic > 0 && word === 'end') return atomic - 1;
  return atomic;
}

/**
 * The first `n` words of a statement, lower-cased, stopping at the first token
 * that is not an unquoted word. Scans lazily: cost is independent of the
 * statement's length. `firstKeywords('Create Extension aws_ml', 2)` is
 * ['create', 'extension'].
 */
export function firstKeywords(text: string, n: number, opts: LexOptions = {}): string[] {
  const lexer = new PgLexer(text, opts);
  const out: string[] = [];
  while (out.length < n) {
    const t = lexer.next();
    if (t?.kind !== 'ident') break;
    out.push(t.value);
  }
  return out;
}

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

/** [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED] before TABLE. */
function skipTableModifiers(words: readonly string[], from: number): number {
  let k = from;
  if (words[k] === 'global' || words[k] === 'local') k++;
  if (words[k] === 'temp' || words[k] === 'temporary' || words[k] === 'unlogged') k++;
  return k;
}

// ---------------------------------------------------------------------------
// A cursor over one statement's tokens for the small parsers below.

class Cursor {
  private i = 0;
  private readonly tokens: readonly Token[];

  constructor(tokens: readonly Token[]) {
    let n = tokens.length;
    while (n > 0 && tokens[n - 1]?.kind === 'semicolon') n--; // tolerate "SHOW x;"
    this.tokens = tokens.slice(0, n);
  }

  static of(text: string, opts: LexOptions): Cursor | null {
    const tokens = tokenize(text, { ...opts, comments: false });
    return tokens.some(isUnterminated) ? null : new Cursor(tokens);
  }

  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }

  advance(): Token | undefined {
    return this.tokens[this.i++];
  }

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  /** Consumes the given words in sequence if all are present. */
  keywords(...words: string[]): boolean {
    if (!words.every((w, k) => isKeyword(this.peek(k), w))) return false;
    this.i += words.length;
    return true;
  }

  /** An identifier (quoted or not), as the server sees it. */
  name(): string | undefined {
    const t = this.peek();
    if (!isNameToken(t)) return undefined;
    this.i++;
    return t.value;
  }

  /** name ('.' name)* */
  qualifiedName(): string[] | undefined {
    const first = this.name();
    if (first === undefined) return undefined;
    const parts = [first];
    while (this.peek()?.kind === 'dot' && isNameToken(this.peek(1))) {
      this.i++;
      parts.push(this.name() ?? '');
    }
    return parts;
  }

  /** A NonReservedWord_or_Sconst: identifier or plain string. */
  wordOrString(): string | undefined {
    const t = this.peek();
    if (t?.kind === 'string') {
      this.i++;
      return t.value;
    }
    return this.name();
  }
}

// ---------------------------------------------------------------------------
// Extension commands

export type MlExtensionName = 'aws_ml' | 'aws_commons';

export type ExtensionCommand =
  | {
      readonly kind: 'create';
      readonly name: MlExtensionName;
      readonly ifNotExists: boolean;
      readonly cascade: boolean;
      readonly schema?: string;
      readonly version?: string;
    }
  | {
      readonly kind: 'drop';
      readonly ifExists: boolean;
      /** Every extension named, in order (the others must be dropped by the server). */
      readonly names: readonly string[];
      readonly cascade: boolean;
    };

export interface AlterExtensionCommand {
  readonly kind: 'alter';
  readonly name: MlExtensionName;
  /** UPDATE [TO version]; anything else (ADD/DROP member, SET SCHEMA) is 'other'. */
  readonly action: 'update' | 'other';
  readonly version?: string;
}

const ML_EXTENSIONS: ReadonlySet<string> = new Set<MlExtensionName>(['aws_ml', 'aws_commons']);

function isMlExtension(name: string): name is MlExtensionName {
  return ML_EXTENSIONS.has(name);
}

/**
 * CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]
 * (options in any order) and DROP EXTENSION [IF EXISTS] n[, ...] [CASCADE|RESTRICT],
 * only when aws_ml or aws_commons is named.
 */
export function parseExtensionCommand(text: string, opts: LexOptions = {}): ExtensionCommand | null {
  const c = Cursor.of(text, opts);
  if (c === null) return null;
  if (c.keywords('create', 'extension')) return parseCreateExtension(c);
  if (c.keywords('drop', 'extension')) return parseDropExtension(c);
  return null;
}

/** ALTER EXTENSION aws_ml|aws_commons ...: UPDATE [TO version] or some other action. */
export function parseAlterExtensionCommand(text: string, opts: LexOptions = {}): AlterExtensionCommand | null {
  const c = Cursor.of(text, opts);
  return c?.keywords('alter', 'extension') ? parseAlterExtension(c) : null;
}

function parseCreateExtension(c: Cursor): ExtensionCommand | null {
  const ifNotExists = c.keywords('if', 'not', 'exists');
  const name = c.name();
  if (name === undefined || !isMlExtension(name)) return null;
  let schema: string | undefined;
  let version: string | undefined;
  let cascade = false;
  c.keywords('with');
  while (!c.done()) {
    if (schema === undefined && c.keywords('schema')) schema = c.name() ?? '';
    else if (version === undefined && c.keywords('version')) version = c.wordOrString() ?? '';
    else if (!cascade && c.keywords('cascade')) cascade = true;
    else return null; // FROM, duplicates, junk: the server explains
    if (schema === '' || version === '') return null;
  }
  return {
    kind: 'create',
    name,
    ifNotExists,
    cascade,
    ...(schema === undefined ? {} : { schema }),
    ...(version === undefined ? {} : { version }),
  };
}

function parseDropExtension(c: Cursor): ExtensionCommand | null {
  const ifExists = c.keywords('if', 'exists');
  const names: string[] = [];
  for (;;) {
    const name = c.name();
    if (name === undefined) return null;
    names.push(name);
    if (c.peek()?.kind !== 'comma') break;
    c.advance();
  }
  const cascade = c.keywords('cascade');
  if (!cascade) c.keywords('restrict');
  if (!c.done() || !names.some(isMlExtension)) return null;
  return { kind: 'drop', ifExists, names, cascade };
}

function parseAlterExtension(c: Cursor): AlterExtensionCommand | null {
  const name = c.name();
  if (name === undefined || !isMlExtension(name)) return null;
  if (!c.keywords('update')) return { kind: 'alter', name, action: 'other' };
  if (c.done()) return { kind: 'alter', name, action: 'update' };
  if (!c.keywords('to')) return null;
  const version = c.wordOrString();
  if (version === undefined || !c.done()) return null;
  return { kind: 'alter', name, action: 'update', version };
}

// ---------------------------------------------------------------------------
// SET / RESET / SHOW

export interface SetCommand {
  /** Lower-cased (GUC names are case-insensitive), dotted for custom settings: 'aurora_ml.strict'. */
  readonly name: string;
  /** The value as the server flattens it (list items joined by ', '); null for RESET and DEFAULT. */
  readonly value: string | null;
  /** SET LOCAL: lasts until the end of the transaction. */
  readonly local: boolean;
}

/**
 * SET [SESSION|LOCAL] name {TO|=} value[, ...] | DEFAULT, the special forms
 * TIME ZONE, NAMES, SCHEMA, ROLE, SESSION AUTHORIZATION, XML OPTION, and
 * RESET name | ALL. SET TRANSACTION / CONSTRAINTS / SESSION CHARACTERISTICS
 * and SET ... FROM CURRENT are not settings: null.
 */
export function parseSetCommand(text: string, opts: LexOptions = {}): SetCommand | null {
  const c = Cursor.of(text, opts);
  if (c === null) return null;
  if (c.keywords('reset')) {
    const name = specialName(c) ?? settingName(c);
    return name !== undefined && c.done() ? { name, value: null, local: false } : null;
  }
  if (!c.keywords('set')) return null;
  const local = c.keywords('local');
  if (!local && !isKeyword(c.peek(1), 'authorization') && !isKeyword(c.peek(1), 'characteristics')) c.keywords('session');
  return parseSetRest(c, local);
}

function parseSetRest(c: Cursor, local: boolean): SetCommand | null {
  const special = specialSetName(c);
  const name = special ?? settingName(c);
  if (name === undefined) return null;
  if (special === undefined && !c.keywords('to') && !(isOp(c.peek(), '=') && c.advance())) return null;
  if (c.keywords('default') || (name === 'timezone' && c.keywords('local')))
    return c.done() ? { name, value: null, local } : null;
  if (special !== undefined && c.done()) return name === 'client_encoding' ? { name, value: null, local } : null;
  const value = special === 'timezone' && isKeyword(c.peek(), 'interval') ? restText(c) : valueList(c);
  return value === undefined ? null : { name, value, local };
}

/** SET forms whose name is not followed by TO/=. */
function specialSetName(c: Cursor): string | undefined {
  if (c.keywords('time', 'zone')) return 'timezone';
  if (c.keywords('names')) return 'client_encoding';
  if (c.keywords('schema')) return 'search_path';
  if (c.keywords('role')) return 'role';
  if (c.keywords('session', 'authorization')) return 'session_authorization';
  if (c.keywords('xml', 'option')) return 'xmloption';
  return undefined;
}

/** Multi-word names accepted by RESET and SHOW. */
function specialName(c: Cursor): string | undefined {
  if (c.keywords('time', 'zone')) return 'timezone';
  if (c.keywords('session', 'authorization')) return 'session_authorization';
  if (c.keywords('transaction', 'isolation', 'level')) return 'transaction_isolation';
  return undefined;
}

const NOT_SETTINGS: ReadonlySet<string> = new Set(['transaction', 'constraints', 'session']);

function settingName(c: Cursor): string | undefined {
  const first = c.peek();
  if (first?.kind === 'ident' && NOT_SETTINGS.has(first.value)) return undefined;
  const parts = c.qualifiedName();
  return parts?.join('.').replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** var_list: values separated by commas; each a string, a word or a signed number. */
function valueList(c: Cursor): string | undefined {
  const items: string[] = [];
  for (;;) {
    const item = oneValue(c);
    if (item === undefined) return undefined;
    items.push(item);
    if (c.done()) return items.join(', ');
    if (c.advance()?.kind !== 'comma') return undefined;
  }
}

function oneValue(c: Cursor): string | undefined {
  const t = c.advance();
  if (t === undefined) return undefined;
  if (t.kind === 'string' || t.kind === 'ident' || t.kind === 'quoted_ident') return t.value;
  if (t.kind === 'number') return t.text;
  if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
    const n = c.advance();
    return n?.kind === 'number' ? (t.text === '-' ? `-${n.text}` : n.text) : undefined;
  }
  return undefined;
}

/** The remaining tokens' text (SET TIME ZONE INTERVAL '...'), for the caller to forward. */
function restText(c: Cursor): string | undefined {
  const parts: string[] = [];
  for (let t = c.advance(); t !== undefined; t = c.advance()) {
    parts.push(
      t.kind === 'string'
        ? `'${t.value.replaceAll("'", "''")}'`
        : t.kind === 'ident'
          ? t.value
          : t.kind === 'number'
            ? t.text
            : '?',
    );
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** SHOW name | ALL | TIME ZONE | TRANSACTION ISOLATION LEVEL | SESSION AUTHORIZATION -> lower-cased name. */
export function parseShowCommand(text: string, opts: LexOptions = {}): string | null {
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords('show')) return null;
  const name =
    specialName(c) ??
    c
      .qualifiedName()
      ?.join('.')
      .replace(/[A-Z]+/g, (m) => m.toLowerCase());
  return name !== undefined && c.done() ? name : null;
}

// ---------------------------------------------------------------------------
// Statements that execute a query

export interface ExplainCommand {
  /** EXPLAIN ANALYZE (legacy or option form, ANALYZE [true|on|1...]): the statement runs. */
  readonly analyze: boolean;
  /** Offset in `text` of the explained statement. */
  readonly statementStart: number;
}

/** EXPLAIN [ANALYZE] [VERBOSE] stmt | EXPLAIN (option [value], ...) stmt. */
export function parseExplain(text: string, opts: LexOptions = {}): ExplainCommand | null {
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords('explain')) return null;
  let analyze = false;
  if (c.peek()?.kind === 'lparen') {
    const parsed = explainOptions(c);
    if (parsed === undefined) return null;
    analyze = parsed;
  } else {
    analyze = c.keywords('analyze') || c.keywords('analyse');
    c.keywords('verbose');
  }
  const first = c.peek();
  return first === undefined ? null : { analyze, statementStart: first.start };
}

/** The option list of EXPLAIN ( ... ); returns whether ANALYZE is on, undefined if malformed. */
function explainOptions(c: Cursor): boolean | undefined {
  c.advance();
  let analyze = false;
  for (;;) {
    const name = c.advance();
    if (name?.kind !== 'ident') return undefined;
    const value: Token[] = [];
    for (let t = c.peek(); t !== undefined && t.kind !== 'comma' && t.kind !== 'rparen'; t = c.peek())
      value.push(c.advance() ?? t);
    if (name.value === 'analyze' || name.value === 'analyse') {
      const on = value.length === 0 ? true : value.length === 1 ? parseBool(tokenWord(value[0])) : undefined;
      if (on === undefined) return undefined;
      analyze = on;
    }
    const sep = c.advance();
    if (sep?.kind === 'rparen') return analyze;
    if (sep?.kind !== 'comma') return undefined;
  }
}

function tokenWord(t: Token | undefined): string {
  if (t === undefined) return '';
  if (t.kind === 'ident' || t.kind === 'quoted_ident' || t.kind === 'string') return t.value;
  return t.kind === 'number' ? t.text : '';
}

/** The server's parse_bool: unique prefixes of true/false/yes/no, on/off (two letters at least), 1/0. */
export function parseBool(value: string): boolean | undefined {
  const s = value.toLowerCase();
  if (s === '') return undefined;
  if (s === '1') return true;
  if (s === '0') return false;
  if ('true'.startsWith(s) || 'yes'.startsWith(s)) return true;
  if ('false'.startsWith(s) || 'no'.startsWith(s)) return false;
  if (s.length >= 2 && 'on'.startsWith(s)) return true;
  if (s.length >= 2 && 'off'.startsWith(s)) return false;
  return undefined;
}

export interface CreateAsCommand {
  readonly kind: 'table' | 'materialized_view';
  /** Offsets in `text` of the query after AS (a SELECT, VALUES, TABLE, WITH or EXECUTE). */
  readonly queryStart: number;
  readonly queryEnd: number;
  /** False for WITH NO DATA: the query is planned but not run. */
  readonly withData: boolean;
}

/**
 * CREATE [GLOBAL|LOCAL] [TEMP|UNLOGGED] TABLE ... AS query [WITH [NO] DATA] and
 * CREATE MATERIALIZED VIEW ... AS query [WITH [NO] DATA]. A plain CREATE TABLE
 * (no top-level AS) is null.
 */
export function parseCreateAs(text: string, opts: LexOptions = {}): CreateAsCommand | null {
  const tokens = tokenize(text, { ...opts, comments: false });
  if (tokens.some(isUnterminated) || !isKeyword(tokens[0], 'create')) return null;
  const words = firstKeywords(text, 5, opts);
  const k = skipTableModifiers(words, 1);
  const kind =
    words[k] === 'table' ? 'table' : words[k] === 'materialized' && words[k + 1] === 'view' ? 'materialized_view' : undefined;
  if (kind === undefined) return null;
  const as = topLevelKeyword(tokens, k + 1, 'as');
  const queryFirst = tokens[as + 1];
  if (as < 0 || queryFirst === undefined) return null;
  let lastIdx = tokens.length - 1;
  while (tokens[lastIdx]?.kind === 'semicolon') lastIdx--;
  const tail = dataClause(tokens, lastIdx);
  const queryLast = tokens[lastIdx - tail.length];
  if (queryLast === undefined || queryLast.end <= queryFirst.start) return null;
  return { kind, queryStart: queryFirst.start, queryEnd: queryLast.end, withData: tail.withData };
}

/** A trailing WITH [NO] DATA ending at token `last`: how many tokens, and which. */
function dataClause(tokens: readonly Token[], last: number): { length: number; withData: boolean } {
  if (!isKeyword(tokens[last], 'data')) return { length: 0, withData: true };
  if (isKeyword(tokens[last - 1], 'no') && isKeyword(tokens[last - 2], 'with')) return { length: 3, withData: false };
  if (isKeyword(tokens[last - 1], 'with')) return { length: 2, withData: true };
  return { length: 0, withData: true };
}

function topLevelKeyword(tokens: readonly Token[], from: number, word: string): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind === 'lparen' || t?.kind === 'lbracket') depth++;
    else if (t?.kind === 'rparen' || t?.kind === 'rbracket') depth--;
    else if (depth === 0 && isKeyword(t, word)) return i;
  }
  return -1;
}

export interface RefreshCommand {
  /** The view's name as written, each part as the server sees it: ['public', 'v']. */
  readonly name: readonly string[];
  readonly concurrently: boolean;
  readonly withData: boolean;
}

/** REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]. */
export function parseRefreshMatview(text: string, opts: LexOptions = {}): RefreshCommand | null {
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords('refresh', 'materialized', 'view')) return null;
  const concurrently = c.keywords('concurrently');
  const name = c.qualifiedName();
  if (name === undefined) return null;
  const withData = !c.keywords('with', 'no', 'data');
  if (withData) c.keywords('with', 'data');
  return c.done() ? { name, concurrently, withData } : null;
}
