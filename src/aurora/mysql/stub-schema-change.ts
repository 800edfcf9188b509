/**
 * The change of database the stubs make MariaDB report, kept from the client.
 *
 * Running or loading a stored function of another database (the stubs are in
 * `aurora_ml`) switches the session's database there and back, and the server
 * tracks that as a change (CLIENT_SESSION_TRACK, SESSION_TRACK_SCHEMA): the
 * statement's OK and EOF packets get SERVER_SESSION_STATE_CHANGED, and its OK
 * lists the database the session is back in. A built-in call makes no such
 * change. Where the statement's answer cannot list it (a result set ending
 * with EOF, an ERR, COM_STMT_PREPARE_OK), the server keeps it until the next
 * OK packet that reports any change: the client's `SET autocommit = 1` would
 * list a change of database that never was.
 *
 * So the answers of statements that reach the stubs lose their schema
 * changes (an ML statement cannot change the database itself: USE is not
 * one), and a change still pending is reported to the emulator by a call of
 * a function that changes nothing (stubs.ts SESSION_STATE_FLUSH).
 */
import { type AnswerKind, AnswerShape, type ShapeOptions } from '../../wire/mysql/answer-shape.ts';
import { SessionStateType } from '../../wire/mysql/codes.ts';
import { Packet } from '../../wire/mysql/framer.ts';
import { packet } from '../../wire/mysql/serializer.ts';
import { withoutSessionStateChanges } from '../../wire/mysql/session-state.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { STATUS_ROLES } from './server-status.ts';
import { SESSION_STATE_FLUSH, STUB_SCHEMA } from './stubs.ts';

/** The answer without the schema changes of its OK and EOF packets (other changes stay: SET time_zone = IF(ml(...), ...)). */
export function withoutStubSchemaChange(
  answer: readonly Packet[],
  kind: AnswerKind,
  options: ShapeOptions & { readonly sessionTrack: boolean },
): Packet[] {
  const shape = new AnswerShape(kind, options);
  return answer.map((p) => {
    if (!STATUS_ROLES.has(shape.next(p.payload, 0, p.payload.length))) return p;
    const payload = withoutSessionStateChanges(p.payload, SessionStateType.SESSION_TRACK_SCHEMA, options);
    return payload === p.payload ? p : new Packet(p.sequenceId, packet(payload, p.sequenceId), payload);
  });
}

/**
 * Sends the call that reports a pending schema change to the emulator, after
 * whatever was sent before it (pipelined: call it right after sending the
 * statement that reached the stubs); settles once answered. Only for a client
 * that tracks session state. Best effort: it changes nothing, and an ERR (a
 * user without EXECUTE on it, say) leaves the change pending as it was.
 */
export function flushStubSchemaChange(up: ControlledUpstream): Promise<void> {
  if (!up.sessionTrack) return Promise.resolve();
  return up.query(`DO ${STUB_SCHEMA}.${SESSION_STATE_FLUSH}()`).then(
    () => {},
    () => {},
  );
}
