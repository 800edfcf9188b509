/**
 * Aurora MySQL's ML status variables (meanings in src/ml/stats.ts): `SHOW [GLOBAL|SESSION]
 * STATUS LIKE 'Aurora_ml%'` answers from the emulator's counters, and
 * `FLUSH STATUS` resets them as well as the server's own.
 */
import { MlStats } from '../../ml/stats.ts';
import { classifyStatement } from '../../sql/mysql/statement-kind.ts';

export type StatusCommand = { readonly kind: 'show'; readonly pattern: RegExp } | { readonly kind: 'flush' };

/** Cheap pre-check: only statements with this word can be status commands. */
export const STATUS_WORD = /\bstatus\b/i;

/** SHOW STATUS asking for Aurora_ml counters, or FLUSH STATUS; null for anything else. */
export function statusCommand(sql: string): StatusCommand | null {
  const kind = classifyStatement(sql);
  if (kind === 'flush_status') return { kind: 'flush' };
  if (kind !== 'show_status') return null;
  const like = /\blike\s+'([^']*)'\s*;?\s*$/i.exec(sql);
  if (like === null) return null;
  const pattern = likePattern(like[1] ?? '');
  return STATUS_NAMES.some((n) => pattern.test(n)) ? { kind: 'show', pattern } : null;
}

/** The counters as (name, value) rows, in SHOW STATUS's alphabetical order. */
export function statusRows(stats: MlStats): [string, string][] {
  return [
    ['Aurora_ml_actual_request_cnt', stats.actualRequests],
    ['Aurora_ml_actual_response_cnt', stats.actualResponses],
    ['Aurora_ml_cache_hit_cnt', stats.cacheHits],
    ['Aurora_ml_logical_request_cnt', stats.logicalRequests],
    ['Aurora_ml_logical_response_cnt', stats.logicalResponses],
    ['Aurora_ml_retry_request_cnt', stats.retries],
    ['Aurora_ml_single_request_cnt', stats.singleRequests],
  ].map(([name, value]) => [String(name), String(value)]);
}

const STATUS_NAMES = statusRows(new MlStats()).map(([name]) => name);

/** SQL LIKE (case-insensitive, as SHOW STATUS matches) as a RegExp. */
export function likePattern(like: string): RegExp {
  let source = '';
  for (let i = 0; i < like.length; i++) {
    const c = like[i] as string;
    if (c === '\\' && i + 1 < like.length) source += (like[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}
