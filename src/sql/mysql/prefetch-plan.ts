/**
 * Which ML calls of a MySQL/MariaDB statement can be answered before the
 * statement runs, and from which rows: the MySQL twin of ../pg/prefetch-plan.ts.
 * For `UPDATE tickets SET sentiment = aws_comprehend_detect_sentiment(message,
 * 'en') WHERE sentiment IS NULL` the distinct arguments are those of
 * `SELECT message, 'en' FROM tickets WHERE sentiment IS NULL`.
 *
 * A plan is only an optimisation, but it must never make the emulator
 * evaluate a call the statement would not make: that is a request to the
 * user's ML endpoint real Aurora never sends. So a call is planned only where
 * the statement evaluates it once for every row of its source, with arguments
 * the prefetch query computes alike, and anything unclear plans nothing. On
 * top of the PostgreSQL rules, MySQL needs these:
 * - MySQL skips the right operand of a comparison, CONCAT or arithmetic once
 *   the left one is NULL (Arg_comparator::compare_string), so a call is
 *   planned only when nothing in its item is evaluated before it.
 * - `SELECT COUNT(*), f(x) FROM t` is one row and one call; a stored or
 *   loadable function can aggregate too, so a SELECT whose list or ORDER BY
 *   calls a function not known to be a plain builtin plans nothing.
 * - single-table UPDATE assigns left to right and a later expression reads
 *   the new value (`SET a = 1, s = f(a)` calls f('1')).
 * - the proxy does not track sql_mode, so a statement that ANSI_QUOTES or
 *   NO_BACKSLASH_ESCAPES would split into other tokens plans nothing.
 * Pure: text in, plan out.
 *
 * Shapes planned: `SELECT [modifiers] list [FROM ...] [WHERE ...] [ORDER BY
 * ...]`, `INSERT|REPLACE ... [(cols)] SELECT ...` of that shape (up to ON
 * DUPLICATE KEY UPDATE), and single-table `UPDATE t [[AS] a] SET ... [WHERE
 * ...] [ORDER BY ...]`.
 */

import { tokenize } from './lexer.ts';
import type { MlCall } from './ml-calls.ts';
import {
  afterGroup,
  depths,
  findTop,
  isWordIn,
  keywordIn,
  orderBy,
  type Scan,
  split,
  statementEnd,
  textOf,
} from './prefetch-scan.ts';
import {
  AGGREGATES,
  CLOCK_WORDS,
  CONDITIONAL,
  CONDITIONAL_OPS,
  FIRST_ARGUMENT_FIRST,
  NOT_CALLS,
  PLAIN_FUNCTIONS,
  UNPLANNED_CLAUSES,
  VOLATILE,
} from './prefetch-words.ts';
import { isKeyword, isNameToken, isOp, isUnterminated, type LexOptions, type Token } from './tokens.ts';
import { SELECT_OPTIONS } from './view-columns.ts';

export interface MysqlPrefetchPlan {
  /** The planned calls, in text order (each one a call the statement makes once per source row). */
  readonly sites: readonly MlCall[];
  /**
   * Text of the clauses producing the statement's rows, e.g. `FROM tickets
   * WHERE sentiment IS NULL`; '' only for a SELECT without FROM (one row).
   * Calls on literals read the rows too: a statement matching none calls nothing.
   */
  readonly source: string;
}

/** sql_mode flags that change where tokens end; the proxy does not know the session's. */
const OTHER_MODES: readonly LexOptions[] = [
  { ansiQuotes: true },
  { noBackslashEscapes: true },
  { ansiQuotes: true, noBackslashEscapes: true },
];

/** A row item: token range [from, to), and the columns earlier SET assignments gave new values. */
interface RowItem {
  readonly from: number;
  readonly to: number;
  readonly assignedBefore: ReadonlySet<string>;
}

interface Shape {
  /** The expressions evaluated once per source row (a select list, SET right-hand sides). */
  readonly items: readonly RowItem[];
  /** Whether the statement has a source of rows (FROM, or an UPDATE's table). */
  readonly hasRows: boolean;
  readonly source: string;
  /** Token ranges of the source in the statement. */
  readonly sourceRanges: ReadonlyArray<readonly [number, number]>;
}

