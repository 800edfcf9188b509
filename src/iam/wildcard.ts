/**
 * IAM's wildcard matching: `*` matches any run of characters (even none,
 * colons and slashes included) and `?` exactly one. Policy variables such as
 * `${aws:username}` are not expanded: they match themselves literally.
 */

/** Whether `value` matches `pattern`; `?` counts code points, not UTF-16 units. */
export function matchesWildcard(pattern: string, value: string, options: { readonly ignoreCase: boolean }): boolean {
  const p = Array.from(options.ignoreCase ? pattern.toLowerCase() : pattern);
  const v = Array.from(options.ignoreCase ? value.toLowerCase() : value);
  // Greedy scan that remembers the last `*` and retries from there on a
  // mismatch: linear in practice and immune to the blow-up a regex can hit.
  let pi = 0;
  let vi = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (vi < v.length) {
    const token = p[pi];
    if (token === '*') {
      starAt = pi++;
      resumeAt = vi;
    } else if (token !== undefined && (token === '?' || token === v[vi])) {
      pi++;
      vi++;
    } else if (starAt >= 0) {
      pi = starAt + 1;
      vi = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** Actions (`service:Name`) compare case-insensitively: `Comprehend:detectsentiment` is the same action. */
export function actionMatches(pattern: string, action: string): boolean {
  return matchesWildcard(pattern, action, { ignoreCase: true });
}

/** Resource ARNs compare case-sensitively, across the whole ARN. */
export function resourceMatches(pattern: string, resource: string): boolean {
  return matchesWildcard(pattern, resource, { ignoreCase: false });
}

/** An ARN's six components; the last keeps any further colons (`arn:aws:logs:r:a:log-group:g:*`). */
function arnComponents(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * The ARN condition operators compare each of the six components separately,
 * so a `*` in the region cannot swallow the account. A pattern that is not a
 * whole ARN (a bare `*`) falls back to matching the full string.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  const patternParts = arnComponents(pattern);
  if (!patternParts) return matchesWildcard(pattern, arn, { ignoreCase: false });
  const arnParts = arnComponents(arn);
  if (!arnParts) return false;
  return patternParts.every((part, i) => matchesWildcard(part, arnParts[i] ?? '', { ignoreCase: false }));
}
