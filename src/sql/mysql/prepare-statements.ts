/**
 * SQL-level prepared statements: `PREPARE name FROM 'text'`, `EXECUTE name
 * [USING @a, ...]` and `{DEALLOCATE | DROP} PREPARE name`. Names are
 * case-insensitive, as the server treats them.
 */
import { tokenize } from './lexer.ts';
import { isKeyword, isNameToken, type LexOptions, type Token } from './tokens.ts';

export type PreparedStatementCommand =
  | { readonly kind: 'prepare'; readonly name: string /** null: FROM @variable, text unknown */; readonly text: string | null }
  | { readonly kind: 'execute'; readonly name: string }
  | { readonly kind: 'deallocate'; readonly name: string };

/** Cheap pre-check: could the statement be one of these commands? */
export const PREPARED_STATEMENT_HINT = /^\s*(?:prepare|execute|deallocate|drop\s+prepare)\b/i;

const nameOf = (t: Token | undefined): string | null => (isNameToken(t) ? t.value.toLowerCase() : null);

export function parsePreparedStatementCommand(sql: string, opts: LexOptions = {}): PreparedStatementCommand | null {
  const tokens = tokenize(sql, { ...opts, comments: false }).filter((t) => t.kind !== 'semicolon');
  if (isKeyword(tokens[0], 'prepare')) {
    const name = nameOf(tokens[1]);
    if (name === null || !isKeyword(tokens[2], 'from') || tokens.length !== 4) return null;
    const source = tokens[3];
    return { kind: 'prepare', name, text: source?.kind === 'string' && !source.unterminated ? source.value : null };
  }
  if (isKeyword(tokens[0], 'execute')) {
    const name = nameOf(tokens[1]);
    return name === null ? null : { kind: 'execute', name };
  }
  const at = isKeyword(tokens[0], 'deallocate') || isKeyword(tokens[0], 'drop') ? 1 : -1;
  if (at < 0 || !isKeyword(tokens[at], 'prepare')) return null;
  const name = nameOf(tokens[at + 1]);
  return name === null || tokens.length !== at + 2 ? null : { kind: 'deallocate', name };
}
