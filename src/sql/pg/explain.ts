/**
 * EXPLAIN, parsed only as far as the proxy needs: EXPLAIN ANALYZE runs the
 * explained statement (so its ML calls execute), plain EXPLAIN does not.
 */
import { Cursor } from './statement-cursor.ts';
import type { LexOptions, Token } from './tokens.ts';

export interface ExplainCommand {
  /** EXPLAIN ANALYZE (legacy or option form, ANALYZE [true|on|1...]): the statement runs. */
  readonly analyze: boolean;
  /** Offset in `text` of the explained statement. */
  readonly statementStart: number;
}

/** EXPLAIN [ANALYZE] [VERBOSE] stmt | EXPLAIN (option [value], ...) stmt. */
export function parseExplain(text: string, opts: LexOptions = {}): ExplainCommand | null {
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords('explain')) return null;
  let analyze = false;
  if (c.peek()?.kind === 'lparen') {
    const parsed = explainOptions(c);
    if (parsed === undefined) return null;
    analyze = parsed;
  } else {
    analyze = c.keywords('analyze') || c.keywords('analyse');
    c.keywords('verbose');
  }
  const first = c.peek();
  return first === undefined ? null : { analyze, statementStart: first.start };
}

/** The option list of EXPLAIN ( ... ); returns whether ANALYZE is on, undefined if malformed. */
function explainOptions(c: Cursor): boolean | undefined {
  c.advance();
  let analyze = false;
  for (;;) {
    const name = c.advance();
    if (name?.kind !== 'ident') return undefined;
    const value: Token[] = [];
    for (let t = c.peek(); t !== undefined && t.kind !== 'comma' && t.kind !== 'rparen'; t = c.peek())
      value.push(c.advance() ?? t);
    if (name.value === 'analyze' || name.value === 'analyse') {
      const on = value.length === 0 ? true : value.length === 1 ? parseBool(tokenWord(value[0])) : undefined;
      if (on === undefined) return undefined;
      analyze = on;
    }
    const sep = c.advance();
    if (sep?.kind === 'rparen') return analyze;
    if (sep?.kind !== 'comma') return undefined;
  }
}

function tokenWord(t: Token | undefined): string {
  if (t === undefined) return '';
  if (t.kind === 'ident' || t.kind === 'quoted_ident' || t.kind === 'string') return t.value;
  return t.kind === 'number' ? t.text : '';
}

/** The server's parse_bool: unique prefixes of true/false/yes/no, on/off (two letters at least), 1/0. */
export function parseBool(value: string): boolean | undefined {
  const s = value.toLowerCase();
  if (s === '') return undefined;
  if (s === '1') return true;
  if (s === '0') return false;
  if ('true'.startsWith(s) || 'yes'.startsWith(s)) return true;
  if ('false'.startsWith(s) || 'no'.startsWith(s)) return false;
  if (s.length >= 2 && 'on'.startsWith(s)) return true;
  if (s.length >= 2 && 'off'.startsWith(s)) return false;
  return undefined;
}
