/**
 * SET / RESET / SHOW, parsed so that the emulator can serve its own settings
 * (aurora_ml.*) and follow the ones that change how SQL is lexed. Names come
 * out as the server keys them: lower-cased, dotted for custom settings, and
 * the multi-word forms (TIME ZONE, NAMES...) mapped to their GUC names.
 */
import { foldAsciiCase } from './identifiers.ts';
import { Cursor, firstKeywords } from './statement-cursor.ts';
import { isKeyword, isOp, type LexOptions } from './tokens.ts';

export interface SetCommand {
  /** Lower-cased (GUC names are case-insensitive), dotted for custom settings: 'aurora_ml.strict'. */
  readonly name: string;
  /** The value as the server flattens it (list items joined by ', '); null for RESET and DEFAULT. */
  readonly value: string | null;
  /** SET LOCAL: lasts until the end of the transaction. */
  readonly local: boolean;
}

/**
 * SET [SESSION|LOCAL] name {TO|=} value[, ...] | DEFAULT, the special forms
 * TIME ZONE, NAMES, SCHEMA, ROLE, SESSION AUTHORIZATION, XML OPTION, and
 * RESET name | ALL. SET TRANSACTION / CONSTRAINTS / SESSION CHARACTERISTICS
 * and SET ... FROM CURRENT are not settings: null.
 */
export function parseSetCommand(text: string, opts: LexOptions = {}): SetCommand | null {
  // Every statement that might need the emulator is asked: its first word settles most at once.
  const first = firstKeywords(text, 1, opts)[0];
  if (first !== 'set' && first !== 'reset') return null;
  const c = Cursor.of(text, opts);
  if (c === null) return null;
  if (c.keywords('reset')) {
    const name = specialName(c) ?? settingName(c);
    return name !== undefined && c.done() ? { name, value: null, local: false } : null;
  }
  if (!c.keywords('set')) return null;
  const local = c.keywords('local');
  if (!local && !isKeyword(c.peek(1), 'authorization') && !isKeyword(c.peek(1), 'characteristics')) c.keywords('session');
  return parseSetRest(c, local);
}

function parseSetRest(c: Cursor, local: boolean): SetCommand | null {
  const special = specialSetName(c);
  const name = special ?? settingName(c);
  if (name === undefined) return null;
  if (special === undefined && !c.keywords('to') && !(isOp(c.peek(), '=') && c.advance())) return null;
  if (c.keywords('default') || (name === 'timezone' && c.keywords('local')))
    return c.done() ? { name, value: null, local } : null;
  if (special !== undefined && c.done()) return name === 'client_encoding' ? { name, value: null, local } : null;
  const value = special === 'timezone' && isKeyword(c.peek(), 'interval') ? restText(c) : valueList(c);
  return value === undefined ? null : { name, value, local };
}

/** SET forms whose name is not followed by TO/=. */
function specialSetName(c: Cursor): string | undefined {
  if (c.keywords('time', 'zone')) return 'timezone';
  if (c.keywords('names')) return 'client_encoding';
  if (c.keywords('schema')) return 'search_path';
  if (c.keywords('role')) return 'role';
  if (c.keywords('session', 'authorization')) return 'session_authorization';
  if (c.keywords('xml', 'option')) return 'xmloption';
  return undefined;
}

/** Multi-word names accepted by RESET and SHOW. */
function specialName(c: Cursor): string | undefined {
  if (c.keywords('time', 'zone')) return 'timezone';
  if (c.keywords('session', 'authorization')) return 'session_authorization';
  if (c.keywords('transaction', 'isolation', 'level')) return 'transaction_isolation';
  return undefined;
}

const NOT_SETTINGS: ReadonlySet<string> = new Set(['transaction', 'constraints', 'session']);

function settingName(c: Cursor): string | undefined {
  const first = c.peek();
  if (first?.kind === 'ident' && NOT_SETTINGS.has(first.value)) return undefined;
  return gucName(c);
}

/** name ('.' name)*, folded like the server keys settings (GUC names are case-insensitive). */
function gucName(c: Cursor): string | undefined {
  const parts = c.qualifiedName();
  return parts === undefined ? undefined : foldAsciiCase(parts.join('.'));
}

/** var_list: values separated by commas; each a string, a word or a signed number. */
function valueList(c: Cursor): string | undefined {
  const items: string[] = [];
  for (;;) {
    const item = oneValue(c);
    if (item === undefined) return undefined;
    items.push(item);
    if (c.done()) return items.join(', ');
    if (c.advance()?.kind !== 'comma') return undefined;
  }
}

function oneValue(c: Cursor): string | undefined {
  const t = c.advance();
  if (t === undefined) return undefined;
  if (t.kind === 'string' || t.kind === 'ident' || t.kind === 'quoted_ident') return t.value;
  if (t.kind === 'number') return t.text;
  if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
    const n = c.advance();
    return n?.kind === 'number' ? (t.text === '-' ? `-${n.text}` : n.text) : undefined;
  }
  return undefined;
}

/** The remaining tokens' text (SET TIME ZONE INTERVAL '...'), for the caller to forward. */
function restText(c: Cursor): string | undefined {
  const parts: string[] = [];
  for (let t = c.advance(); t !== undefined; t = c.advance()) {
    parts.push(
      t.kind === 'string'
        ? `'${t.value.replaceAll("'", "''")}'`
        : t.kind === 'ident'
          ? t.value
          : t.kind === 'number'
            ? t.text
            : '?',
    );
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** SHOW name | ALL | TIME ZONE | TRANSACTION ISOLATION LEVEL | SESSION AUTHORIZATION -> lower-cased name. */
export function parseShowCommand(text: string, opts: LexOptions = {}): string | null {
  if (firstKeywords(text, 1, opts)[0] !== 'show') return null;
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords('show')) return null;
  const name = specialName(c) ?? gucName(c);
  return name !== undefined && c.done() ? name : null;
}
