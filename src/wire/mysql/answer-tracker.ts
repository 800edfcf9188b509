/**
 * Follows every byte the client is sent in the command phase, relayed or
 * written by the statement handler, and knows which answers are still due.
 *
 * Clients may pipeline: the mariadb connectors send COM_STMT_PREPARE and the
 * COM_STMT_EXECUTE of statement -1 together, and several commands at once
 * when asked to. A command the emulator answers itself may only take the
 * upstream over once every answer relayed before it is out, so the session
 * waits for `idle`. The bytes are scanned as they stream through (packet
 * headers and the first bytes of each payload, copied into a fixed buffer):
 * nothing is buffered or allocated per packet. The last status flags the
 * client saw come for free.
 */

import { Fifo } from '../fifo.ts';
import { type AnswerKind, AnswerShape, SHAPE_PREFIX, type ShapeOptions } from './answer-shape.ts';
import { MAX_PACKET_PAYLOAD } from './codes.ts';

export class AnswerTracker {
  /** Status flags of the last OK or EOF the client was sent (from the handshake on). */
  status = 0;
  /** The statement id of the last COM_STMT_PREPARE answered (null after an ERR). */
  lastStatementId: number | null = null;
  private readonly due = new Fifo<AnswerShape>();
  /** Called as an answer ends, with what ended it (the session learns a COM_CHANGE_USER's outcome so). */
  private readonly onAnswered = new Map<AnswerShape, (shape: AnswerShape) => void>();
  private waiters: (() => void)[] = [];
  private options: ShapeOptions = { deprecateEof: false, cacheMetadata: false };

  // Where the scan stands inside the byte stream.
  private readonly header = Buffer.alloc(4);
  private headerFill = 0;
  private inBody = false;
  private bodyLeft = 0;
  /** The wire packet being read continues a logical packet (after one of 0xFFFFFF bytes). */
  private continuation = false;
  private continues = false;
  /** The first bytes of the packet: in the chunk it arrived in (no copy), or copied into `copied` when split. */
  private headBuf: Buffer = this.header;
  private headAt = 0;
  private readonly copied = Buffer.alloc(SHAPE_PREFIX);
  private headFill = 0;
  private headWant = 0;
  private firstLength = 0;

  /** What the connection agreed on (known once the client's handshake response is read). */
  configure(options: ShapeOptions): void {
    this.options = options;
  }

  /** A command was sent upstream (or handed to the handler): its answer is due next after the others. */
  expect(kind: AnswerKind, onAnswered?: (shape: AnswerShape) => void): void {
    if (kind === 'none') return;
    const shape = new AnswerShape(kind, this.options);
    this.due.push(shape);
    if (onAnswered !== undefined) this.onAnswered.set(shape, onAnswered);
  }

  /** Every answer due has reached the client. */
  get idle(): boolean {
    return this.due.length === 0;
  }

  /** How many answers are still due. */
  get outstanding(): number {
    return this.due.length;
  }

  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Forgets the answers due (a handler stopped half-way; the connection closes). Waiters are released. */
  reset(): void {
    this.due.clear();
    this.onAnswered.clear();
    this.headerFill = 0;
    this.inBody = false;
    this.continuation = false;
    this.wake();
  }

  scan(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (!this.inBody) {
        let length: number;
        if (this.headerFill === 0 && n - i >= 4) {
          length = (chunk[i] as number) | ((chunk[i + 1] as number) << 8) | ((chunk[i + 2] as number) << 16);
          i += 4;
        } else {
          const take = Math.min(4 - this.headerFill, n - i);
          chunk.copy(this.header, this.headerFill, i, i + take);
          this.headerFill += take;
          i += take;
          if (this.headerFill < 4) return;
          this.headerFill = 0;
          length = this.header.readUIntLE(0, 3);
        }
        if (!this.continuation) {
          this.firstLength = length;
          this.headFill = 0;
          this.headWant = Math.min(length, SHAPE_PREFIX);
        }
        this.continues = length === MAX_PACKET_PAYLOAD;
        this.bodyLeft = length;
        this.inBody = true;
        if (length === 0) this.packetEnd();
        continue;
      }
      const take = Math.min(this.bodyLeft, n - i);
      if (this.headFill < this.headWant) this.keepHead(chunk, i, take);
      i += take;
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) this.packetEnd();
    }
  }

  /**
   * Keeps where the packet's first bytes are: in the chunk when they all
   * arrived in it (a chunk is not reused once handed over), else copied piece
   * by piece.
   */
  private keepHead(chunk: Buffer, at: number, available: number): void {
    if (this.headFill === 0 && available >= this.headWant) {
      this.headBuf = chunk;
      this.headAt = at;
      this.headFill = this.headWant;
      return;
    }
    const copy = Math.min(this.headWant - this.headFill, available);
    chunk.copy(this.copied, this.headFill, at, at + copy);
    this.headBuf = this.copied;
    this.headAt = 0;
    this.headFill += copy;
  }

  private packetEnd(): void {
    this.inBody = false;
    if (this.continues) {
      this.continuation = true;
      return;
    }
    this.continuation = false;
    const shape = this.due.peek();
    // A packet nobody asked for (an ERR before the server hangs up): nothing to follow.
    if (shape === undefined) return;
    shape.next(this.headBuf, this.headAt, this.firstLength);
    if (!shape.done) return;
    if (shape.status !== null) this.status = shape.status;
    if (shape.kind === 'prepare') this.lastStatementId = shape.statementId;
    this.due.shift();
    const callback = this.onAnswered.get(shape);
    if (callback !== undefined) {
      this.onAnswered.delete(shape);
      callback(shape);
    }
    if (this.due.length === 0) this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
