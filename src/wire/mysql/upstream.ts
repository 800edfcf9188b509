/**
 * The proxy's connection to the real MySQL/MariaDB for one client session.
 *
 * Three modes. During the `handshake` (greeting and authentication) every
 * packet is framed and shown to the session, which relays it. In `relay` mode
 * every byte from the upstream goes straight to the client as it arrives, so
 * results are never buffered. In `controlled` mode the session (for the
 * statement handler) sends commands itself and receives each answer's packets.
 *
 * MySQL clients do not pipeline commands: a client sends its next command only
 * once the answer to the previous one is complete, so a command arriving from
 * the client means the upstream is idle and may be taken over. The emulator's
 * own commands may be pipelined: a server reads its socket one command at a
 * time and answers in order, so several commands written at once cost one
 * round trip.
 */
import type { Socket } from 'node:net';
import { ResponseHeader, ServerStatus } from './codes.ts';
import { type Packet, PacketReader } from './framer.ts';
import { eofStatus, isEof, parseOk } from './messages.ts';
import { packet, serialize } from './serializer.ts';

/**
 * The shape of an answer: `result` for COM_QUERY and COM_STMT_EXECUTE (OK,
 * ERR or result sets, text or binary rows), `prepare` for COM_STMT_PREPARE
 * (COM_STMT_PREPARE_OK with its parameter and column definitions, or ERR).
 */
export type AnswerKind = 'result' | 'prepare';

/** Where the reading of one answer stands. */
type AnswerState =
  | { readonly kind: 'first' }
  | { readonly kind: 'columns'; remaining: number }
  | { readonly kind: 'columns-eof' }
  | { readonly kind: 'rows' }
  /** Definitions still to come after COM_STMT_PREPARE_OK, each block closed by EOF unless DEPRECATE_EOF. */
  | { readonly kind: 'prepared'; blocks: number[] };

interface Exchange {
  readonly answer: AnswerKind;
  readonly packets: Packet[];
  state: AnswerState;
  resolve(packets: Packet[]): void;
  reject(err: Error): void;
}

export class UpstreamLink {
  private mode: 'handshake' | 'relay' | 'controlled' = 'handshake';
  private readonly reader = new PacketReader();
  /** The commands written and not yet fully answered, oldest first. */
  private readonly exchanges: Exchange[] = [];
  private closedError: Error | null = null;
  /** Agreed with the client during authentication. */
  deprecateEof = false;

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
    if (this.answerComplete(ex, p)) {
      this.exchanges.shift();
      ex.resolve(ex.packets);
    }
  }

  /** Advances the reading of an answer (any number of result sets, text or binary rows). */
  private answerComplete(ex: Exchange, p: Packet): boolean {
    const header = p.payload[0];
    const state = ex.state;
    switch (state.kind) {
      case 'first':
        if (ex.answer === 'prepare') return header === ResponseHeader.ERR || this.preparedDefinitions(ex, p.payload);
        if (header === ResponseHeader.OK) return this.lastResult(ex, parseOk(p.payload).statusFlags);
        if (header === ResponseHeader.ERR) return true;
        if (header === ResponseHeader.LocalInfile) {
          // The proxy has no file to send: an empty packet declines, the server answers OK or ERR.
          this.socket.write(packet(Buffer.alloc(0), p.sequenceId + 1));
          return false;
        }
        ex.state = { kind: 'columns', remaining: columnCount(p.payload) };
        return false;
      case 'columns':
        if (--state.remaining === 0) ex.state = this.deprecateEof ? { kind: 'rows' } : { kind: 'columns-eof' };
        return false;
      case 'columns-eof':
        ex.state = { kind: 'rows' };
        return false;
      case 'prepared': {
        // Counts down the definitions of the current block (and its EOF), then the next block.
        const left = (state.blocks[0] ?? 0) - 1;
        if (left > 0) state.blocks[0] = left;
        else state.blocks.shift();
        return state.blocks.length === 0;
      }
      case 'rows':
        if (header === ResponseHeader.ERR) return true;
        if (header === ResponseHeader.EOF && (this.deprecateEof ? p.payload.length < 0xffffff : isEof(p.payload))) {
          return this.lastResult(ex, this.deprecateEof ? parseOk(p.payload).statusFlags : eofStatus(p.payload));
        }
        return false;
    }
  }

  /** COM_STMT_PREPARE_OK: status(1) statement_id(4) num_columns(2) num_params(2) ... */
  private preparedDefinitions(ex: Exchange, payload: Buffer): boolean {
    const columns = payload.readUInt16LE(5);
    const params = payload.readUInt16LE(7);
    const eof = this.deprecateEof ? 0 : 1;
    const blocks = [params, columns].filter((n) => n > 0).map((n) => n + eof);
    ex.state = { kind: 'prepared', blocks };
    return blocks.length === 0;
  }

  private lastResult(ex: Exchange, statusFlags: number): boolean {
    if ((statusFlags & ServerStatus.SERVER_MORE_RESULTS_EXISTS) === 0) return true;
    ex.state = { kind: 'first' };
    return false;
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
    const result = new Promise<Packet[]>((resolve, reject) => {
      this.exchanges.push({ answer, packets: [], state: { kind: 'first' }, resolve, reject });
    });
    this.socket.write(framed);
    return result;
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

function columnCount(payload: Buffer): number {
  const first = payload[0] ?? 0;
  if (first < 0xfb) return first;
  if (first === 0xfc && payload.length >= 3) return payload.readUInt16LE(1);
  if (first === 0xfd && payload.length >= 4) return payload.readUIntLE(1, 3);
  throw new Error(`unexpected first packet of a result set (0x${first.toString(16)})`);
}
