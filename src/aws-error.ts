/**
 * An error in AWS's own terms (code, message, HTTP status, Sender/Receiver),
 * as the RDS and IAM Query APIs answer it: `<ErrorResponse><Error><Type>
 * <Code><Message>...`. The control plane's operations throw these; the API
 * layer serializes them, and SQL-side failures use the error catalog instead.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    readonly type: 'Sender' | 'Receiver' = httpStatus >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}
