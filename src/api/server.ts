/**
 * The API port on node:http: which handler answers which request. Browser
 * checks come first for every request; then the emulator's own routes
 * (/_aurora-ml/..., /metrics) are served here as JSON; requests for
 * Comprehend, SageMaker Runtime and Bedrock Runtime (by X-Amz-Target, path or
 * SigV4 scope) go to ./ml-service-call.ts, which answers in those services'
 * JSON shapes; everything else is a call to the AWS Query APIs (IAM, RDS) for
 * the SDKs and CLI pointed at this endpoint URL, answered by
 * ./query-api-call.ts.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AwsError } from '../aws-error.ts';
import type { BackendControls } from '../backends/middleware/controls.ts';
import type { BackendSelection } from '../backends/selection.ts';
import type { Backends } from '../backends/types.ts';
import { IamService } from '../control/iam-service.ts';
import { RdsService } from '../control/rds-service.ts';
import type { StateStore } from '../control/store.ts';
import { type Dashboard, handleDashboardRequest, isDashboardPath, UI_PATH } from '../observe/dashboard.ts';
import { handleObserveRequest, METRICS_PATH, type ObserveRoutes } from '../observe/http.ts';
import { type Authenticate, authenticator } from './authenticate.ts';
import { handleControlsRequest, MAX_PATCH_BYTES } from './backend-controls.ts';
import { browserRefusal, hostRule, nonJsonWriteRefusal, type Refusal, sameOriginRefusal } from './browser-guard.ts';
import { iamApi } from './iam-actions.ts';
import { answerMlService, mlServiceOfRequest } from './ml-service-call.ts';
import { OPENAPI_DOCUMENT, OPENAPI_PATH } from './openapi.ts';
import { answerQueryApi } from './query-api-call.ts';
import { rdsApi } from './rds-actions.ts';
import { BodyTooLarge, readBody } from './read-body.ts';
import { parseRequestTarget } from './request-target.ts';
import { errorXml } from './responses.ts';
import type { ApiService } from './service.ts';
import { dualProtocolServer } from './services/cleartext-http2.ts';
import { errorResponse } from './services/errors.ts';
import type { Credential } from './sigv4.ts';

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
  /**
   * When given, every request on every route (the emulator's own too) must be signed with one of these;
   * otherwise any signature (or none) is accepted. Signed requests must be dated within 15 minutes either way.
   */
  readonly credentials?: readonly ApiCredential[];
  /** How long a new role association stays PENDING. */
  readonly propagationDelayMs: number;
  readonly now?: () => number;
  /** The evaluator's backends: Comprehend, SageMaker Runtime and Bedrock Runtime APIs answer from them. */
  readonly backends?: Backends;
  /** Serves /_aurora-ml/calls and /metrics ahead of the Query API. */
  readonly observe?: ObserveRoutes;
  /** The backends' latency, capacity and faults, served at /_aurora-ml/backends. */
  readonly controls?: BackendControls;
  /** Which backend serves what, switched at /_aurora-ml/backends/... */
  readonly selection?: BackendSelection;
  /** Puts the control plane's preset back (POST /_aurora-ml/control/reset); resolves with the preset and what it undid. */
  readonly resetControl?: () => Promise<{ readonly preset: string; readonly undone: readonly string[] }>;
  /** The live dashboard: the page at /ui and its routes under /_aurora-ml (statements, connections, events). */
  readonly dashboard?: Dashboard;
}

export interface ApiServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** http://host:port, the endpoint URL for SDKs and the CLI. */
  readonly url: string;
  close(): Promise<void>;
}

const OWN_PREFIX = '/_aurora-ml';
const CONTROL_RESET_PATH = '/_aurora-ml/control/reset';

