/**
 * Aurora MySQL's ML user functions: `CREATE FUNCTION ... RETURNS type ALIAS
 * AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'ep' [MAX_BATCH_SIZE n]` and
 * `... ALIAS AWS_BEDROCK_INVOKE_MODEL MODEL ID 'id' [CONTENT_TYPE 'ct']
 * [ACCEPT 'ct'] [TIMEOUT_MS n]`. Stock MySQL has no ALIAS clause, so the proxy
 * parses it here, records the binding, and forwards the statement with the
 * clause cut out (aliasStart..aliasEnd).
 */
import { tokenize } from './lexer.ts';
import { parseReturnType, type ReturnType } from './return-type.ts';
import { skipDefiner } from './statement-split.ts';
import { isKeyword, isNameToken, isOp, type LexOptions, type Token } from './tokens.ts';

export interface AliasParam {
  readonly name: string;
  /** The type as written, e.g. `varchar(2048) CHARSET utf8mb4`. */
  readonly type: string;
}

export type DataAccess = 'contains' | 'no' | 'reads' | 'modifies';

export interface AliasFunction {
  readonly kind: 'sagemaker' | 'bedrock';
  /** The DEFINER clause's user as written (`'admin'@'%'`, CURRENT_USER). */
  readonly definer?: string;
  readonly ifNotExists: boolean;
  readonly schema?: string;
  readonly name: string;
  readonly params: readonly AliasParam[];
  readonly returns: ReturnType;
  readonly sqlSecurity?: 'definer' | 'invoker';
  readonly deterministic?: boolean;
  readonly dataAccess?: DataAccess;
  readonly comment?: string;
  readonly language?: string;
  readonly endpointName?: string;
  readonly maxBatchSize?: number;
  readonly modelId?: string;
  readonly contentType?: string;
  readonly accept?: string;
  readonly timeoutMs?: number;
  /** Offsets of the ALIAS keyword and just after the clause's last token. */
  readonly aliasStart: number;
  readonly aliasEnd: number;
  readonly text: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Draft = Partial<Mutable<AliasFunction>>;

/** Cursor over the statement's tokens; every reader returns undefined rather than throwing. */
class Cursor {
  i = 0;
  constructor(
    readonly tokens: readonly Token[],
    readonly sql: string,
  ) {}
  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }
  /** Consumes the keyword sequence if all of it is there. */
  accept(...words: string[]): boolean {
    if (!words.every((w, k) => isKeyword(this.peek(k), w))) return false;
    this.i += words.length;
    return true;
  }
  string(): string | undefined {
    const t = this.peek();
    if (t?.kind !== 'string' || t.unterminated) return undefined;
    this.i++;
    return t.value;
  }
  /** An integer literal, with an optional sign (so that MAX_BATCH_SIZE -1 can be reported, not missed). */
  integer(): number | undefined {
    const negative = isOp(this.peek(), '-');
    const signed = negative || isOp(this.peek(), '+');
    const t = this.peek(signed ? 1 : 0);
    if (t?.kind !== 'number' || !/^\d+$/.test(t.text)) return undefined;
    this.i += signed ? 2 : 1;
    return negative ? -Number(t.text) : Number(t.text);
  }
  slice(from: number, to: number): string {
    const a = this.tokens[from];
    const b = this.tokens[to - 1];
    return a === undefined || b === undefined || to <= from ? '' : this.sql.slice(a.start, b.end);
  }
}

/** The ALIAS function defined by `sql` (one statement), or null if it is not one or is malformed. */
export function parseCreateFunctionAlias(sql: string, opts: LexOptions = {}): AliasFunction | null {
  const c = new Cursor(tokenize(sql, { ...opts, comments: false }), sql);
  const fn: Draft = { text: sql };
  if (!c.accept('create')) return null;
  if (!definer(c, fn)) return null;
  if (!c.accept('function')) return null;
  fn.ifNotExists = c.accept('if', 'not', 'exists');
  if (!routineName(c, fn) || !params(c, fn)) return null;
  if (!definer(c, fn) || !c.accept('returns')) return null;
  const typeFrom = c.i;
  while (c.peek() !== undefined && !isClauseStart(c)) c.i += c.peek()?.kind === 'lparen' ? skipParens(c) : 1;
  fn.returns = parseReturnType(c.slice(typeFrom, c.i));
  while (!isKeyword(c.peek(), 'alias')) if (!characteristic(c, fn)) return null;
  fn.aliasStart = c.peek()?.start ?? 0;
  c.i++;
  if (!(c.accept('aws_sagemaker_invoke_endpoint') ? sagemaker(c, fn) : c.accept('aws_bedrock_invoke_model') && bedrock(c, fn)))
    return null;
  if (c.peek()?.kind === 'semicolon') c.i++;
  if (c.peek() !== undefined) return null;
  return fn as AliasFunction;
}

