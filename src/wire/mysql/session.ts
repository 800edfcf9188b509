/**
 * One client connection of the MySQL front.
 *
 * The upstream speaks first: its Handshake packet is relayed to the client
 * with CLIENT_SSL and CLIENT_COMPRESS cleared (the emulator speaks plain,
 * uncompressed TCP: it is a loopback development tool, and it must read the
 * packets it relays). The client's HandshakeResponse and every authentication
 * packet after it (mysql_native_password, caching_sha2_password with its
 * public-key request, ed25519, auth switches) are relayed unchanged, sequence
 * ids included, until the upstream's OK or ERR. The connection id the client
 * sees is the upstream's, so KILL through the emulator reaches the right
 * upstream thread.
 *
 * After that, client commands are framed and either relayed unchanged or, for
 * a COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE or COM_STMT_BULK_EXECUTE
 * the StatementHandler wants, handed to it. Packets with a sequence id other
 * than 0 continue an exchange (LOCAL INFILE data, the auth switch of
 * COM_CHANGE_USER) and are relayed as they are. MariaDB's extensions pass
 * through the relayed handshake: pipelined commands (the handler gets the
 * upstream once every answer relayed before is out), statement id -1 (read as
 * the statement prepared last), bulk execution and the metadata cache.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import { BACKLOG_HIGH_WATER_BYTES, MESSAGES_PER_TURN } from '../fair-share.ts';
import { ReadGate } from '../read-gate.ts';
import { type AnswerKind, answerKindOf } from './answer-shape.ts';
import { AnswerTracker } from './answer-tracker.ts';
import { type ClientCodec, clientCodec, isAscii } from './client-charset.ts';
import {
  Capability,
  Command,
  LAST_PREPARED_STATEMENT,
  MAX_HANDSHAKE_RESPONSE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MariaDbCapability,
  ResponseHeader,
} from './codes.ts';
import { type Packet, PacketReader, ProtocolViolation } from './framer.ts';
import {
  parseHandshakeResponse,
  parseHandshakeV10,
  parseOk,
  provisionalText,
  statementBytes,
  textRows,
  withoutCapabilities,
} from './messages.ts';
import { packet, serialize } from './serializer.ts';
import type { ControlledUpstream, SessionInfo, StatementHandler } from './statement-handler.ts';
import { UpstreamLink } from './upstream.ts';

export interface UpstreamAddress {
  readonly host: string;
  readonly port: number;
}

export interface SessionDeps {
  readonly upstream: UpstreamAddress;
  readonly handler: StatementHandler;
  readonly log: Logger;
}

/**
 * Capabilities the emulator does not offer the client: TLS and the compressed
 * protocol (it must read what it relays), MySQL 8's query attributes (they
 * come before a COM_QUERY's text) and optional result set metadata (answers
 * are followed by their column definitions: see ./answer-shape.ts).
 */
const REMOVED_CAPABILITIES =
  Capability.CLIENT_SSL |
  Capability.CLIENT_COMPRESS |
  Capability.CLIENT_QUERY_ATTRIBUTES |
  Capability.CLIENT_OPTIONAL_RESULTSET_METADATA;

type Phase = 'greeting' | 'handshake-response' | 'auth' | 'command';

export class MySqlSession {
  private phase: Phase = 'greeting';
  private readonly reader = new PacketReader(MAX_HANDSHAKE_RESPONSE_LENGTH);
  private readonly link: UpstreamLink;
  private readonly info = { user: '', database: '', connectionId: 0, serverVersion: '' };
  private serverCapabilities = 0;
  private serverMariadbCapabilities = 0;
  /** Every answer due to the client, and the status flags it saw last. */
  private readonly answers = new AnswerTracker();
  /**
   * The statement the handler prepared last, for MariaDB's statement id -1;
   * null when the last COM_STMT_PREPARE was relayed (or failed): -1 is then
   * the upstream's business.
   */
  private lastPrepared: number | null = null;
  private log: Logger;
  private busy = false;
  /** Reading client packets yielded to other connections and goes on at the next turn (see fair-share.ts). */
  private drainScheduled = false;
  private abort: AbortController | null = null;
  private closed = false;
  /** Reading the client stops while the upstream socket is full or many bytes wait unread. */
  private readonly readGate: ReadGate;
  private quit = false;
  /** The client has been told the upstream connection is gone (or refused it). */
  private upstreamReported = false;

