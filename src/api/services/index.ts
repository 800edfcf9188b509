/**
 * The ML service APIs on the API port: which requests are theirs, and one
 * request's way from HTTP to a backend and back. Recognized by Comprehend's
 * X-Amz-Target, by SageMaker Runtime's and Bedrock Runtime's paths, or by
 * the SigV4 scope naming one of the three services (so that a request for an
 * operation we lack still gets that service's error shape).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { AwsError } from '../../aws-error.ts';
import type { Backends, CallContext } from '../../backends/types.ts';
import type { StateStore } from '../../control/store.ts';
import { limits } from '../../ml/limits.ts';
import { authorizerFor } from './authorize.ts';
import { handleConverse } from './bedrock-converse.ts';
import { bedrockOperationOf, handleInvokeModel, modelArn } from './bedrock-runtime.ts';
import { comprehendOperation, handleComprehend } from './comprehend.ts';
import { errorResponse, toWireError } from './errors.ts';
import { endpointArn, handleInvokeEndpoint, sageMakerEndpointOf } from './sagemaker-runtime.ts';
import { headerOf, type MlServiceName, type ServiceRequest, type ServiceResponse } from './types.ts';

export type { MlServiceName, ServiceRequest, ServiceResponse } from './types.ts';

/** Bedrock's body limit plus room for headers' worth of slack; above it the body is not even read. */
export const ML_MAX_BODY_BYTES = 26 * 1024 * 1024;

/**
 * How long an API call may take (ours: the SQL side takes aurora_ml_inference_timeout, an API
 * caller has none). SageMaker's backend enforces its own 60 s model limit inside this.
 */
const CALL_TIMEOUT_MS: Readonly<Record<MlServiceName, number>> = {
  comprehend: limits.defaultInferenceTimeoutMs,
  sagemaker: limits.sagemakerModelTimeoutMs + 5_000,
  bedrock: 120_000,
};

const SIGNING_NAMES: Readonly<Record<string, MlServiceName>> = {
  comprehend: 'comprehend',
  sagemaker: 'sagemaker',
  bedrock: 'bedrock',
};

/** The ML service a request is for, or undefined for the Query APIs (IAM, RDS). */
export function mlServiceOf(
  path: string,
  headers: IncomingHttpHeaders,
  scopeService: string | undefined,
): MlServiceName | undefined {
  if (comprehendOperation(headerOf(headers, 'x-amz-target')) !== undefined) return 'comprehend';
  if (path.startsWith('/endpoints/')) return 'sagemaker';
  if (path.startsWith('/model/')) return 'bedrock';
  return scopeService === undefined ? undefined : SIGNING_NAMES[scopeService];
}

export interface MlCaller {
  readonly accessKeyId: string;
  /** The IAM role the credential acts as; undefined: allowed everything. */
  readonly roleName?: string;
}

export interface MlServiceDeps {
  /** undefined: the server was started without backends and answers every ML call with an error. */
  readonly backends: Backends | undefined;
  readonly store: StateStore;
  readonly log: Logger;
}

async function dispatch(
  service: MlServiceName,
  request: ServiceRequest,
  deps: MlServiceDeps,
  caller: MlCaller | undefined,
): Promise<ServiceResponse> {
  const backends = deps.backends;
  if (!backends) throw new AwsError('UnknownOperationException', 'The ML service APIs are not enabled on this server', 404);
  const state = deps.store.current();
  const authorize = authorizerFor(state, caller?.roleName, caller?.accessKeyId ?? '');
  const ctx: CallContext = { deadline: Date.now() + CALL_TIMEOUT_MS[service], signal: request.signal };
  const unknown = () =>
    new AwsError('UnknownOperationException', `No ${service} operation answers ${request.method} ${request.path}`, 404);
  if (request.method !== 'POST') throw unknown();
  switch (service) {
    case 'comprehend':
      return handleComprehend(request, backends.comprehend, authorize, ctx);
    case 'sagemaker': {
      const endpoint = sageMakerEndpointOf(request.path);
      if (endpoint === undefined) throw unknown();
      const arn = endpointArn(state.region, state.accountId, endpoint);
      return handleInvokeEndpoint(request, endpoint, arn, backends.sagemaker, authorize, ctx);
    }
    case 'bedrock': {
      const target = bedrockOperationOf(request.path);
      if (target === undefined) throw unknown();
      const { operation, modelId } = target;
      const arn = modelArn(state.region, modelId);
      if (operation === 'InvokeModel') return handleInvokeModel(request, modelId, arn, backends.bedrock, authorize, ctx);
      return handleConverse(request, operation, modelId, arn, backends.bedrock, authorize, ctx);
    }
  }
}

/**
 * Answers one request for an ML service; `failure` is an error raised before
 * dispatch (authentication), answered in the service's shape. Never throws.
 */
export async function handleMlService(
  service: MlServiceName,
  request: ServiceRequest,
  deps: MlServiceDeps,
  caller: MlCaller | undefined,
  requestId: string,
  failure?: unknown,
): Promise<ServiceResponse> {
  try {
    if (failure !== undefined) throw failure;
    return await dispatch(service, request, deps, caller);
  } catch (err) {
    return errorResponse(service, toWireError(service, err, deps.log, requestId));
  }
}
