/**
 * How the MySQL prefetch planner (./prefetch-plan.ts) walks a statement's
 * tokens: their parenthesis depths, the first top-level token that passes a
 * test, the text of a token range, a list split at its top-level commas.
 */
import { tokenText, topLevelItems } from '../token-ranges.ts';
import { isKeyword, type Token } from './tokens.ts';

export interface Scan {
  readonly sql: string;
  readonly tokens: readonly Token[];
  /** Parenthesis depth of each token (its own parenthesis counts as outside). */
  readonly depth: Int32Array;
  /** Token index by start offset. */
  readonly indexAt: ReadonlyMap<number, number>;
  /** Where the statement's ML calls start. */
  readonly callStarts: ReadonlySet<number>;
}

export function depths(tokens: readonly Token[]): Int32Array {
  const out = new Int32Array(tokens.length);
  let d = 0;
  tokens.forEach((t, i) => {
    if (t.kind === 'rparen') d--;
    out[i] = d;
    if (t.kind === 'lparen') d++;
  });
  return out;
}

/** The statement's end before a trailing semicolon, or -1 when a semicolon separates two statements. */
export function statementEnd(scan: Scan): number {
  const { tokens } = scan;
  const end = tokens.at(-1)?.kind === 'semicolon' ? tokens.length - 1 : tokens.length;
  return tokens.slice(0, end).some((t) => t.kind === 'semicolon') ? -1 : end;
}

/** Index of the first token at depth 0 in [from, to) satisfying `test`, or `to`. */
export function findTop(scan: Scan, from: number, to: number, test: (t: Token, i: number) => boolean): number {
  for (let i = from; i < to; i++) {
    const t = scan.tokens[i];
    if (t !== undefined && scan.depth[i] === 0 && test(t, i)) return i;
  }
  return to;
}

export const isWordIn = (t: Token | undefined, set: ReadonlySet<string>) => t?.kind === 'ident' && set.has(t.value);

export const keywordIn = (set: ReadonlySet<string>) => (t: Token) => isWordIn(t, set);

export const orderBy = (scan: Scan) => (t: Token, i: number) => isKeyword(t, 'order') && isKeyword(scan.tokens[i + 1], 'by');

/** Text of tokens [from, to), or '' when empty. */
export function textOf(scan: Scan, from: number, to: number): string {
  return tokenText(scan.sql, scan.tokens, from, to);
}

/** [from, to) token ranges split at depth-0 commas. */
export function split(scan: Scan, from: number, to: number): Array<[number, number]> {
  return topLevelItems(scan.tokens, scan.depth, from, to);
}

/** The token after a parenthesised group opening at `open`, or -1 when it does not close. */
export function afterGroup(scan: Scan, open: number): number {
  const close = findTopAt(scan, open + 1, (t) => t.kind === 'rparen', scan.depth[open] ?? 0);
  return close < 0 ? -1 : close + 1;
}

export function findTopAt(scan: Scan, from: number, test: (t: Token) => boolean, depth: number): number {
  for (let i = from; i < scan.tokens.length; i++) {
    const t = scan.tokens[i];
    if (t !== undefined && scan.depth[i] === depth && test(t)) return i;
  }
  return -1;
}
