/**
 * Finds calls to the Aurora ML functions in PostgreSQL text, and answers the
 * cheaper questions the proxy asks of every statement (might it touch ML at
 * all? does it name an ML-dependent view or wrapper function?).
 *
 * A call is `[catalog.]schema.function (` with any whitespace or comments
 * between the tokens, unquoted names in any case, quoted names exact (so
 * "aws_comprehend"."detect_sentiment" matches and "AWS_COMPREHEND" does not,
 * as in the server). Names mentioned in string literals or comments are not
 * calls; neither are function signatures in DDL (`DROP FUNCTION
 * aws_comprehend.detect_sentiment(text, text)`, `GRANT ... ON FUNCTION ...`,
 * `CREATE FUNCTION aws_...(...)`).
 */
import { RecentTexts } from '../recent-texts.ts';
import { forEachBody } from './function-bodies.ts';
import { foldAsciiCase, truncateIdentifier } from './identifiers.ts';
import { tokenize } from './lexer.ts';
import { callArgs, type MlCallArg, type SourceText } from './ml-call-args.ts';
import { type MlFunctionName, mlFunctionNamed } from './ml-functions.ts';
import { isKeyword, isNameToken, type LexOptions, type Token } from './tokens.ts';

export interface FindMlCallsOptions extends LexOptions {
  /**
   * Also look inside function bodies: every dollar-quoted string, and the
   * single-quoted string after AS in CREATE [OR REPLACE] FUNCTION|PROCEDURE
   * (and the code string of DO). Offsets still refer to the original text.
   */
  readonly scanBodies?: boolean;
}

export interface MlCall {
  readonly fn: MlFunctionName;
  /** Offset of the qualified name (its first component, a catalog name if given). */
  readonly start: number;
  /** Offset just after the function-name token. */
  readonly nameEnd: number;
  /** Offsets of the call's '(' and its matching ')'. */
  readonly open: number;
  readonly close: number;
  /** Top-level arguments in order (commas inside parentheses/brackets do not split). */
  readonly args: readonly MlCallArg[];
  /** How many other reported calls enclose this one. */
  readonly depth: number;
  /**
   * Where the call's text sits: 'none' in plain SQL; 'dollar' inside a
   * dollar-quoted body; 'string' inside a single-quoted body, where argument
   * `text` still carries the outer quoting ('' doubled) but `literal` is decoded.
   */
  readonly quoting: 'none' | 'dollar' | 'string';
}

type FoundCall = Omit<MlCall, 'depth'>;

/** Cheap pre-check for every statement: might the text call an Aurora ML function? */
export function mightTouchMl(sql: string): boolean {
  // u&" catches U&"aws\005fcomprehend"-style names the plain search cannot see.
  return ML_HINT.test(sql);
}

const ML_HINT = /aws_(?:comprehend|sagemaker|bedrock)|u&"/i;

/**
 * Every Aurora ML call, outer calls before the calls nested in them (order of
 * `start`). The last few short texts' answers are kept for the statement's
 * next reader (../recent-texts.ts), hence readonly.
 */
export function findMlCalls(sql: string, opts: FindMlCallsOptions = {}): readonly MlCall[] {
  if (!worthScanning(sql, opts)) return NO_CALLS;
  const variant = (opts.standardConformingStrings === false ? 1 : 0) | (opts.scanBodies === true ? 2 : 0);
  return recentlyFound.get(sql, variant, () => scanCalls(sql, opts));
}

const NO_CALLS: readonly MlCall[] = Object.freeze([]);
const recentlyFound = new RecentTexts<readonly MlCall[]>(4);

function scanCalls(sql: string, opts: FindMlCallsOptions): readonly MlCall[] {
  const out: FoundCall[] = [];
  collect(sql, { root: sql, toRoot: (o) => o, quoting: 'none', opts, out });
  out.sort((a, b) => a.start - b.start);
  return Object.freeze(withDepth(out));
}

/** Bodies with backslash escapes could spell a name with \x5f: scan those too. */
function worthScanning(text: string, opts: FindMlCallsOptions): boolean {
  return mightTouchMl(text) || (opts.scanBodies === true && text.includes('\\'));
}

interface ScanContext extends SourceText {
  readonly quoting: MlCall['quoting'];
  readonly opts: FindMlCallsOptions;
  readonly out: FoundCall[];
}