  constructor(
    private readonly client: Socket,
    private readonly deps: SessionDeps,
    connectionId: number,
  ) {
    this.log = deps.log.child({ conn: connectionId, protocol: 'mysql' });
    this.readGate = new ReadGate(client);
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('error', (err) => this.log.debug({ err }, 'client socket error'));
    client.on('close', () => this.close());
    client.on('drain', () => this.link.socket.resume());

    const socket = connect({ host: deps.upstream.host, port: deps.upstream.port });
    socket.setNoDelay(true);
    this.link = new UpstreamLink(
      socket,
      (chunk) => this.toClient(chunk),
      (p) => this.onHandshakePacket(p),
    );
    const where = `${deps.upstream.host}:${deps.upstream.port}`;
    socket.on('error', (err) => {
      const connected = this.phase !== 'greeting';
      this.log.warn({ err }, connected ? 'upstream connection lost' : 'upstream connection failed');
      this.upstreamGone(
        connected
          ? `aurora-ml-emulator lost the connection to the upstream database at ${where}: ${err.message}`
          : `aurora-ml-emulator could not reach the upstream database at ${where}: ${err.message}`,
      );
    });
    socket.on('drain', () => this.readGate.release('upstream-full'));
    socket.on('close', () => {
      if (this.phase !== 'command') {
        this.upstreamGone(`aurora-ml-emulator: the upstream database at ${where} closed the connection during authentication`);
      }
      this.close();
    });
  }

  // ---- greeting and authentication ----

  private onHandshakePacket(p: Packet): void {
    if (this.closed) return;
    if (this.phase === 'greeting') {
      if (p.payload[0] === ResponseHeader.ERR) {
        // Too many connections, host blocked...: the client reads it in place of the handshake.
        this.upstreamReported = true;
        this.client.end(p.raw);
        this.close();
        return;
      }
      const handshake = parseHandshakeV10(p.payload);
      this.info.connectionId = handshake.connectionId;
      this.info.serverVersion = handshake.serverVersion;
      this.serverCapabilities = handshake.capabilities & ~REMOVED_CAPABILITIES;
      this.serverMariadbCapabilities = handshake.mariadbCapabilities;
      this.log = this.log.child({ upstreamConnectionId: handshake.connectionId });
      this.client.write(packet(withoutCapabilities(p.payload, handshake, REMOVED_CAPABILITIES), p.sequenceId));
      this.phase = 'handshake-response';
      this.drainClientPackets();
      return;
    }
    this.client.write(p.raw);
    const header = p.payload[0];
    if (this.phase === 'auth' && header === ResponseHeader.OK) {
      this.phase = 'command';
      this.answers.status = parseOk(p.payload).statusFlags;
      this.reader.maxLength = MAX_MESSAGE_LENGTH;
      this.link.startRelay();
      this.drainClientPackets();
    } else if (header === ResponseHeader.ERR) {
      // Access denied: the upstream hangs up; so do we, once the ERR is out.
      this.upstreamReported = true;
      this.client.end();
      this.close();
    }
  }

  private onClientData(chunk: Buffer): void {
    if (this.closed) return;
    // Packets wait in the reader, as bytes, until the greeting is out or the handler is done.
    this.reader.append(chunk);
    if (this.reader.buffered > BACKLOG_HIGH_WATER_BYTES) this.readGate.hold('backlog');
    this.drainClientPackets();
  }

