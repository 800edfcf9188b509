/**
 * AWS SDK exceptions mapped onto the error catalog. Each keeps the
 * exception's name as its serviceCode, so the AWS-compatible APIs answer
 * with the exception AWS raised and logs name what AWS said.
 */
import { EmulatorError, type ErrorCode } from '../../errors.ts';

export type AwsService = 'Comprehend' | 'SageMaker Runtime' | 'Bedrock Runtime';

/** Exceptions by name, across the three services (they do not reuse a name for different things). */
const BY_NAME: Readonly<Record<string, ErrorCode>> = {
  TextSizeLimitExceededException: 'TextSizeLimitExceeded',
  UnsupportedLanguageException: 'UnsupportedLanguage',
  BatchSizeLimitExceededException: 'BatchSizeLimitExceeded',
  InvalidRequestException: 'InvalidArgument',
  ValidationException: 'InvalidArgument',
  ValidationError: 'InvalidArgument',
  SerializationException: 'InvalidArgument',
  ResourceNotFoundException: 'EndpointNotFound',
  ModelError: 'ServiceFailure',
  ModelErrorException: 'ServiceFailure',
  ModelNotReadyException: 'ServiceFailure',
  ModelStreamErrorException: 'ServiceFailure',
  ThrottlingException: 'ServiceFailure',
  TooManyRequestsException: 'ServiceFailure',
  ServiceQuotaExceededException: 'ServiceFailure',
  InternalServerException: 'ServiceFailure',
  InternalFailure: 'ServiceFailure',
  InternalDependencyException: 'ServiceFailure',
  ServiceUnavailable: 'ServiceUnavailable',
  ServiceUnavailableException: 'ServiceUnavailable',
  ModelTimeoutException: 'InferenceTimeout',
  AccessDeniedException: 'MlAccessDenied',
  UnrecognizedClientException: 'MlAccessDenied',
  InvalidSignatureException: 'MlAccessDenied',
  ExpiredTokenException: 'MlAccessDenied',
  MissingAuthenticationTokenException: 'MlAccessDenied',
  IncompleteSignatureException: 'MlAccessDenied',
};

/** SageMaker reports an unknown endpoint as a ValidationError with this wording. */
const ENDPOINT_NOT_FOUND = /^Endpoint .+ not found\.?$/;
const BODY_TOO_LONG = /Value at 'body' failed to satisfy constraint: Member must have length less than or equal to/;

/** Socket-level failures: AWS (or the endpoint URL) could not be reached at all. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

interface SdkError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export function mapAwsError(service: AwsService, err: unknown): EmulatorError {
  if (err instanceof EmulatorError) return err;
  if (!(err instanceof Error)) return new EmulatorError('Internal', `${service} call failed`, { cause: err });
  const e = err as Error & SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) {
    return new EmulatorError('ServiceUnavailable', `${service} could not be reached (${e.code}): ${e.message}`, {
      hint: 'Check the network, or the endpoint URL of the aws backend.',
      cause: err,
    });
  }
  if (e.name === 'CredentialsProviderError') {
    return new EmulatorError('MlRoleNotConfigured', `${service}: no AWS credentials were found: ${e.message}`, {
      hint: 'Give the aws backend credentials, or configure the default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID...).',
      cause: err,
    });
  }
  if (status === undefined && /region is missing/i.test(e.message)) {
    return new EmulatorError('InvalidArgument', `${service}: no AWS region is configured`, {
      hint: 'Set the region of the aws backend, or AWS_REGION.',
      cause: err,
    });
  }
  let code: ErrorCode | undefined = BY_NAME[e.name];
  if (e.name === 'ValidationError' && ENDPOINT_NOT_FOUND.test(e.message)) code = 'EndpointNotFound';
  if ((code === 'InvalidArgument' || code === undefined) && BODY_TOO_LONG.test(e.message)) code = 'PayloadTooLarge';
  code ??= status !== undefined && status >= 400 && status < 500 ? 'InvalidArgument' : 'ServiceFailure';
  // Comprehend's exceptions read "Comprehend <Name>: <message>" on the SQL side; keep that form.
  const message = service === 'Comprehend' ? `Comprehend ${e.name}: ${e.message}` : e.message;
  return new EmulatorError(code, message, {
    serviceCode: e.name,
    ...(status === undefined ? {} : { detail: `${service} answered HTTP status ${status}.` }),
    cause: err,
  });
}

/** A Comprehend batch's per-document ErrorList entry, as the catalog error the SQL side raises for it. */
export function batchItemError(errorCode: string | undefined, errorMessage: string | undefined, index: number): EmulatorError {
  const normalized = (errorCode ?? '').replace(/[^a-z]/gi, '').toUpperCase();
  const [code, serviceCode]: [ErrorCode, string] = normalized.startsWith('TEXTSIZELIMITEXCEEDED')
    ? ['TextSizeLimitExceeded', 'TextSizeLimitExceededException']
    : normalized.startsWith('UNSUPPORTEDLANGUAGE')
      ? ['UnsupportedLanguage', 'UnsupportedLanguageException']
      : normalized.startsWith('INTERNAL')
        ? ['ServiceFailure', 'InternalServerException']
        : ['InvalidArgument', errorCode ?? 'InvalidRequestException'];
  return new EmulatorError(code, `Comprehend ${serviceCode}: ${errorMessage ?? errorCode ?? 'the document failed'}`, {
    serviceCode,
    detail: `Document ${index} of the batch failed with ${errorCode ?? 'an unnamed error'}.`,
  });
}
