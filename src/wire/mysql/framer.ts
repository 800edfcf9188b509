/**
 * Splits a MySQL byte stream into logical packets. A wire packet is a 3-byte
 * little-endian payload length and a 1-byte sequence id; a payload of exactly
 * 0xFFFFFF bytes is continued by the next wire packet (down to one shorter,
 * possibly empty), and the pieces form one logical packet. A partial packet
 * waits for the next chunk; only the incomplete tail is kept.
 */
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
  private pending: Buffer[] = [];
  private pendingSize = 0;
  /** Bytes needed before another packet can be complete (0 = unknown). */
  private needed = 0;

  constructor(public maxLength = MAX_MESSAGE_LENGTH) {}

  /** Returns every complete logical packet in the pending bytes + chunk. */
  push(chunk: Buffer): Packet[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingSize += chunk.length;
    }
    if (this.pendingSize === 0 || this.needed > this.pendingSize) return [];
    const buf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingSize);
    this.pending = [];
    this.pendingSize = 0;
    this.needed = 0;
    const packets: Packet[] = [];
    let offset = 0;
    while (offset < buf.length) {
      const end = this.logicalEnd(buf, offset);
      if (end < 0) break;
      packets.push(this.packetAt(buf, offset, end));
      offset = end;
    }
    if (offset < buf.length) {
      const rest = buf.subarray(offset);
      this.pending = [rest];
      this.pendingSize = rest.length;
    }
    return packets;
  }

  /** End offset of the logical packet at `start`, or -1 (and `needed` set) when incomplete. */
  private logicalEnd(buf: Buffer, start: number): number {
    let offset = start;
    let total = 0;
    for (;;) {
      if (buf.length - offset < 4) {
        this.needed = offset - start + 4;
        return -1;
      }
      const length = buf.readUIntLE(offset, 3);
      total += length;
      if (total > this.maxLength) throw new ProtocolViolation(`packet of more than ${this.maxLength} bytes`);
      if (buf.length - offset - 4 < length) {
        this.needed = offset - start + 4 + length;
        return -1;
      }
      offset += 4 + length;
      if (length < MAX_PACKET_PAYLOAD) return offset;
    }
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
    return this.pendingSize;
  }

  /** Hands over the bytes of an incomplete packet (when the stream changes hands). */
  takeTail(): Buffer {
    const tail = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingSize);
    this.pending = [];
    this.pendingSize = 0;
    this.needed = 0;
    return tail;
  }
}
