/**
 * The seam between the MySQL wire front and whatever gives statements their
 * meaning (the Aurora ML layer). The session relays every command the handler
 * does not want; for a COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE or
 * COM_STMT_BULK_EXECUTE it wants, it hands over a ControlledUpstream (once
 * every answer relayed before is out) and waits until the handler has
 * answered the client. Statement ids reach the handler resolved: MariaDB's
 * -1 ("the statement prepared last") is replaced by the id it stands for.
 */
import type { Logger } from 'pino';
import { EmulatorError } from '../../errors.ts';
import type { Packet } from './framer.ts';
import type { AnswerKind } from './upstream.ts';

export interface SessionInfo {
  readonly user: string;
  readonly database: string;
  /** The upstream's thread id, which is also the id the client sees (KILL takes it). */
  readonly connectionId: number;
  /** From the upstream's greeting, e.g. '8.0.36' or '10.11.6-MariaDB-0+deb12u1'. */
  readonly serverVersion: string;
}

/** The upstream, while the handler owns it. */
export interface ControlledUpstream {
  readonly session: SessionInfo;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /**
   * The server status flags (SERVER_STATUS_IN_TRANS, _AUTOCOMMIT,
   * _IN_TRANS_READONLY...) of the last OK or EOF the client was sent: the
   * session's transaction state as the client's command finds it.
   */
  readonly status: number;
  /**
   * Sends a COM_QUERY and resolves with its whole answer (every result set of
   * a multi-statement). Calls made before earlier ones resolve are pipelined.
   */
  query(sql: string): Promise<Packet[]>;
  /**
   * Statement text as bytes in the connection's character_set_client (what
   * query() sends): the client's own bytes for text decoded from its statement.
   */
  encode(sql: string): Buffer;
  /**
   * Sends any command (framed, sequence id 0) and resolves with its whole
   * answer (at once, with no packets, for commands that get none).
   */
  command(framed: Buffer, answer: AnswerKind): Promise<Packet[]>;
  /**
   * Bytes for the client, in protocol order. The client's COM_QUERY had
   * sequence id 0, so the answer's packets are numbered from 1.
   */
  toClient(bytes: Buffer): void;
  /** CLIENT_DEPRECATE_EOF was agreed: result sets end with an OK packet (0xFE), not EOF. */
  readonly deprecateEof: boolean;
  /** MARIADB_CLIENT_CACHE_METADATA was agreed: binary result sets may come without column definitions. */
  readonly cacheMetadata: boolean;
  /** CLIENT_SESSION_TRACK was agreed: OK packets list the session state changes (./session-state.ts). */
  readonly sessionTrack: boolean;
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
  /** COM_STMT_PREPARE: false relays it untouched. */
  wantsPrepare?(sql: string, session: SessionInfo): boolean;
  /** Answers a COM_STMT_PREPARE completely (the statement id is the upstream's). */
  runPrepare?(sql: string, upstream: ControlledUpstream): Promise<void>;
  /** COM_STMT_EXECUTE or COM_STMT_BULK_EXECUTE of `statementId`: false relays it untouched. */
  wantsExecute?(statementId: number, session: SessionInfo): boolean;
  /**
   * Answers a COM_STMT_EXECUTE or COM_STMT_BULK_EXECUTE (`payload` is the
   * client's, command byte included, with a statement id -1 resolved).
   */
  runExecute?(payload: Buffer, upstream: ControlledUpstream): Promise<void>;
  /** COM_STMT_CLOSE, relayed after this call. */
  onStatementClosed?(statementId: number, session: SessionInfo): void;
  /**
   * COM_STMT_SEND_LONG_DATA for `statementId` (`payload` with its id
   * resolved): true keeps it for the handler, which sends it upstream itself;
   * false relays it. It has no answer either way.
   */
  keepsLongData?(statementId: number, payload: Buffer, session: SessionInfo): boolean;
  /** COM_STMT_RESET (the server drops the statement's long data), relayed after this call. */
  onStatementReset?(statementId: number, session: SessionInfo): void;
  /**
   * COM_RESET_CONNECTION or COM_CHANGE_USER: the server drops the session's
   * prepared statements, temporary tables and variables.
   */
  onSessionReset?(session: SessionInfo): void;
  /** The session is gone: forget what was kept for it. */
  onSessionEnd?(session: SessionInfo): void;
}

/** The handler of this first piece: every statement goes to the upstream unchanged. */
export const relayEverything: StatementHandler = {
  wantsQuery: () => false,
  runQuery: () => Promise.reject(new EmulatorError('Internal', 'relayEverything handles no statement')),
};
