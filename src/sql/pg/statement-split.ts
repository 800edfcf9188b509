/**
 * Splitting a simple-Query string into statements the way the server does:
 * on top-level semicolons only, so that each statement can be classified and
 * handled on its own.
 */
import { rangesOnSemicolons, type StatementSpan, spansOf, type TokenRange } from '../statement-spans.ts';
import { tokenize } from './lexer.ts';
import { isKeyword, isUnterminated, type LexOptions, type Token } from './tokens.ts';

export type { StatementSpan, TokenRange };

/**
 * Splits on top-level semicolons: not inside parentheses/brackets, literals,
 * comments, or the BEGIN ATOMIC ... END body of CREATE FUNCTION/PROCEDURE.
 * Empty statements are dropped; one holding only an unterminated comment is
 * kept so that the server still reports it.
 */
export function splitStatements(sql: string, opts: LexOptions = {}): StatementSpan[] {
  const tokens = tokenize(sql, { ...opts, comments: false });
  return spansOf(sql, tokens, statementRanges(tokens), isUnterminated);
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
  return rangesOnSemicolons(tokens, { opensBodies: isRoutineStart, track: trackAtomic, brackets: ['lbracket', 'rbracket'] });
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
