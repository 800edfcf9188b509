/**
 * The view or routine a CREATE / ALTER statement defines, read from its
 * tokens: CREATE [OR REPLACE] [ALGORITHM = ...] [DEFINER = ...] [SQL SECURITY
 * ...] [AGGREGATE] VIEW | FUNCTION | PROCEDURE [IF NOT EXISTS] [schema.]name.
 * The emulator registers it as an ML dependent before the definition runs
 * (./stub-installer.ts), so the registration cannot be lost to a client that
 * hangs up before the answer.
 */
import { tokenize } from '../../sql/mysql/lexer.ts';
import type { Token } from '../../sql/mysql/tokens.ts';

export interface DefinedObject {
  /** Lower case; null when the statement names no schema (the session's current one). */
  readonly schema: string | null;
  /** Lower case. */
  readonly name: string;
}

const OBJECT_WORDS = new Set(['view', 'function', 'procedure']);
/** Kinds of object this is not about: met before a view or routine word, the statement defines something else. */
const OTHER_OBJECT_WORDS = new Set([
  'table',
  'trigger',
  'event',
  'index',
  'database',
  'schema',
  'sequence',
  'user',
  'role',
  'server',
]);
/** Words between CREATE / ALTER and the object kind are clauses; a statement this long is something else. */
const MAX_LEAD_TOKENS = 40;

const nameOf = (t: Token | undefined): string | null =>
  t?.kind === 'ident' || t?.kind === 'quoted_ident' ? t.value.toLowerCase() : null;

/** The object `sql` creates or alters, or null when it is no such statement. */
export function definedObject(sql: string): DefinedObject | null {
  const tokens = tokenize(sql);
  const first = tokens[0];
  if (first?.kind !== 'ident' || (first.value !== 'create' && first.value !== 'alter')) return null;
  // Only unquoted words are keywords: a DEFINER = `view`@`%` names a user.
  const at = tokens.findIndex(
    (t, i) => i < MAX_LEAD_TOKENS && t.kind === 'ident' && (OBJECT_WORDS.has(t.value) || OTHER_OBJECT_WORDS.has(t.value)),
  );
  const kind = tokens[at];
  if (kind?.kind !== 'ident' || !OBJECT_WORDS.has(kind.value)) return null;
  let i = at + 1;
  const word = (k: number) => {
    const t = tokens[k];
    return t?.kind === 'ident' ? t.value : null;
  };
  if (word(i) === 'if' && word(i + 1) === 'not' && word(i + 2) === 'exists') i += 3;
  const firstName = nameOf(tokens[i]);
  if (firstName === null) return null;
  if (tokens[i + 1]?.kind !== 'dot') return { schema: null, name: firstName };
  const second = nameOf(tokens[i + 2]);
  return second === null ? null : { schema: firstName, name: second };
}
