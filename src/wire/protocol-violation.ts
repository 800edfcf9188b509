/**
 * A peer broke its wire protocol (a bad length, a field past the end of its
 * message, a packet out of place). Both fronts' framers and parsers throw it;
 * the session that reads it closes that one connection, never the process.
 */
export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}
