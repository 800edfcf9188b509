/**
 * PostgreSQL protocol 3.0 message codes, named as the protocol documentation
 * names them ("Message Formats" chapter). Frontend = client to server.
 */

export const FrontendCode = {
  Bind: 0x42, // 'B'
  Close: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyFail: 0x66, // 'f'
  Describe: 0x44, // 'D'
  Execute: 0x45, // 'E'
  Flush: 0x48, // 'H'
  FunctionCall: 0x46, // 'F'
  Parse: 0x50, // 'P'
  PasswordMessage: 0x70, // 'p' (also SASLInitialResponse, SASLResponse, GSSResponse)
  Query: 0x51, // 'Q'
  Sync: 0x53, // 'S'
  Terminate: 0x58, // 'X'
} as const;

export const BackendCode = {
  Authentication: 0x52, // 'R'
  BackendKeyData: 0x4b, // 'K'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  CommandComplete: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyInResponse: 0x47, // 'G'
  CopyOutResponse: 0x48, // 'H'
  CopyBothResponse: 0x57, // 'W'
  DataRow: 0x44, // 'D'
  EmptyQueryResponse: 0x49, // 'I'
  ErrorResponse: 0x45, // 'E'
  NoData: 0x6e, // 'n'
  NoticeResponse: 0x4e, // 'N'
  NotificationResponse: 0x41, // 'A'
  ParameterDescription: 0x74, // 't'
  ParameterStatus: 0x53, // 'S'
  ParseComplete: 0x31, // '1'
  PortalSuspended: 0x73, // 's'
  ReadyForQuery: 0x5a, // 'Z'
  RowDescription: 0x54, // 'T'
} as const;

/** Request codes of the untyped messages a client may open a connection with. */
export const StartupCode = {
  Protocol3: 196608,
  CancelRequest: 80877102,
  SSLRequest: 80877103,
  GSSENCRequest: 80877104,
} as const;

/** The status byte of ReadyForQuery. */
export type TransactionStatus = 'I' | 'T' | 'E';

/** Fields of ErrorResponse/NoticeResponse, by their one-letter codes. */
export const ErrorField = {
  Severity: 0x53, // 'S' (localized)
  SeverityNonLocalized: 0x56, // 'V'
  Code: 0x43, // 'C'
  Message: 0x4d, // 'M'
  Detail: 0x44, // 'D'
  Hint: 0x48, // 'H'
  Position: 0x50, // 'P'
  Where: 0x57, // 'W'
} as const;

/** Largest message the emulator accepts from either side (PostgreSQL's own limit is 1 GB). */
export const MAX_MESSAGE_LENGTH = 1 << 30;

/** Largest startup-phase packet PostgreSQL accepts (MAX_STARTUP_PACKET_LENGTH); the smallest is 8. */
export const MAX_STARTUP_LENGTH = 10_000;