/** Tokens for the scans here, which never want comments. */
function scanTokens(text: string, opts: FindMlCallsOptions): readonly Token[] {
  return tokenize(text, { standardConformingStrings: opts.standardConformingStrings ?? true });
}

function collect(text: string, ctx: ScanContext): void {
  const tokens = scanTokens(text, ctx.opts);
  const partner = matchBrackets(tokens);
  findCallsInTokens(tokens, partner, ctx);
  if (!ctx.opts.scanBodies) return;
  forEachBody(
    text,
    tokens,
    (body) => worthScanning(body, ctx.opts),
    (body, toText, quoting) => {
      // A body nested in a single-quoted body still carries that quoting in the original.
      const q = ctx.quoting === 'string' || quoting === 'string' ? 'string' : 'dollar';
      collect(body, { ...ctx, toRoot: (o) => ctx.toRoot(toText(o)), quoting: q });
    },
  );
}

// ---------------------------------------------------------------------------
// Calls in one token stream

function findCallsInTokens(tokens: readonly Token[], partner: Int32Array, ctx: ScanContext): void {
  const signatureStarts = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (!isNameToken(tokens[i]) || tokens[i - 1]?.kind === 'dot') continue;
    const last = chainEnd(tokens, i);
    const open = tokens[last + 1]?.kind === 'lparen' ? last + 1 : -1;
    if (isSignatureContext(tokens, i, signatureStarts)) {
      // DROP FUNCTION a(int), b(text): every name in the list is a signature.
      const after = open >= 0 ? (partner[open] ?? -1) + 1 : last + 1;
      if (after > 0 && tokens[after]?.kind === 'comma') signatureStarts.add(after + 1);
      continue;
    }
    if (open < 0) continue;
    const fn = mlFunctionOf(tokens, i, last);
    const close = partner[open] ?? -1;
    if (fn === undefined || close < 0) continue; // an unclosed call is the server's syntax error
    ctx.out.push(buildCall(tokens, partner, ctx, { fn, first: i, last, open, close }));
  }
}

/** Index of the last name in `name(.name)*` starting at i. */
function chainEnd(tokens: readonly Token[], i: number): number {
  let j = i;
  while (tokens[j + 1]?.kind === 'dot' && isNameToken(tokens[j + 2])) j += 2;
  return j;
}

/** schema.fn or catalog.schema.fn naming an ML function. */
function mlFunctionOf(tokens: readonly Token[], first: number, last: number): MlFunctionName | undefined {
  const parts = (last - first) / 2 + 1;
  if (parts < 2 || parts > 3) return undefined;
  const schema = tokens[last - 2];
  const name = tokens[last];
  if (!isNameToken(schema) || !isNameToken(name)) return undefined;
  return mlFunctionNamed(schema.value, name.value);
}

const ROUTINE_WORDS: ReadonlySet<string> = new Set(['function', 'functions', 'procedure', 'routine', 'aggregate']);

/** The name follows FUNCTION/PROCEDURE/ROUTINE [IF EXISTS], or continues such a list. */
function isSignatureContext(tokens: readonly Token[], i: number, signatureStarts: ReadonlySet<number>): boolean {
  if (signatureStarts.has(i)) return true;
  let p = i - 1;
  if (isKeyword(tokens[p], 'exists') && isKeyword(tokens[p - 1], 'if')) p -= 2;
  const t = tokens[p];
  return t?.kind === 'ident' && ROUTINE_WORDS.has(t.value);
}

/** partner[i] = index of the matching bracket for ( ) [ ], or -1. */
function matchBrackets(tokens: readonly Token[]): Int32Array {
  const partner = new Int32Array(tokens.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const kind = tokens[i]?.kind;
    if (kind === 'lparen' || kind === 'lbracket') stack.push(i);
    else if (kind === 'rparen' || kind === 'rbracket') {
      const top = stack[stack.length - 1];
      if (top === undefined) continue;
      const want = kind === 'rparen' ? 'lparen' : 'lbracket';
      if (tokens[top]?.kind !== want) continue; // mismatched: leave both unmatched
      stack.pop();
      partner[top] = i;
      partner[i] = top;
    }
  }
  return partner;
}

interface CallShape {
  readonly fn: MlFunctionName;
  readonly first: number;
  readonly last: number;
  readonly open: number;
  readonly close: number;
}

