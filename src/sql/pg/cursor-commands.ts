/**
 * DECLARE ... CURSOR and PREPARE/EXECUTE, parsed only as far as the proxy
 * needs: where a cursor's query starts and whether it is held past its
 * transaction; the name a PREPARE defines and the name an EXECUTE runs.
 */
import { Cursor } from './statement-cursor.ts';
import type { LexOptions } from './tokens.ts';

export interface DeclareCommand {
  /** The text up to and including FOR (name and options, unchanged). */
  readonly head: string;
  /** The cursor's query. */
  readonly query: string;
  /** WITH HOLD: the cursor outlives its transaction. */
  readonly hold: boolean;
}

const OPTION_WORDS = new Set(['binary', 'asensitive', 'insensitive', 'no', 'scroll']);

/** DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query. */
export function parseDeclare(text: string, opts: LexOptions = {}): DeclareCommand | null {
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords('declare') || c.name() === undefined) return null;
  for (let t = c.peek(); t?.kind === 'ident' && OPTION_WORDS.has(t.value); t = c.peek()) c.advance();
  if (!c.keywords('cursor')) return null;
  let hold = false;
  if (c.keywords('with', 'hold')) hold = true;
  else c.keywords('without', 'hold');
  const forWord = c.peek();
  if (!c.keywords('for')) return null;
  const first = c.peek();
  if (forWord === undefined || first === undefined) return null;
  return { head: text.slice(0, forWord.end), query: text.slice(first.start), hold };
}

/** The statement name of PREPARE name [(types)] AS ..., or EXECUTE name [(args)]. */
export function preparedStatementName(text: string, verb: 'prepare' | 'execute', opts: LexOptions = {}): string | undefined {
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords(verb)) return undefined;
  return c.name();
}
