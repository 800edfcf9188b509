/**
 * The proxy's connection to the real PostgreSQL for one client session.
 *
 * Two modes. In `relay` mode every byte from the upstream goes straight to the
 * client as it arrives (no decoding beyond following message boundaries), so
 * statements that do not touch ML are never buffered. In `controlled` mode the
 * session drives the upstream itself (the ML evaluation loop) and receives
 * decoded frames; asynchronous messages (notifications, parameter changes)
 * still go straight to the client.
 *
 * To know when the upstream has answered everything relayed to it (so the
 * session may take control), the link follows message boundaries of what it
 * relays and keeps what the relayed requests still owe (see
 * relayed-requests.ts).
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { UPSTREAM_BYTES_PER_TURN } from '../fair-share.ts';
import { tickWrite } from '../tick-write.ts';
import { type ClientEncoding, clientEncoding, UTF8 } from './client-encoding.ts';
import { BackendCode, FrontendCode, type TransactionStatus } from './codes.ts';
import { type Frame, FrameReader, ReadyForQueryTracker } from './framer.ts';
import { parseParameterStatus, parseReadyForQuery } from './messages.ts';
import { RelayedRequests, type RelayKind } from './relayed-requests.ts';
import { type GroupedAnswer, ResponseGrouper } from './response-groups.ts';
import { serialize } from './serializer.ts';
import { type ControlledUpstream, type SessionInfo, UpstreamView } from './statement-handler.ts';
import { toClientEncoding } from './transcode.ts';

interface Exchange {
  /** Takes one answer frame; true once the exchange is complete. */
  take(frame: Frame): boolean;
  finish(): void;
  reject(err: Error): void;
}

const FLUSH = serialize.flush();

export class UpstreamLink {
  private mode: 'relay' | 'controlled' = 'controlled';
  private readonly tracker = new ReadyForQueryTracker((payload) => this.onParameterStatus(payload));
  private readonly reader = new FrameReader();
  private current: Exchange | null = null;
  /** What the relayed client messages still owe. */
  private readonly relayed = new RelayedRequests();
  private closedError: Error | null = null;
  private startupDone = false;
  status: TransactionStatus = 'I';
  /**
   * An Execute went upstream without a Sync since the last ReadyForQuery: the
   * server's implicit transaction may hold something of the client's.
   */
  private executedUnsynced = false;
  /**
   * The session's client_encoding, as the server last reported it (at startup,
   * after SET, RESET or a rollback that undid one): the encoding of the
   * client's statements and of every text the server sends.
   */
  encoding: ClientEncoding = UTF8;
  private clientEncodingName = 'UTF8';
  private serverEncodingName = 'UTF8';

