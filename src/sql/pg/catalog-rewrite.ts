/**
 * Points a statement's references to the table pg_extension (psql's `\dx`,
 * ORMs listing extensions) at a view of the same shape in another schema.
 *
 * Token-based, not text replacement: only identifiers naming the table are
 * replaced. The word inside a string literal, a dollar-quoted body, a
 * comment or a longer quoted identifier is data and stays byte for byte.
 */
import { tokenize } from './lexer.ts';
import { isKeyword, isNameToken, type LexOptions, type Token } from './tokens.ts';

const TABLE = 'pg_extension';

/** `sql` with each reference to pg_extension (bare or pg_catalog.) replaced by `replacement`. */
export function rewriteExtensionTable(sql: string, replacement: string, opts: LexOptions = {}): string {
  const tokens = tokenize(sql, opts);
  const edits: { start: number; end: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (!isNameToken(t) || t.value !== TABLE) continue;
    const next = tokens[i + 1];
    // pg_extension(...) would be a function; `AS pg_extension` names a column or alias.
    if (next?.kind === 'lparen' || isKeyword(tokens[i - 1], 'as')) continue;
    const qualifier = schemaQualifier(tokens, i);
    if (qualifier === 'other') continue;
    // A bare pg_extension followed by a dot is the table's alias qualifying a column:
    // the view keeps that alias, so it stays.
    if (qualifier === null && next?.kind === 'dot') continue;
    edits.push({ start: qualifier === null ? t.start : qualifier.start, end: t.end });
  }
  if (edits.length === 0) return sql;
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += sql.slice(at, edit.start) + replacement;
    at = edit.end;
  }
  return out + sql.slice(at);
}

/** The `pg_catalog.` before token i, 'other' for another schema, null when unqualified. */
function schemaQualifier(tokens: readonly Token[], i: number): { start: number } | 'other' | null {
  if (tokens[i - 1]?.kind !== 'dot') return null;
  const schema = tokens[i - 2];
  return isNameToken(schema) && schema.value === 'pg_catalog' ? { start: schema.start } : 'other';
}
