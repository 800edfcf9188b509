/**
 * The bytes received on a connection and not yet framed, for both fronts'
 * framers. Chunks are kept as they arrive; bytes are joined only when a
 * message spans chunks, and only once all of it is in, so a large message
 * arriving in many chunks is copied once. Framers read one message at a time
 * (`ensure`, `view`, `advance`): a session then frames a 64 KB chunk of
 * pipelined messages in turns, as it handles them, instead of allocating
 * thousands of messages at once.
 */
export class ByteQueue {
  /** The chunk being read, from `offset` on. */
  private current: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** Chunks received after `current`, joined to it only when a message spans them. */
  private later: Buffer[] = [];
  private laterSize = 0;

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.offset === this.current.length) {
      this.current = chunk;
      this.offset = 0;
    } else {
      this.later.push(chunk);
      this.laterSize += chunk.length;
    }
  }

  /** Bytes received and not yet consumed. */
  get length(): number {
    return this.current.length - this.offset + this.laterSize;
  }

  /** True when the next `n` bytes are in, made contiguous in `view()`; false (nothing joined) until they are. */
  ensure(n: number): boolean {
    const left = this.current.length - this.offset;
    if (left >= n) return true;
    if (left + this.laterSize < n) return false;
    this.current = Buffer.concat([this.current.subarray(this.offset), ...this.later], left + this.laterSize);
    this.offset = 0;
    this.later = [];
    this.laterSize = 0;
    return true;
  }

  /** The buffer holding the next bytes, and where they start in it (valid until the next call that changes the queue). */
  get buffer(): Buffer {
    return this.current;
  }

  get start(): number {
    return this.offset;
  }

  /** Consumes `n` bytes, which `ensure(n)` said are in. */
  advance(n: number): void {
    this.offset += n;
  }

  /** Takes every byte not yet consumed (when the stream changes hands). */
  takeAll(): Buffer {
    const rest = Buffer.concat([this.current.subarray(this.offset), ...this.later]);
    this.current = Buffer.alloc(0);
    this.offset = 0;
    this.later = [];
    this.laterSize = 0;
    return rest;
  }
}
