/**
 * The request target as the API's routes read it. A target such as
 * `//x:99999/` (or HTTP/2's `:path` of the same) is a protocol-relative URL
 * with an invalid port: `new URL(target, base)` throws on it, so it is
 * checked once, up front, and answered 400 instead of reaching any route.
 */
const BASE = 'http://localhost';

/** The parsed target, or null when it is not a valid URL reference. */
export function parseRequestTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', BASE);
  } catch {
    return null;
  }
}
