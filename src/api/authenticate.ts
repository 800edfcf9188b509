/**
 * Who signed a request, for every route on the API port: the AWS APIs, the
 * call log, metrics and backend controls alike. Any request that carries a
 * SigV4 Authorization header must be dated within 15 minutes of the server's
 * clock (a captured request cannot be replayed later), whether or not keys
 * are configured; with keys configured, every request must also be signed
 * by one of them. Failures are AwsErrors in the Query APIs' terms; the JSON
 * services rename them (see services/errors.ts).
 */
import type { IncomingMessage } from 'node:http';
import { AwsError } from '../aws-error.ts';
import type { ApiCredential } from './server.ts';
import { MAX_CLOCK_SKEW_MS, parseAuthorization, requestTime, requestTimeMs, signatureMatches } from './sigv4.ts';

/** The caller's credential when keys are configured; undefined when they are not. Throws AwsError. */
export type Authenticate = (req: IncomingMessage, url: URL, body: Buffer) => ApiCredential | undefined;

/** SigV4 timestamps as AWS prints them in these messages: 20240102T030405Z. */
const basicIso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Throws when a signed request's time is missing or outside the window around `nowMs`. */
function checkRequestTime(req: IncomingMessage, nowMs: number): void {
  const at = requestTimeMs(req.headers);
  if (at === undefined) {
    const given = requestTime(req.headers);
    throw new AwsError(
      'IncompleteSignature',
      given === '' ? 'A signed request needs an X-Amz-Date header' : `X-Amz-Date "${given}" is not a valid date`,
      400,
    );
  }
  // AWS answers both directions with SignatureDoesNotMatch (the JSON services: InvalidSignatureException).
  if (at < nowMs - MAX_CLOCK_SKEW_MS) {
    throw new AwsError(
      'SignatureDoesNotMatch',
      `Signature expired: the request was signed at ${basicIso(at)}, more than 15 minutes before the server time ${basicIso(nowMs)}`,
      403,
    );
  }
  if (at > nowMs + MAX_CLOCK_SKEW_MS) {
    throw new AwsError(
      'SignatureDoesNotMatch',
      `Signature not yet current: the request was signed at ${basicIso(at)}, more than 15 minutes after the server time ${basicIso(nowMs)}`,
      403,
    );
  }
}

/** The signed headers as received; HTTP/2 carries the signed host header as :authority. */
function signedHeadersOf(req: IncomingMessage) {
  const authority = req.headers[':authority'];
  return req.headers.host === undefined && typeof authority === 'string' ? { ...req.headers, host: authority } : req.headers;
}

/**
 * @param credentials the keys requests must be signed with; undefined: any signature (or none) is accepted
 * @param now the server's clock (the signature window is real time, not the control plane's clock)
 */
export function authenticator(credentials: readonly ApiCredential[] | undefined, now: () => number = Date.now): Authenticate {
  const secrets = credentials ? new Map(credentials.map((c) => [c.accessKeyId, c])) : undefined;
  return (req, url, body) => {
    const header = req.headers.authorization;
    const auth = header === undefined ? undefined : parseAuthorization(header);
    if (auth) checkRequestTime(req, now());
    if (!secrets) return undefined;
    if (header === undefined) throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    if (!auth)
      throw new AwsError('IncompleteSignature', 'Authorization header requires a complete AWS4-HMAC-SHA256 signature', 400);
    const credential = secrets.get(auth.accessKeyId);
    if (credential === undefined) {
      throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    }
    const received = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: signedHeadersOf(req),
      body,
    };
    if (!signatureMatches(credential.secretAccessKey, auth, received)) {
      throw new AwsError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        403,
      );
    }
    return credential;
  };
}
