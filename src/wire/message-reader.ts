/**
 * What both fronts' framers share: the bytes received and not yet framed
 * (see byte-queue.ts), read one message at a time. A framer says only how one
 * message is cut out (`next`); appending chunks, reading every complete
 * message and handing over an incomplete tail are the same for both.
 */
import { ByteQueue } from './byte-queue.ts';

export abstract class MessageReader<M> {
  protected readonly bytes = new ByteQueue();

  /** Keeps a received chunk; `next` reads messages from it. */
  append(chunk: Buffer): void {
    this.bytes.append(chunk);
  }

  /** The next complete message, or null until more bytes arrive; throws ProtocolViolation for a malformed one. */
  abstract next(): M | null;

  /**
   * True when `push` must stop after one message: the caller decides, from
   * it, how the bytes after it are read.
   */
  protected oneAtATime(): boolean {
    return false;
  }

  /**
   * Returns every complete message in the pending bytes + chunk, keeping the
   * rest (only the first while `oneAtATime`); push an empty chunk to read
   * what is already buffered.
   */
  push(chunk: Buffer): M[] {
    this.append(chunk);
    const messages: M[] = [];
    for (let m = this.next(); m !== null; m = this.next()) {
      messages.push(m);
      if (this.oneAtATime()) break;
    }
    return messages;
  }

  /** Hands over the bytes of an incomplete message (when the stream changes hands). */
  takeTail(): Buffer {
    return this.bytes.takeAll();
  }

  /** Bytes received but not yet part of a returned message. */
  get buffered(): number {
    return this.bytes.length;
  }
}
