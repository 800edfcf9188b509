/** The one error type the embedded server throws; callers branch on its stable `code`. */

export type EmbeddedPostgresErrorCode =
  | 'UNSUPPORTED_PLATFORM'
  | 'BINARIES_UNAVAILABLE'
  | 'OS_USER_UNAVAILABLE'
  | 'DATA_DIR_INVALID'
  | 'DATA_DIR_IN_USE'
  | 'INITDB_FAILED'
  | 'START_FAILED'
  | 'START_TIMEOUT';

export class EmbeddedPostgresError extends Error {
  readonly code: EmbeddedPostgresErrorCode;
  constructor(code: EmbeddedPostgresErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
    this.code = code;
  }
}
