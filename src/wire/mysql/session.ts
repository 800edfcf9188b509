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
 * a COM_QUERY, COM_STMT_PREPARE or COM_STMT_EXECUTE the StatementHandler
 * wants, handed to it. Packets with a
 * sequence id other than 0 continue an exchange (LOCAL INFILE data, the auth
 * switch of COM_CHANGE_USER) and are relayed as they are.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import { Capability, Command, MAX_HANDSHAKE_RESPONSE_LENGTH, MAX_MESSAGE_LENGTH, ResponseHeader } from './codes.ts';
import { type Packet, PacketReader, ProtocolViolation } from './framer.ts';
import { parseComQuery, parseHandshakeResponse, parseHandshakeV10, withoutCapabilities } from './messages.ts';
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

/** Capabilities the emulator cannot relay: TLS and the compressed protocol. */
const REMOVED_CAPABILITIES = Capability.CLIENT_SSL | Capability.CLIENT_COMPRESS;

type Phase = 'greeting' | 'handshake-response' | 'auth' | 'command';

export class MySqlSession {
  private phase: Phase = 'greeting';
  private readonly reader = new PacketReader(MAX_HANDSHAKE_RESPONSE_LENGTH);
  private readonly link: UpstreamLink;
  private readonly info = { user: '', database: '', connectionId: 0, serverVersion: '' };
  private serverCapabilities = 0;
  private log: Logger;
  /** Client packets waiting for the greeting or for the handler to finish. */
  private readonly queue: Packet[] = [];
  private busy = false;
  private abort: AbortController | null = null;
  private closed = false;
  private clientPaused = false;
  private quit = false;
  /** The client has been told the upstream connection is gone (or refused it). */
  private upstreamReported = false;

  constructor(
    private readonly client: Socket,
    private readonly deps: SessionDeps,
    connectionId: number,
  ) {
    this.log = deps.log.child({ conn: connectionId, protocol: 'mysql' });
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('error', (err) => this.log.debug({ err }, 'client socket error'));
    client.on('close', () => this.close());
    client.on('drain', () => this.link.socket.resume());

    const socket = connect({ host: deps.upstream.host, port: deps.upstream.port });
    socket.setNoDelay(true);
    this.link = new UpstreamLink(
      socket,
      (chunk) => (this.closed || this.client.destroyed ? true : this.client.write(chunk)),
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
    socket.on('drain', () => {
      if (!this.clientPaused) return;
      this.clientPaused = false;
      this.client.resume();
    });
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
    try {
      this.queue.push(...this.reader.push(chunk));
    } catch (err) {
      this.protocolViolation(err);
      return;
    }
    this.drainClientPackets();
  }

  private drainClientPackets(): void {
    if (this.busy || this.closed) return;
    try {
      while (this.queue.length > 0 && !this.closed && !this.busy) {
        if (this.phase === 'greeting') return;
        const p = this.queue.shift() as Packet;
        if (this.phase === 'handshake-response') this.onHandshakeResponse(p);
        else if (this.phase === 'auth') this.relay(p.raw);
        else this.onCommand(p);
      }
    } catch (err) {
      this.protocolViolation(err);
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
    this.link.deprecateEof = (response.capabilities & this.serverCapabilities & Capability.CLIENT_DEPRECATE_EOF) !== 0;
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
        const sql = parseComQuery(p.payload);
        if (handler.wantsQuery(sql, this.sessionInfo())) {
          void this.runHandled((up) => handler.runQuery(sql, up));
          return;
        }
        this.relay(p.raw);
        return;
      }
      case Command.COM_STMT_PREPARE: {
        const sql = parseComQuery(p.payload);
        if (handler.runPrepare && handler.wantsPrepare?.(sql, this.sessionInfo())) {
          const run = handler.runPrepare.bind(handler);
          void this.runHandled((up) => run(sql, up));
          return;
        }
        this.relay(p.raw);
        return;
      }
      case Command.COM_STMT_EXECUTE: {
        if (p.payload.length < 5) throw new ProtocolViolation('COM_STMT_EXECUTE without a statement id');
        const id = p.payload.readUInt32LE(1);
        if (handler.runExecute && handler.wantsExecute?.(id, this.sessionInfo())) {
          const run = handler.runExecute.bind(handler);
          void this.runHandled((up) => run(p.payload, up));
          return;
        }
        this.relay(p.raw);
        return;
      }
      case Command.COM_STMT_CLOSE:
      case Command.COM_STMT_SEND_LONG_DATA: {
        if (p.payload.length < 5) throw new ProtocolViolation('statement command without a statement id');
        const id = p.payload.readUInt32LE(1);
        if (command === Command.COM_STMT_CLOSE) handler.onStatementClosed?.(id, this.sessionInfo());
        else handler.onLongData?.(id, this.sessionInfo());
        this.relay(p.raw);
        return;
      }
      case Command.COM_RESET_CONNECTION:
        handler.onSessionReset?.(this.sessionInfo());
        this.relay(p.raw);
        return;
      case Command.COM_QUIT:
        this.relay(p.raw);
        this.quit = true;
        this.close();
        return;
      case Command.COM_CHANGE_USER: {
        handler.onSessionReset?.(this.sessionInfo());
        const end = p.payload.indexOf(0, 1);
        if (end > 0) this.info.user = p.payload.toString('utf8', 1, end);
        this.relay(p.raw);
        return;
      }
      case Command.COM_INIT_DB:
        this.info.database = p.payload.toString('utf8', 1);
        this.relay(p.raw);
        return;
      default:
        // Prepared statements, ping, reset and anything newer: unchanged.
        this.relay(p.raw);
    }
  }

  private async runHandled(task: (upstream: ControlledUpstream) => Promise<void>): Promise<void> {
    this.busy = true;
    const abort = new AbortController();
    this.abort = abort;
    let answered = false;
    this.link.takeControl();
    const upstream: ControlledUpstream = {
      session: this.sessionInfo(),
      signal: abort.signal,
      query: (text) => this.link.query(text),
      command: (framed, answer) => this.link.command(framed, answer),
      toClient: (bytes) => {
        answered = true;
        if (!this.closed) this.client.write(bytes);
      },
      deprecateEof: this.link.deprecateEof,
      log: this.log,
    };
    try {
      await task(upstream);
    } catch (err) {
      if (!(err instanceof EmulatorError)) this.log.error({ err }, 'statement handler failed');
      if (answered) {
        // Half an answer cannot be completed: the connection is unusable.
        this.close();
      } else if (!this.closed) this.client.write(serialize.emulatorError(toEmulatorError(err), 1));
    } finally {
      this.abort = null;
      this.busy = false;
      // Answers still due to the handler would reach the client out of place.
      if (!this.link.closed && !this.link.idle) this.close();
      else if (!this.link.closed) this.link.release();
    }
    this.drainClientPackets();
  }

  private sessionInfo(): SessionInfo {
    return { ...this.info };
  }

  /** Relays client bytes upstream, pausing the client while the upstream socket is full. */
  private relay(raw: Buffer): void {
    if (!this.link.socket.write(raw) && !this.clientPaused) {
      this.clientPaused = true;
      this.client.pause();
    }
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
    this.deps.handler.onSessionEnd?.(this.sessionInfo());
    const socket = this.link.socket;
    if (!socket.destroyed) {
      if (this.quit) socket.end();
      else if (this.phase === 'command' && !this.busy) socket.end(serialize.comQuit());
      else socket.destroy();
    }
    if (this.clientPaused) {
      this.clientPaused = false;
      this.client.resume();
    }
    if (!this.client.destroyed) this.client.end();
  }
}
