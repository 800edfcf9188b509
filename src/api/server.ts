/**
 * The AWS-compatible Query API (IAM 2010-05-08 and RDS 2014-10-31) on
 * node:http, for the AWS SDKs and CLI pointed at it with an endpoint URL.
 * One request: read the form, pick the service (Version, else the SigV4
 * scope's service, else the action's name), check the signature when
 * credentials are configured, run the action, answer AWS's XML. Only an
 * AwsError reaches the client as itself; anything else is logged and the
 * client sees InternalFailure. Requests for Comprehend, SageMaker Runtime and
 * Bedrock Runtime (by X-Amz-Target, path or SigV4 scope) go to ./services,
 * which answers in those services' JSON shapes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { BackendControls } from '../backends/middleware/controls.ts';
import type { BackendSelection } from '../backends/selection.ts';
import { AwsError } from '../control/aws-error.ts';
import { IamService } from '../control/iam-service.ts';
import { RdsService } from '../control/rds-service.ts';
import type { StateStore } from '../control/store.ts';
import type { Backends } from '../ml/evaluator.ts';
import { handleObserveRequest, type ObserveRoutes } from '../observe/http.ts';
import { handleControlsRequest } from './backend-controls.ts';
import { iamApi } from './iam-actions.ts';
import { parseForm, QueryParams } from './query.ts';
import { rdsApi } from './rds-actions.ts';
import { parseRequestTarget } from './request-target.ts';
import { errorXml, successXml } from './responses.ts';
import type { ApiService } from './service.ts';
import { dualProtocolServer } from './services/cleartext-http2.ts';
import { handleMlService, ML_MAX_BODY_BYTES, type MlCaller, type MlServiceName, mlServiceOf } from './services/index.ts';
import { type Credential, parseAuthorization, type SigV4Authorization, signatureMatches } from './sigv4.ts';

/** A key the API accepts; with a role, the ML service APIs evaluate that role's IAM policies for its calls. */
export interface ApiCredential extends Credential {
  readonly roleName?: string;
}

export interface ApiServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly store: StateStore;
  readonly log: Logger;
  /** When given, every request must be signed with one of these; otherwise any signature (or none) is accepted. */
  readonly credentials?: readonly ApiCredential[];
  /** How long a new role association stays PENDING. */
  readonly propagationDelayMs: number;
  readonly now?: () => number;
  /** The evaluator's backends: Comprehend, SageMaker Runtime and Bedrock Runtime APIs answer from them. */
  readonly backends?: Backends;
  /** Serves /_aurora-ml/calls and /metrics ahead of the Query API (and its signature check). */
  readonly observe?: ObserveRoutes;
  /** The backends' latency, capacity and faults, served at /_aurora-ml/backends. */
  readonly controls?: BackendControls;
  /** Which backend serves what, switched at /_aurora-ml/backends/... */
  readonly selection?: BackendSelection;
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

