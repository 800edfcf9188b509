/**
 * AWS Signature Version 4 as a server checks it: rebuild the canonical
 * request from what arrived, derive the signing key from the secret we hold
 * for the access key, and compare signatures in constant time. Only the
 * Authorization-header form is supported (the SDKs and the CLI use it for
 * IAM and RDS); presigned URLs are not.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SigV4Authorization {
  readonly accessKeyId: string;
  /** YYYYMMDD, from the credential scope. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** What the signature covers, exactly as received. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path as sent, still %-encoded, without the query string. */
  readonly path: string;
  /** The raw query string, without '?'. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** undefined when the header is not a complete SigV4 Authorization header. */
export function parseAuthorization(header: string): SigV4Authorization | undefined {
  if (!header.startsWith(`${ALGORITHM} `)) return undefined;
  const parts = new Map<string, string>();
  for (const piece of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential')?.split('/');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (credential?.length !== 5 || credential[4] !== 'aws4_request' || !signedHeaders || !signature) return undefined;
  const [accessKeyId, date, region, service] = credential as [string, string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 unreserved characters stay; everything else is %XX (uppercase), as SigV4 requires. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Services other than S3 normalize the path and encode each segment a second time. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const joined = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return joined
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [uriEncode(safeDecode(key)), uriEncode(safeDecode(value))] as const;
    })
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

/** The request time the signature names (X-Amz-Date, else Date). */
export function requestTime(headers: IncomingHttpHeaders): string {
  return headerValue(headers, 'x-amz-date') || headerValue(headers, 'date');
}

export function stringToSign(auth: SigV4Authorization, request: ReceivedRequest): string {
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256') || sha256Hex(request.body);
  const canonicalRequest = [
    request.method,
    canonicalPath(request.path),
    canonicalQuery(request.query),
    auth.signedHeaders.map((name) => `${name}:${headerValue(request.headers, name)}\n`).join(''),
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  return [ALGORITHM, requestTime(request.headers), scope, sha256Hex(canonicalRequest)].join('\n');
}

export function signature(secretAccessKey: string, auth: SigV4Authorization, request: ReceivedRequest): string {
  const dateKey = hmac(`AWS4${secretAccessKey}`, auth.date);
  const regionKey = hmac(dateKey, auth.region);
  const serviceKey = hmac(regionKey, auth.service);
  const signingKey = hmac(serviceKey, 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign(auth, request)).digest('hex');
}

export function signatureMatches(secretAccessKey: string, auth: SigV4Authorization, request: ReceivedRequest): boolean {
  // The scope's date must be the day the request says it was signed.
  if (!requestTime(request.headers).startsWith(auth.date)) return false;
  const expected = Buffer.from(signature(secretAccessKey, auth, request), 'utf8');
  const given = Buffer.from(auth.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** How far a signed request's time may be from the server's clock, either way, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** The request time as epoch ms: X-Amz-Date's basic ISO 8601 form (20240102T030405Z), else an HTTP Date. */
export function requestTimeMs(headers: IncomingHttpHeaders): number | undefined {
  const text = requestTime(headers);
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const at = basic
    ? Date.UTC(Number(basic[1]), Number(basic[2]) - 1, Number(basic[3]), Number(basic[4]), Number(basic[5]), Number(basic[6]))
    : Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
