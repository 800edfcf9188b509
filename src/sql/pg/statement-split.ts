/**
 * Splitting a simple-Query string into statements the way the server does:
 * on top-level semicolons only, so that each statement can be classified and
 * handled on its own.
 */
import { tokenize } from './lexer.ts';
import { isKeyword, isUnterminated, type LexOptions, type Token } from './tokens.ts';

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
