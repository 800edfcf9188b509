/**
 * What both dialects' statement splitters share (src/sql/pg/statement-split.ts,
 * src/sql/mysql/statement-split.ts): cutting a token stream at top-level
 * semicolons, with the dialect saying which statements have bodies whose
 * own semicolons do not end them, and turning the cuts into spans of the text.
 */

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

/** The little the splitter needs of a dialect's token. */
interface SplitToken {
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

/** A dialect's bodies: statements that open them, and how deep token `i` leaves the nesting. */
export interface BodyRules<T extends SplitToken> {
  /** Whether the statement starting at token `i` can hold a body (CREATE FUNCTION ...). */
  opensBodies(tokens: readonly T[], i: number): boolean;
  track(tokens: readonly T[], i: number, depth: number): number;
  /** Bracket kinds besides parentheses (PostgreSQL's array brackets). */
  readonly brackets?: readonly [open: string, close: string];
}

/** Statement boundaries: semicolons outside brackets and bodies. Ranges may be empty (`;;`). */
export function rangesOnSemicolons<T extends SplitToken>(tokens: readonly T[], rules: BodyRules<T>): TokenRange[] {
  const [open, close] = rules.brackets ?? ['lparen', 'rparen'];
  const out: TokenRange[] = [];
  let from = 0;
  let brackets = 0;
  let bodies = 0;
  let hasBodies = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    if (i === from) hasBodies = rules.opensBodies(tokens, i);
    if (t.kind === 'lparen' || t.kind === open) brackets++;
    else if (t.kind === 'rparen' || t.kind === close) brackets = Math.max(0, brackets - 1);
    else if (t.kind === 'ident' && hasBodies) bodies = rules.track(tokens, i, bodies);
    else if (t.kind === 'semicolon' && brackets === 0 && bodies === 0) {
      out.push({ from, to: i });
      from = i + 1;
    }
  }
  if (from < tokens.length) out.push({ from, to: tokens.length });
  return out;
}

/**
 * The statements of `sql`, from its tokens (without comments) and their
 * ranges. Empty statements are dropped; one holding only an unterminated
 * comment is kept so that the server still reports it.
 */
export function spansOf<T extends SplitToken>(
  sql: string,
  tokens: readonly T[],
  ranges: readonly TokenRange[],
  isUnterminated: (t: T) => boolean,
): StatementSpan[] {
  const out: StatementSpan[] = [];
  for (const r of ranges) {
    const first = tokens[r.from];
    const last = tokens[r.to - 1];
    if (first === undefined || last === undefined || r.to <= r.from) continue;
    out.push({ text: sql.slice(first.start, last.end), start: first.start, end: last.end, unterminated: isUnterminated(last) });
  }
  return out;
}
