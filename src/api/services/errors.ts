/**
 * Errors in the ML service APIs' own shapes. Comprehend speaks JSON 1.1
 * (`{"__type": code, "Message": ...}`), SageMaker Runtime and Bedrock Runtime
 * REST-JSON (the code in the x-amzn-ErrorType header, the message in the
 * body under the member name each service's model uses). Backend failures
 * arrive as EmulatorErrors carrying the service's own code; they map onto the
 * same codes here, so an SDK sees the exception it would see from AWS.
 */
import type { Logger } from 'pino';
import { AwsError } from '../../aws-error.ts';
import { EmulatorError, type ErrorCode } from '../../errors.ts';
import type { MlServiceName, ServiceResponse } from './types.ts';

export interface WireError {
  readonly code: string;
  readonly status: number;
  readonly message: string;
  /** Members beyond the message (SageMaker ModelError's OriginalStatusCode, OriginalMessage). */
  readonly fields?: Readonly<Record<string, string | number>>;
}

/** HTTP status of every code each service's model declares (and the generic ones its front door sends). */
const STATUS: Readonly<Record<MlServiceName, Readonly<Record<string, number>>>> = {
  comprehend: {
    TextSizeLimitExceededException: 400,
    BatchSizeLimitExceededException: 400,
    UnsupportedLanguageException: 400,
    InvalidRequestException: 400,
    TooManyRequestsException: 400,
    ThrottlingException: 400,
    ResourceNotFoundException: 400,
    ServiceUnavailableException: 503,
    ValidationException: 400,
    SerializationException: 400,
    UnknownOperationException: 400,
    AccessDeniedException: 400,
    InternalServerException: 500,
  },
  sagemaker: {
    ValidationError: 400,
    ModelError: 424,
    ModelNotReadyException: 429,
    ServiceUnavailable: 503,
    InternalFailure: 500,
    InternalDependencyException: 530,
    ThrottlingException: 400,
    AccessDeniedException: 403,
    UnknownOperationException: 404,
  },
  bedrock: {
    ValidationException: 400,
    ResourceNotFoundException: 404,
    AccessDeniedException: 403,
    ThrottlingException: 429,
    ModelTimeoutException: 408,
    ModelNotReadyException: 429,
    ModelErrorException: 424,
    ServiceUnavailableException: 503,
    ServiceQuotaExceededException: 400,
    InternalServerException: 500,
    UnknownOperationException: 404,
  },
};

/** The code a catalog error becomes when the backend did not name the service's own. */
const BY_CATALOG: Readonly<Record<MlServiceName, Partial<Record<ErrorCode, string>>>> = {
  comprehend: {
    TextSizeLimitExceeded: 'TextSizeLimitExceededException',
    UnsupportedLanguage: 'UnsupportedLanguageException',
    BatchSizeLimitExceeded: 'BatchSizeLimitExceededException',
    InvalidArgument: 'InvalidRequestException',
  },
  sagemaker: {
    EndpointNotFound: 'ValidationError',
    PayloadTooLarge: 'ValidationError',
    InvalidArgument: 'ValidationError',
    ServiceFailure: 'ModelError',
    InferenceTimeout: 'ModelError',
    WrongResponseLineCount: 'ModelError',
    InvalidResponse: 'ModelError',
    ServiceUnavailable: 'ServiceUnavailable',
  },
  bedrock: {
    InvalidArgument: 'ValidationException',
    PayloadTooLarge: 'ValidationException',
    EndpointNotFound: 'ResourceNotFoundException',
    InferenceTimeout: 'ModelTimeoutException',
    ServiceFailure: 'ModelErrorException',
    InvalidResponse: 'ModelErrorException',
    ServiceUnavailable: 'ServiceUnavailableException',
  },
};

const INTERNAL: Readonly<Record<MlServiceName, string>> = {
  comprehend: 'InternalServerException',
  sagemaker: 'InternalFailure',
  bedrock: 'InternalServerException',
};

/** The request's signature checks failed: JSON services name these differently from the Query APIs. */
const SIGNATURE_CODES: Readonly<Record<string, string>> = {
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
};

/** SageMaker's ModelError wording (see backends/sagemaker/limits.ts) carries the model's own status and message. */
const MODEL_ANSWER = /error \((\d+)\) from primary with message "([\s\S]*)"\./;

function modelErrorFields(message: string): Record<string, string | number> | undefined {
  const m = MODEL_ANSWER.exec(message);
  return m ? { OriginalStatusCode: Number(m[1]), OriginalMessage: m[2] ?? '' } : undefined;
}

export function toWireError(service: MlServiceName, err: unknown, log: Logger, requestId: string): WireError {
  const statusOf = (code: string, fallback: number) => STATUS[service][code] ?? fallback;
  if (err instanceof AwsError) {
    const code = SIGNATURE_CODES[err.code] ?? err.code;
    return { code, status: statusOf(code, err.httpStatus), message: err.message };
  }
  if (err instanceof EmulatorError && err.code !== 'Internal') {
    // A backend (or an injected fault) that names the service's code is taken at its word.
    const code = err.serviceCode ?? BY_CATALOG[service][err.code] ?? INTERNAL[service];
    const fields = code === 'ModelError' ? modelErrorFields(err.message) : undefined;
    return { code, status: statusOf(code, err.entry.http), message: err.message, ...(fields ? { fields } : {}) };
  }
  log.error({ err, requestId, service }, 'ML service API: unexpected failure');
  return { code: INTERNAL[service], status: 500, message: 'An internal error occurred. Retry your request.' };
}

export function errorResponse(service: MlServiceName, error: WireError): ServiceResponse {
  // Bedrock's model names the member `message`; Comprehend's and SageMaker's name it `Message`.
  const messageKey = service === 'bedrock' ? 'message' : 'Message';
  const payload: Record<string, unknown> =
    service === 'comprehend'
      ? { __type: error.code, [messageKey]: error.message }
      : { [messageKey]: error.message, ...error.fields };
  const contentType = service === 'comprehend' ? 'application/x-amz-json-1.1' : 'application/json';
  return {
    status: error.status,
    headers: { 'content-type': contentType, 'x-amzn-errortype': error.code },
    body: Buffer.from(JSON.stringify(payload), 'utf8'),
  };
}
