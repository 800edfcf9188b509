/**
 * Reading and editing the status flags and warning count of an answer's OK
 * and EOF packets. The loop reads them to follow the upstream session's
 * transaction (an implicit commit ends it), and edits the client's answer so
 * it reports the transaction state the client's statement alone would leave
 * (the emulator ran it with autocommit off) and a seed extension's warning.
 */
import { type AnswerKind, AnswerShape, type PacketRole, type ShapeOptions } from '../../wire/mysql/answer-shape.ts';
import { ResponseHeader, ServerStatus } from '../../wire/mysql/codes.ts';
import { Packet } from '../../wire/mysql/framer.ts';
import { PayloadReader } from '../../wire/mysql/messages.ts';
import { packet } from '../../wire/mysql/serializer.ts';

/** The flags that say where the session's transaction stands. */
export const TRANSACTION_FLAGS =
  ServerStatus.SERVER_STATUS_IN_TRANS | ServerStatus.SERVER_STATUS_AUTOCOMMIT | ServerStatus.SERVER_STATUS_IN_TRANS_READONLY;

export const STATUS_ROLES: ReadonlySet<PacketRole> = new Set(['ok', 'end', 'eof']);

/** An EOF packet (not the OK that replaces it under CLIENT_DEPRECATE_EOF). */
const isEof = (payload: Buffer, deprecateEof: boolean) =>
  payload[0] === ResponseHeader.EOF && payload.length < 9 && !deprecateEof;

/** Offset of the status flags in an OK or EOF payload, or -1. */
function statusOffset(payload: Buffer, deprecateEof: boolean): number {
  const header = payload[0];
  if (isEof(payload, deprecateEof)) return payload.length >= 5 ? 3 : -1; // EOF: header, warnings(2), status(2)
  if (header !== ResponseHeader.OK && header !== ResponseHeader.EOF) return -1;
  const r = new PayloadReader(payload);
  r.int1();
  r.lenenc(); // affected rows
  r.lenenc(); // last insert id
  return r.remaining >= 2 ? r.offset : -1;
}

/** The status flags of an answer's last OK or EOF; null when it ended with ERR. */
export function finalStatus(answer: readonly Packet[], deprecateEof: boolean): number | null {
  const last = answer.at(-1)?.payload;
  if (last === undefined || last[0] === ResponseHeader.ERR) return null;
  const at = statusOffset(last, deprecateEof);
  return at < 0 ? null : last.readUInt16LE(at);
}

function withStatus(p: Packet, at: number, status: number): Packet {
  const payload = Buffer.from(p.payload);
  payload.writeUInt16LE(status, at);
  return new Packet(p.sequenceId, packet(payload, p.sequenceId), payload);
}

/**
 * The answer with the transaction flags of every OK and EOF set to `flags`
 * (the other flags, such as SERVER_MORE_RESULTS_EXISTS, kept).
 */
export function withTransactionFlags(
  answer: readonly Packet[],
  kind: AnswerKind,
  options: ShapeOptions,
  flags: number,
): Packet[] {
  const shape = new AnswerShape(kind, options);
  return answer.map((p) => {
    if (!STATUS_ROLES.has(shape.next(p.payload, 0, p.payload.length))) return p;
    const at = statusOffset(p.payload, options.deprecateEof);
    if (at < 0) return p;
    const status = p.payload.readUInt16LE(at);
    const wanted = (status & ~TRANSACTION_FLAGS) | (flags & TRANSACTION_FLAGS);
    return wanted === status ? p : withStatus(p, at, wanted);
  });
}

/** The answer with its final OK/EOF packet reporting `count` warnings. */
export function withWarningCount(answer: readonly Packet[], count: number, deprecateEof: boolean): Packet[] {
  const last = answer[answer.length - 1];
  if (last === undefined) return [...answer];
  const at = statusOffset(last.payload, deprecateEof);
  // EOF: the warning count comes before the status flags; OK: after them.
  const warningsAt = isEof(last.payload, deprecateEof) ? 1 : at + 2;
  if (at < 0 || last.payload.length < warningsAt + 2) return [...answer];
  const payload = Buffer.from(last.payload);
  payload.writeUInt16LE(count, warningsAt);
  return [...answer.slice(0, -1), new Packet(last.sequenceId, packet(payload, last.sequenceId), payload)];
}
