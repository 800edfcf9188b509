/**
 * IAM's list conventions: Marker/MaxItems paging and its order by name. Every
 * List* operation of IamService pages the same way, so it lives here once.
 */
import { AwsError } from '../aws-error.ts';
import { validation } from './iam-validation.ts';

export interface PageRequest {
  readonly pathPrefix?: string;
  /** Opaque: the `marker` of the previous page. */
  readonly marker?: string;
  /** 1..1000, default 100. */
  readonly maxItems?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items follow. */
  readonly marker?: string;
}

/** IAM orders names regardless of case, as it finds them. */
export function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/**
 * IAM's Marker/MaxItems paging. Our marker is the key of the first item of
 * the next page, base64url-encoded so that clients treat it as opaque.
 */
export function paginate<T>(items: readonly T[], page: PageRequest, keyOf: (item: T) => string): Page<T> {
  const maxItems = page.maxItems ?? 100;
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw validation('maxItems', 'Member must have value between 1 and 1000', String(maxItems));
  }
  let start = 0;
  if (page.marker !== undefined) {
    const key = Buffer.from(page.marker, 'base64url').toString('utf8');
    start = items.findIndex((item) => keyOf(item) === key);
    if (start < 0) throw new AwsError('InvalidInput', 'Invalid Marker.');
  }
  const slice = items.slice(start, start + maxItems);
  const next = items[start + maxItems];
  return next === undefined ? { items: slice } : { items: slice, marker: Buffer.from(keyOf(next), 'utf8').toString('base64url') };
}
