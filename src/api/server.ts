/**
 * The AWS-compatible Query API (IAM 2010-05-08 and RDS 2014-10-31) on
 * node:http, for the AWS SDKs and CLI pointed at it with an endpoint URL.
 * One request: read the form, pick the service (Version, else the SigV4
 * scope's service, else the action's name), check the signature when
 * credentials are configured, run the action, answer AWS's XML. Only an
 * AwsError reaches the client as itself; anything else is logged and the
 * client sees InternalFailure.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AwsError } from '../control/aws-error.ts';
import { IamService } from '../control/iam-service.ts';
import { RdsService } from '../control/rds-service.ts';
import type { StateStore } from '../control/store.ts';
import { iamApi } from './iam-actions.ts';
import { parseForm, QueryParams } from './query.ts';
import { rdsApi } from './rds-actions.ts';
import { errorXml, successXml } from './responses.ts';
import type { ApiService } from './service.ts';
import { type Credential, parseAuthorization, signatureMatches } from './sigv4.ts';

export interface ApiServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly store: StateStore;
  readonly log: Logger;
  /** When given, every request must be signed with one of these; otherwise any signature (or none) is accepted. */
  readonly credentials?: readonly Credential[];
  /** How long a new role association stays PENDING. */
  readonly propagationDelayMs: number;
  readonly now?: () => number;
}

export interface ApiServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** http://host:port, the endpoint URL for SDKs and the CLI. */
  readonly url: string;
  close(): Promise<void>;
}

/** Far above any IAM policy or RDS request; guards memory, not semantics. */
const MAX_BODY_BYTES = 1024 * 1024;

interface Outcome {
  readonly status: number;
  readonly body: string;
  readonly service?: string;
  readonly action?: string;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const now = options.now ?? Date.now;
  const services: readonly ApiService[] = [
    iamApi(new IamService(options.store, now)),
    rdsApi(new RdsService(options.store, { propagationDelayMs: options.propagationDelayMs, now })),
  ];
  const secrets = options.credentials ? new Map(options.credentials.map((c) => [c.accessKeyId, c.secretAccessKey])) : undefined;

  function pickService(version: string | undefined, scopeService: string | undefined, action: string | undefined) {
    return (
      services.find((s) => s.version === version) ??
      services.find((s) => s.signingName === scopeService) ??
      services.find((s) => action !== undefined && Object.hasOwn(s.actions, action))
    );
  }

  async function handle(req: IncomingMessage, requestId: string): Promise<Outcome> {
    let service: ApiService | undefined;
    let action: string | undefined;
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const query = url.search.slice(1);
      const values = parseForm(query);
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      if (req.method === 'POST' && (isForm || req.headers['content-type'] === undefined)) {
        for (const [k, v] of parseForm(body.toString('utf8'))) values.set(k, v);
      }
      action = values.get('Action');
      const header = req.headers.authorization;
      const auth = header === undefined ? undefined : parseAuthorization(header);
      service = pickService(values.get('Version'), auth?.service, action);

      if (secrets) {
        if (header === undefined)
          throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
        if (!auth)
          throw new AwsError('IncompleteSignature', 'Authorization header requires a complete AWS4-HMAC-SHA256 signature', 400);
        const secret = secrets.get(auth.accessKeyId);
        if (secret === undefined) {
          throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
        }
        const received = { method: req.method ?? 'GET', path: url.pathname, query, headers: req.headers, body };
        if (!signatureMatches(secret, auth, received)) {
          throw new AwsError(
            'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
            403,
          );
        }
      }

      if (action === undefined || action === '')
        throw new AwsError('MissingAction', 'The request must contain the parameter Action');
      if (!service) throw new AwsError('InvalidAction', `Could not find operation ${action} (unknown service or Version)`);
      const handler = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
      if (!handler) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${service.version}`);
      const result = await handler(new QueryParams(values, service.parameterErrors));
      return {
        status: 200,
        body: successXml(service.namespace, action, result, requestId),
        service: service.signingName,
        action,
      };
    } catch (err) {
      const error =
        err instanceof AwsError
          ? err
          : err instanceof BodyTooLarge
            ? new AwsError('RequestEntityTooLarge', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413)
            : internalFailure(err, requestId);
      return {
        status: error.httpStatus,
        body: errorXml(service?.namespace, error, requestId),
        ...(service ? { service: service.signingName } : {}),
        ...(action !== undefined ? { action } : {}),
      };
    }
  }

  function internalFailure(err: unknown, requestId: string): AwsError {
    options.log.error({ err, requestId }, 'control API: unexpected failure');
    return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);
  }

  function respond(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const requestId = randomUUID();
    void handle(req, requestId).then((outcome) => {
      res.writeHead(outcome.status, {
        'content-type': 'text/xml; charset=utf-8',
        'content-length': Buffer.byteLength(outcome.body),
        'x-amzn-requestid': requestId,
      });
      res.end(outcome.body);
      options.log.info(
        {
          requestId,
          service: outcome.service,
          action: outcome.action,
          status: outcome.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'control API call',
      );
    });
  }

  const server = createServer(respond);
  server.on('clientError', (err, socket) => {
    options.log.debug({ err }, 'control API: malformed HTTP request');
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => options.log.error({ err }, 'control API listener error'));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { host: options.host, port, url: `http://${hostForUrl}:${port}`, close, [Symbol.asyncDispose]: close };
}
