/**
 * One client connection of the MySQL front.
 *
 * The upstream speaks first: its greeting and the authentication that
 * follows are relayed both ways (see session-startup.ts). After that, client
 * commands are framed and either relayed unchanged or, for a COM_QUERY,
 * COM_STMT_PREPARE, COM_STMT_EXECUTE or COM_STMT_BULK_EXECUTE the
 * StatementHandler wants, handed to it (see session-dispatch.ts and
 * handler-runs.ts). MariaDB's extensions pass through the relayed handshake:
 * pipelined commands (the handler gets the upstream once every answer relayed
 * before is out), statement id -1 (read as the statement prepared last), bulk
 * execution and the metadata cache.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { EmulatorError } from '../../errors.ts';
import { MESSAGES_PER_TURN } from '../fair-share.ts';
import { SessionSockets, type UpstreamAddress } from '../session-sockets.ts';
import { AnswerTracker } from './answer-tracker.ts';
import { MAX_HANDSHAKE_RESPONSE_LENGTH } from './codes.ts';
import { PacketReader } from './framer.ts';
import { HandlerRuns } from './handler-runs.ts';
import { serialize } from './serializer.ts';
import { MySqlDispatch } from './session-dispatch.ts';
import { MySqlStartup } from './session-startup.ts';
import type { SessionInfo, StatementHandler } from './statement-handler.ts';
import { UpstreamLink } from './upstream.ts';

export interface SessionDeps {
  readonly upstream: UpstreamAddress;
  readonly handler: StatementHandler;
  readonly log: Logger;
}

export class MySqlSession {
  private readonly reader = new PacketReader(MAX_HANDSHAKE_RESPONSE_LENGTH);
  private readonly link: UpstreamLink;
  private readonly info = { user: '', database: '', connectionId: 0, serverVersion: '' };
  /** Every answer due to the client, and the status flags it saw last. */
  private readonly answers = new AnswerTracker();
  private log: Logger;
  private readonly sockets: SessionSockets;
  private readonly startup: MySqlStartup;
  /** Each time the handler takes a command, and what happens when it fails. */
  private readonly runs: HandlerRuns;
  /** What each client command of the command phase becomes. */
  private readonly dispatch: MySqlDispatch;
  /** Reading client packets yielded to other connections and goes on at the next turn (see fair-share.ts). */
  private drainScheduled = false;
  private closed = false;
  private quit = false;

  constructor(
    private readonly client: Socket,
    private readonly deps: SessionDeps,
    connectionId: number,
  ) {
    this.log = deps.log.child({ conn: connectionId, protocol: 'mysql' });
    this.sockets = new SessionSockets(client, {
      log: () => this.log,
      closed: () => this.closed,
      // Before the greeting the client waits for sequence id 0; later on the
      // next id cannot be known, and clients accept the ERR regardless.
      fatalError: (error) => serialize.emulatorError(error, 0),
      onClientData: (chunk) => this.onClientData(chunk),
      onClose: () => this.close(),
    });
    const socket = this.sockets.dial(deps.upstream);
    this.link = new UpstreamLink(
      socket,
      (chunk) => this.toClient(chunk),
      (p) => this.startup.onUpstreamPacket(p),
    );
    const logWith = (fields: Record<string, unknown>) => {
      this.log = this.log.child(fields);
    };
    this.startup = new MySqlStartup({
      sockets: this.sockets,
      reader: this.reader,
      link: this.link,
      answers: this.answers,
      info: this.info,
      logWith,
      closed: () => this.closed,
      close: () => this.close(),
      relay: (raw) => this.sockets.relay(raw),
      readClient: () => this.drainClientPackets(),
      sendError: (error, sequenceId) => this.sendError(error, sequenceId),
    });
    this.runs = new HandlerRuns({
      link: this.link,
      answers: this.answers,
      log: () => this.log,
      sessionInfo: () => this.sessionInfo(),
      closed: () => this.closed,
      close: () => this.close(),
      toClient: (bytes) => this.toClient(bytes),
      ran: (answer) => {
        if (answer === 'prepare') this.dispatch.lastPrepared = this.answers.lastStatementId;
        this.drainClientPackets();
      },
    });
    this.dispatch = new MySqlDispatch({
      handler: deps.handler,
      answers: this.answers,
      runs: this.runs,
      info: this.info,
      sessionInfo: () => this.sessionInfo(),
      logWith,
      relay: (raw) => this.sockets.relay(raw),
      quit: () => {
        this.quit = true;
        this.close();
      },
    });
    this.sockets.watch(socket, deps.upstream, {
      connected: () => this.startup.phase !== 'greeting',
      hungUpUnexplained: () => this.startup.phase !== 'command',
      setupPhase: 'authentication',
    });
  }

  private onClientData(chunk: Buffer): void {
    if (this.closed) return;
    // Packets wait in the reader, as bytes, until the greeting is out or the handler is done.
    this.reader.append(chunk);
    this.sockets.noteBacklog(this.reader.buffered);
    this.drainClientPackets();
  }

  /**
   * Handles the client packets received until the handler takes one; a long
   * run of relayed ones goes upstream in one write (corked) and yields to
   * other connections every MESSAGES_PER_TURN packets.
   */
  private drainClientPackets(): void {
    if (this.runs.busy || this.closed || this.drainScheduled || this.startup.phase === 'greeting') return;
    const upstream = this.link.socket;
    upstream.cork();
    try {
      let handled = 0;
      while (!this.closed && !this.runs.busy) {
        if (handled++ === MESSAGES_PER_TURN) {
          this.drainScheduled = true;
          setImmediate(() => {
            this.drainScheduled = false;
            this.drainClientPackets();
          });
          return;
        }
        const p = this.reader.next();
        if (p === null) {
          // Everything received is handled: read more.
          this.sockets.backlogHandled();
          return;
        }
        if (this.startup.phase === 'command') this.dispatch.onCommand(p);
        else this.startup.onClientPacket(p);
      }
    } catch (err) {
      this.protocolViolation(err);
    } finally {
      upstream.uncork();
    }
  }

  private sessionInfo(): SessionInfo {
    return { ...this.info };
  }

  /** Bytes for the client in the command phase: every answer passes the tracker on its way. */
  private toClient(chunk: Buffer): boolean {
    if (this.closed || this.client.destroyed) return true;
    if (this.startup.phase === 'command') this.answers.scan(chunk);
    return this.client.write(chunk);
  }

  private sendError(error: EmulatorError, sequenceId: number): void {
    if (this.client.destroyed) return;
    this.client.end(serialize.emulatorError(error, sequenceId));
  }

  private protocolViolation(err: unknown): void {
    if (this.closed) return;
    this.log.warn({ err }, 'protocol violation; closing connection');
    if (this.startup.phase === 'handshake-response') {
      // What a MySQL server answers to a bad handshake (ER_HANDSHAKE_ERROR).
      this.sendError(new EmulatorError('ProtocolViolation', 'Bad handshake'), 2);
    }
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.runs.cancel();
    this.answers.reset();
    this.deps.handler.onSessionEnd?.(this.sessionInfo());
    const socket = this.link.socket;
    if (!socket.destroyed) {
      if (this.quit) socket.end();
      else if (this.startup.phase === 'command' && !this.runs.busy) socket.end(serialize.comQuit());
      else socket.destroy();
    }
    this.sockets.closeClient();
  }
}