/** The emulator's own routes: everything under /_aurora-ml, and Prometheus' /metrics. */
function isOwnRoute(path: string): boolean {
  return path === METRICS_PATH || path === OWN_PREFIX || path.startsWith(`${OWN_PREFIX}/`);
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const now = options.now ?? Date.now;
  const services: readonly ApiService[] = [
    iamApi(new IamService(options.store, now)),
    rdsApi(new RdsService(options.store, { propagationDelayMs: options.propagationDelayMs, now })),
  ];
  const authenticate: Authenticate = authenticator(options.credentials);
  const hostAllowed = hostRule(options.host);

  /** The AWS APIs: an ML service's call, else a Query API call. */
  function respond(req: IncomingMessage, res: ServerResponse): void {
    const requestId = randomUUID();
    const mlService = mlServiceOfRequest(req, new URL(req.url ?? '/', 'http://localhost').pathname);
    if (mlService) {
      const deps = { authenticate, backends: options.backends, store: options.store, log: options.log };
      void answerMlService(req, res, mlService, requestId, deps).catch((err) => {
        options.log.error({ err, requestId }, 'ML service API: could not answer');
        res.destroy();
      });
      return;
    }
    void answerQueryApi(req, res, requestId, { services, authenticate, log: options.log });
  }

  const observe = options.observe;
  const controls = options.controls;
  const answerJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** A refused request (403, or 415 for a non-JSON write) in the shape its route speaks: JSON for ours, the AWS service's own otherwise. */
  function refuse(req: IncomingMessage, res: ServerResponse, url: URL, refusal: Refusal): void {
    req.resume(); // the body is not wanted; drain it so the connection stays usable
    options.log.warn({ url: req.url, host: req.headers.host, origin: req.headers.origin }, `control API: ${refusal.message}`);
    if (isOwnRoute(url.pathname)) {
      answerJson(res, refusal.status, { error: { code: refusal.code, message: refusal.message } });
      return;
    }
    const requestId = randomUUID();
    const mlService = mlServiceOfRequest(req, url.pathname);
    if (mlService) {
      const outcome = errorResponse(mlService, { code: 'AccessDeniedException', status: 403, message: refusal.message });
      res.writeHead(outcome.status, { ...outcome.headers, 'content-length': outcome.body.length, 'x-amzn-requestid': requestId });
      res.end(outcome.body);
    } else {
      const body = errorXml(undefined, new AwsError('AccessDenied', refusal.message, 403), requestId);
      res.writeHead(403, {
        'content-type': 'text/xml; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'x-amzn-requestid': requestId,
      });
      res.end(body);
    }
  }

  /** The call log, metrics and backend controls: JSON writes only, signed like the AWS APIs when keys are configured. */
  async function serveOwnRoute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const notJson = nonJsonWriteRefusal(req);
    if (notJson) return refuse(req, res, url, notJson);
    let body: Buffer;
    try {
      body = await readBody(req, MAX_PATCH_BYTES);
      authenticate(req, url, body);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        const message = `the body exceeds ${MAX_PATCH_BYTES} bytes`;
        return answerJson(res, 413, { error: { code: 'RequestEntityTooLarge', message } });
      }
      if (!(err instanceof AwsError)) throw err;
      return answerJson(res, err.httpStatus, { error: { code: err.code, message: err.message } });
    }
    if (observe && (await handleObserveRequest(req, res, observe))) return;
    if (options.dashboard && isDashboardPath(url.pathname)) return handleDashboardRequest(req, res, url, options.dashboard);
    if (controls && handleControlsRequest(req, body, res, controls, options.selection)) return;
    if (url.pathname === CONTROL_RESET_PATH && options.resetControl) {
      if (req.method === 'POST') return answerJson(res, 200, await options.resetControl());
      res.setHeader('allow', 'POST');
      return answerJson(res, 405, { error: { code: 'MethodNotAllowed', message: 'use POST' } });
    }
    if (url.pathname === OPENAPI_PATH) {
      if (req.method === 'GET') return answerJson(res, 200, OPENAPI_DOCUMENT);
      res.setHeader('allow', 'GET');
      return answerJson(res, 405, { error: { code: 'MethodNotAllowed', message: 'use GET' } });
    }
    answerJson(res, 404, { error: { code: 'NotFound', message: `no route ${url.pathname}` } });
  }

  // Browser checks for every request, then the emulator's own routes (call log, metrics, backend
  // controls), then the AWS APIs. The root error boundary: whatever a request does, it ends that request only.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = parseRequestTarget(req.url);
      if (url === null) {
        answerJson(res, 400, { error: { code: 'BadRequest', message: 'the request target is not a valid URL' } });
        return;
      }
      const refusal = browserRefusal(req, hostAllowed);
      if (refusal) return refuse(req, res, url, refusal);
      if (options.dashboard && isDashboardPath(url.pathname)) {
        const foreign = sameOriginRefusal(req, listenPort, hostAllowed);
        if (foreign) return refuse(req, res, url, foreign);
        if (url.pathname === UI_PATH || url.pathname.startsWith(`${UI_PATH}/`)) {
          return await handleDashboardRequest(req, res, url, options.dashboard);
        }
      }
      if (isOwnRoute(url.pathname)) return await serveOwnRoute(req, res, url);
      respond(req, res);
    })().catch((err: unknown) => {
      options.log.error({ err, url: req.url }, 'control API: request failed');
      if (res.headersSent) res.destroy();
      else answerJson(res, 500, { error: { code: 'InternalFailure', message: 'the request could not be handled' } });
    });
  };
  /** Set once listening: the dashboard's routes accept only pages of this port. */
  let listenPort = options.port;
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
  listenPort = port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const close = () => {
    // Event streams never end by themselves: they would hold the close open.
    options.dashboard?.close();
    return front.close();
  };
  return { host: options.host, port, url: `http://${hostForUrl}:${port}`, close, [Symbol.asyncDispose]: close };
}
