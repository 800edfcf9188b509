/**
 * The column names a view gets from its select list. A server names a view
 * column after the text of an unaliased expression, or `Name_exp_<n>` when
 * that text is no valid column name (over 64 characters, or ending in a
 * space). The emulator rewrites ML calls inside a view's query before the
 * server sees it, so it names those columns itself, from the client's text:
 * each unaliased item that calls ML gets an explicit alias.
 *
 * Only items the tokenizer reads with certainty get one: items ending with
 * `)`, which cannot carry an implicit alias. A view with its own column list
 * needs nothing.
 */
import { tokenize } from './lexer.ts';
import { isKeyword, type LexOptions, type Token } from './tokens.ts';

/** Words that may follow SELECT before its first item. */
export const SELECT_OPTIONS: ReadonlySet<string> = new Set([
  'all',
  'distinct',
  'distinctrow',
  'high_priority',
  'straight_join',
  'sql_small_result',
  'sql_big_result',
  'sql_buffer_result',
  'sql_cache',
  'sql_no_cache',
  'sql_calc_found_rows',
]);

/** Words that end a select list. */
const LIST_END: ReadonlySet<string> = new Set([
  'from',
  'into',
  'where',
  'group',
  'having',
  'order',
  'limit',
  'window',
  'union',
  'except',
  'intersect',
  'for',
  'lock',
  'procedure',
]);

/** Longest valid column name (NAME_CHAR_LEN). */
const NAME_CHARS = 64;

export interface ViewItem {
  /** Offsets of the item's text in the statement. */
  readonly start: number;
  readonly end: number;
  /** 1-based position in the select list. */
  readonly position: number;
  /** The item ends with `)`, so it has no alias of its own. */
  readonly unaliased: boolean;
}

/** The items of `CREATE ... VIEW name AS SELECT items ...`, or null for another shape (a column list, WITH, a parenthesis). */
export function viewSelectItems(sql: string, opts: LexOptions = {}): ViewItem[] | null {
  const tokens = tokenize(sql, { ...opts, comments: false });
  const view = tokens.findIndex((t) => isKeyword(t, 'view'));
  if (view < 0) return null;
  // VIEW name [(columns)] AS query: a column list names the columns already.
  let k = view + 1;
  while (k < tokens.length && !isKeyword(tokens[k], 'as')) {
    if (tokens[k]?.kind === 'lparen') return null;
    k++;
  }
  k++;
  if (!isKeyword(tokens[k], 'select')) return null;
  k++;
  while (tokens[k]?.kind === 'ident' && SELECT_OPTIONS.has((tokens[k] as Token & { value: string }).value)) k++;
  const items: ViewItem[] = [];
  let depth = 0;
  let first = k;
  const close = (at: number) => {
    const head = tokens[first];
    const last = tokens[at - 1];
    if (head !== undefined && last !== undefined && at > first) {
      items.push({ start: head.start, end: last.end, position: items.length + 1, unaliased: last.kind === 'rparen' });
    }
  };
  for (; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen') {
      if (depth-- === 0) break;
    } else if (depth === 0 && t.kind === 'comma') {
      close(k);
      first = k + 1;
    } else if (depth === 0 && (t.kind === 'semicolon' || (t.kind === 'ident' && LIST_END.has(t.value)))) break;
  }
  close(k);
  return items;
}

/** The name the server gives a view column for the unaliased item `text` at `position`. */
export function viewColumnName(text: string, position: number): string {
  const valid = [...text].length <= NAME_CHARS && !text.endsWith(' ') && text !== '';
  return valid ? text : `Name_exp_${position}`;
}

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * `sql` with an alias after each unaliased item that `needsName` picks, named
 * as the server would name it from the item's text.
 */
export function withViewColumnNames(sql: string, needsName: (itemText: string) => boolean): string {
  const items = viewSelectItems(sql);
  if (items === null) return sql;
  let out = '';
  let at = 0;
  for (const item of items) {
    const text = sql.slice(item.start, item.end);
    if (!item.unaliased || !needsName(text)) continue;
    out += `${sql.slice(at, item.end)} AS ${quoteName(viewColumnName(text, item.position))}`;
    at = item.end;
  }
  return out + sql.slice(at);
}
