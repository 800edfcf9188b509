/**
 * The errors each service reports for an injected fault or a capacity
 * throttle, with the service's own error code as serviceCode and the catalog
 * code both fronts map; and which errors a retry may repeat.
 */
import { EmulatorError, type ErrorCode } from '../../errors.ts';
import type { CallTarget, Service } from './call.ts';
import { describeCall } from './call.ts';
import type { FaultType } from './tuning.ts';

interface Shape {
  readonly code: ErrorCode;
  /** The service's own error code, per service where they differ. */
  readonly serviceCode: Readonly<Record<Service, string>>;
  readonly message: string;
}

const same = (code: string): Readonly<Record<Service, string>> => ({ comprehend: code, sagemaker: code, bedrock: code });

const SHAPES: Readonly<Record<FaultType, Shape>> = {
  ThrottlingException: { code: 'ServiceFailure', serviceCode: same('ThrottlingException'), message: 'Rate exceeded' },
  ServiceUnavailable: {
    code: 'ServiceUnavailable',
    serviceCode: {
      comprehend: 'ServiceUnavailableException',
      sagemaker: 'ServiceUnavailable',
      bedrock: 'ServiceUnavailableException',
    },
    message: 'The service is unavailable. Try again later.',
  },
  InternalFailure: {
    code: 'ServiceFailure',
    serviceCode: { comprehend: 'InternalServerException', sagemaker: 'InternalFailure', bedrock: 'InternalServerException' },
    message: 'An internal error occurred.',
  },
  ModelError: {
    code: 'ServiceFailure',
    serviceCode: same('ModelError'),
    message: 'Received server error (500) from primary with message "injected fault".',
  },
  ModelNotReadyException: {
    code: 'ServiceFailure',
    serviceCode: same('ModelNotReadyException'),
    message: 'The model is not ready to serve requests.',
  },
  ValidationError: {
    code: 'InvalidArgument',
    serviceCode: { comprehend: 'InvalidRequestException', sagemaker: 'ValidationError', bedrock: 'ValidationException' },
    message: 'The request failed validation.',
  },
  ModelTimeoutException: {
    code: 'ServiceFailure',
    serviceCode: same('ModelTimeoutException'),
    message: 'The model took too long to answer.',
  },
  AccessDeniedException: {
    code: 'MlAccessDenied',
    serviceCode: same('AccessDeniedException'),
    message: 'The caller is not authorized to perform this action.',
  },
  ResourceNotFoundException: {
    code: 'EndpointNotFound',
    serviceCode: { comprehend: 'ResourceNotFoundException', sagemaker: 'ValidationError', bedrock: 'ResourceNotFoundException' },
    message: 'The resource was not found.',
  },
};

/** The error a fault of `type` produces for this call. */
export function faultError(call: CallTarget, type: FaultType, why: string): EmulatorError {
  const shape = SHAPES[type];
  const serviceCode = shape.serviceCode[call.service];
  return new EmulatorError(shape.code, `${describeCall(call)}: ${serviceCode}: ${shape.message}`, {
    serviceCode,
    detail: why,
  });
}

/** What "endpoint down" looks like: the service or endpoint cannot be reached. */
export function downError(call: CallTarget): EmulatorError {
  return faultError(call, 'ServiceUnavailable', 'The emulator marks this service or endpoint as down (faults.down).');
}

export function throttlingError(call: CallTarget, limit: number): EmulatorError {
  return faultError(call, 'ThrottlingException', `More than ${limit} concurrent requests (capacity.maxConcurrent).`);
}

/** Service codes meaning "throttled" or "server-side failure": the ones retried (our choice; see retry.ts). */
const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerException',
  'InternalServerError',
]);

export function isRetryable(err: unknown): boolean {
  if (!(err instanceof EmulatorError)) return false;
  if (err.serviceCode !== undefined) return RETRYABLE.has(err.serviceCode);
  return err.code === 'ServiceUnavailable';
}
