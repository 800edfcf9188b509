/**
 * The seam between the MySQL wire front and whatever gives statements their
 * meaning (the Aurora ML layer). The session relays every command the handler
 * does not want; for a COM_QUERY it wants, it hands over a ControlledUpstream
 * and waits until the handler has answered the client.
 */
import type { Logger } from 'pino';
import { EmulatorError } from '../../errors.ts';
import type { Packet } from './framer.ts';

export interface SessionInfo {
  readonly user: string;
  readonly database: string;
  /** The upstream's thread id, which is also the id the client sees (KILL takes it). */
  readonly connectionId: number;
}

/** The upstream, while the handler owns it. */
export interface ControlledUpstream {
  readonly session: SessionInfo;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Sends a COM_QUERY and resolves with its whole answer (every result set of a multi-statement). */
  query(sql: string): Promise<Packet[]>;
  /**
   * Bytes for the client, in protocol order. The client's COM_QUERY had
   * sequence id 0, so the answer's packets are numbered from 1.
   */
  toClient(bytes: Buffer): void;
  /** CLIENT_DEPRECATE_EOF was agreed: result sets end with an OK packet (0xFE), not EOF. */
  readonly deprecateEof: boolean;
  readonly log: Logger;
}

export interface StatementHandler {
  /** Cheap test on every COM_QUERY: false relays it untouched. */
  wantsQuery(sql: string, session: SessionInfo): boolean;
  /**
   * Answers a COM_QUERY completely. An EmulatorError thrown before anything
   * was sent to the client reaches it as an ERR packet; anything else is
   * logged and the client sees the catalog's Internal error.
   */
  runQuery(sql: string, upstream: ControlledUpstream): Promise<void>;
  /** The session is gone: forget what was kept for it. */
  onSessionEnd?(session: SessionInfo): void;
}

/** The handler of this first piece: every statement goes to the upstream unchanged. */
export const relayEverything: StatementHandler = {
  wantsQuery: () => false,
  runQuery: () => Promise.reject(new EmulatorError('Internal', 'relayEverything handles no statement')),
};