export function planMysqlPrefetch(sql: string, calls: readonly MlCall[]): MysqlPrefetchPlan | null {
  if (calls.length === 0) return null;
  const tokens = tokenize(sql, { comments: false });
  const scan: Scan = {
    sql,
    tokens,
    depth: depths(tokens),
    indexAt: new Map(tokens.map((t, i) => [t.start, i])),
    callStarts: new Set(calls.map((c) => c.start)),
  };
  const shape = shapeOf(scan);
  if (shape === null || !plainStatement(scan)) return null;
  return choose(scan, calls, shape);
}

function shapeOf(scan: Scan): Shape | null {
  const end = statementEnd(scan);
  if (end < 0) return null;
  const first = scan.tokens[0];
  if (isKeyword(first, 'select')) return selectShape(scan, 0, end);
  if (isKeyword(first, 'update')) return updateShape(scan, end);
  if (isKeyword(first, 'insert') || isKeyword(first, 'replace')) return insertSelectShape(scan, end);
  return null;
}

/**
 * Text the planner reads as the server does: complete tokens only, no
 * placeholder (the prefetch query runs as text), no executable comment
 * (its content is version-dependent), the same tokens in every sql_mode,
 * and no function whose value changes between two queries.
 */
function plainStatement(scan: Scan): boolean {
  const { sql, tokens } = scan;
  const broken = (t: Token) => t.kind === 'other' || t.kind === 'comment' || t.kind === 'param' || isUnterminated(t);
  if (tokens.some(broken)) return false;
  if (tokens.some((_, i) => isVolatile(scan, i))) return false;
  if (sql.includes('/*') && tokenize(sql, { comments: true }).some((t) => t.kind === 'comment' && t.style === 'executable')) {
    return false;
  }
  if (!/["\\]/.test(sql)) return true;
  return OTHER_MODES.every((opts) => sameBoundaries(tokenize(sql, { ...opts, comments: false }), tokens));
}

function isVolatile(scan: Scan, i: number): boolean {
  const t = scan.tokens[i];
  if (t?.kind !== 'ident') return false;
  // MariaDB sequences: NEXT VALUE FOR s, PREVIOUS VALUE FOR s.
  if ((t.value === 'next' || t.value === 'previous') && isKeyword(scan.tokens[i + 1], 'value')) return true;
  return VOLATILE.has(t.value) && scan.tokens[i + 1]?.kind === 'lparen';
}

function sameBoundaries(a: readonly Token[], b: readonly Token[]): boolean {
  return a.length === b.length && a.every((t, i) => t.start === b[i]?.start && t.end === b[i]?.end);
}

const NOTHING_ASSIGNED: ReadonlySet<string> = new Set();

function selectShape(scan: Scan, selectAt: number, end: number): Shape | null {
  if (findTop(scan, selectAt + 1, end, keywordIn(UNPLANNED_CLAUSES)) < end) return null;
  let listStart = selectAt + 1;
  while (listStart < end && isWordIn(scan.tokens[listStart], SELECT_OPTIONS)) listStart++;
  const fromAt = findTop(scan, listStart, end, (t) => isKeyword(t, 'from'));
  const whereAt = findTop(scan, listStart, end, (t) => isKeyword(t, 'where'));
  const orderAt = findTop(scan, listStart, end, orderBy(scan));
  const listEnd = Math.min(fromAt, whereAt, orderAt);
  const hasRows = fromAt < end;
  if (listEnd <= listStart) return null;
  // Without FROM, a WHERE can make the statement call nothing while its literal calls would be prefetched.
  if (hasRows ? listEnd !== fromAt : whereAt < end) return null;
  if (collapsesRows(scan, listStart, listEnd) || collapsesRows(scan, orderAt, end)) return null;
  return {
    items: split(scan, listStart, listEnd).map(([from, to]) => ({ from, to, assignedBefore: NOTHING_ASSIGNED })),
    hasRows,
    source: hasRows ? textOf(scan, fromAt, orderAt) : '',
    sourceRanges: hasRows ? [[fromAt, orderAt]] : [],
  };
}

/**
 * Whether [from, to) may make one row of many: an aggregate, a window, or a
 * function not known to be a plain builtin (a stored or loadable function
 * can be an aggregate).
 */
function collapsesRows(scan: Scan, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const t = scan.tokens[i];
    if (isKeyword(t, 'over')) return true;
    if (!isCallName(scan, i) || scan.callStarts.has(t?.start ?? -1)) continue;
    if (t?.kind !== 'ident' || scan.tokens[i - 1]?.kind === 'dot' || AGGREGATES.has(t.value)) return true;
    if (!PLAIN_FUNCTIONS.has(t.value) && !NOT_CALLS.has(t.value)) return true;
  }
  return false;
}

/** A name followed by `(`. */
function isCallName(scan: Scan, i: number): boolean {
  return isNameToken(scan.tokens[i]) && scan.tokens[i + 1]?.kind === 'lparen';
}

/** After an UPDATE's SET: LIMIT picks rows by an order the prefetch does not keep; the rest is not single-table UPDATE. */
const UNPLANNED_UPDATE_CLAUSES: ReadonlySet<string> = new Set(['limit', 'returning', 'from', 'union', 'into', 'for', 'join']);

function updateShape(scan: Scan, end: number): Shape | null {
  const { tokens } = scan;
  let tableStart = 1;
  if (isKeyword(tokens[tableStart], 'low_priority')) tableStart++;
  if (isKeyword(tokens[tableStart], 'ignore')) tableStart++;
  const setAt = findTop(scan, tableStart, end, (t) => isKeyword(t, 'set'));
  if (setAt >= end || !singleTable(tokens.slice(tableStart, setAt))) return null;
  if (findTop(scan, setAt + 1, end, keywordIn(UNPLANNED_UPDATE_CLAUSES)) < end) return null;
  const whereAt = findTop(scan, setAt + 1, end, (t) => isKeyword(t, 'where'));
  const orderAt = findTop(scan, setAt + 1, end, orderBy(scan));
  if (whereAt < end && orderAt < whereAt) return null;
  const items: RowItem[] = [];
  const assigned = new Set<string>();
  for (const [from, to] of split(scan, setAt + 1, Math.min(whereAt, orderAt))) {
    const eq = findTop(scan, from, to, (t) => isOp(t, '=') || isOp(t, ':='));
    const column = tokens[eq - 1];
    if (eq <= from || eq >= to || !isNameToken(column)) return null;
    items.push({ from: eq + 1, to, assignedBefore: new Set(assigned) });
    assigned.add(column.value.toLowerCase());
  }
  const where = whereAt < end ? ` ${textOf(scan, whereAt, orderAt)}` : '';
  return {
    items,
    hasRows: true,
    source: `FROM ${textOf(scan, tableStart, setAt)}${where}`,
    sourceRanges: [
      [tableStart, setAt],
      [whereAt, orderAt],
    ],
  };
}

/** `name`, `db.name`, each with an optional `[AS] alias`: no join, list, partition or index hint. */
function singleTable(ref: readonly Token[]): boolean {
  const dotted = ref[1]?.kind === 'dot';
  const nameLength = dotted ? 3 : 1;
  if (!isNameToken(ref[0]) || (dotted && !isNameToken(ref[2]))) return false;
  const alias = ref.slice(nameLength);
  if (alias.length === 0) return true;
  const aliasName = isKeyword(alias[0], 'as') ? alias.slice(1) : alias;
  return aliasName.length === 1 && isNameToken(aliasName[0]) && !isKeyword(aliasName[0], 'as');
}

function insertSelectShape(scan: Scan, end: number): Shape | null {
  const { tokens } = scan;
  let i = 1;
  while (['low_priority', 'delayed', 'high_priority'].some((w) => isKeyword(tokens[i], w))) i++;
  if (isKeyword(tokens[i], 'ignore')) i++;
  if (isKeyword(tokens[i], 'into')) i++;
  if (!isNameToken(tokens[i])) return null;
  i += tokens[i + 1]?.kind === 'dot' ? 3 : 1;
  if (isKeyword(tokens[i], 'partition')) {
    if (tokens[i + 1]?.kind !== 'lparen') return null;
    i = afterGroup(scan, i + 1);
  }
  if (i >= 0 && tokens[i]?.kind === 'lparen') {
    // `(SELECT ...)` or `(WITH ...)` is a query in parentheses, not a column list.
    const inner = tokens[i + 1];
    if (isKeyword(inner, 'select') || isKeyword(inner, 'with') || inner?.kind === 'lparen') return null;
    i = afterGroup(scan, i);
  }
  if (i < 0 || !isKeyword(tokens[i], 'select')) return null;
  // The SELECT ends where ON DUPLICATE KEY UPDATE (or MariaDB's RETURNING) starts.
  const selectEnd = findTop(
    scan,
    i + 1,
    end,
    (t, k) => isKeyword(t, 'returning') || (isKeyword(t, 'on') && isKeyword(tokens[k + 1], 'duplicate')),
  );
  return selectShape(scan, i, selectEnd);
}

function choose(scan: Scan, calls: readonly MlCall[], shape: Shape): MysqlPrefetchPlan | null {
  const indexOf = (offset: number) => scan.indexAt.get(offset) ?? -1;
  const inSource = (call: MlCall) => {
    const i = indexOf(call.start);
    return shape.sourceRanges.some(([a, b]) => i >= a && i < b);
  };
  // The prefetch query would make the source's calls itself; a variable there may be set by the statement's rows.
  if (calls.some(inSource)) return null;
  if (shape.sourceRanges.some(([a, b]) => scan.tokens.slice(a, b).some((t) => t.kind === 'variable'))) return null;
  const sites = calls.filter((call) => {
    if (call.depth !== 0 || call.close < 0 || call.args.length === 0) return false;
    if (calls.some((c) => c !== call && c.start > call.open && c.start < call.close)) return false;
    const at = indexOf(call.start);
    const item = shape.items.find((it) => at >= it.from && at < it.to);
    if (item === undefined || !unconditional(scan, item) || !evaluatedFirst(scan, item, at)) return false;
    if (!plainArguments(scan, indexOf(call.open) + 1, indexOf(call.close), item.assignedBefore)) return false;
    return shape.hasRows || call.args.every(literalArg);
  });
  if (sites.length === 0) return null;
  // Even a call on literals is made once per row: none when no row matches, so the rows are read.
  return { sites, source: shape.source };
}

/**
 * A literal whatever the sql_mode: "en" is a column under ANSI_QUOTES, so a
 * double-quoted argument is read from the rows instead.
 */
function literalArg(arg: MlCall['args'][number]): boolean {
  if (arg.literal === undefined || arg.literal.kind === 'param') return false;
  const quote = /['"]/.exec(arg.text)?.[0];
  return quote !== '"';
}

/** No word of the item makes its evaluation conditional, or a query of its own. */
function unconditional(scan: Scan, item: RowItem): boolean {
  for (let i = item.from; i < item.to; i++) {
    const t = scan.tokens[i];
    if (t?.kind === 'ident' && CONDITIONAL.has(t.value)) return false;
    if (t?.kind === 'op' && CONDITIONAL_OPS.has(t.text)) return false;
  }
  return true;
}

/**
 * Nothing of the item is evaluated before the call: only `(` and functions
 * that take the call as their first argument come before it. MySQL skips a
 * comparison's or CONCAT's later operands once one is NULL.
 */
function evaluatedFirst(scan: Scan, item: RowItem, at: number): boolean {
  for (let i = item.from; i < at; i++) {
    const t = scan.tokens[i];
    if (t?.kind === 'lparen') continue;
    const wraps = t?.kind === 'ident' && FIRST_ARGUMENT_FIRST.has(t.value) && scan.tokens[i + 1]?.kind === 'lparen';
    if (!wraps || scan.tokens[i - 1]?.kind === 'dot') return false;
  }
  return true;
}

/**
 * Arguments the prefetch query computes as the statement does: no variable
 * (`SET @x := ...` can change it per row), no clock, only plain builtins,
 * and no column an earlier SET assignment changed.
 */
function plainArguments(scan: Scan, from: number, to: number, assignedBefore: ReadonlySet<string>): boolean {
  for (let i = from; i < to; i++) {
    const t = scan.tokens[i];
    if (t === undefined || t.kind === 'variable' || t.kind === 'param') return false;
    if (isCallName(scan, i)) {
      if (t.kind !== 'ident' || scan.tokens[i - 1]?.kind === 'dot' || !PLAIN_FUNCTIONS.has(t.value)) return false;
      continue;
    }
    if (t.kind === 'ident' && CLOCK_WORDS.has(t.value)) return false;
    // A double-quoted string is a column under ANSI_QUOTES.
    const name = isNameToken(t) || (t.kind === 'string' && scan.sql[t.start] === '"') ? t.value.toLowerCase() : undefined;
    if (name !== undefined && assignedBefore.has(name)) return false;
  }
  return true;
}