function buildCall(tokens: readonly Token[], partner: Int32Array, ctx: ScanContext, s: CallShape): FoundCall {
  return {
    fn: s.fn,
    start: ctx.toRoot(tokens[s.first]?.start ?? 0),
    nameEnd: ctx.toRoot(tokens[s.last]?.end ?? 0),
    open: ctx.toRoot(tokens[s.open]?.start ?? 0),
    close: ctx.toRoot(tokens[s.close]?.start ?? 0),
    args: callArgs(tokens, partner, s.open, s.close, ctx),
    quoting: ctx.quoting,
  };
}

function withDepth(sorted: readonly FoundCall[]): MlCall[] {
  const open: FoundCall[] = [];
  return sorted.map((call) => {
    while (open.length > 0 && (open[open.length - 1]?.close ?? 0) < call.start) open.pop();
    const depth = open.length;
    open.push(call);
    return { ...call, depth };
  });
}

// ---------------------------------------------------------------------------
// References to ML-dependent objects

/**
 * Does `sql` mention any identifier in `names` (unquoted identifiers folded to
 * lower case, quoted ones exact; every component of a dotted name counts)?
 * Used with the set of ML-dependent views and wrapper functions. With
 * opts.scanBodies, identifiers inside function bodies count too.
 *
 * The common no-match path is one regular-expression pass over the words of
 * the text with two set look-ups per word; the tokenizer only confirms a
 * candidate (a word might sit in a string or comment). Treat `names` as
 * immutable: build a new Set when the dependency set changes.
 */
export function referencesAny(sql: string, names: ReadonlySet<string>, opts: FindMlCallsOptions = {}): boolean {
  if (names.size === 0 || !mayReference(sql, names, opts)) return false;
  return tokensReference(sql, names, opts);
}

const SIMPLE_NAME = /^[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*$/;

/** Up to this many names, one native lower-case + includes per name beats splitting into words. */
const FEW_NAMES = 32;

/**
 * No false negatives: an identifier referring to name N contains N's text
 * (case aside; quotes doubled inside quoted names; a long identifier contains
 * its 63-byte truncation), except in U& form or behind body escapes, which go
 * straight to the tokenizer.
 */
function mayReference(sql: string, names: ReadonlySet<string>, opts: FindMlCallsOptions): boolean {
  if (/u&"/i.test(sql) || (opts.scanBodies === true && sql.includes('\\'))) return true;
  const info = nameInfo(names);
  if (info.lowered.length <= FEW_NAMES) {
    const lower = sql.toLowerCase();
    return info.lowered.some((n) => lower.includes(n));
  }
  return wordMatches(sql, names) || info.complex.some((n) => sql.includes(n));
}

/** Every word of the text, as written and ASCII-folded, looked up in the set. */
function wordMatches(sql: string, names: ReadonlySet<string>): boolean {
  for (const m of sql.matchAll(WORD)) {
    const w = m[0];
    const folded = foldAsciiCase(w);
    if (names.has(w) || names.has(folded)) return true;
    if (w.length > 21 && (names.has(truncateIdentifier(w)) || names.has(truncateIdentifier(folded)))) return true;
  }
  return false;
}

const WORD = /[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/g;

interface NameInfo {
  readonly size: number;
  /** Every name lower-cased, quotes doubled as they appear in quoted identifiers. */
  readonly lowered: readonly string[];
  /** Names that are not one word (spaces, dots, quotes...): only writable quoted, verbatim. */
  readonly complex: readonly string[];
}

const nameCache = new WeakMap<ReadonlySet<string>, NameInfo>();

function nameInfo(names: ReadonlySet<string>): NameInfo {
  const cached = nameCache.get(names);
  if (cached !== undefined && cached.size === names.size) return cached;
  const list = [...names].filter((n) => n !== '');
  const info: NameInfo = {
    size: names.size,
    lowered: list.map((n) => n.replaceAll('"', '""').toLowerCase()),
    complex: list.filter((n) => !SIMPLE_NAME.test(n)).map((n) => n.replaceAll('"', '""')),
  };
  nameCache.set(names, info);
  return info;
}

function tokensReference(text: string, names: ReadonlySet<string>, opts: FindMlCallsOptions): boolean {
  const tokens = scanTokens(text, opts);
  if (tokens.some((t) => isNameToken(t) && names.has(t.value))) return true;
  if (!opts.scanBodies) return false;
  let found = false;
  forEachBody(
    text,
    tokens,
    (body) => !found && mayReference(body, names, opts),
    (body) => {
      found ||= tokensReference(body, names, opts);
    },
  );
  return found;
}
