/**
 * Splitting a COM_QUERY text into statements the way the server does with
 * CLIENT_MULTI_STATEMENTS: on top-level semicolons only, so that each
 * statement can be classified and handled on its own. `DELIMITER` is a
 * client-side (mysql CLI) command and never reaches the server, so the
 * separator is always `;`.
 */
import { rangesOnSemicolons, type StatementSpan, spansOf, type TokenRange } from '../statement-spans.ts';
import { tokenize } from './lexer.ts';
import { isKeyword, isOp, isUnterminated, type LexOptions, type Token } from './tokens.ts';

export type { StatementSpan, TokenRange };

/**
 * Splits on top-level semicolons: not inside parentheses, literals, comments,
 * or the compound-statement body of CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT.
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
 * Inside a stored-program definition, BEGIN opens a block wherever it
 * appears; IF / LOOP / WHILE / REPEAT open one only where a statement starts
 * (so the IF() function and `IF NOT EXISTS` do not); CASE opens one anywhere,
 * as both the CASE statement and the CASE expression end with END. Every END
 * (END IF, END LOOP, ... included) closes one.
 */
export function statementRanges(tokens: readonly Token[]): TokenRange[] {
  return rangesOnSemicolons(tokens, { opensBodies: isStoredProgramStart, track: trackBlocks });
}

const PROGRAM_KINDS: ReadonlySet<string> = new Set(['procedure', 'function', 'trigger', 'event']);

/** CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE] PROCEDURE|FUNCTION|TRIGGER|EVENT at token index `i`. */
export function isStoredProgramStart(tokens: readonly Token[], i: number): boolean {
  if (!isKeyword(tokens[i], 'create')) return false;
  let k = i + 1;
  if (isKeyword(tokens[k], 'or') && isKeyword(tokens[k + 1], 'replace')) k += 2;
  if (isKeyword(tokens[k], 'definer')) k = skipDefiner(tokens, k);
  if (isKeyword(tokens[k], 'aggregate')) k++;
  const t = tokens[k];
  return t?.kind === 'ident' && PROGRAM_KINDS.has(t.value);
}

/**
 * Index after `DEFINER = user`, where user is `name`, `'name'@'host'`,
 * `name@host`, CURRENT_USER or CURRENT_USER().
 */
export function skipDefiner(tokens: readonly Token[], k: number): number {
  let j = k + 1;
  if (isOp(tokens[j], '=')) j++;
  const user = tokens[j];
  if (user === undefined) return j;
  j++;
  if (isKeyword(user, 'current_user')) {
    if (tokens[j]?.kind === 'lparen' && tokens[j + 1]?.kind === 'rparen') j += 2;
    return j;
  }
  if (tokens[j]?.kind === 'variable' && tokens[j]?.start === user.end) j++;
  return j;
}

const STATEMENT_OPENERS: ReadonlySet<string> = new Set(['if', 'loop', 'while', 'repeat']);
/** Words after which a new statement starts inside a compound body. */
const STATEMENT_STARTERS: ReadonlySet<string> = new Set(['begin', 'then', 'else', 'do', 'loop', 'repeat']);

function trackBlocks(tokens: readonly Token[], i: number, blocks: number): number {
  const prev = tokens[i - 1];
  // A keyword used as a name (t.end, AS end) is not a block word, nor is the word of END IF / END CASE...
  if (prev?.kind === 'dot' || isKeyword(prev, 'as') || isKeyword(prev, 'end') || tokens[i + 1]?.kind === 'dot') return blocks;
  const t = tokens[i];
  const word = t?.kind === 'ident' ? t.value : '';
  if (word === 'begin' || word === 'case') return blocks + 1;
  if (word === 'end') return Math.max(0, blocks - 1);
  if (blocks > 0 && STATEMENT_OPENERS.has(word) && startsStatement(prev)) return blocks + 1;
  return blocks;
}

function startsStatement(prev: Token | undefined): boolean {
  if (prev === undefined || prev.kind === 'semicolon' || isOp(prev, ':')) return true;
  return prev.kind === 'ident' && STATEMENT_STARTERS.has(prev.value);
}
