/**
 * Which ML calls of a statement can be answered before the statement runs,
 * and from which rows. For `SELECT ..., (aws_comprehend.detect_sentiment(txt,
 * 'en')).sentiment FROM t WHERE ...` the distinct arguments are those of
 * `SELECT txt, 'en' FROM t WHERE ...`: one cheap query finds every call the
 * statement will make, instead of a whole run of it with a stub per row.
 *
 * A plan is only ever an optimisation: a call it misses (or gets wrong
 * arguments for) is still found by the stub it falls back to, so a plan may
 * be incomplete but must never make a statement do what it would not. That
 * is why a call is planned only where the statement evaluates it for every
 * row of its source: not under CASE, COALESCE, AND/OR, FILTER or a window,
 * and not in a subquery. Pure: text in, plan out.
 *
 * Shapes planned: `SELECT list [FROM ...] [WHERE ...] [GROUP BY ...]
 * [HAVING ...] [ORDER BY ...]`, `INSERT INTO ... SELECT ...` of that shape,
 * and `UPDATE [ONLY] t [AS a] SET ... [FROM ...] [WHERE ...] [RETURNING ...]`.
 * Calls whose arguments are all literals or parameters are also planned in
 * a FROM list (`SELECT * FROM aws_comprehend.detect_sentiment('...', 'en')`).
 */

import { tokenText, topLevelItems } from '../token-ranges.ts';
import { tokenize } from './lexer.ts';
import { findMlCalls, type MlCall } from './ml-calls.ts';
import type { MlFunctionName } from './ml-functions.ts';
import { isKeyword, type Token } from './tokens.ts';

export interface PrefetchSite {
  readonly call: MlCall;
  /** `(call).field`: where that starts (the '(') and ends (after the field name), and the field's name. */
  readonly field?: { readonly start: number; readonly end: number; readonly name: string };
}

export interface PrefetchPlan {
  /** The calls answered ahead, in text order. */
  readonly sites: readonly PrefetchSite[];
  /**
   * The clauses that produce the statement's rows (`FROM ... WHERE ...
   * GROUP BY ... HAVING ...`), to select the sites' arguments from; empty
   * when every site's arguments are literals.
   */
  readonly source: string;
}

/** Words that make what follows conditional, or a query of its own. */
const CONDITIONAL: ReadonlySet<string> = new Set([
  'case',
  'when',
  'coalesce',
  'nullif',
  'greatest',
  'least',
  'and',
  'or',
  'filter',
  'over',
  'select',
  'exists',
]);

/** Clauses after which a superset of the rows would be selected, or that change what runs. */
const UNPLANNED_CLAUSES: ReadonlySet<string> = new Set([
  'into',
  'union',
  'intersect',
  'except',
  'limit',
  'offset',
  'fetch',
  'for',
  'window',
]);

/** Clauses that end a SELECT's target list. */
const SOURCE_CLAUSES: ReadonlySet<string> = new Set(['from', 'where', 'group', 'having']);

interface Scan {
  readonly sql: string;
  readonly tokens: readonly Token[];
  /** Bracket depth of each token (its own bracket counts as outside). */
  readonly depth: Int32Array;
}

export function planPrefetch(sql: string, answerable: (fn: MlFunctionName) => boolean): PrefetchPlan | null {
  const tokens = tokenize(sql);
  if (tokens.some(unusable)) return null;
  const scan: Scan = { sql, tokens, depth: depths(tokens) };
  const first = tokens[0];
  if (isKeyword(first, 'select')) return planSelect(scan, 0, tokens.length, answerable);
  if (isKeyword(first, 'update')) return planUpdate(scan, answerable);
  if (isKeyword(first, 'insert')) return planInsertSelect(scan, answerable);
  return null;
}

function unusable(t: Token): boolean {
  switch (t.kind) {
    case 'other':
      return true;
    case 'string':
    case 'quoted_ident':
      return t.unterminated || t.invalid;
    case 'dollar_string':
    case 'bit_string':
      return t.unterminated;
    case 'comment':
      return t.unterminated;
    default:
      return false;
  }
}

function depths(tokens: readonly Token[]): Int32Array {
  const out = new Int32Array(tokens.length);
  let d = 0;
  tokens.forEach((t, i) => {
    if (t.kind === 'rparen' || t.kind === 'rbracket') d--;
    out[i] = d;
    if (t.kind === 'lparen' || t.kind === 'lbracket') d++;
  });
  return out;
}

/** Index of the first token at depth 0 in [from, to) satisfying `test`, or `to`. */
function findTop(scan: Scan, from: number, to: number, test: (t: Token, i: number) => boolean): number {
  for (let i = from; i < to; i++) {
    const t = scan.tokens[i];
    if (t !== undefined && scan.depth[i] === 0 && test(t, i)) return i;
  }
  return to;
}

const keywordIn = (set: ReadonlySet<string>) => (t: Token) => t.kind === 'ident' && set.has(t.value);

