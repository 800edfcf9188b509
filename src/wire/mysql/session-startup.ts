/**
 * The connection phase of a MySQL front session. The upstream speaks first:
 * its Handshake packet is relayed to the client with CLIENT_SSL and
 * CLIENT_COMPRESS cleared (the emulator speaks plain, uncompressed TCP: it is
 * a loopback development tool, and it must read the packets it relays). The
 * client's HandshakeResponse and every authentication packet after it
 * (mysql_native_password, caching_sha2_password with its public-key request,
 * ed25519, auth switches) are relayed unchanged, sequence ids included, until
 * the upstream's OK or ERR. The connection id the client sees is the
 * upstream's, so KILL through the emulator reaches the right upstream thread.
 */
import { EmulatorError } from '../../errors.ts';
import { ProtocolViolation } from '../protocol-violation.ts';
import type { SessionSockets } from '../session-sockets.ts';
import type { AnswerTracker } from './answer-tracker.ts';
import { Capability, MAX_MESSAGE_LENGTH, MariaDbCapability, ResponseHeader } from './codes.ts';
import type { Packet, PacketReader } from './framer.ts';
import { parseHandshakeResponse, parseHandshakeV10, parseOk, withoutCapabilities } from './messages.ts';
import { packet } from './serializer.ts';
import type { UpstreamLink } from './upstream.ts';

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

export type Phase = 'greeting' | 'handshake-response' | 'auth' | 'command';

/** The session as its connection phase sees it. */
export interface StartupHost {
  readonly sockets: SessionSockets;
  readonly reader: PacketReader;
  readonly link: UpstreamLink;
  readonly answers: AnswerTracker;
  /** Who the client is, filled in as the connection is set up. */
  readonly info: { user: string; database: string; connectionId: number; serverVersion: string };
  /** Adds fields to the session's logger from now on. */
  logWith(fields: Record<string, unknown>): void;
  closed(): boolean;
  close(): void;
  relay(raw: Buffer): void;
  /** Client packets may be read (the greeting is out, or authentication is over). */
  readClient(): void;
  sendError(error: EmulatorError, sequenceId: number): void;
}

export class MySqlStartup {
  phase: Phase = 'greeting';
  private serverCapabilities = 0;
  private serverMariadbCapabilities = 0;

  constructor(private readonly host: StartupHost) {}

  /** A packet of the upstream's greeting or authentication. */
  onUpstreamPacket(p: Packet): void {
    const { host } = this;
    if (host.closed()) return;
    const { client } = host.sockets;
    if (this.phase === 'greeting') {
      if (p.payload[0] === ResponseHeader.ERR) {
        // Too many connections, host blocked...: the client reads it in place of the handshake.
        host.sockets.upstreamRefusalRelayed();
        client.end(p.raw);
        host.close();
        return;
      }
      const handshake = parseHandshakeV10(p.payload);
      host.info.connectionId = handshake.connectionId;
      host.info.serverVersion = handshake.serverVersion;
      this.serverCapabilities = handshake.capabilities & ~REMOVED_CAPABILITIES;
      this.serverMariadbCapabilities = handshake.mariadbCapabilities;
      host.logWith({ upstreamConnectionId: handshake.connectionId });
      client.write(packet(withoutCapabilities(p.payload, handshake, REMOVED_CAPABILITIES), p.sequenceId));
      this.phase = 'handshake-response';
      host.readClient();
      return;
    }
    client.write(p.raw);
    const header = p.payload[0];
    if (this.phase === 'auth' && header === ResponseHeader.OK) {
      this.phase = 'command';
      host.answers.status = parseOk(p.payload).statusFlags;
      host.reader.maxLength = MAX_MESSAGE_LENGTH;
      host.link.startRelay();
      host.readClient();
    } else if (header === ResponseHeader.ERR) {
      // Access denied: the upstream hangs up; so do we, once the ERR is out.
      host.sockets.upstreamRefusalRelayed();
      client.end();
      host.close();
    }
  }

  /** A client packet before the command phase: its HandshakeResponse, then its side of authentication. */
  onClientPacket(p: Packet): void {
    if (this.phase === 'handshake-response') this.onHandshakeResponse(p);
    else this.host.relay(p.raw);
  }

  private onHandshakeResponse(p: Packet): void {
    if (p.sequenceId !== 1) throw new ProtocolViolation(`handshake response with sequence id ${p.sequenceId}`);
    const { host } = this;
    const response = parseHandshakeResponse(p.payload);
    if (response.sslRequest) {
      host.sendError(
        new EmulatorError('TlsNotSupported', 'aurora-ml-emulator speaks plain TCP only: connect without TLS (ssl-mode=DISABLED)'),
        2,
      );
      host.close();
      return;
    }
    host.info.user = response.user;
    host.info.database = response.database;
    const options = {
      deprecateEof: (response.capabilities & this.serverCapabilities & Capability.CLIENT_DEPRECATE_EOF) !== 0,
      cacheMetadata:
        (response.mariadbCapabilities & this.serverMariadbCapabilities & MariaDbCapability.MARIADB_CLIENT_CACHE_METADATA) !== 0,
    };
    host.link.options = options;
    host.link.sessionTrack = (response.capabilities & this.serverCapabilities & Capability.CLIENT_SESSION_TRACK) !== 0;
    host.answers.configure(options);
    host.logWith({ user: response.user });
    this.phase = 'auth';
    host.relay(p.raw);
  }
}
