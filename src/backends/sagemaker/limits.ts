/**
 * SageMaker Runtime InvokeEndpoint limits and the errors SageMaker reports,
 * shared by every SageMaker backend (container, module, built-in) so that an
 * endpoint behaves the same whatever serves it.
 */
import { EmulatorError } from '../../errors.ts';
import { guardCall } from '../support/call-guard.ts';
import type { CallContext, InvokeRequest, InvokeResponse } from '../types.ts';

/** InvokeEndpoint's Body constraint, for requests and responses alike. */
export const SAGEMAKER_MAX_PAYLOAD_BYTES = 6_291_456;
/** A real-time endpoint's model must answer within 60 s. */
export const SAGEMAKER_MODEL_TIMEOUT_MS = 60_000;

const EXCERPT_CHARS = 512;

/** Request body over the limit: SageMaker rejects it before any model sees it. */
export function payloadTooLargeError(endpointName: string, bytes: number): EmulatorError {
  return new EmulatorError(
    'PayloadTooLarge',
    `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${SAGEMAKER_MAX_PAYLOAD_BYTES} (endpoint ${endpointName} was sent ${bytes} bytes)`,
    {
      serviceCode: 'ValidationError',
      hint: 'Lower max_rows_per_batch (PostgreSQL) or MAX_BATCH_SIZE (MySQL) so each request stays under 6 MB.',
    },
  );
}

/**
 * The model answered with an HTTP error: SageMaker wraps it as ModelError with
 * this exact opening, so clients that match on it keep working.
 */
export function modelError(endpointName: string, status: number, message: string, where: string): EmulatorError {
  const kind = status >= 400 && status < 500 ? 'client' : 'server';
  const excerpt = message.length > EXCERPT_CHARS ? `${message.slice(0, EXCERPT_CHARS)}...` : message;
  return new EmulatorError(
    'ServiceFailure',
    `Received ${kind} error (${status}) from primary with message "${excerpt}". See ${where} of endpoint ${endpointName} for more information.`,
    // The status is kept apart so callers can log it or decide on a retry without parsing the message.
    { serviceCode: 'ModelError', detail: status > 0 ? `The model answered HTTP status ${status}.` : undefined },
  );
}

/** SageMaker's own 60 s model limit expired: SageMaker reports it as a ModelError. */
export function modelTimeoutError(endpointName: string, limitMs: number): EmulatorError {
  return new EmulatorError(
    'InferenceTimeout',
    `Received server error (0) from primary with message "Your invocation timed out while waiting for a response from container primary." (endpoint ${endpointName}, SageMaker's ${limitMs / 1000} s model limit)`,
    { serviceCode: 'ModelError', hint: 'Make the model answer faster, or send fewer rows per request.' },
  );
}

/** The caller's deadline (aurora_ml_inference_timeout, TIMEOUT_MS) expired first. */
export function inferenceTimeoutError(endpointName: string, timeoutMs: number): EmulatorError {
  return new EmulatorError(
    'InferenceTimeout',
    `SageMaker endpoint ${endpointName} did not answer within the inference timeout (${timeoutMs} ms)`,
    { hint: 'Raise aurora_ml_inference_timeout, or send fewer rows per request.' },
  );
}

/** The model produced a response SageMaker would refuse to return. */
export function responseTooLargeError(endpointName: string, where: string): EmulatorError {
  return modelError(
    endpointName,
    500,
    `response body exceeds the ${SAGEMAKER_MAX_PAYLOAD_BYTES}-byte InvokeEndpoint limit`,
    where,
  );
}

export interface LimitOptions {
  /** Defaults to SageMaker's 60 s; lowered only by tests. */
  readonly modelTimeoutMs?: number;
}

/**
 * Applies the request size limit, the 60 s model limit, the caller's deadline
 * and cancellation around one invocation, and the response size limit after.
 */
export async function invokeWithinLimits(
  endpointName: string,
  request: InvokeRequest,
  ctx: CallContext,
  where: string,
  work: (signal: AbortSignal, deadline: number) => Promise<InvokeResponse>,
  options: LimitOptions = {},
): Promise<InvokeResponse> {
  if (request.body.length > SAGEMAKER_MAX_PAYLOAD_BYTES) throw payloadTooLargeError(endpointName, request.body.length);
  const limitMs = options.modelTimeoutMs ?? SAGEMAKER_MODEL_TIMEOUT_MS;
  const start = Date.now();
  const modelDeadline = start + limitMs;
  const callerFirst = ctx.deadline < modelDeadline;
  const onTimeout = (): EmulatorError =>
    callerFirst
      ? inferenceTimeoutError(endpointName, Math.max(0, ctx.deadline - start))
      : modelTimeoutError(endpointName, limitMs);
  const deadline = callerFirst ? ctx.deadline : modelDeadline;
  const response = await guardCall(ctx, deadline, onTimeout, (signal) => work(signal, deadline));
  if (response.body.length > SAGEMAKER_MAX_PAYLOAD_BYTES) throw responseTooLargeError(endpointName, where);
  return response;
}