  constructor(
    readonly socket: Socket,
    /** Where relayed bytes and asynchronous messages go; false asks to pause. */
    private readonly toClient: (chunk: Buffer) => boolean,
    /** Called with each frame seen during authentication (relayed too). */
    private readonly onStartupFrame: (frame: Frame) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail(new Error('upstream connection closed')));
    socket.on('error', (err) => this.fail(err));
  }

  private onData(chunk: Buffer): void {
    try {
      if (!this.startupDone) {
        this.onStartupData(chunk);
        return;
      }
      let rest = chunk;
      if (this.mode === 'controlled' && !this.tracker.atBoundary) {
        // The session took control while a relayed message (e.g. a notification)
        // was still arriving: finish relaying it before decoding frames.
        const n = this.tracker.scan(rest, this.readyCallback, this.messageCallback, true);
        if (!this.toClient(rest.subarray(0, n))) this.socket.pause();
        rest = rest.subarray(n);
        if (rest.length === 0) return;
      }
      if (this.mode === 'relay') {
        this.relayToClient(rest);
        return;
      }
      for (const frame of this.reader.push(rest)) this.onControlledFrame(frame);
      this.shareTurn(chunk.length);
    } catch (err) {
      // A malformed upstream stream cannot be followed any further.
      this.socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Bytes of controlled answers read on this turn of the event loop (see UPSTREAM_BYTES_PER_TURN). */
  private turnBytes = 0;
  private turnEnds = false;
  private pausedForTurn = false;

  private shareTurn(bytes: number): void {
    this.turnBytes += bytes;
    if (this.turnBytes >= UPSTREAM_BYTES_PER_TURN && !this.pausedForTurn) {
      this.pausedForTurn = true;
      this.socket.pause();
    }
    if (this.turnEnds) return;
    this.turnEnds = true;
    setImmediate(() => {
      this.turnEnds = false;
      this.turnBytes = 0;
      if (!this.pausedForTurn) return;
      this.pausedForTurn = false;
      this.socket.resume();
    });
  }

  /** Authentication is relayed frame by frame while watching for the first ReadyForQuery. */
  private onStartupData(chunk: Buffer): void {
    const frames = this.reader.push(chunk);
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i] as Frame;
      if (frame.code === BackendCode.ParameterStatus) this.onParameterStatus(frame.payload);
      this.onStartupFrame(frame);
      this.toClient(frame.raw);
      if (frame.code === BackendCode.ReadyForQuery) {
        this.status = parseReadyForQuery(frame.payload);
        this.executedUnsynced = false;
        this.startupDone = true;
        this.mode = 'relay';
        const rest = [...frames.slice(i + 1).map((f) => f.raw), this.reader.takeTail()];
        for (const bytes of rest) this.relayToClient(bytes);
        return;
      }
    }
  }

  private relayToClient(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (!this.toClient(bytes)) this.socket.pause();
    this.tracker.scan(bytes, this.readyCallback, this.messageCallback);
  }

  // Bound once: the relay path runs for every chunk.
  private readonly readyCallback = (status: number) => this.onRelayedReady(status);
  private readonly messageCallback = (code: number) => this.relayed.onMessage(code);

  private onRelayedReady(status: number): void {
    this.status = status === 0x54 ? 'T' : status === 0x45 ? 'E' : 'I';
    this.executedUnsynced = false;
    this.relayed.onReady();
  }

  private onControlledFrame(frame: Frame): void {
    if (frame.code === BackendCode.NotificationResponse || frame.code === BackendCode.ParameterStatus) {
      if (frame.code === BackendCode.ParameterStatus) this.onParameterStatus(frame.payload);
      this.toClient(frame.raw);
      return;
    }
    const ex = this.current;
    if (ex === null) {
      // Unasked-for message between exchanges (e.g. a FATAL before shutdown): pass it on.
      this.toClient(frame.raw);
      return;
    }
    if (frame.code === BackendCode.ReadyForQuery) {
      this.status = parseReadyForQuery(frame.payload);
      this.executedUnsynced = false;
      this.relayed.skippingUntilSync = false;
    }
    if (ex.take(frame)) {
      this.current = null;
      ex.finish();
    }
  }

  private onParameterStatus(payload: Buffer): void {
    const { name, value } = parseParameterStatus(payload);
    if (name === 'client_encoding') this.clientEncodingName = value;
    else if (name === 'server_encoding') this.serverEncodingName = value;
    else return;
    this.encoding = clientEncoding(this.clientEncodingName, this.serverEncodingName);
  }

  /** Notes what one relayed client message owes (see RelayKind), in sending order. */
  expect(kind: RelayKind): void {
    this.relayed.expect(kind);
  }

  /** Notes relayed extended messages (`bytes`) sent without a Sync that owe `finals` final responses. */
  expectFinals(finals: number, bytes: Buffer): void {
    if (holdsExecute([bytes])) this.executedUnsynced = true;
    this.relayed.expectFinals(finals);
  }

  /** An error answered relayed messages sent without a Sync: the server skips everything until one. */
  get skippingUntilSync(): boolean {
    return this.relayed.skippingUntilSync;
  }

  /** The upstream as the statement handler drives it (see statement-handler.ts). */
  controlled(session: SessionInfo, signal: AbortSignal, client: Socket, log: Logger): ControlledUpstream {
    return new UpstreamView(
      {
        session,
        signal,
        // The handler's messages carry UTF-8 text; the server reads the client's encoding.
        send: (messages, readyCount) =>
          this.send(
            messages.map((m) => toClientEncoding(m, this.encoding)),
            readyCount,
          ),
        stream: (messages, readyCount, onFrame) =>
          this.stream(
            messages.map((m) => toClientEncoding(m, this.encoding)),
            readyCount,
            onFrame,
          ),
        exchange: (requests, endsWithSync) =>
          this.exchange(
            requests.map((r) => r.map((m) => toClientEncoding(m, this.encoding))),
            endsWithSync,
          ),
        decodeText: (bytes) => this.encoding.decodeLenient(bytes),
        // An answer and its ReadyForQuery, written apart, leave in one write (../tick-write.ts).
        toClient: (bytes) => {
          tickWrite(client, bytes);
        },
        clientDrained: () => drained(client),
        log,
      },
      this,
    );
  }

  /** An Execute went upstream without a Sync since the last ReadyForQuery. */
  get executedSinceSync(): boolean {
    return this.executedUnsynced;
  }

  /** Something sent to the upstream is not answered yet. */
  get busy(): boolean {
    return this.current !== null || this.relayed.owed;
  }

  /**
   * Extended messages relayed without a Sync are unanswered or failed: until
   * that settles, the server may be skipping everything up to the next Sync.
   */
  get extendedUnsettled(): boolean {
    return this.relayed.extendedUnsettled;
  }

  /** Resolves once every relayed request has been answered. */
  whenIdle(): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (!this.relayed.owed) return Promise.resolve();
    // The server holds answers to messages relayed without a Sync or Flush in its
    // output buffer (a lone Close, say) until one comes: ask for them, or wait forever.
    if (this.relayed.finalsPending) this.socket.write(FLUSH);
    return this.relayed.whenAnswered();
  }

  /** True when nothing relayed or sent awaits an answer. */
  get idle(): boolean {
    return this.relayed.settled && this.current === null;
  }

  /**
   * Sends messages of the proxy's own and collects the upstream's answer up to
   * and including the `readyCount`-th ReadyForQuery. Only call when idle.
   */
  async send(messages: readonly Buffer[], readyCount = 1): Promise<Frame[]> {
    const frames: Frame[] = [];
    let remaining = readyCount;
    await this.start(messages, (frame) => {
      frames.push(frame);
      return frame.code === BackendCode.ReadyForQuery && --remaining === 0;
    });
    return frames;
  }

  /** As send, handing each frame to `onFrame` instead of keeping it. */
  async stream(messages: readonly Buffer[], readyCount: number, onFrame: (frame: Frame) => void): Promise<void> {
    let remaining = readyCount;
    await this.start(messages, (frame) => {
      onFrame(frame);
      return frame.code === BackendCode.ReadyForQuery && --remaining === 0;
    });
  }

  /**
   * Sends extended-protocol requests (each a list of messages) of the proxy's
   * own, followed by a Sync when `endsWithSync` (the default), and answers with
   * the frames of each request (see response-groups.ts). Only call when idle.
   */
  async exchange(requests: readonly (readonly Buffer[])[], endsWithSync = true): Promise<GroupedAnswer> {
    const grouper = new ResponseGrouper(requests, endsWithSync);
    const messages = requests.flat();
    messages.push(endsWithSync ? serialize.sync() : serialize.flush());
    if (!endsWithSync && holdsExecute(messages)) this.executedUnsynced = true;
    await this.start(messages, (frame) => grouper.push(frame));
    return grouper.result();
  }

  private start(messages: readonly Buffer[], take: (frame: Frame) => boolean): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    this.mode = 'controlled';
    const result = new Promise<void>((finish, reject) => {
      this.current = { take, finish, reject };
    });
    this.socket.write(messages.length === 1 ? (messages[0] as Buffer) : Buffer.concat(messages));
    return result;
  }

  /** Returns to relaying after the session's own exchanges. */
  release(): void {
    this.mode = 'relay';
    try {
      // Only the start of an asynchronous message can be waiting here.
      this.relayToClient(this.reader.takeTail());
    } catch (err) {
      this.socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.current?.reject(err);
    this.current = null;
    this.relayed.wakeAll();
  }

  get closed(): boolean {
    return this.closedError !== null;
  }
}

/** Resolves once `socket` has room for more (or is gone). */
function drained(socket: Socket): Promise<void> {
  if (!socket.writableNeedDrain || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Whether any of `chunks` (whole frontend messages) holds an Execute. */
function holdsExecute(chunks: readonly Buffer[]): boolean {
  for (const chunk of chunks) {
    for (let i = 0; i + 5 <= chunk.length; i += 1 + chunk.readInt32BE(i + 1)) {
      if (chunk[i] === FrontendCode.Execute) return true;
    }
  }
  return false;
}
