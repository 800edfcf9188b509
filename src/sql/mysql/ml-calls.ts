/**
 * Finds calls to the Aurora MySQL ML built-ins, and answers the cheaper
 * questions the proxy asks of every statement (might it touch ML at all? does
 * it name an ALIAS function or an ML-dependent view?).
 *
 * A call is the unquoted, unqualified function name in any case followed by
 * `(`. MySQL wants no space before the `(` of a built-in unless IGNORE_SPACE
 * is set; both are accepted here, as the proxy cannot always know the mode
 * and a false call only costs a rewrite the server would reject anyway.
 * A qualified `db.aws_...(` or backquoted name is a stored function, not the
 * built-in. Names in string literals and comments are not calls; names inside
 * executable comments (`/*! ... *\/`) are, as the server runs that text.
 */
import { MYSQL_BUILTINS } from '../../functions/registry.ts';
import { tokenize } from './lexer.ts';
import { callArgs, type MlCallArg } from './ml-call-args.ts';
import type { LexOptions, Token } from './tokens.ts';

/** The built-ins' names (src/functions/registry.ts), seed extensions included. */
export const MYSQL_ML_FUNCTIONS: readonly string[] = MYSQL_BUILTINS.map((b) => b.name);

/** A built-in's name, lower case. */
export type MySqlMlFunction = string;

const BY_NAME: ReadonlySet<string> = new Set(MYSQL_ML_FUNCTIONS);

export interface MlCall {
  readonly fn: MySqlMlFunction;
  /** Offset of the function name, and just after it. */
  readonly start: number;
  readonly nameEnd: number;
  /** Offsets of the call's '(' and its matching ')' (-1 when the ')' is missing). */
  readonly open: number;
  readonly close: number;
  readonly args: readonly MlCallArg[];
  /** How many other reported calls enclose this one. */
  readonly depth: number;
}

/** Cheap pre-check for every statement: might the text call an Aurora ML built-in? */
export function mightTouchMl(sql: string): boolean {
  return ML_HINT.test(sql);
}

const ML_HINT = /aws_(?:comprehend|sagemaker)_/i;

/** Every ML built-in call, outer calls before the calls nested in them (order of `start`). */
export function findMlCalls(sql: string, opts: LexOptions = {}): MlCall[] {
  if (!mightTouchMl(sql)) return [];
  const tokens = tokenize(sql, { ...opts, comments: false });
  const partner = matchParens(tokens);
  const out: MlCall[] = [];
  const closes: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'ident' || !BY_NAME.has(t.value) || tokens[i + 1]?.kind !== 'lparen' || !isCall(tokens, i)) continue;
    const closeIdx = partner[i + 1] ?? -1;
    const close = closeIdx < 0 ? -1 : (tokens[closeIdx]?.start ?? -1);
    while (closes.length > 0 && (closes.at(-1) ?? 0) < t.start) closes.pop();
    const lastIdx = closeIdx < 0 ? tokens.length : closeIdx;
    out.push({
      fn: t.value as MySqlMlFunction,
      start: t.start,
      nameEnd: t.end,
      open: tokens[i + 1]?.start ?? t.end,
      close,
      args: callArgs(sql, tokens, partner, i + 1, lastIdx),
      depth: closes.length,
    });
    closes.push(close < 0 ? sql.length : close);
  }
  return out;
}

/**
 * Words after which `name (` names an object rather than calling a function:
 * a routine in its signature (CREATE/DROP FUNCTION aws_...(...)) or a CALL, a
 * table with its column list (INSERT INTO t (a, b), CREATE TABLE t (...),
 * REFERENCES t (id)), a view, an index or a common table expression.
 */
const NAMING_WORDS: ReadonlySet<string> = new Set([
  'function',
  'procedure',
  'exists',
  'call',
  'table',
  'into',
  'insert',
  'replace',
  'ignore',
  'references',
  'view',
  'key',
  'index',
  'with',
  'recursive',
]);

/** Not a qualified name, nor the name of an object the statement declares or targets (NAMING_WORDS). */
function isCall(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1];
  return prev?.kind !== 'dot' && !(prev?.kind === 'ident' && NAMING_WORDS.has(prev.value));
}

/** partner[i] is the index of the parenthesis matching token i, or -1. */
function matchParens(tokens: readonly Token[]): Int32Array {
  const partner = new Int32Array(tokens.length).fill(-1);
  const stack: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'lparen') stack.push(i);
    else if (t.kind === 'rparen') {
      const open = stack.pop();
      if (open === undefined) return;
      partner[open] = i;
      partner[i] = open;
    }
  });
  return partner;
}

/**
 * Whether the statement names any of `names` (ALIAS functions, ML-dependent
 * views): 'name' or 'db.name', case-insensitive, backquoted or not. A bare
 * reference matches a qualified name too, since the session's default
 * database is not known here; erring towards true only costs a closer look.
 */
export function referencesAny(sql: string, names: ReadonlySet<string>, opts: LexOptions = {}): boolean {
  if (names.size === 0) return false;
  const lower = sql.toLowerCase();
  const wanted = new Map<string, string | undefined>();
  for (const n of names) {
    const dot = n.lastIndexOf('.');
    const name = n.slice(dot + 1).toLowerCase();
    if (!lower.includes(name)) continue;
    // A second spelling of the same name without a schema makes the bare form enough.
    const schema = dot < 0 ? undefined : n.slice(0, dot).toLowerCase();
    wanted.set(name, wanted.has(name) && (wanted.get(name) === undefined || schema === undefined) ? undefined : schema);
  }
  if (wanted.size === 0) return false;
  const tokens = tokenize(sql, { ...opts, comments: false });
  return tokens.some((t, i) => {
    if (t.kind !== 'ident' && t.kind !== 'quoted_ident') return false;
    const name = t.value.toLowerCase();
    if (!wanted.has(name)) return false;
    const schema = wanted.get(name);
    const q = tokens[i - 2];
    if (tokens[i - 1]?.kind !== 'dot' || schema === undefined) return true;
    return (q?.kind === 'ident' || q?.kind === 'quoted_ident') && q.value.toLowerCase() === schema;
  });
}
