/**
 * CREATE TABLE ... AS and CREATE MATERIALIZED VIEW ... AS, which execute
 * their query (unless WITH NO DATA): the proxy needs where that query is.
 */
import { completeTokens, firstKeywords } from './statement-cursor.ts';
import { isKeyword, type LexOptions, type Token } from './tokens.ts';

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
  const tokens = completeTokens(text, opts);
  if (tokens === null || !isKeyword(tokens[0], 'create')) return null;
  const words = firstKeywords(text, 5, opts);
  const k = skipTableModifiers(words, 1);
  const kind =
    words[k] === 'table' ? 'table' : words[k] === 'materialized' && words[k + 1] === 'view' ? 'materialized_view' : undefined;
  if (kind === undefined) return null;
  const as = topLevelKeyword(tokens, k + 1, 'as');
  const queryFirst = tokens[as + 1];
  if (as < 0 || queryFirst === undefined) return null;
  const lastIdx = tokens.length - 1;
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

/** [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED] before TABLE. */
export function skipTableModifiers(words: readonly string[], from: number): number {
  let k = from;
  if (words[k] === 'global' || words[k] === 'local') k++;
  if (words[k] === 'temp' || words[k] === 'temporary' || words[k] === 'unlogged') k++;
  return k;
}
