/**
 * The one error catalog. Every error the emulator itself raises is an entry
 * here with a stable code, its PostgreSQL SQLSTATE, its MySQL errno and
 * SQLSTATE, and the HTTP status used by the AWS-compatible APIs. Messages name
 * what to fix. Fronts translate an EmulatorError into their protocol's error
 * form; nothing else may reach a client.
 */

export interface CatalogEntry {
  /** PostgreSQL SQLSTATE. */
  readonly pg: string;
  readonly mysqlErrno: number;
  readonly mysqlState: string;
  readonly http: number;
}

const entry = (pg: string, mysqlErrno: number, mysqlState: string, http: number): CatalogEntry => ({
  pg,
  mysqlErrno,
  mysqlState,
  http,
});

export const catalog = {
  /** Comprehend TextSizeLimitExceededException: a document over 5000 bytes of UTF-8. */
  TextSizeLimitExceeded: entry('54000', 1815, 'HY000', 400),
  /** Comprehend UnsupportedLanguageException. */
  UnsupportedLanguage: entry('22023', 1815, 'HY000', 400),
  /** Comprehend BatchSizeLimitExceededException (more than 25 documents). */
  BatchSizeLimitExceeded: entry('54000', 1815, 'HY000', 400),
  /** SageMaker ValidationError for an endpoint nobody declared. */
  EndpointNotFound: entry('42704', 1815, 'HY000', 400),
  /** SageMaker/Bedrock request body over the service limit. */
  PayloadTooLarge: entry('54000', 1815, 'HY000', 413),
  /** The endpoint or model answered with an error (ModelError, 5xx, throttling...). */
  ServiceFailure: entry('38000', 1815, 'HY000', 424),
  /** Replay mode met a request its cassette does not hold (and fallthrough is off). */
  CassetteMiss: entry('38000', 1815, 'HY000', 404),
  /** The backend could not be reached at all (connection refused, DNS). */
  ServiceUnavailable: entry('38000', 1815, 'HY000', 503),
  /** The endpoint answered a different number of lines than rows were sent. */
  WrongResponseLineCount: entry('38000', 1815, 'HY000', 424),
  /** A response the function cannot map to its result type (e.g. bad embeddings JSON). */
  InvalidResponse: entry('38000', 1815, 'HY000', 424),
  /** aurora_ml_inference_timeout, TIMEOUT_MS or SageMaker's 60 s model limit. */
  InferenceTimeout: entry('57014', 1317, '70100', 408),
  /** The client's statement_timeout / max_execution_time expired while waiting on a backend. */
  StatementTimeout: entry('57014', 3024, 'HY000', 408),
  /** MariaDB's max_statement_time expired while waiting on a backend (ER_STATEMENT_TIMEOUT). */
  MaxStatementTime: entry('57014', 1969, '70100', 408),
  /** CancelRequest / KILL QUERY. */
  QueryCanceled: entry('57014', 1317, '70100', 499),
  /** Invalid argument values (batch size <= 0, multi-dimensional arrays, ...). */
  InvalidArgument: entry('22023', 1210, 'HY000', 400),
  /** A session variable set to a value it cannot take (MySQL ER_WRONG_VALUE_FOR_VAR). */
  WrongValueForVariable: entry('22023', 1231, '42000', 400),
  /** SET of a variable the session cannot change (a cluster parameter; MySQL ER_INCORRECT_GLOBAL_LOCAL_VAR). */
  ReadOnlyVariable: entry('55P02', 1238, 'HY000', 400),
  /** More than 100 arguments to aws_sagemaker.invoke_endpoint. */
  TooManyArguments: entry('54023', 1582, '42000', 400),
  /**
   * A MySQL built-in called with an argument count it does not take (MySQL
   * ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT; PostgreSQL would find no such function).
   */
  WrongParameterCount: entry('42883', 1582, '42000', 400),
  /** A seed extension used in strict mode. */
  NotSupportedByAurora: entry('0A000', 1235, '42000', 400),
  /** An ALIAS function definition Aurora refuses (return type, characteristics, MAX_BATCH_SIZE). */
  InvalidAliasFunction: entry('0A000', 1235, '42000', 400),
  /** A statement the emulator must understand and cannot parse (MySQL ER_PARSE_ERROR). */
  SyntaxError: entry('42601', 1064, '42000', 400),
  /** A statement whose ML calls cannot be evaluated safely (trigger bodies, non-transactional writes). */
  UnsafeMlStatement: entry('0A000', 1235, '42000', 400),
  /** The emulator's aurora_ml switch is 0. */
  MlDisabled: entry('55000', 1815, 'HY000', 403),
  /** The database user lacks the role, privilege or EXECUTE grant the call needs. */
  PermissionDenied: entry('42501', 1227, '42000', 403),
  /** GRANT/REVOKE to an account the server does not have (MySQL ER_PASSWORD_NO_MATCH). */
  NoSuchGrantee: entry('42704', 1133, '42000', 404),
  /** The cluster is not wired for the service: parameter unset, no role associated, association PENDING or INVALID. */
  MlRoleNotConfigured: entry('38000', 1815, 'HY000', 403),
  /** The cluster's role is associated but its IAM policies do not allow the action on the resource. */
  MlAccessDenied: entry('38000', 1815, 'HY000', 403),
  /** ML arguments never settled: a volatile expression such as random() feeds an ML call. */
  DidNotConverge: entry('0A000', 1235, '42000', 400),
  /** PostgreSQL's own errors for emulated DDL (e.g. CREATE EXTENSION twice). */
  DuplicateObject: entry('42710', 1304, '42000', 409),
  UndefinedObject: entry('42704', 1305, '42000', 404),
  DependentObjectsStillExist: entry('2BP01', 3730, 'HY000', 409),
  /** A client broke the wire protocol (MySQL answers ER_HANDSHAKE_ERROR). */
  ProtocolViolation: entry('08P01', 1043, '08S01', 400),
  /** A PostgreSQL client asked for a protocol version other than 3.x (PostgreSQL's own answer: feature_not_supported). */
  UnsupportedProtocolVersion: entry('0A000', 1043, '08S01', 400),
  /** The client asked for TLS, which the emulator does not speak. */
  TlsNotSupported: entry('08P01', 1043, '08S01', 400),
  /** The emulator could not set itself up in the upstream (privileges, binary-log settings). */
  UpstreamSetupFailed: entry('55000', 1815, 'HY000', 503),
  /** The real database behind a front cannot be reached or went away. */
  UpstreamUnavailable: entry('08006', 1815, 'HY000', 503),
  /** Anything unexpected inside the emulator; the message never carries internals. */
  Internal: entry('XX000', 1815, 'HY000', 500),
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof catalog;

export interface ErrorOptions {
  /** The AWS service's own error code, when the error came from a backend. */
  readonly serviceCode?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly cause?: unknown;
}

/** The only error type that reaches clients. */
export class EmulatorError extends Error {
  readonly code: ErrorCode;
  readonly serviceCode: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EmulatorError';
    this.code = code;
    this.serviceCode = options.serviceCode;
    this.detail = options.detail;
    this.hint = options.hint;
  }

  get entry(): CatalogEntry {
    return catalog[this.code];
  }
}

/** Wraps anything thrown into an EmulatorError without leaking internals. */
export function toEmulatorError(err: unknown): EmulatorError {
  if (err instanceof EmulatorError) return err;
  return new EmulatorError('Internal', 'internal error in aurora-ml-emulator (see the emulator log)', { cause: err });
}
