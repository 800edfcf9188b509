/**
 * The proxy's connection to the real MySQL/MariaDB for one client session.
 *
 * Three modes. During the `handshake` (greeting and authentication) every
 * packet is framed and shown to the session, which relays it. In `relay` mode
 * every byte from the upstream goes straight to the client as it arrives, so
 * results are never buffered. In `controlled` mode the session (for the
 * statement handler) sends commands itself and receives each answer's packets.
 *
 * Clients may pipeline commands (the mariadb connectors do): the session
 * takes the upstream over only once every answer it relayed is out (see
 * ./answer-tracker.ts), so a controlled exchange starts on an idle upstream.
 * The emulator's own commands are pipelined too: a server reads its socket
 * one command at a time and answers in order, so several commands written at
 * once cost one round trip.
 */
import type { Socket } from 'node:net';
import { tickWrite } from '../tick-write.ts';
import { type AnswerKind, AnswerShape, type ShapeOptions } from './answer-shape.ts';
import { type Packet, PacketReader } from './framer.ts';
import { packet, serialize } from './serializer.ts';

export type { AnswerKind } from './answer-shape.ts';

interface Exchange {
  readonly shape: AnswerShape;
  readonly packets: Packet[];
  resolve(packets: Packet[]): void;
  reject(err: Error): void;
}

export class UpstreamLink {
  private mode: 'handshake' | 'relay' | 'controlled' = 'handshake';
  private readonly reader = new PacketReader();
  /** The commands written and not yet fully answered, oldest first. */
  private readonly exchanges: Exchange[] = [];
  private closedError: Error | null = null;
  /** Agreed with the client during authentication (DEPRECATE_EOF, MariaDB's metadata cache). */
  options: ShapeOptions = { deprecateEof: false, cacheMetadata: false };
  /** CLIENT_SESSION_TRACK was agreed with the client (OK packets may list session state changes). */
  sessionTrack = false;

  constructor(
    readonly socket: Socket,
    /** Where relayed bytes go; false asks to pause the upstream. */
    private readonly toClient: (chunk: Buffer) => boolean,
    /** Each packet of the greeting and authentication, in order. */
    private readonly onHandshakePacket: (packet: Packet) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail(new Error('upstream connection closed')));
    socket.on('error', (err) => this.fail(err));
  }

  private onData(chunk: Buffer): void {
    try {
      if (this.mode === 'relay') {
        if (!this.toClient(chunk)) this.socket.pause();
        return;
      }
      const packets = this.reader.push(chunk);
      for (let i = 0; i < packets.length; i++) {
        const p = packets[i] as Packet;
        if (this.mode === 'handshake') this.onHandshakePacket(p);
        else this.onControlledPacket(p);
        if (this.relaying) {
          // Authentication ended (or control was released) inside this chunk.
          for (const rest of packets.slice(i + 1)) this.relayToClient(rest.raw);
          this.relayToClient(this.reader.takeTail());
          return;
        }
      }
    } catch (err) {
      // A malformed upstream stream cannot be followed any further.
      this.socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private relayToClient(bytes: Buffer): void {
    if (bytes.length > 0 && !this.toClient(bytes)) this.socket.pause();
  }

  private get relaying(): boolean {
    return this.mode === 'relay';
  }

  /** Authentication is over: from now on bytes go straight to the client. */
  startRelay(): void {
    this.mode = 'relay';
  }

  private onControlledPacket(p: Packet): void {
    const ex = this.exchanges[0];
    if (ex === undefined) {
      // Unasked-for packet between exchanges (e.g. an ERR before the server hangs up): pass it on.
      this.toClient(p.raw);
      return;
    }
    ex.packets.push(p);
    const role = ex.shape.next(p.payload, 0, p.payload.length);
    if (role === 'infile-request') {
      // The proxy has no file to send: an empty packet declines, the server answers OK or ERR.
      this.send(packet(Buffer.alloc(0), p.sequenceId + 1));
    }
    if (ex.shape.done) {
      this.exchanges.shift();
      ex.resolve(ex.packets);
    }
  }

  /** Sends a COM_QUERY of the proxy's own and collects the whole answer. Only while controlled. */
  query(sql: string): Promise<Packet[]> {
    return this.command(serialize.comQuery(sql), 'result');
  }

  /**
   * Writes one framed command (sequence id 0) and collects its whole answer.
   * Commands sent before earlier ones are answered are pipelined.
   */
  command(framed: Buffer, answer: AnswerKind): Promise<Packet[]> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.mode !== 'controlled') return Promise.reject(new Error("the upstream is not under the emulator's control"));
    const shape = new AnswerShape(answer, this.options);
    if (shape.done) {
      // A command without an answer (COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE).
      this.send(framed);
      return Promise.resolve([]);
    }
    const result = new Promise<Packet[]>((resolve, reject) => {
      this.exchanges.push({ shape, packets: [], resolve, reject });
    });
    this.send(framed);
    return result;
  }

  /** Commands written in one turn of the event loop leave in one write (../tick-write.ts). */
  private send(bytes: Buffer): void {
    tickWrite(this.socket, bytes);
  }

  /** The session takes the upstream over for the statement handler. */
  takeControl(): void {
    this.mode = 'controlled';
  }

  /** Every command the emulator sent has been answered. */
  get idle(): boolean {
    return this.exchanges.length === 0;
  }

  /** Back to relaying after the handler's own exchanges. */
  release(): void {
    this.mode = 'relay';
    this.relayToClient(this.reader.takeTail());
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const ex of this.exchanges.splice(0)) ex.reject(err);
  }

  get closed(): boolean {
    return this.closedError !== null;
  }
}
