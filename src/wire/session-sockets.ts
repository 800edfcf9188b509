/**
 * What both fronts' sessions do alike with their two sockets. Client bytes
 * relayed upstream stop the reading of the client while the upstream socket
 * is full, and so does a long backlog of client messages not yet handled (see
 * read-gate.ts and fair-share.ts); the upstream is paused while the client's
 * socket is full (by the upstream link) and resumed by the client's 'drain'.
 * An upstream that fails, or hangs up while the connection is being set up,
 * is reported to the client once, in its protocol, before the session closes.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { EmulatorError } from '../errors.ts';
import { BACKLOG_HIGH_WATER_BYTES } from './fair-share.ts';
import { ReadGate } from './read-gate.ts';

export interface UpstreamAddress {
  readonly host: string;
  readonly port: number;
}

export interface SessionSocketsOptions {
  /** The session's logger as it is now (it gains fields as the connection is set up). */
  readonly log: () => Logger;
  /** The session has closed: nothing more is said to the client. */
  readonly closed: () => boolean;
  /** The protocol's last word to a client: a fatal error packet for `error`. */
  readonly fatalError: (error: EmulatorError) => Buffer;
  readonly onClientData: (chunk: Buffer) => void;
  /** Either socket closed: the session closes. */
  readonly onClose: () => void;
}

/** How the session reads its upstream's failures. */
export interface UpstreamWatch {
  /** The upstream has accepted the connection: a failure from now on loses it, rather than never making it. */
  readonly connected: () => boolean;
  /** The upstream hung up while the connection was being set up, without telling the client why. */
  readonly hungUpUnexplained: () => boolean;
  /** That part of the connection, as the protocol names it ('startup', 'authentication'). */
  readonly setupPhase: string;
}

export class SessionSockets {
  /** Reading the client stops while the upstream socket is full or the backlog is long. */
  readonly readGate: ReadGate;
  private upstream: Socket | null = null;
  private reported = false;

  constructor(
    readonly client: Socket,
    private readonly options: SessionSocketsOptions,
  ) {
    this.readGate = new ReadGate(client);
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => options.onClientData(chunk));
    client.on('error', (err) => options.log().debug({ err }, 'client socket error'));
    client.on('close', () => options.onClose());
    client.on('drain', () => this.upstream?.resume());
  }

  /** Opens the upstream connection; `watch` it once the upstream link has its own listeners. */
  dial(address: UpstreamAddress): Socket {
    const socket = connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    this.upstream = socket;
    return socket;
  }

  watch(socket: Socket, address: UpstreamAddress, watch: UpstreamWatch): void {
    const where = `${address.host}:${address.port}`;
    socket.on('error', (err) => {
      const connected = watch.connected();
      this.options.log().warn({ err }, connected ? 'upstream connection lost' : 'upstream connection failed');
      this.upstreamGone(
        connected
          ? `aurora-ml-emulator lost the connection to the upstream database at ${where}: ${err.message}`
          : `aurora-ml-emulator could not reach the upstream database at ${where}: ${err.message}`,
      );
    });
    socket.on('drain', () => this.readGate.release('upstream-full'));
    socket.on('close', () => {
      // An upstream that hangs up during setup without saying why (not the database
      // expected, or a proxy in front of it) must not leave the client guessing either.
      if (watch.hungUpUnexplained()) {
        this.upstreamGone(
          `aurora-ml-emulator: the upstream database at ${where} closed the connection during ${watch.setupPhase}`,
        );
      }
      this.options.onClose();
    });
  }

  /** Relays client bytes upstream, holding the client while the upstream socket is full. */
  relay(raw: Buffer): void {
    if (!(this.upstream as Socket).write(raw)) this.readGate.hold('upstream-full');
  }

  /** Client bytes wait unhandled: past the high-water mark, reading the client stops until they are handled. */
  noteBacklog(buffered: number): void {
    if (buffered > BACKLOG_HIGH_WATER_BYTES) this.readGate.hold('backlog');
  }

  /** Everything received is handled: read more. */
  backlogHandled(): void {
    this.readGate.release('backlog');
  }

  /** Tells the client (once) that the upstream connection is gone, before closing. */
  upstreamGone(message: string): void {
    if (this.options.closed() || this.client.destroyed || this.reported) return;
    this.reported = true;
    this.client.end(this.options.fatalError(new EmulatorError('UpstreamUnavailable', message)));
  }

  /** The upstream's own refusal reached the client: there is nothing more to tell it. */
  upstreamRefusalRelayed(): void {
    this.reported = true;
  }

  /** The client has been told the upstream connection is gone (or why it refused). */
  get upstreamReported(): boolean {
    return this.reported;
  }

  /** The session has closed: read (and drop) the rest so the client's end is seen, and end ours. */
  closeClient(): void {
    this.readGate.open();
    if (!this.client.destroyed) this.client.end();
  }
}