/** FROM starting a clause, not the one of `a IS [NOT] DISTINCT FROM b`. */
const clauseFrom = (scan: Scan) => (t: Token, i: number) => isKeyword(t, 'from') && !isKeyword(scan.tokens[i - 1], 'distinct');

/** Text of tokens [from, to), or '' when empty. */
function textOf(scan: Scan, from: number, to: number): string {
  return tokenText(scan.sql, scan.tokens, from, to);
}

/** [from, to) token ranges split at depth-0 commas. */
function items(scan: Scan, from: number, to: number): Array<[number, number]> {
  return topLevelItems(scan.tokens, scan.depth, from, to);
}

/** The statement end, before a trailing semicolon. */
function statementEnd(scan: Scan, to: number): number {
  return scan.tokens[to - 1]?.kind === 'semicolon' ? to - 1 : to;
}

function planSelect(scan: Scan, selectAt: number, to: number, answerable: (fn: MlFunctionName) => boolean): PrefetchPlan | null {
  const end = statementEnd(scan, to);
  if (findTop(scan, selectAt + 1, end, keywordIn(UNPLANNED_CLAUSES)) < end) return null;
  const listStart = afterSelectModifiers(scan, selectAt + 1);
  const isFrom = clauseFrom(scan);
  const sourceAt = findTop(scan, listStart, end, (t, i) => (isKeyword(t, 'from') ? isFrom(t, i) : keywordIn(SOURCE_CLAUSES)(t)));
  const orderAt = findTop(scan, sourceAt, end, (t, i) => isKeyword(t, 'order') && isKeyword(scan.tokens[i + 1], 'by'));
  if (positionalGroupBy(scan, sourceAt, orderAt)) return null;
  const listItems = items(scan, listStart, sourceAt);
  return choose(scan, answerable, {
    rowItems: listItems,
    source: textOf(scan, sourceAt, orderAt),
    sourceRange: [sourceAt, orderAt],
  });
}

/**
 * GROUP BY 1 names the first output column; the prefetch query's output
 * columns are not the statement's, so it would group by something else.
 */
function positionalGroupBy(scan: Scan, from: number, to: number): boolean {
  const groupAt = findTop(scan, from, to, (t, i) => isKeyword(t, 'group') && isKeyword(scan.tokens[i + 1], 'by'));
  const groupEnd = findTop(scan, groupAt, to, (t) => isKeyword(t, 'having'));
  return findTop(scan, groupAt, groupEnd, (t) => t.kind === 'number') < groupEnd;
}

/** Skips ALL / DISTINCT [ON (...)] after SELECT. */
function afterSelectModifiers(scan: Scan, i: number): number {
  const t = scan.tokens[i];
  if (isKeyword(t, 'all')) return i + 1;
  if (!isKeyword(t, 'distinct')) return i;
  if (!isKeyword(scan.tokens[i + 1], 'on')) return i + 1;
  const close = findTop(scan, i + 3, scan.tokens.length, (tok) => tok.kind === 'rparen');
  return close + 1;
}

function planInsertSelect(scan: Scan, answerable: (fn: MlFunctionName) => boolean): PrefetchPlan | null {
  const { tokens } = scan;
  const end = statementEnd(scan, tokens.length);
  const selectAt = findTop(scan, 1, end, (t) => isKeyword(t, 'select') || isKeyword(t, 'values') || isKeyword(t, 'default'));
  if (!isKeyword(tokens[selectAt], 'select')) return null;
  if (findTop(scan, 1, selectAt, (t) => isKeyword(t, 'with')) < selectAt) return null;
  // The SELECT ends where ON CONFLICT or RETURNING starts.
  const selectEnd = findTop(
    scan,
    selectAt + 1,
    end,
    (t, i) => isKeyword(t, 'returning') || (isKeyword(t, 'on') && isKeyword(tokens[i + 1], 'conflict')),
  );
  return planSelect(scan, selectAt, selectEnd, answerable);
}

function planUpdate(scan: Scan, answerable: (fn: MlFunctionName) => boolean): PrefetchPlan | null {
  const end = statementEnd(scan, scan.tokens.length);
  const setAt = findTop(scan, 1, end, (t) => isKeyword(t, 'set'));
  if (setAt >= end || setAt < 2) return null;
  const isFrom = clauseFrom(scan);
  const clauseAt = findTop(scan, setAt + 1, end, (t, i) => isFrom(t, i) || isKeyword(t, 'where') || isKeyword(t, 'returning'));
  const fromAt = isKeyword(scan.tokens[clauseAt], 'from') ? clauseAt : -1;
  const whereAt = findTop(scan, clauseAt, end, (t) => isKeyword(t, 'where'));
  const returningAt = findTop(scan, clauseAt, end, (t) => isKeyword(t, 'returning'));
  if (whereAt < end && isKeyword(scan.tokens[whereAt + 1], 'current')) return null;
  const target = textOf(scan, 1, setAt);
  const fromList = fromAt >= 0 ? textOf(scan, fromAt + 1, Math.min(whereAt, returningAt)) : '';
  const where = whereAt < end ? textOf(scan, whereAt, returningAt) : '';
  const source = `FROM ${target}${fromList === '' ? '' : `, ${fromList}`}${where === '' ? '' : ` ${where}`}`;
  const sourceStart = fromAt >= 0 ? fromAt : whereAt;
  return choose(scan, answerable, {
    rowItems: items(scan, setAt + 1, clauseAt),
    source,
    sourceRange: [sourceStart, returningAt],
  });
}

