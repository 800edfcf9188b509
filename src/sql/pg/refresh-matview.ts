/**
 * REFRESH MATERIALIZED VIEW, which runs the view's query again: the proxy
 * needs the view's name to know whether that query calls ML functions.
 */
import { Cursor } from './statement-cursor.ts';
import type { LexOptions } from './tokens.ts';

export interface RefreshCommand {
  /** The view's name as written, each part as the server sees it: ['public', 'v']. */
  readonly name: readonly string[];
  readonly concurrently: boolean;
  readonly withData: boolean;
}

/** REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]. */
export function parseRefreshMatview(text: string, opts: LexOptions = {}): RefreshCommand | null {
  const c = Cursor.of(text, opts);
  if (c === null || !c.keywords('refresh', 'materialized', 'view')) return null;
  const concurrently = c.keywords('concurrently');
  const name = c.qualifiedName();
  if (name === undefined) return null;
  const withData = !c.keywords('with', 'no', 'data');
  if (withData) c.keywords('with', 'data');
  return c.done() ? { name, concurrently, withData } : null;
}
