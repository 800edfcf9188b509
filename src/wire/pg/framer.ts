/**
 * Splits a PostgreSQL byte stream into messages without copying them:
 * every frame is a view into the bytes received. A partial message waits for
 * the next chunk, and a large message arriving in many chunks is joined
 * once, when complete (see ../message-reader.ts).
 */
import { MessageReader } from '../message-reader.ts';
import { ProtocolViolation } from '../protocol-violation.ts';
import { MAX_MESSAGE_LENGTH, MAX_STARTUP_LENGTH } from './codes.ts';

export { ProtocolViolation } from '../protocol-violation.ts';

/** One message: a view into the bytes received; the body view is made only when asked for. */
export class Frame {
  constructor(
    /** Message type byte (0 for the untyped startup-phase messages). */
    readonly code: number,
    /** The whole message as it travelled, header included. */
    readonly raw: Buffer,
    private readonly headerSize = 5,
  ) {}

  /** The message body after the length word. */
  get payload(): Buffer {
    return this.raw.subarray(this.headerSize);
  }
}

export class FrameReader extends MessageReader<Frame> {
  /** @param typed false while reading the untyped startup-phase message */
  constructor(public typed = true) {
    super();
  }

  /**
   * The next complete frame, or null until more bytes arrive (see
   * ../byte-queue.ts). In untyped mode it reads one startup-phase message:
   * the caller decides, from it, whether the stream is typed from then on.
   */
  override next(): Frame | null {
    const q = this.bytes;
    const headerSize = this.typed ? 5 : 4;
    if (!q.ensure(headerSize)) return null;
    const length = q.buffer.readInt32BE(q.start + headerSize - 4);
    if (this.typed ? length < 4 || length > MAX_MESSAGE_LENGTH : length < 8 || length > MAX_STARTUP_LENGTH) {
      // Nothing after a bad length can be framed.
      throw new ProtocolViolation(this.typed ? `invalid message length ${length}` : `invalid length of startup packet ${length}`);
    }
    const total = length + headerSize - 4;
    if (!q.ensure(total)) return null;
    const raw = q.buffer.subarray(q.start, q.start + total);
    q.advance(total);
    return new Frame(this.typed ? (raw[0] ?? 0) : 0, raw, headerSize);
  }

  /** In untyped mode `push` returns at most one frame: the caller decides whether the stream is typed from then on. */
  protected override oneAtATime(): boolean {
    return !this.typed;
  }
}

/**
 * Follows message boundaries of a stream that is forwarded as raw chunks,
 * reporting message types as their headers complete and ReadyForQuery status
 * bytes. Used on the pass-through path so results are never buffered or copied.
 */
export class ReadyForQueryTracker {
  private readonly header = Buffer.alloc(5);
  private headerFill = 0;
  private remaining = 0;
  private inReady = false;
  /** The body so far of a ParameterStatus in progress (they are small), when someone listens. */
  private parameter: Buffer[] | null = null;

  /** @param onParameterStatus gets the body of each relayed ParameterStatus (client_encoding changes, say) */
  constructor(private readonly onParameterStatus?: (payload: Buffer) => void) {}

  /**
   * Calls onReady(status) for each ReadyForQuery completed in chunk and
   * onMessage(code) for each message whose header completes. With
   * `stopAtBoundary`, stops at the end of the message in progress (consuming
   * nothing when already at a boundary). Returns the bytes consumed.
   */
  scan(chunk: Buffer, onReady: (status: number) => void, onMessage?: (code: number) => void, stopAtBoundary = false): number {
    let i = 0;
    while (i < chunk.length) {
      if (stopAtBoundary && this.atBoundary) return i;
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        if (this.inReady && this.remaining === 1) onReady(chunk[i] ?? 0);
        if (this.parameter !== null) this.parameter.push(Buffer.from(chunk.subarray(i, i + take)));
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.endParameter();
        continue;
      }
      let code: number;
      let length: number;
      if (this.headerFill === 0 && chunk.length - i >= 5) {
        // The common case: a whole header in this chunk, read in place.
        code = chunk[i] as number;
        length = chunk.readInt32BE(i + 1);
        i += 5;
      } else {
        const take = Math.min(5 - this.headerFill, chunk.length - i);
        chunk.copy(this.header, this.headerFill, i, i + take);
        this.headerFill += take;
        i += take;
        if (this.headerFill < 5) continue;
        this.headerFill = 0;
        code = this.header[0] as number;
        length = this.header.readInt32BE(1);
      }
      if (length < 4) throw new ProtocolViolation(`invalid message length ${length} from upstream`);
      this.remaining = length - 4;
      this.inReady = code === 0x5a;
      if (code === 0x53 && this.onParameterStatus !== undefined) {
        this.parameter = [];
        if (this.remaining === 0) this.endParameter();
      }
      if (onMessage !== undefined) onMessage(code);
    }
    return i;
  }

  private endParameter(): void {
    if (this.parameter === null) return;
    const payload = Buffer.concat(this.parameter);
    this.parameter = null;
    this.onParameterStatus?.(payload);
  }

  /** True between messages (nothing of a message in progress seen). */
  get atBoundary(): boolean {
    return this.headerFill === 0 && this.remaining === 0;
  }
}