interface Shape {
  /** The expressions evaluated once per source row (a target list, SET assignments). */
  readonly rowItems: ReadonlyArray<[number, number]>;
  readonly source: string;
  /** Token range of the source clauses in the statement. */
  readonly sourceRange: readonly [number, number];
}

function choose(scan: Scan, answerable: (fn: MlFunctionName) => boolean, shape: Shape): PrefetchPlan | null {
  const calls = findMlCalls(scan.sql);
  const offsetIndex = new Map(scan.tokens.map((t, i) => [t.start, i]));
  const [sourceFrom, sourceTo] = shape.sourceRange;
  const inSource = (call: MlCall) => {
    const i = offsetIndex.get(call.start) ?? -1;
    return i >= sourceFrom && i < sourceTo;
  };
  const rowSites: MlCall[] = [];
  const literalSites: MlCall[] = [];
  /** Literal calls of the target list or SET: made once per row, so none when no row matches. */
  let perRowLiterals = false;
  for (const call of calls) {
    if (!plannable(scan, call, calls, answerable)) continue;
    const i = offsetIndex.get(call.start) ?? -1;
    const item = shape.rowItems.find(([a, b]) => i >= a && i < b);
    const literal = call.args.every((a) => a.literal !== undefined);
    if (item !== undefined && unconditional(scan, item)) {
      (literal ? literalSites : rowSites).push(call);
      perRowLiterals ||= literal;
    } else if (literal && inSource(call) && isFromItem(scan, i)) {
      literalSites.push(call);
    }
  }
  // Rows can come from the source only when it calls no ML function itself.
  const sourceCalls = calls.some(inSource);
  const sites = sourceCalls ? literalSites : [...rowSites, ...literalSites];
  if (sites.length === 0) return null;
  sites.sort((a, b) => a.start - b.start);
  // A call on literals in the target list still needs the rows: `... FROM t WHERE false` calls nothing.
  const needsRows = sites.some((s) => s.args.some((a) => a.literal === undefined)) || (perRowLiterals && !sourceCalls);
  return { sites: sites.map((call) => siteOf(scan, call, offsetIndex)), source: needsRows ? shape.source : '' };
}

/** The call, with the field selected from it when it is written `(call).field`. */
function siteOf(scan: Scan, call: MlCall, offsetIndex: ReadonlyMap<number, number>): PrefetchSite {
  const { tokens } = scan;
  const first = offsetIndex.get(call.start) ?? -1;
  const close = offsetIndex.get(call.close) ?? -1;
  const open = tokens[first - 1];
  const field = tokens[close + 3];
  if (open?.kind !== 'lparen' || tokens[close + 1]?.kind !== 'rparen' || tokens[close + 2]?.kind !== 'dot') return { call };
  if (field?.kind !== 'ident' && field?.kind !== 'quoted_ident') return { call };
  return { call, field: { start: open.start, end: field.end, name: field.value } };
}

/** A call the plan can answer: a function with answers, positional arguments, no ML call inside, a two-part name. */
function plannable(scan: Scan, call: MlCall, calls: readonly MlCall[], answerable: (fn: MlFunctionName) => boolean): boolean {
  if (call.depth !== 0 || call.quoting !== 'none' || !answerable(call.fn)) return false;
  if (call.args.length === 0 || call.args.some((a) => a.name !== undefined || a.variadic === true)) return false;
  if (calls.some((c) => c !== call && c.start > call.open && c.start < call.close)) return false;
  const nameTokens = tokenize(scan.sql.slice(call.start, call.nameEnd));
  return nameTokens.filter((t) => t.kind === 'dot').length === 1;
}

/** No token of the item makes its evaluation conditional (or a query of its own). */
function unconditional(scan: Scan, [from, to]: readonly [number, number]): boolean {
  for (let i = from; i < to; i++) {
    const t = scan.tokens[i];
    if (t?.kind === 'ident' && CONDITIONAL.has(t.value)) return false;
  }
  return true;
}

/** The call is a whole FROM item: after FROM, a comma, JOIN or LATERAL. */
function isFromItem(scan: Scan, i: number): boolean {
  const before = scan.tokens[i - 1];
  if (scan.depth[i] !== 0) return false;
  return before?.kind === 'comma' || isKeyword(before, 'from') || isKeyword(before, 'join') || isKeyword(before, 'lateral');
}