  /**
   * Handles the client packets received until the handler takes one; a long
   * run of relayed ones goes upstream in one write (corked) and yields to
   * other connections every MESSAGES_PER_TURN packets.
   */
  private drainClientPackets(): void {
    if (this.busy || this.closed || this.drainScheduled || this.phase === 'greeting') return;
    const upstream = this.link.socket;
    upstream.cork();
    try {
      let handled = 0;
      while (!this.closed && !this.busy) {
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
          this.readGate.release('backlog');
          return;
        }
        if (this.phase === 'handshake-response') this.onHandshakeResponse(p);
        else if (this.phase === 'auth') this.relay(p.raw);
        else this.onCommand(p);
      }
    } catch (err) {
      this.protocolViolation(err);
    } finally {
      upstream.uncork();
    }
  }

  private onHandshakeResponse(p: Packet): void {
    if (p.sequenceId !== 1) throw new ProtocolViolation(`handshake response with sequence id ${p.sequenceId}`);
    const response = parseHandshakeResponse(p.payload);
    if (response.sslRequest) {
      this.sendError(
        new EmulatorError('TlsNotSupported', 'aurora-ml-emulator speaks plain TCP only: connect without TLS (ssl-mode=DISABLED)'),
        2,
      );
      this.close();
      return;
    }
    this.info.user = response.user;
    this.info.database = response.database;
    const options = {
      deprecateEof: (response.capabilities & this.serverCapabilities & Capability.CLIENT_DEPRECATE_EOF) !== 0,
      cacheMetadata:
        (response.mariadbCapabilities & this.serverMariadbCapabilities & MariaDbCapability.MARIADB_CLIENT_CACHE_METADATA) !== 0,
    };
    this.link.options = options;
    this.answers.configure(options);
    this.log = this.log.child({ user: response.user });
    this.phase = 'auth';
    this.relay(p.raw);
  }

  // ---- command phase ----

  private onCommand(p: Packet): void {
    if (p.sequenceId !== 0) {
      // The rest of an exchange the upstream asked for (LOCAL INFILE data, an auth switch).
      this.relay(p.raw);
      return;
    }
    const command = p.payload[0];
    if (command === undefined) throw new ProtocolViolation('empty command packet');
    const handler = this.deps.handler;
    switch (command) {
      case Command.COM_QUERY: {
        const statement = statementBytes(p.payload);
        if (handler.wantsQuery(provisionalText(statement), this.sessionInfo())) {
          this.runHandled('result', (up, sql) => handler.runQuery(sql, up), statement);
          return;
        }
        this.relayCommand(p, 'result');
        return;
      }
      case Command.COM_STMT_PREPARE: {
        const statement = statementBytes(p.payload);
        if (handler.runPrepare && handler.wantsPrepare?.(provisionalText(statement), this.sessionInfo())) {
          const run = handler.runPrepare.bind(handler);
          this.runHandled('prepare', (up, sql) => run(sql, up), statement);
          return;
        }
        this.lastPrepared = null;
        this.relayCommand(p, 'prepare');
        return;
      }
      case Command.COM_STMT_EXECUTE:
      case Command.COM_STMT_BULK_EXECUTE: {
        const id = this.statementId(p.payload);
        if (id !== null && handler.runExecute && handler.wantsExecute?.(id, this.sessionInfo())) {
          const run = handler.runExecute.bind(handler);
          const payload = withStatementId(p.payload, id);
          this.runHandled('binary-result', (up) => run(payload, up));
          return;
        }
        this.relayCommand(p, 'binary-result');
        return;
      }
      case Command.COM_STMT_SEND_LONG_DATA: {
        const id = this.statementId(p.payload);
        if (id !== null && handler.keepsLongData?.(id, withStatementId(p.payload, id), this.sessionInfo())) return;
        this.relayCommand(p, 'none');
        return;
      }
      case Command.COM_STMT_CLOSE:
      case Command.COM_STMT_RESET: {
        const id = this.statementId(p.payload);
        if (id !== null && command === Command.COM_STMT_CLOSE) {
          handler.onStatementClosed?.(id, this.sessionInfo());
          if (id === this.lastPrepared) this.lastPrepared = null;
        } else if (id !== null) handler.onStatementReset?.(id, this.sessionInfo());
        this.relayCommand(p, answerKindOf(command));
        return;
      }
      case Command.COM_RESET_CONNECTION:
        handler.onSessionReset?.(this.sessionInfo());
        this.lastPrepared = null;
        this.relayCommand(p, 'single');
        return;
      case Command.COM_QUIT:
        this.relay(p.raw);
        this.quit = true;
        this.close();
        return;
      case Command.COM_CHANGE_USER: {
        // The server resets the session before it authenticates, whatever the outcome.
        handler.onSessionReset?.(this.sessionInfo());
        this.lastPrepared = null;
        const end = p.payload.indexOf(0, 1);
        const user = end > 0 ? p.payload.toString('utf8', 1, end) : '';
        // MariaDB keeps the old account when the change fails (1045): the session becomes the
        // new user only on the server's OK, never on the client's word.
        this.answers.expect('auth', (answer) => {
          if (answer.endedWith !== 'ok') return;
          this.info.user = user;
          this.log = this.log.child({ user });
        });
        this.relay(p.raw);
        return;
      }
      case Command.COM_INIT_DB:
        this.info.database = p.payload.toString('utf8', 1);
        this.relayCommand(p, 'single');
        return;
      default:
        // Ping, statistics, set option and anything newer: unchanged.
        this.relayCommand(p, answerKindOf(command));
    }
  }

  /** The statement a statement command names, with -1 resolved; null for a -1 the handler did not prepare. */
  private statementId(payload: Buffer): number | null {
    if (payload.length < 5) throw new ProtocolViolation('statement command without a statement id');
    const id = payload.readUInt32LE(1);
    return id === LAST_PREPARED_STATEMENT ? this.lastPrepared : id;
  }

  /**
   * Hands a command to the handler, once every answer relayed before it has
   * reached the client; `statement` is the text of a COM_QUERY or
   * COM_STMT_PREPARE, decoded then in the connection's character_set_client.
   */
  private runHandled(answer: AnswerKind, task: HandledTask, statement?: Buffer): void {
    this.busy = true;
    const start = () => void this.handle(answer, task, statement);
    if (this.answers.idle) start();
    else void this.answers.whenIdle().then(start);
  }

  private async handle(answer: AnswerKind, task: HandledTask, statement?: Buffer): Promise<void> {
    if (this.closed) return;
    const abort = new AbortController();
    this.abort = abort;
    let answered = false;
    this.answers.expect(answer);
    this.link.takeControl();
    // Text the handler sends goes out in the client's charset, so the bytes it did not rewrite stay the client's.
    let codec = DEFAULT_CODEC;
    const upstream: ControlledUpstream = {
      session: this.sessionInfo(),
      signal: abort.signal,
      status: this.answers.status,
      query: (text) => this.link.command(serialize.comQuery(codec.encode(text)), 'result'),
      encode: (text) => codec.encode(text),
      command: (framed, kind) => this.link.command(framed, kind),
      toClient: (bytes) => {
        answered = true;
        this.toClient(bytes);
      },
      deprecateEof: this.link.options.deprecateEof,
      cacheMetadata: this.link.options.cacheMetadata,
      log: this.log,
    };
    try {
      if (statement !== undefined && !isAscii(statement)) codec = await this.statementCodec();
      await task(upstream, statement === undefined ? '' : codec.decode(statement));
    } catch (err) {
      if (!(err instanceof EmulatorError)) this.log.error({ err }, 'statement handler failed');
      if (answered) {
        // Half an answer cannot be completed: the connection is unusable.
        this.close();
      } else if (!this.closed) this.toClient(serialize.emulatorError(toEmulatorError(err), 1));
    } finally {
      this.abort = null;
      this.busy = false;
      if (!this.answers.idle && !this.closed) {
        this.log.warn({ command: answer }, 'the statement handler left its answer incomplete; closing the connection');
        this.close();
      }
      // Answers still due to the handler would reach the client out of place.
      if (!this.link.closed && !this.link.idle) this.close();
      else if (!this.link.closed) this.link.release();
    }
    if (answer === 'prepare') this.lastPrepared = this.answers.lastStatementId;
    this.drainClientPackets();
  }

  /**
   * The codec of the connection's character_set_client, asked of the server
   * (SET NAMES, SET character_set_client, COM_CHANGE_USER, COM_RESET_CONNECTION,
   * a stored procedure... may have changed it); only statements with 8-bit
   * bytes need it. A charset whose bytes the emulator cannot keep exact
   * refuses the statement.
   */
  private async statementCodec(): Promise<ClientCodec> {
    const [row] = textRows(await this.link.query('SELECT @@character_set_client'), 1);
    const charset = row?.[0] ?? '';
    const codec = clientCodec(charset);
    if (codec !== null) return codec;
    throw new EmulatorError(
      'UnsafeMlStatement',
      `aurora-ml-emulator cannot rewrite a statement with non-ASCII text in character_set_client '${charset}' without changing its bytes`,
      { hint: 'Use utf8mb4 or latin1 for ML statements (SET NAMES utf8mb4)' },
    );
  }

  private sessionInfo(): SessionInfo {
    return { ...this.info };
  }

  /** Bytes for the client in the command phase: every answer passes the tracker on its way. */
  private toClient(chunk: Buffer): boolean {
    if (this.closed || this.client.destroyed) return true;
    if (this.phase === 'command') this.answers.scan(chunk);
    return this.client.write(chunk);
  }

  /** Relays a client command whose answer is relayed too. */
  private relayCommand(p: Packet, answer: AnswerKind): void {
    this.answers.expect(answer);
    this.relay(p.raw);
  }

  /** Relays client bytes upstream, pausing the client while the upstream socket is full. */
  private relay(raw: Buffer): void {
    if (!this.link.socket.write(raw)) this.readGate.hold('upstream-full');
  }

  private sendError(error: EmulatorError, sequenceId: number): void {
    if (this.client.destroyed) return;
    this.client.end(serialize.emulatorError(error, sequenceId));
  }

  private protocolViolation(err: unknown): void {
    if (this.closed) return;
    this.log.warn({ err }, 'protocol violation; closing connection');
    if (this.phase === 'handshake-response') {
      // What a MySQL server answers to a bad handshake (ER_HANDSHAKE_ERROR).
      this.sendError(new EmulatorError('ProtocolViolation', 'Bad handshake'), 2);
    }
    this.close();
  }

  /** Tells the client (once) that the upstream connection is gone, before closing. */
  private upstreamGone(message: string): void {
    if (this.closed || this.client.destroyed || this.upstreamReported) return;
    this.upstreamReported = true;
    // Before the greeting the client waits for sequence id 0; later on the
    // next id cannot be known, and clients accept the ERR regardless.
    const err = new EmulatorError('UpstreamUnavailable', message);
    this.client.end(serialize.emulatorError(err, 0));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort?.abort();
    this.answers.reset();
    this.deps.handler.onSessionEnd?.(this.sessionInfo());
    const socket = this.link.socket;
    if (!socket.destroyed) {
      if (this.quit) socket.end();
      else if (this.phase === 'command' && !this.busy) socket.end(serialize.comQuit());
      else socket.destroy();
    }
    this.readGate.open();
    if (!this.client.destroyed) this.client.end();
  }
}

type HandledTask = (upstream: ControlledUpstream, statement: string) => Promise<void>;

/** For statements all 7-bit: every supported charset reads them alike, and the handler's own text goes as before. */
const DEFAULT_CODEC = clientCodec('utf8mb4') as ClientCodec;

/** A statement command with its statement id field set (a -1 resolved). */
function withStatementId(payload: Buffer, id: number): Buffer {
  if (payload.readUInt32LE(1) === id) return payload;
  const out = Buffer.from(payload);
  out.writeUInt32LE(id, 1);
  return out;
}
