/**
 * Token ranges read back as statement text, the same for both dialects'
 * tokens (./pg/tokens.ts, ./mysql/tokens.ts): what the prefetch planners
 * cut out of a statement to build their queries.
 */

interface Spanned {
  readonly kind: string;
  /** Offset of the first character, and just after the last. */
  readonly start: number;
  readonly end: number;
}

/** Text of tokens [from, to): from the first token's start to the last one's end, so never inside a comment; '' when empty. */
export function tokenText(sql: string, tokens: readonly Spanned[], from: number, to: number): string {
  if (to <= from) return '';
  return sql.slice(tokens[from]?.start ?? 0, tokens[to - 1]?.end ?? 0);
}

/** [from, to) token ranges split at the commas of bracket depth 0 (`depth`: each token's depth). */
export function topLevelItems(tokens: readonly Spanned[], depth: Int32Array, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = from;
  for (let i = from; i < to; i++) {
    if (tokens[i]?.kind === 'comma' && depth[i] === 0) {
      out.push([start, i]);
      start = i + 1;
    }
  }
  out.push([start, to]);
  return out;
}
