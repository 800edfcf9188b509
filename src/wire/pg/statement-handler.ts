/**
 * The seam between the PostgreSQL wire front and whatever gives statements
 * their meaning (the Aurora ML layer). The session relays everything the
 * handler does not want; for the rest it hands over a ControlledUpstream and
 * waits until the handler has answered the client.
 */
import type { Logger } from 'pino';
import type { TransactionStatus } from './codes.ts';
import type { Prepared } from './extended-batch.ts';
import type { Frame } from './framer.ts';
import type { BindMessage } from './messages.ts';
import type { GroupedAnswer } from './response-groups.ts';

export interface SessionInfo {
  readonly user: string;
  readonly database: string;
  /** The upstream backend's process id (as the client sees it). */
  readonly processId: number;
}

/** The upstream, while the handler owns it. */
export interface ControlledUpstream {
  readonly session: SessionInfo;
  /** Aborted by CancelRequest or when the client goes away. */
  readonly signal: AbortSignal;
  /** Writes messages and resolves with the answer up to the readyCount-th ReadyForQuery. */
  send(messages: readonly Buffer[], readyCount?: number): Promise<Frame[]>;
  /**
   * As send, but each frame of the answer goes to `onFrame` as it arrives and
   * nothing is kept: for answers too large to hold (a million rows).
   */
  stream(messages: readonly Buffer[], readyCount: number, onFrame: (frame: Frame) => void): Promise<void>;
  /**
   * Sends extended-protocol requests (each a list of messages) and a closing
   * Sync (or Flush when `endsWithSync` is false); answers grouped per request.
   */
  exchange(requests: readonly (readonly Buffer[])[], endsWithSync?: boolean): Promise<GroupedAnswer>;
  /**
   * Reads text the server sent (a notice's fields, a row's values): it is in
   * the session's client_encoding, as the client's statements are.
   */
  decodeText(bytes: Buffer): string;
  /** Bytes for the client, in protocol order. */
  toClient(bytes: Buffer): void;
  /** Resolves once the client has read what it was sent (at once when little is waiting, or when it is gone). */
  clientDrained(): Promise<void>;
  /** Transaction status after the last ReadyForQuery. */
  readonly status: TransactionStatus;
  /** Relayed messages sent without a Sync failed: the server skips everything until a Sync. */
  readonly skippingUntilSync: boolean;
  /**
   * An Execute (the client's, relayed, or the handler's own) went upstream
   * without a Sync since the last ReadyForQuery: the implicit transaction
   * may hold something of the client's already.
   */
  readonly executedSinceSync: boolean;
  readonly log: Logger;
}

/** What a ControlledUpstream's status getters read, live. */
export interface UpstreamStatus {
  readonly status: TransactionStatus;
  readonly skippingUntilSync: boolean;
  readonly executedSinceSync: boolean;
}

/** A ControlledUpstream's operations: all of it but the live status. */
export type UpstreamOperations = Omit<ControlledUpstream, keyof UpstreamStatus>;

/**
 * A ControlledUpstream made of its operations and a source of its status,
 * read live. A class, not an object literal with getters: V8 gives each such
 * literal (its getters new closures) a map of its own, made in the old
 * generation, and a view is made for every handled statement.
 */
export class UpstreamView implements ControlledUpstream {
  readonly session: SessionInfo;
  readonly signal: AbortSignal;
  readonly send: ControlledUpstream['send'];
  readonly stream: ControlledUpstream['stream'];
  readonly exchange: ControlledUpstream['exchange'];
  readonly decodeText: ControlledUpstream['decodeText'];
  readonly toClient: ControlledUpstream['toClient'];
  readonly clientDrained: ControlledUpstream['clientDrained'];
  readonly log: Logger;

  constructor(
    ops: UpstreamOperations,
    private readonly source: UpstreamStatus,
  ) {
    this.session = ops.session;
    this.signal = ops.signal;
    this.send = ops.send;
    this.stream = ops.stream;
    this.exchange = ops.exchange;
    this.decodeText = ops.decodeText;
    this.toClient = ops.toClient;
    this.clientDrained = ops.clientDrained;
    this.log = ops.log;
  }

  get status(): TransactionStatus {
    return this.source.status;
  }

  get skippingUntilSync(): boolean {
    return this.source.skippingUntilSync;
  }

  get executedSinceSync(): boolean {
    return this.source.executedSinceSync;
  }
}

/** One message of an extended-protocol batch, as the handler must treat it. */
export type ExtendedStep =
  /** Any message the upstream answers itself (Parse and Bind possibly rewritten). */
  | { readonly kind: 'relay'; readonly raw: Buffer; readonly code: number }
  /** An Execute of a portal whose statement needs the handler, with that portal's binding. */
  | {
      readonly kind: 'execute-handled';
      readonly raw: Buffer;
      readonly portal: string;
      /** Tells this binding of the portal name apart from earlier ones. */
      readonly bindId: number;
      readonly sql: string;
      readonly paramTypes: readonly number[];
      /** Why the handler refused the statement when it was parsed. */
      readonly refusal?: unknown;
      readonly bind: BindMessage;
      readonly maxRows: number;
    };

export interface StatementHandler {
  /** Cheap test on every simple Query: false relays it untouched. */
  wantsQuery(sql: string, session: SessionInfo): boolean;
  /**
   * For Parse: null relays it untouched; otherwise the SQL to prepare upstream
   * (possibly rewritten) and whether executing it needs the handler.
   */
  prepare(sql: string, session: SessionInfo): Prepared;
  /** Runs once per session after authentication, before the first client message. */
  onSessionReady(upstream: ControlledUpstream): Promise<void>;
  /** The session is gone: forget what was kept for it. */
  onSessionEnd(session: SessionInfo): void;
  /** Answers a simple Query completely, ReadyForQuery included. */
  runQuery(sql: string, upstream: ControlledUpstream): Promise<void>;
  /**
   * Answers an extended-protocol batch (ending in Sync or Flush). Resolves true
   * when the handler must also see every message up to the client's next
   * Sync (a transaction it opened, or an error whose rest it must skip).
   */
  runExtended(steps: readonly ExtendedStep[], upstream: ControlledUpstream): Promise<boolean>;
  /** A simple Query or FunctionCall arrived while the handler holds the session (see runExtended). */
  interruptHold(upstream: ControlledUpstream): Promise<'run' | 'discard'>;
}
