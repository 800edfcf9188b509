/**
 * Splits a MySQL byte stream into logical packets. A wire packet is a 3-byte
 * little-endian payload length and a 1-byte sequence id; a payload of exactly
 * 0xFFFFFF bytes is continued by the next wire packet (down to one shorter,
 * possibly empty), and the pieces form one logical packet. A partial packet
 * waits for the next chunk; only the incomplete tail is kept.
 */
import { ByteQueue } from '../byte-queue.ts';
import { MAX_MESSAGE_LENGTH, MAX_PACKET_PAYLOAD } from './codes.ts';

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

export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}

export class PacketReader {
  private readonly bytes = new ByteQueue();

  constructor(public maxLength = MAX_MESSAGE_LENGTH) {}

  /** Keeps a received chunk; `next` reads packets from it. */
  append(chunk: Buffer): void {
    this.bytes.append(chunk);
  }

  /** The next complete logical packet, or null until more bytes arrive (see ../byte-queue.ts). */
  next(): Packet | null {
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

  /** Returns every complete logical packet in the pending bytes + chunk. */
  push(chunk: Buffer): Packet[] {
    this.append(chunk);
    const packets: Packet[] = [];
    for (let p = this.next(); p !== null; p = this.next()) packets.push(p);
    return packets;
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

  /** Bytes received but not yet part of a returned packet. */
  get buffered(): number {
    return this.bytes.length;
  }

  /** Hands over the bytes of an incomplete packet (when the stream changes hands). */
  takeTail(): Buffer {
    return this.bytes.takeAll();
  }
}
