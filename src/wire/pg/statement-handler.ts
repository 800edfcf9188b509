/**
 * The seam between the PostgreSQL wire front and whatever gives statements
 * their meaning (the Aurora ML layer). The session relays everything the
 * handler does not want; for the rest it hands over a ControlledUpstream and
 * waits until the handler has answered the client.
 */
import type { Logger } from 'pino';
import type { TransactionStatus } from './codes.ts';
import type { Frame } from './framer.ts';
import type { BindMessage } from './messages.ts';

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
  /** Bytes for the client, in protocol order. */
  toClient(bytes: Buffer): void;
  /** Transaction status after the last ReadyForQuery. */
  readonly status: TransactionStatus;
  readonly log: Logger;
}

/** One message of an extended-protocol batch, as the handler must treat it. */
export type ExtendedStep =
  | { readonly kind: 'relay'; readonly raw: Buffer; readonly code: number }
  | {
      readonly kind: 'execute-handled';
      readonly raw: Buffer;
      readonly sql: string;
      readonly paramTypes: readonly number[];
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
  prepare(sql: string, session: SessionInfo): { readonly sql: string; readonly handled: boolean } | null;
  /** Runs once per session after authentication, before the first client message. */
  onSessionReady(upstream: ControlledUpstream): Promise<void>;
  /** The session is gone: forget what was kept for it. */
  onSessionEnd(session: SessionInfo): void;
  /** Answers a simple Query completely, ReadyForQuery included. */
  runQuery(sql: string, upstream: ControlledUpstream): Promise<void>;
  /** Answers an extended-protocol batch (ending in Sync or Flush). */
  runExtended(steps: readonly ExtendedStep[], upstream: ControlledUpstream): Promise<void>;
}
