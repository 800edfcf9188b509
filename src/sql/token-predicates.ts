/**
 * Token tests both dialect scanners (src/sql/pg, src/sql/mysql) share. Their
 * token unions differ, but identifiers, operators and the `unterminated` flag
 * have the same shape in both.
 */
interface AnyToken {
  readonly kind: string;
}

/** An identifier, quoted or not: the tokens that can name a schema, function or column. */
export function isNameToken<T extends AnyToken>(t: T | undefined): t is Extract<T, { kind: 'ident' | 'quoted_ident' }> {
  return t !== undefined && (t.kind === 'ident' || t.kind === 'quoted_ident');
}

/** True for an unquoted identifier / keyword equal to `word` (lower case). */
export function isKeyword(t: AnyToken | undefined, word: string): boolean {
  return t !== undefined && t.kind === 'ident' && 'value' in t && t.value === word;
}

export function isOp(t: AnyToken | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'op' && 'text' in t && t.text === text;
}

/** True when a literal, quoted identifier or comment runs to the end of the text. */
export function isUnterminated(t: AnyToken): boolean {
  return 'unterminated' in t && t.unterminated === true;
}
