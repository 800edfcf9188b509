/**
 * Holds the answer of an ML statement's final run until the loop knows it is
 * the final one (a run that misses is rolled back and its rows thrown away),
 * without holding a million rows in memory: messages are copied into blocks,
 * and past SPOOL_MEMORY_BYTES the blocks go to an unlinked temporary file.
 * Delivery reads them back in order, at the pace the client reads.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendCode } from '../../wire/pg/codes.ts';
import { Frame } from '../../wire/pg/framer.ts';

/** Answer bytes kept in memory before the spool spills to a file. */
export const SPOOL_MEMORY_BYTES = 16 * 1024 * 1024;
const BLOCK_BYTES = 256 * 1024;
/**
 * The first block's size; each next one is twice the last, up to BLOCK_BYTES.
 * Most answers are one row: a 256 KB block for each would cost every ML
 * statement an allocation the size of a large answer's (an mmap, page faults
 * and the garbage collector's attention for memory outside the heap).
 */
const FIRST_BLOCK_BYTES = 4 * 1024;

export class FrameSpool {
  /** Full blocks in memory, in order (before any spill). */
  private blocks: Buffer[] = [];
  private inMemory = 0;
  private block: Buffer | null = null;
  private fill = 0;
  private nextBlockBytes = FIRST_BLOCK_BYTES;
  private allocated = 0;
  /** The spill file (unlinked at once: it vanishes with the descriptor). */
  private fd: number | null = null;
  /** Lengths of the chunks in the file, in order: each holds whole messages. */
  private fileChunks: number[] = [];
  /** The last CommandComplete held (a portal keeps its tag after its rows are sent). */
  lastCommandComplete: Buffer | null = null;

  /** Bytes of the blocks allocated since the spool was last emptied: what a small answer costs. */
  get allocatedBytes(): number {
    return this.allocated;
  }

  add(raw: Buffer): void {
    if (raw[0] === BackendCode.CommandComplete) this.lastCommandComplete = Buffer.from(raw);
    if (this.block !== null && raw.length <= this.block.length - this.fill) {
      this.fill += raw.copy(this.block, this.fill);
      return;
    }
    this.endBlock();
    if (raw.length >= BLOCK_BYTES) {
      this.allocated += raw.length;
      this.keep(Buffer.from(raw));
      return;
    }
    this.block = Buffer.allocUnsafe(Math.max(this.nextBlockBytes, raw.length));
    this.allocated += this.block.length;
    this.nextBlockBytes = Math.min(BLOCK_BYTES, this.nextBlockBytes * 2);
    this.fill = raw.copy(this.block, 0);
  }

  /** Forgets everything held (the run turned out not to be the final one). */
  clear(): void {
    this.dispose();
    this.lastCommandComplete = null;
  }

  /** The messages held, as whole frames in memory (for callers that split the answer). */
  frames(): Frame[] {
    const frames: Frame[] = [];
    for (const chunk of this.chunks()) {
      let at = 0;
      while (at < chunk.length) {
        const total = chunk.readInt32BE(at + 1) + 1;
        const raw = chunk.subarray(at, at + total);
        frames.push(new Frame(raw[0] ?? 0, raw));
        at += total;
      }
    }
    return frames;
  }

  /**
   * Writes everything held to `write` in order, at the pace the receiver
   * reads (`drained` resolves when it has room); then releases the spool.
   */
  async deliver(write: (bytes: Buffer) => void, drained: () => Promise<void>): Promise<void> {
    try {
      for (const chunk of this.chunks()) {
        write(chunk);
        await drained();
      }
    } finally {
      this.clear();
    }
  }

  /** Releases the memory and the file. */
  dispose(): void {
    this.blocks = [];
    this.inMemory = 0;
    this.block = null;
    this.fill = 0;
    this.nextBlockBytes = FIRST_BLOCK_BYTES;
    this.allocated = 0;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.fileChunks = [];
  }

  /** The bytes held, as chunks of whole messages, in order. */
  private *chunks(): Generator<Buffer> {
    this.endBlock();
    if (this.fd !== null) {
      let position = 0;
      for (const length of this.fileChunks) {
        const chunk = Buffer.allocUnsafe(length);
        let read = 0;
        while (read < length) read += readSync(this.fd, chunk, read, length - read, position + read);
        position += length;
        yield chunk;
      }
    }
    yield* this.blocks;
  }

  private endBlock(): void {
    if (this.block === null || this.fill === 0) return;
    const full = this.block.subarray(0, this.fill);
    this.block = null;
    this.fill = 0;
    this.keep(full);
  }

  /** Keeps a chunk of whole messages: in memory, or in the file once memory is spent. */
  private keep(chunk: Buffer): void {
    if (this.fd === null && this.inMemory + chunk.length <= SPOOL_MEMORY_BYTES) {
      this.blocks.push(chunk);
      this.inMemory += chunk.length;
      return;
    }
    if (this.fd === null) {
      this.fd = openSpillFile();
      // What is in memory goes first, so the file holds everything in order.
      for (const block of this.blocks) this.append(block);
      this.blocks = [];
      this.inMemory = 0;
    }
    this.append(chunk);
  }

  private append(chunk: Buffer): void {
    let written = 0;
    while (written < chunk.length) written += writeSync(this.fd as number, chunk, written, chunk.length - written, null);
    this.fileChunks.push(chunk.length);
  }
}

/** A temporary file unlinked at once: it goes with the descriptor, whatever happens to the process. */
export function openSpillFile(prefix = 'aurora-ml-spool-'): number {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'rows');
  const fd = openSync(path, 'w+', 0o600);
  unlinkSync(path);
  rmSync(dir, { recursive: true, force: true });
  return fd;
}
