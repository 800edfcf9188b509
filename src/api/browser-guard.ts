/**
 * Keeps web pages out of the API. The API changes backends (one spec kind
 * loads a module: code running as the emulator's user), so a page in the
 * developer's browser must not reach it, neither cross-site nor through DNS
 * rebinding. SDKs, the CLI, curl and tests send no Origin and no
 * Sec-Fetch-* headers and name the host they dialled, so none of this
 * touches them.
 *
 * The rules, checked before any route:
 * - Host: a loopback name or address (localhost, *.localhost, 127.0.0.0/8,
 *   [::1]) or the listen address itself. Listening on a wildcard (0.0.0.0,
 *   ::, as in docker) also admits IP literals, single-label names (compose
 *   service names) and *.internal (host.docker.internal): names no attacker
 *   can point at us through public DNS, which is what rebinding needs.
 * - Origin: when present, on any method, a loopback origin. (GET counts:
 *   the Query API changes state by GET too.)
 * - Sec-Fetch-Site: cross-site without an Origin (an <img>, a link, a form
 *   navigation from another site) is refused.
 * - Under /_aurora-ml/, a POST (the one write method a page may send without
 *   a CORS preflight, which we never grant) and any write with a body must
 *   be Content-Type: application/json, which pages cannot send unpreflighted.
 */
import type { IncomingMessage } from 'node:http';

export interface Refusal {
  readonly status: 403 | 415;
  readonly code: string;
  readonly message: string;
}

/** Host header syntax: a name or IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST_SYNTAX = /^(?:[a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The hostname as WHATWG URL normalizes it (lower case, 127.1 → 127.0.0.1, [0::1] → [::1]); undefined if invalid. */
function normalizedHostname(host: string): string | undefined {
  if (!HOST_SYNTAX.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    (IPV4.test(hostname) && hostname.startsWith('127.')) ||
    hostname === '[::1]'
  );
}

/** Names public DNS cannot hand an attacker: IP literals, single labels, the reserved .internal. */
function isUnrebindable(hostname: string): boolean {
  return IPV4.test(hostname) || hostname.startsWith('[') || !hostname.includes('.') || hostname.endsWith('.internal');
}

const WILDCARDS = new Set(['', '0.0.0.0', '[::]']);

/** Which Host headers a server listening on `listenHost` accepts (see the rules above). */
export function hostRule(listenHost: string): (hostname: string) => boolean {
  const listen = normalizedHostname(listenHost.includes(':') ? `[${listenHost}]` : listenHost) ?? listenHost;
  if (WILDCARDS.has(listen)) return (hostname) => isLoopback(hostname) || isUnrebindable(hostname);
  return (hostname) => isLoopback(hostname) || hostname === listen;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopback(url.hostname);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything malformed
  }
}

const forbidden = (message: string): Refusal => ({ status: 403, code: 'Forbidden', message });

/** Why a browser-borne request must not reach any route; undefined when it may. */
export function browserRefusal(req: IncomingMessage, hostAllowed: (hostname: string) => boolean): Refusal | undefined {
  // HTTP/2 names the host in :authority; a request naming none did not come from a browser.
  const host = header(req, 'host') ?? header(req, ':authority');
  if (host !== undefined) {
    const hostname = normalizedHostname(host);
    if (hostname === undefined || !hostAllowed(hostname)) {
      return forbidden(`Host "${host}" is not an address of this emulator; use 127.0.0.1 or localhost`);
    }
  }
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    if (!isLoopbackOrigin(origin)) return forbidden(`requests from web pages at ${origin} are not accepted`);
  } else if (header(req, 'sec-fetch-site') === 'cross-site') {
    return forbidden('requests from web pages on other sites are not accepted');
  }
  return undefined;
}

/** Does the request carry a body? Node reports none for HTTP/1 without Content-Length or Transfer-Encoding. */
function hasBody(req: IncomingMessage): boolean {
  const length = header(req, 'content-length');
  if (length !== undefined) return length.trim() !== '0';
  if (req.httpVersionMajor >= 2) return true; // HTTP/2 may stream DATA frames without a length
  return header(req, 'transfer-encoding') !== undefined;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A write under /_aurora-ml/ not declared JSON: a form or text/plain POST any page can send. */
export function nonJsonWriteRefusal(req: IncomingMessage): Refusal | undefined {
  const method = req.method ?? 'GET';
  if (method !== 'POST' && !(WRITES.has(method) && hasBody(req))) return undefined;
  const mediaType = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return undefined;
  return {
    status: 415,
    code: 'UnsupportedMediaType',
    message: 'changes under /_aurora-ml/ need a JSON body sent with Content-Type: application/json',
  };
}

/**
 * The dashboard's routes (src/observe/dashboard.ts) are read by its own page
 * only: an Origin, when sent, must be this listener's own origin (scheme,
 * allowed host and port), not merely a loopback one, since other local
 * servers (a dev server on localhost:3000) are other sites; a Host naming
 * another port is refused alike.
 */
export function sameOriginRefusal(
  req: IncomingMessage,
  listenPort: number,
  hostAllowed: (hostname: string) => boolean,
): Refusal | undefined {
  const host = header(req, 'host') ?? header(req, ':authority');
  if (host !== undefined) {
    const port = /:(\d+)$/.exec(host)?.[1];
    if (port !== undefined && Number(port) !== listenPort) {
      return forbidden(`Host "${host}" names another port than this emulator's (${listenPort})`);
    }
  }
  const origin = header(req, 'origin');
  if (origin === undefined) return undefined;
  try {
    const url = new URL(origin);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (url.protocol === 'http:' && hostAllowed(url.hostname) && port === listenPort) return undefined;
  } catch {
    // "null" and malformed origins are refused below
  }
  return forbidden(`the dashboard's routes answer only its own page, not ${origin}`);
}
