/**
 * One call to Comprehend, SageMaker Runtime or Bedrock Runtime on the API
 * port: read the body, check the signature, let ./services answer in that
 * service's JSON shape (errors included), and log the call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../aws-error.ts';
import type { Authenticate } from './authenticate.ts';
import { BodyTooLarge, readBody } from './read-body.ts';
import {
  handleMlService,
  ML_MAX_BODY_BYTES,
  type MlCaller,
  type MlServiceDeps,
  type MlServiceName,
  mlServiceOf,
} from './services/index.ts';
import { parseAuthorization } from './sigv4.ts';

export interface MlServiceCallDeps extends MlServiceDeps {
  readonly authenticate: Authenticate;
}

/** The ML service a request is for (by X-Amz-Target, path or SigV4 scope), or undefined for the Query APIs. */
export function mlServiceOfRequest(req: IncomingMessage, path: string): MlServiceName | undefined {
  const header = req.headers.authorization;
  const scope = header === undefined ? undefined : parseAuthorization(header)?.service;
  return mlServiceOf(path, req.headers, scope);
}

/** Answers the call; a failed authentication or an oversized body is answered in the service's shape too. */
export async function answerMlService(
  req: IncomingMessage,
  res: ServerResponse,
  service: MlServiceName,
  requestId: string,
  deps: MlServiceCallDeps,
): Promise<void> {
  const started = performance.now();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const aborted = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) aborted.abort();
  });
  let body: Buffer = Buffer.alloc(0);
  let failure: unknown;
  let caller: MlCaller | undefined;
  try {
    body = await readBody(req, ML_MAX_BODY_BYTES);
    const credential = deps.authenticate(req, url, body);
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
  const outcome = await handleMlService(service, request, deps, caller, requestId, failure);
  res.writeHead(outcome.status, {
    ...outcome.headers,
    'content-length': outcome.body.length,
    'x-amzn-requestid': requestId,
  });
  res.end(outcome.body);
  deps.log.info(
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
