/**
 * Edits of the final OK/EOF packet of an answer. The final run of a statement
 * happens inside the transaction the emulator opened for it, so its packet
 * says "in transaction" where the client's statement ran in autocommit; and a
 * seed extension's warning adds to the warning count.
 */
import { Packet } from '../../wire/mysql/framer.ts';
import { PayloadReader } from '../../wire/mysql/messages.ts';
import { packet } from '../../wire/mysql/serializer.ts';

const SERVER_STATUS_IN_TRANS = 0x0001;

/** Offset of the status flags in an OK or EOF payload, or -1. */
function statusOffset(payload: Buffer): number {
  const header = payload[0];
  if (header === 0xfe && payload.length < 9) return 3; // EOF: header, warnings(2), status(2)
  if (header !== 0x00 && header !== 0xfe) return -1;
  const r = new PayloadReader(payload);
  r.int1();
  r.lenenc(); // affected rows
  r.lenenc(); // last insert id
  return r.remaining >= 2 ? r.offset : -1;
}

export function withoutInTransaction(answer: readonly Packet[]): Packet[] {
  const last = answer[answer.length - 1];
  if (last === undefined) return [...answer];
  const at = statusOffset(last.payload);
  if (at < 0) return [...answer];
  const status = last.payload.readUInt16LE(at);
  if ((status & SERVER_STATUS_IN_TRANS) === 0) return [...answer];
  const payload = Buffer.from(last.payload);
  payload.writeUInt16LE(status & ~SERVER_STATUS_IN_TRANS, at);
  return [...answer.slice(0, -1), new Packet(last.sequenceId, packet(payload, last.sequenceId), payload)];
}

/** The answer with its final OK/EOF packet reporting `count` warnings. */
export function withWarningCount(answer: readonly Packet[], count: number): Packet[] {
  const last = answer[answer.length - 1];
  if (last === undefined) return [...answer];
  const at = statusOffset(last.payload);
  // EOF: the warning count comes before the status flags; OK: after them.
  const warningsAt = last.payload[0] === 0xfe && last.payload.length < 9 ? 1 : at + 2;
  if (at < 0 || last.payload.length < warningsAt + 2) return [...answer];
  const payload = Buffer.from(last.payload);
  payload.writeUInt16LE(count, warningsAt);
  return [...answer.slice(0, -1), new Packet(last.sequenceId, packet(payload, last.sequenceId), payload)];
}
