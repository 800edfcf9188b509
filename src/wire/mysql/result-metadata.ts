/**
 * MariaDB's metadata cache (MARIADB_CLIENT_CACHE_METADATA) in a binary
 * result set: the column count is followed by a "metadata follows" byte, and
 * the server sends the column definitions only when they differ from the
 * last ones it sent for that prepared statement (the prepare's, until an
 * execution binds parameter types that change them). Otherwise the byte is 0
 * and the client decodes the rows with the definitions it kept.
 *
 * A proxy that executes a statement more often than its client did, and
 * keeps some of the answers from it, must hand the client the definitions it
 * missed: these read them from one answer and put them into another.
 *
 * Only an answer's first result set can skip them: a CALL's results come from
 * the procedure, and MariaDB sends their definitions every time.
 */
import { AnswerShape, type ShapeOptions } from './answer-shape.ts';
import { Packet } from './framer.ts';
import { PayloadReader } from './messages.ts';

export interface ResultMetadata {
  /** The result set's column count. */
  readonly count: number;
  /** Its column definitions, or null when the server skipped them. */
  readonly definitions: readonly Packet[] | null;
}

/** Where the "metadata follows" byte of a column-count packet is, or -1 if it has none. */
function followsOffset(payload: Buffer): number {
  const r = new PayloadReader(payload);
  r.lenenc();
  return r.remaining > 0 ? r.offset : -1;
}

/** The first result set's column count and definitions in a binary-result answer; null for an OK or ERR. */
export function resultMetadata(answer: readonly Packet[], options: ShapeOptions): ResultMetadata | null {
  const head = answer[0];
  if (head === undefined) return null;
  const shape = new AnswerShape('binary-result', options);
  if (shape.next(head.payload, 0, head.payload.length) !== 'column-count') return null;
  const count = new PayloadReader(head.payload).lenenc();
  const definitions: Packet[] = [];
  for (let i = 1; i < answer.length; i++) {
    const p = answer[i] as Packet;
    if (shape.next(p.payload, 0, p.payload.length) !== 'column') break;
    definitions.push(p);
  }
  return { count, definitions: count > 0 && definitions.length === 0 ? null : definitions };
}

/**
 * A binary-result answer whose first result set skipped its column
 * definitions, with `definitions` put in after the column count (its
 * "metadata follows" byte set to 1) and every packet from there on numbered
 * anew. The caller checks that the definitions are the count's.
 */
export function withDefinitions(answer: readonly Packet[], definitions: readonly Packet[]): Packet[] {
  const [head, ...rest] = answer;
  if (head === undefined) return [];
  const at = followsOffset(head.payload);
  if (at < 0) return [...answer];
  const payload = Buffer.from(head.payload);
  payload[at] = 1;
  const count = new Packet(head.sequenceId, Buffer.concat([head.raw.subarray(0, 4), payload]), payload);
  return numbered([count, ...definitions, ...rest], head.sequenceId);
}

/** The packets with sequence ids from `first` on, one per wire packet (a long payload spans several). */
function numbered(packets: readonly Packet[], first: number): Packet[] {
  let seq = first;
  return packets.map((p) => {
    const start = seq & 0xff;
    const raw = Buffer.from(p.raw);
    for (let offset = 0; offset + 4 <= raw.length; offset += 4 + raw.readUIntLE(offset, 3)) {
      raw[offset + 3] = seq & 0xff;
      seq++;
    }
    return new Packet(start, raw, p.payload);
  });
}