function definer(c: Cursor, fn: Draft): boolean {
  if (!isKeyword(c.peek(), 'definer')) return true;
  if (fn.definer !== undefined) return false;
  const from = c.i + (isOp(c.peek(1), '=') ? 2 : 1);
  c.i = skipDefiner(c.tokens, c.i);
  fn.definer = c.slice(from, c.i);
  return fn.definer !== '';
}

function routineName(c: Cursor, fn: Draft): boolean {
  const a = c.peek();
  if (!isNameToken(a)) return false;
  c.i++;
  const b = c.peek(1);
  if (c.peek()?.kind === 'dot' && isNameToken(b)) {
    c.i += 2;
    fn.schema = a.value;
    fn.name = b.value;
  } else fn.name = a.value;
  return true;
}

function params(c: Cursor, fn: Draft): boolean {
  if (c.peek()?.kind !== 'lparen') return false;
  const close = c.i + skipParens(c) - 1;
  if (c.tokens[close]?.kind !== 'rparen') return false;
  const out: AliasParam[] = [];
  let from = c.i + 1;
  for (let k = from; k <= close; k++) {
    const t = c.tokens[k];
    if (t?.kind === 'lparen') k = c.i + skipParens(c, k) - 1;
    else if (t?.kind === 'comma' || k === close) {
      const name = c.tokens[from];
      if (!isNameToken(name) || k - from < 2) {
        if (k === close && k === c.i + 1) break; // f(): no parameters
        return false;
      }
      out.push({ name: name.value, type: c.slice(from + 1, k) });
      from = k + 1;
    }
  }
  fn.params = out;
  c.i = close + 1;
  return true;
}

/** Tokens from the '(' at `at` (default: the cursor) through its matching ')'. */
function skipParens(c: Cursor, at = c.i): number {
  let depth = 0;
  for (let k = at; k < c.tokens.length; k++) {
    const kind = c.tokens[k]?.kind;
    if (kind === 'lparen') depth++;
    else if (kind === 'rparen' && --depth === 0) return k - c.i + 1;
  }
  return c.tokens.length - c.i;
}

const CLAUSE_WORDS: ReadonlySet<string> = new Set([
  'alias',
  'sql',
  'comment',
  'language',
  'deterministic',
  'contains',
  'reads',
  'modifies',
]);

function isClauseStart(c: Cursor): boolean {
  const t = c.peek();
  if (t?.kind !== 'ident') return false;
  if (t.value === 'not') return isKeyword(c.peek(1), 'deterministic');
  if (t.value === 'no') return isKeyword(c.peek(1), 'sql');
  return CLAUSE_WORDS.has(t.value);
}

/** Stores a clause's value; false (a malformed clause) when it was missing. */
function put<K extends keyof Draft>(fn: Draft, key: K, value: Draft[K]): boolean {
  fn[key] = value;
  return value !== undefined;
}

function characteristic(c: Cursor, fn: Draft): boolean {
  if (c.accept('sql', 'security', 'definer')) fn.sqlSecurity = 'definer';
  else if (c.accept('sql', 'security', 'invoker')) fn.sqlSecurity = 'invoker';
  else if (c.accept('comment')) return put(fn, 'comment', c.string());
  else if (c.accept('language')) return put(fn, 'language', nameWord(c));
  else if (c.accept('not', 'deterministic')) fn.deterministic = false;
  else if (c.accept('deterministic')) fn.deterministic = true;
  else if (c.accept('contains', 'sql')) fn.dataAccess = 'contains';
  else if (c.accept('no', 'sql')) fn.dataAccess = 'no';
  else if (c.accept('reads', 'sql', 'data')) fn.dataAccess = 'reads';
  else if (c.accept('modifies', 'sql', 'data')) fn.dataAccess = 'modifies';
  else return false;
  return true;
}

function nameWord(c: Cursor): string | undefined {
  const t = c.peek();
  if (t?.kind !== 'ident') return undefined;
  c.i++;
  return t.value;
}

function sagemaker(c: Cursor, fn: Draft): boolean {
  fn.kind = 'sagemaker';
  if (!c.accept('endpoint', 'name') || !put(fn, 'endpointName', c.string())) return false;
  if (c.accept('max_batch_size') && !put(fn, 'maxBatchSize', c.integer())) return false;
  fn.aliasEnd = c.tokens[c.i - 1]?.end ?? 0;
  return true;
}

/** MODEL ID first, then the optional settings in any order, each at most once. */
function bedrock(c: Cursor, fn: Draft): boolean {
  fn.kind = 'bedrock';
  if (!c.accept('model', 'id') || !put(fn, 'modelId', c.string())) return false;
  for (;;) {
    let ok = true;
    if (fn.contentType === undefined && c.accept('content_type')) ok = put(fn, 'contentType', c.string());
    else if (fn.accept === undefined && c.accept('accept')) ok = put(fn, 'accept', c.string());
    else if (fn.timeoutMs === undefined && c.accept('timeout_ms')) ok = put(fn, 'timeoutMs', c.integer());
    else break;
    if (!ok) return false;
  }
  fn.aliasEnd = c.tokens[c.i - 1]?.end ?? 0;
  return true;
}