function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
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
  const secrets = options.credentials ? new Map(options.credentials.map((c) => [c.accessKeyId, c])) : undefined;

  /** Checks the signature when credentials are configured; the caller's credential, if any. Throws AwsError. */
  function authenticate(
    req: IncomingMessage,
    header: string | undefined,
    auth: SigV4Authorization | undefined,
    url: URL,
    body: Buffer,
  ): ApiCredential | undefined {
    if (!secrets) return undefined;
    if (header === undefined) throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    if (!auth)
      throw new AwsError('IncompleteSignature', 'Authorization header requires a complete AWS4-HMAC-SHA256 signature', 400);
    const credential = secrets.get(auth.accessKeyId);
    if (credential === undefined) {
      throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    }
    // HTTP/2 carries the signed host header as :authority.
    const authority = req.headers[':authority'];
    const headers =
      req.headers.host === undefined && typeof authority === 'string' ? { ...req.headers, host: authority } : req.headers;
    const received = { method: req.method ?? 'GET', path: url.pathname, query: url.search.slice(1), headers, body };
    if (!signatureMatches(credential.secretAccessKey, auth, received)) {
      throw new AwsError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        403,
      );
    }
    return credential;
  }

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

      authenticate(req, header, auth, url, body);

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

  /** One call to Comprehend, SageMaker Runtime or Bedrock Runtime: errors in that service's JSON shape. */
  async function handleMl(req: IncomingMessage, res: ServerResponse, service: MlServiceName, requestId: string) {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const header = req.headers.authorization;
    const auth = header === undefined ? undefined : parseAuthorization(header);
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) aborted.abort();
    });
    let body: Buffer = Buffer.alloc(0);
    let failure: unknown;
    let caller: MlCaller | undefined;
    try {
      body = await readBody(req, ML_MAX_BODY_BYTES);
      const credential = authenticate(req, header, auth, url, body);
      if (credential) {
        caller = { accessKeyId: credential.accessKeyId, ...(credential.roleName ? { roleName: credential.roleName } : {}) };
      }
    } catch (err) {
      failure =
        err instanceof BodyTooLarge
          ? new AwsError('RequestEntityTooLarge', `Request body exceeds ${ML_MAX_BODY_BYTES} bytes`, 413)
          : err;
    }
    const request = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body, signal: aborted.signal };
    const deps = { backends: options.backends, store: options.store, log: options.log };
    const outcome = await handleMlService(service, request, deps, caller, requestId, failure);
    res.writeHead(outcome.status, {
      ...outcome.headers,
      'content-length': outcome.body.length,
      'x-amzn-requestid': requestId,
    });
    res.end(outcome.body);
    options.log.info(
      {
        requestId,
        service,
        target: req.headers['x-amz-target'],
        path: url.pathname,
        status: outcome.status,
        error: outcome.headers['x-amzn-errortype'],
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'ML service API call',
    );
  }

  function respond(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const requestId = randomUUID();
    const header = req.headers.authorization;
    const scope = header === undefined ? undefined : parseAuthorization(header)?.service;
    const mlService = mlServiceOf(new URL(req.url ?? '/', 'http://localhost').pathname, req.headers, scope);
    if (mlService) {
      void handleMl(req, res, mlService, requestId).catch((err) => {
        options.log.error({ err, requestId }, 'ML service API: could not answer');
        res.destroy();
      });
      return;
    }
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

  const observe = options.observe;
  const controls = options.controls;
  const answerJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  // The emulator's own routes (call log, metrics, backend controls) first, then the AWS APIs.
  // The root error boundary: whatever a request does, it ends that request only.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (parseRequestTarget(req.url) === null) {
        answerJson(res, 400, { error: { code: 'BadRequest', message: 'the request target is not a valid URL' } });
        return;
      }
      if (observe && (await handleObserveRequest(req, res, observe))) return;
      if (controls && (await handleControlsRequest(req, res, controls, options.selection))) return;
      respond(req, res);
    })().catch((err: unknown) => {
      options.log.error({ err, url: req.url }, 'control API: request failed');
      if (res.headersSent) res.destroy();
      else answerJson(res, 500, { error: { code: 'InternalFailure', message: 'the request could not be handled' } });
    });
  };
  const server = createServer(onRequest);
  // HTTP/1.1 and cleartext HTTP/2 share the port: the Bedrock Runtime SDK client speaks only HTTP/2.
  const front = dualProtocolServer(server, onRequest, options.log);
  server.on('clientError', (err, socket) => {
    options.log.debug({ err }, 'control API: malformed HTTP request');
    socket.destroy();
  });
  const listener = front.listener;
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', (err) => options.log.error({ err }, 'control API listener error'));
  const address = listener.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const close = () => front.close();
  return { host: options.host, port, url: `http://${hostForUrl}:${port}`, close, [Symbol.asyncDispose]: close };
}
