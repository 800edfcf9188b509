/**
 * The tables an INSERT, REPLACE, UPDATE or DELETE writes to, read from its
 * leading clauses. For a multi-table UPDATE or DELETE every table named in
 * the table references counts (the tables only read from included): the
 * proxy uses the list to refuse what it cannot undo, and a table too many
 * only costs a lookup of its engine.
 */
import { tokenize } from './lexer.ts';
import { isKeyword, isNameToken, type LexOptions, type Token } from './tokens.ts';

export interface TableName {
  /** As written (case kept: table names are case-sensitive on most servers). */
  readonly schema?: string;
  readonly name: string;
}

const MODIFIERS: ReadonlySet<string> = new Set(['low_priority', 'delayed', 'high_priority', 'ignore', 'quick']);
/** Words inside table references that are not table names. */
const JOIN_WORDS: ReadonlySet<string> = new Set([
  'join',
  'inner',
  'cross',
  'left',
  'right',
  'outer',
  'natural',
  'straight_join',
  'using',
  'use',
  'force',
  'index',
  'key',
  'for',
  'partition',
  'lateral',
]);

export function writeTargets(sql: string, opts: LexOptions = {}): TableName[] {
  const tokens = tokenize(sql, { ...opts, comments: false });
  const verb = tokens[0]?.kind === 'ident' ? tokens[0].value : '';
  let k = 1;
  while (tokens[k]?.kind === 'ident' && MODIFIERS.has((tokens[k] as { value: string }).value)) k++;
  switch (verb) {
    case 'insert':
    case 'replace': {
      if (isKeyword(tokens[k], 'into')) k++;
      const name = tableAt(sql, tokens, k);
      return name ? [name.table] : [];
    }
    case 'update':
      return namesUntil(sql, tokens, k, ['set']);
    case 'delete': {
      if (isKeyword(tokens[k], 'from')) {
        const names = namesUntil(sql, tokens, k + 1, ['using', 'where', 'order', 'limit', 'partition', 'returning']);
        return names;
      }
      return namesUntil(sql, tokens, k, ['from']);
    }
    default:
      return [];
  }
}

/** A (possibly qualified) table name at token k, and the index after it. */
function tableAt(sql: string, tokens: readonly Token[], k: number): { table: TableName; next: number } | null {
  const a = tokens[k];
  if (!isNameToken(a)) return null;
  const text = (t: Token) => (t.kind === 'quoted_ident' ? t.value : sql.slice(t.start, t.end));
  const b = tokens[k + 2];
  if (tokens[k + 1]?.kind === 'dot' && isNameToken(b)) return { table: { schema: text(a), name: text(b) }, next: k + 3 };
  return { table: { name: text(a) }, next: k + 1 };
}

/** Table names in table references from k up to one of `stops` at depth 0, skipping aliases and ON conditions. */
function namesUntil(sql: string, tokens: readonly Token[], k: number, stops: readonly string[]): TableName[] {
  const out: TableName[] = [];
  let depth = 0;
  let inCondition = false;
  let expectName = true;
  for (let i = k; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen') depth--;
    if (depth > 0 || t.kind === 'rparen') continue;
    if (t.kind === 'ident' && stops.includes(t.value)) break;
    if (t.kind === 'comma' || (t.kind === 'ident' && JOIN_WORDS.has(t.value))) {
      inCondition = false;
      expectName = true;
      continue;
    }
    if (isKeyword(t, 'on')) {
      inCondition = true;
      continue;
    }
    if (inCondition || !expectName) continue;
    const name = tableAt(sql, tokens, i);
    if (name === null) continue;
    out.push(name.table);
    i = name.next - 1;
    expectName = false; // what follows is an alias until the next comma or JOIN
  }
  return out;
}
