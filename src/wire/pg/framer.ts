/**
 * Splits a PostgreSQL byte stream into messages without copying them:
 * every frame is a view into the bytes received. A partial message waits for
 * the next chunk; the reassembly buffer only holds the incomplete tail.
 */
import { MAX_MESSAGE_LENGTH } from './codes.ts';

export interface Frame {
  /** Message type byte (0 for the untyped startup-phase messages). */
  readonly code: number;
  /** The message body after the length word. */
  readonly payload: Buffer;
  /** The whole message as it travelled, header included. */
  readonly raw: Buffer;
}

export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}

export class FrameReader {
  private tail: Buffer | null = null;

  /** @param typed false while reading the untyped startup-phase message */
  constructor(public typed = true) {}

  /** Returns every complete frame in tail + chunk, keeping the rest. */
  push(chunk: Buffer): Frame[] {
    const buf = this.tail === null ? chunk : Buffer.concat([this.tail, chunk]);
    this.tail = null;
    const frames: Frame[] = [];
    let offset = 0;
    while (offset < buf.length) {
      const headerSize = this.typed ? 5 : 4;
      if (buf.length - offset < headerSize) break;
      const length = buf.readInt32BE(offset + headerSize - 4);
      if (length < 4 || length > MAX_MESSAGE_LENGTH) {
        throw new ProtocolViolation(`invalid message length ${length}`);
      }
      const total = length + headerSize - 4;
      if (buf.length - offset < total) break;
      const raw = buf.subarray(offset, offset + total);
      frames.push({ code: this.typed ? (raw[0] ?? 0) : 0, payload: raw.subarray(headerSize), raw });
      offset += total;
      // The startup phase has exactly one untyped message per exchange; the
      // caller switches `typed` on, so later bytes are read as typed frames.
      if (!this.typed) {
        this.tail = offset < buf.length ? buf.subarray(offset) : null;
        return frames;
      }
    }
    this.tail = offset < buf.length ? Buffer.from(buf.subarray(offset)) : null;
    return frames;
  }

  /** Hands over the bytes of an incomplete frame (when the stream changes hands). */
  takeTail(): Buffer {
    const tail = this.tail ?? Buffer.alloc(0);
    this.tail = null;
    return tail;
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.tail?.length ?? 0;
  }
}

/**
 * Follows message boundaries of a stream that is forwarded as raw chunks,
 * reporting only ReadyForQuery status bytes. Used on the pass-through path so
 * results are never buffered or copied.
 */
export class ReadyForQueryTracker {
  private header = Buffer.alloc(5);
  private headerFill = 0;
  private remaining = 0;
  private inReady = false;

  /** Calls onReady(status) for each ReadyForQuery completed in chunk. */
  scan(chunk: Buffer, onReady: (status: number) => void): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        if (this.inReady && this.remaining === 1) onReady(chunk[i] ?? 0);
        this.remaining -= take;
        i += take;
        continue;
      }
      const take = Math.min(5 - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + take);
      this.headerFill += take;
      i += take;
      if (this.headerFill === 5) {
        this.headerFill = 0;
        this.remaining = this.header.readInt32BE(1) - 4;
        this.inReady = this.header[0] === 0x5a;
        if (this.remaining < 0) throw new ProtocolViolation('invalid message length from upstream');
      }
    }
  }
}
