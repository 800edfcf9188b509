/**
 * Splits the upstream's answer to a pipeline of extended-protocol messages
 * into one group per request, by counting each message's final response.
 *
 * Every frontend message of the extended protocol gets exactly one final
 * response (Parse: ParseComplete, Bind: BindComplete, Close: CloseComplete,
 * Describe: RowDescription or NoData, Execute: CommandComplete,
 * EmptyQueryResponse or PortalSuspended, Sync: ReadyForQuery), or an
 * ErrorResponse, after which the server skips everything until Sync. Flush
 * and the copy messages that follow an Execute get none. Notices arrive inside
 * the group of the message that raised them.
 */
import { BackendCode, FrontendCode } from './codes.ts';
import type { Frame } from './framer.ts';

export interface GroupedAnswer {
  /** The frames answering each request, in order (empty for requests skipped after an error). */
  readonly groups: Frame[][];
  /** Index of the request that failed (its group ends with the ErrorResponse), or -1. */
  readonly failedAt: number;
  /** The closing ReadyForQuery, when the pipeline ended with Sync. */
  readonly ready: Frame | null;
}

/** How many final responses a serialized frontend message gets. */
function finalResponses(message: Buffer): number {
  switch (message[0]) {
    case FrontendCode.Parse:
    case FrontendCode.Bind:
    case FrontendCode.Close:
    case FrontendCode.Describe:
    case FrontendCode.Execute:
      return 1;
    default:
      return 0;
  }
}

/** Backend messages that end the answer to one extended-protocol message. */
export function isFinalResponse(code: number): boolean {
  switch (code) {
    case BackendCode.ParseComplete:
    case BackendCode.BindComplete:
    case BackendCode.CloseComplete:
    case BackendCode.RowDescription:
    case BackendCode.NoData:
    case BackendCode.CommandComplete:
    case BackendCode.EmptyQueryResponse:
    case BackendCode.PortalSuspended:
      return true;
    default:
      return false;
  }
}

/**
 * Consumes the answer to `requests` (each a list of serialized messages), sent
 * in order and followed by one Sync when `endsWithSync`.
 */
export class ResponseGrouper {
  private readonly expected: number[];
  private readonly groups: Frame[][];
  private current = 0;
  private received = 0;
  private failedAt = -1;
  private ready: Frame | null = null;

  constructor(
    requests: readonly (readonly Buffer[])[],
    private readonly endsWithSync: boolean,
  ) {
    this.expected = requests.map((messages) => messages.reduce((n, m) => n + finalResponses(m), 0));
    this.groups = requests.map(() => []);
    this.skipEmpty();
  }

  /** Takes one frame; true once the whole answer is in. */
  push(frame: Frame): boolean {
    if (frame.code === BackendCode.ReadyForQuery) {
      this.ready = frame;
      return true;
    }
    const group = this.groups[Math.min(this.current, this.groups.length - 1)];
    group?.push(frame);
    if (this.failedAt >= 0) return false;
    if (frame.code === BackendCode.ErrorResponse) {
      this.failedAt = Math.min(this.current, this.groups.length - 1);
      return !this.endsWithSync;
    }
    if (isFinalResponse(frame.code)) {
      this.received++;
      if (this.received >= (this.expected[this.current] ?? 0)) {
        this.current++;
        this.received = 0;
        this.skipEmpty();
      }
    }
    return this.done;
  }

  /** Requests without a final response of their own (copy data) close at once. */
  private skipEmpty(): void {
    while (this.current < this.expected.length && this.expected[this.current] === 0) this.current++;
  }

  private get done(): boolean {
    return !this.endsWithSync && this.current >= this.groups.length;
  }

  result(): GroupedAnswer {
    return { groups: this.groups, failedAt: this.failedAt, ready: this.ready };
  }
}
