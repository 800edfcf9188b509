/**
 * The session state changes an OK packet reports (CLIENT_SESSION_TRACK):
 * after the status flags and warnings come the info string and, when
 * SERVER_SESSION_STATE_CHANGED is set, one length-encoded block of changes,
 * each a type byte and its length-encoded data. EOF packets have only the flag.
 */
import { ResponseHeader, ServerStatus } from './codes.ts';
import { PayloadReader } from './messages.ts';
import { lenencBytes } from './serializer.ts';

/** An EOF packet (not the OK that stands for it under CLIENT_DEPRECATE_EOF). */
const isEof = (payload: Buffer, deprecateEof: boolean) =>
  payload[0] === ResponseHeader.EOF && payload.length < 9 && !deprecateEof;

/**
 * The payload of an OK or EOF packet without its session state changes of
 * type `type`, and without SERVER_SESSION_STATE_CHANGED once it reports no
 * other change; the same payload when there is nothing to take out.
 * `sessionTrack`: CLIENT_SESSION_TRACK was agreed (without it an OK has no
 * changes to list, and its text after the warnings is the info string).
 */
export function withoutSessionStateChanges(
  payload: Buffer,
  type: number,
  options: { readonly deprecateEof: boolean; readonly sessionTrack: boolean },
): Buffer {
  const changed = ServerStatus.SERVER_SESSION_STATE_CHANGED;
  if (isEof(payload, options.deprecateEof)) {
    // header, warnings (2), status (2)
    if (payload.length < 5 || (payload.readUInt16LE(3) & changed) === 0) return payload;
    return withStatus(payload, 3, payload.readUInt16LE(3) & ~changed);
  }
  if (payload[0] !== ResponseHeader.OK && payload[0] !== ResponseHeader.EOF) return payload;
  const r = new PayloadReader(payload);
  r.int1();
  r.lenenc(); // affected rows
  r.lenenc(); // last insert id
  const statusAt = r.offset;
  if (r.remaining < 4) return payload;
  const status = r.int2();
  r.int2(); // warnings
  if ((status & changed) === 0) return payload;
  if (!options.sessionTrack || r.remaining === 0) return withStatus(payload, statusAt, status & ~changed);
  r.bytes(r.lenenc()); // info
  const infoEnd = r.offset;
  if (r.remaining === 0) return withStatus(payload, statusAt, status & ~changed);
  const block = new PayloadReader(r.bytes(r.lenenc()));
  const kept: Buffer[] = [];
  let dropped = false;
  while (block.remaining > 0) {
    const start = block.offset;
    const entryType = block.int1();
    block.bytes(block.lenenc());
    if (entryType === type) dropped = true;
    else kept.push(block.bytesFrom(start));
  }
  if (!dropped) return payload;
  const rest = r.rest();
  const head = withStatus(payload.subarray(0, infoEnd), statusAt, kept.length > 0 ? status : status & ~changed);
  return Buffer.concat([head, ...(kept.length > 0 ? [lenencBytes(Buffer.concat(kept))] : []), rest]);
}

function withStatus(payload: Buffer, at: number, status: number): Buffer {
  const out = Buffer.from(payload);
  out.writeUInt16LE(status, at);
  return out;
}
