/**
 * Splits a MySQL byte stream into logical packets. A wire packet is a 3-byte
 * little-endian payload length and a 1-byte sequence id; a payload of exactly
 * 0xFFFFFF bytes is continued by the next wire packet (down to one shorter,
 * possibly empty), and the pieces form one logical packet. A partial packet
 * waits for the next chunk; only the incomplete tail is kept (see
 * ../message-reader.ts).
 */
import { MessageReader } from '../message-reader.ts';
import { ProtocolViolation } from '../protocol-violation.ts';
import { MAX_MESSAGE_LENGTH, MAX_PACKET_PAYLOAD } from './codes.ts';

export { ProtocolViolation } from '../protocol-violation.ts';

/** One logical packet: the wire bytes as they travelled and the joined payload. */
export class Packet {
  constructor(
    /** Sequence id of the first wire packet. */
    readonly sequenceId: number,
    /** Every wire packet of it, headers included, as received. */
    readonly raw: Buffer,
    /** The payload, continuation headers removed. */
    readonly payload: Buffer,
  ) {}
}

export class PacketReader extends MessageReader<Packet> {
  constructor(public maxLength = MAX_MESSAGE_LENGTH) {
    super();
  }

  /** The next complete logical packet, or null until more bytes arrive (see ../byte-queue.ts). */
  override next(): Packet | null {
    const q = this.bytes;
    // The wire packets of one logical packet: each of 0xFFFFFF bytes is continued by the next.
    let span = 0;
    let total = 0;
    for (;;) {
      if (!q.ensure(span + 4)) return null;
      const length = q.buffer.readUIntLE(q.start + span, 3);
      total += length;
      if (total > this.maxLength) throw new ProtocolViolation(`packet of more than ${this.maxLength} bytes`);
      if (!q.ensure(span + 4 + length)) return null;
      span += 4 + length;
      if (length < MAX_PACKET_PAYLOAD) break;
    }
    const packet = this.packetAt(q.buffer, q.start, q.start + span);
    q.advance(span);
    return packet;
  }

  private packetAt(buf: Buffer, start: number, end: number): Packet {
    const raw = buf.subarray(start, end);
    const first = buf.readUIntLE(start, 3);
    if (start + 4 + first === end) return new Packet(raw[3] ?? 0, raw, raw.subarray(4));
    // A multi-packet payload: copied once, without the continuation headers.
    const parts: Buffer[] = [];
    for (let offset = start; offset < end; ) {
      const length = buf.readUIntLE(offset, 3);
      parts.push(buf.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    return new Packet(raw[3] ?? 0, raw, Buffer.concat(parts));
  }
}
