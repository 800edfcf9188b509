/**
 * The proxy's connection to the real PostgreSQL for one client session.
 *
 * Two modes. In `relay` mode every byte from the upstream goes straight to the
 * client as it arrives (no decoding beyond counting ReadyForQuery), so
 * statements that do not touch ML are never buffered. In `controlled` mode the
 * session drives the upstream itself (the ML evaluation loop) and receives
 * decoded frames; asynchronous messages (notifications, parameter changes)
 * still go straight to the client.
 */
import type { Socket } from 'node:net';
import { BackendCode, type TransactionStatus } from './codes.ts';
import { type Frame, FrameReader, ReadyForQueryTracker } from './framer.ts';
import { parseReadyForQuery } from './messages.ts';

interface Exchange {
  readonly frames: Frame[];
  remainingReady: number;
  resolve(frames: Frame[]): void;
  reject(err: Error): void;
}

export class UpstreamLink {
  private mode: 'relay' | 'controlled' = 'controlled';
  private readonly tracker = new ReadyForQueryTracker();
  private readonly reader = new FrameReader();
  private exchange: Exchange | null = null;
  /** ReadyForQuery messages still owed for what was relayed to the upstream. */
  private pendingReady = 0;
  private idleWaiters: (() => void)[] = [];
  private closedError: Error | null = null;
  status: TransactionStatus = 'I';

  constructor(
    readonly socket: Socket,
    /** Where relayed bytes and asynchronous messages go. */
    private readonly toClient: (chunk: Buffer) => boolean,
    /** Called with each frame seen during authentication (relayed too). */
    private readonly onStartupFrame: (frame: Frame) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail(new Error('upstream connection closed')));
    socket.on('error', (err) => this.fail(err));
  }

  private startupDone = false;

  private onData(chunk: Buffer): void {
    if (!this.startupDone) return this.onStartupData(chunk);
    if (this.mode === 'relay') return this.relayToClient(chunk);
    for (const frame of this.reader.push(chunk)) this.onControlledFrame(frame);
  }

  /** Authentication is relayed frame by frame while watching for the first ReadyForQuery. */
  private onStartupData(chunk: Buffer): void {
    const frames = this.reader.push(chunk);
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i] as Frame;
      this.onStartupFrame(frame);
      this.toClient(frame.raw);
      if (frame.code === BackendCode.ReadyForQuery) {
        this.status = parseReadyForQuery(frame.payload);
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
    this.tracker.scan(bytes, (status) => this.onRelayedReady(status));
  }

  private onRelayedReady(status: number): void {
    this.status = status === 0x54 ? 'T' : status === 0x45 ? 'E' : 'I';
    this.pendingReady--;
    if (this.pendingReady <= 0) {
      this.pendingReady = 0;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private onControlledFrame(frame: Frame): void {
    if (frame.code === BackendCode.NotificationResponse || frame.code === BackendCode.ParameterStatus) {
      this.toClient(frame.raw);
      return;
    }
    const ex = this.exchange;
    if (ex === null) {
      // Unasked-for message between exchanges (e.g. a FATAL before shutdown): pass it on.
      this.toClient(frame.raw);
      return;
    }
    ex.frames.push(frame);
    if (frame.code === BackendCode.ReadyForQuery) {
      this.status = parseReadyForQuery(frame.payload);
      if (--ex.remainingReady === 0) {
        this.exchange = null;
        ex.resolve(ex.frames);
      }
    }
  }

  /** Relays client bytes; `readyOwed` is how many ReadyForQuery they will produce. */
  relay(chunk: Buffer, readyOwed: number): boolean {
    this.pendingReady += readyOwed;
    return this.socket.write(chunk);
  }

  /** Resolves once every relayed request has been answered. */
  whenIdle(): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.pendingReady === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Sends messages of the proxy's own and collects the upstream's answer up to
   * and including the `readyCount`-th ReadyForQuery. Only call when idle.
   */
  async send(messages: readonly Buffer[], readyCount = 1): Promise<Frame[]> {
    if (this.closedError) throw this.closedError;
    if (this.mode === 'relay') {
      this.mode = 'controlled';
    }
    const result = new Promise<Frame[]>((resolve, reject) => {
      this.exchange = { frames: [], remainingReady: readyCount, resolve, reject };
    });
    this.socket.write(messages.length === 1 ? (messages[0] as Buffer) : Buffer.concat(messages));
    return result;
  }

  /** Returns to relaying after the session's own exchanges. */
  release(): void {
    this.mode = 'relay';
    // Only the start of an asynchronous message can be waiting here.
    this.relayToClient(this.reader.takeTail());
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.exchange?.reject(err);
    this.exchange = null;
    for (const w of this.idleWaiters) w();
    this.idleWaiters = [];
  }

  get closed(): boolean {
    return this.closedError !== null;
  }
}
