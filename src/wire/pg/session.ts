/**
 * One client connection of the PostgreSQL front.
 *
 * Startup and authentication are relayed to a fresh upstream connection, so
 * whatever the upstream asks for (trust, md5, SCRAM-SHA-256) just works. After
 * that, client messages are framed and either relayed unchanged (the fast
 * path) or handed to the StatementHandler, which drives the upstream itself.
 * Only the handler knows about ML; this file only knows the protocol.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { EmulatorError } from '../../errors.ts';
import { BACKLOG_HIGH_WATER_BYTES, MESSAGES_PER_TURN, nextTurn } from '../fair-share.ts';
import { ReadGate } from '../read-gate.ts';
import { type ClientEncoding, UTF8, unsupportedEncoding } from './client-encoding.ts';
import { BackendCode, FrontendCode, type TransactionStatus } from './codes.ts';
import { ExtendedBatch } from './extended-batch.ts';
import { type FastPathDecider, relayableChunk } from './fast-path.ts';
import { type Frame, FrameReader, ProtocolViolation } from './framer.ts';
import { parseBackendKeyData, parseQueryBytes } from './messages.ts';
import type { SessionRegistry } from './registry.ts';
import { serialize } from './serializer.ts';
import { interpretStartup } from './startup.ts';
import type { ControlledUpstream, ExtendedStep, SessionInfo, StatementHandler } from './statement-handler.ts';
import { type RelayKind, UpstreamLink } from './upstream.ts';

export interface UpstreamAddress {
  readonly host: string;
  readonly port: number;
}

export interface SessionDeps {
  readonly upstream: UpstreamAddress;
  readonly handler: StatementHandler;
  readonly registry: SessionRegistry;
  readonly log: Logger;
}

export class PgSession {
  private readonly reader = new FrameReader(false);
  private upstream: UpstreamLink | null = null;
  /** Who the client is; complete (with the backend's process id) once the upstream sends its key. */
  private session: SessionInfo = { user: '', database: '', processId: 0 };
  private secretKey: Buffer | null = null;
  private readonly log: Logger;
  /** A message read during authentication that must wait for the session to be ready (the rest wait in the reader). */
  private held: Frame | null = null;
  private busy = false;
  /** The extended-protocol messages since the last Sync or Flush. */
  private readonly batch = new ExtendedBatch(() => this.encoding);
  private abort: AbortController | null = null;
  /** The handler must see every message up to the client's next Sync (see StatementHandler.runExtended). */
  private handlerHolds = false;
  private closed = false;
  /** The upstream has sent its first ReadyForQuery (authentication is over). */
  private authenticated = false;
  /** Reading the client stops while the upstream socket is full or the queue is long. */
  private readonly readGate: ReadGate;
  /** The client's Terminate has been relayed. */
  private terminated = false;
  /** The upstream answered the startup with an ErrorResponse (relayed to the client). */
  private upstreamRefused = false;
  /** The client has been told the upstream connection is gone. */
  private upstreamReported = false;
  /** The transaction status before the handler took the session (kept while it holds it). */
  private holdBaseline: TransactionStatus = 'I';
  /**
   * An extended-protocol batch failed inside the emulator and was answered
   * with an ErrorResponse: as PostgreSQL does after an error, the client's
   * messages are discarded until its Sync; the status before the batch is kept.
   */
  private failedPipeline: { readonly baseline: TransactionStatus } | null = null;
  /** The handler's last bytes for the client ended with a ReadyForQuery (its answer was complete). */
  private handlerAnsweredReady = false;

  constructor(
    private readonly client: Socket,
    private readonly deps: SessionDeps,
    connectionId: number,
  ) {
    this.log = deps.log.child({ conn: connectionId, protocol: 'postgresql' });
    this.readGate = new ReadGate(client);
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('error', (err) => this.log.debug({ err }, 'client socket error'));
    client.on('close', () => this.close());
    client.on('drain', () => this.upstream?.socket.resume());
  }

  private onClientData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      // Inside the try: deciding reads SQL, and a statement the classifier
      // refuses must close at most this connection (it is refused again,
      // properly, on the general path).
      if (this.idleForFastPath() && this.relayWholeChunk(chunk)) return;
      // Messages wait in the reader, as bytes, until the session handles them (see drain).
      this.reader.append(chunk);
      this.readBeforeReady();
    } catch (err) {
      this.protocolViolation(err);
      return;
    }
    if (this.reader.buffered > BACKLOG_HIGH_WATER_BYTES) this.readGate.hold('backlog');
    void this.drain();
  }

  /**
   * What cannot wait for the session to be ready: the startup-phase messages,
   * one at a time (each decides how the bytes after it are read: still
   * untyped after SSLRequest, typed after StartupMessage, and a client may
   * send them in the same packet), then the client's answers to the
   * upstream's authentication challenges (PasswordMessage, SASLInitialResponse,
   * SASLResponse, GSSResponse: all 'p'), which go straight through. The first
   * other message is held until the session is ready.
   */
  private readBeforeReady(): void {
    while (!this.reader.typed && !this.closed) {
      const frame = this.reader.next();
      if (frame === null) return;
      this.onStartupMessage(frame);
    }
    while (!this.authenticated && this.held === null && !this.closed) {
      const frame = this.reader.next();
      if (frame === null) return;
      if (frame.code === FrontendCode.PasswordMessage) this.relay(frame.raw, 'other');
      else this.held = frame;
    }
  }

  /** The next client message to handle, or null until more bytes arrive. */
  private nextFrame(): Frame | null {
    const held = this.held;
    if (held === null) return this.reader.next();
    this.held = null;
    return held;
  }

  /** Nothing queued, buffered or owned by the handler: a chunk may go straight through. */
  private idleForFastPath(): boolean {
    return (
      this.ready &&
      !this.busy &&
      this.held === null &&
      this.batch.empty &&
      !this.handlerHolds &&
      this.failedPipeline === null &&
      this.reader.typed &&
      this.reader.buffered === 0 &&
      this.batch.ownsNothing &&
      // After extended messages relayed without a Sync, a Query may be skipped (see unlessSkipped).
      !(this.upstream?.extendedUnsettled ?? false)
    );
  }

  /** Relays a whole chunk when nothing in it needs the handler (see fast-path.ts). */
  private relayWholeChunk(chunk: Buffer): boolean {
    if (!relayableChunk(chunk, this.fastDecider, this.fastKinds)) return false;
    this.relay(chunk, ...this.fastKinds);
    return true;
  }

  private readonly fastDecider: FastPathDecider = {
    wantsQuery: (sql) => this.deps.handler.wantsQuery(this.encoding.decodeLenient(sql), this.session),
    wantsParse: (sql) => this.deps.handler.prepare(this.encoding.decodeLenient(sql), this.session) !== null,
  };

  /** The client's encoding as the server last reported it (see UpstreamLink.encoding). */
  private get encoding(): ClientEncoding {
    return this.upstream?.encoding ?? UTF8;
  }
  private readonly fastKinds: RelayKind[] = [];

  private protocolViolation(err: unknown): void {
    if (this.closed) return;
    const message = err instanceof ProtocolViolation ? err.message : 'invalid message';
    this.log.warn({ err }, 'protocol violation; closing connection');
    this.client.end(serialize.errorResponse({ severity: 'FATAL', code: '08P01', message }));
    this.close();
  }

  // ---- startup phase ----

  private onStartupMessage(frame: Frame): void {
    // A malformed packet throws ProtocolViolation, answered by onClientData.
    const action = interpretStartup(frame);
    switch (action.kind) {
      case 'startup':
        this.session = { user: action.user, database: action.database, processId: 0 };
        this.reader.typed = true;
        this.openUpstream(frame.raw);
        return;
      case 'decline-encryption':
        this.client.write(serialize.declineEncryption());
        return;
      case 'cancel':
        this.deps.registry.cancel(action.request.processId, action.request.secretKey);
        this.client.end();
        this.close();
        return;
      case 'unsupported':
        this.client.end(serialize.errorResponse({ severity: 'FATAL', code: '0A000', message: action.message }));
        this.close();
    }
  }

  private openUpstream(startupMessage: Buffer): void {
    const socket = connect({ host: this.deps.upstream.host, port: this.deps.upstream.port });
    socket.setNoDelay(true);
    const link = new UpstreamLink(
      socket,
      // Once the client is gone, whatever is still arriving is dropped.
      (chunk) => (this.closed || this.client.destroyed ? true : this.client.write(chunk)),
      (frame) => {
        if (frame.code === BackendCode.ErrorResponse) this.upstreamRefused = true;
        if (frame.code === BackendCode.ReadyForQuery) this.onAuthenticated();
        // A client gone before its key arrived has nothing to register: close() is past removing it.
        if (frame.code === BackendCode.BackendKeyData && !this.closed) {
          const key = parseBackendKeyData(frame.payload);
          this.session = { ...this.session, processId: key.processId };
          this.secretKey = key.secretKey;
          this.deps.registry.add(key.processId, key.secretKey, {
            cancel: () => {
              this.abort?.abort();
              return { upstreamBusy: this.upstream?.busy ?? false };
            },
            upstream: this.deps.upstream,
          });
        }
      },
    );
    this.upstream = link;
    // Written at once (a connecting socket queues writes in order), so that
    // nothing the client sends next can overtake it.
    socket.write(startupMessage);
    const where = `${this.deps.upstream.host}:${this.deps.upstream.port}`;
    socket.on('error', (err) => {
      this.log.warn({ err }, this.authenticated ? 'upstream connection lost' : 'upstream connection failed');
      this.upstreamGone(
        this.authenticated
          ? `aurora-ml-emulator lost the connection to the upstream database at ${where}: ${err.message}`
          : `aurora-ml-emulator could not reach the upstream database at ${where}: ${err.message}`,
      );
    });
    socket.on('drain', () => this.readGate.release('upstream-full'));
    socket.on('close', () => {
      // An upstream that hangs up during startup without saying why (not PostgreSQL,
      // or a proxy in front of it) must not leave the client guessing either.
      if (!this.authenticated && !this.upstreamRefused) {
        this.upstreamGone(`aurora-ml-emulator: the upstream database at ${where} closed the connection during startup`);
      }
      this.close();
    });
  }

  /** Tells the client (once) that the upstream connection is gone, before closing. */
  private upstreamGone(message: string): void {
    if (this.closed || this.client.destroyed || this.upstreamReported) return;
    this.upstreamReported = true;
    this.client.end(serialize.emulatorError(new EmulatorError('UpstreamUnavailable', message), 'FATAL'));
  }

  /**
   * Relays client bytes upstream, noting what each message in them owes
   * (see RelayKind), and pauses the client while the upstream socket is full.
   */
  private relay(raw: Buffer, ...kinds: RelayKind[]): void {
    const link = this.link;
    for (const kind of kinds) link.expect(kind);
    if (!link.write(raw)) this.readGate.hold('upstream-full');
  }

  // ---- ready phase ----

  /** Client messages wait until the handler has looked at the database once. */
  private ready = false;

  private onAuthenticated(): void {
    this.authenticated = true;
    // Runs after the relayed ReadyForQuery has been written to the client.
    queueMicrotask(() => {
      void this.runHandled('startup', (signal) => this.deps.handler.onSessionReady(this.controlled(signal)))
        .catch((err) => this.log.warn({ err }, 'could not read the emulator catalog for this database'))
        .finally(() => {
          this.ready = true;
          void this.drain();
        });
    });
  }

  private async drain(): Promise<void> {
    if (this.busy || this.closed || !this.ready) return;
    this.busy = true;
    try {
      // Relayed messages are handled synchronously; a long run of them goes
      // upstream in one write (corked) and yields now and then so that other
      // connections are served (see fair-share.ts).
      const upstream = this.link.socket;
      let handledThisTurn = 0;
      while (!this.closed) {
        const frame = this.nextFrame();
        if (frame === null) {
          // Everything received is handled: read more.
          this.readGate.release('backlog');
          break;
        }
        if (handledThisTurn === 0) upstream.cork();
        const pending = this.onFrame(frame);
        if (pending !== undefined) {
          upstream.uncork();
          handledThisTurn = 0;
          await pending;
        } else if (++handledThisTurn >= MESSAGES_PER_TURN) {
          upstream.uncork();
          handledThisTurn = 0;
          await nextTurn();
        }
      }
    } catch (err) {
      if (err instanceof ProtocolViolation) this.protocolViolation(err);
      else if (this.upstream?.closed) {
        // The upstream socket's own handlers tell the client it is gone.
        this.close();
      } else {
        this.log.error({ err }, 'session failed');
        this.failFatally();
      }
    } finally {
      const socket = this.upstream?.socket;
      if (socket !== undefined && socket.writableCorked > 0) socket.uncork();
      this.busy = false;
    }
  }

  private get link(): UpstreamLink {
    if (this.upstream === null) throw new ProtocolViolation('message before startup');
    return this.upstream;
  }

  /**
   * Handles one client message. Relayed messages are handled synchronously
   * (undefined); only work for the handler returns a promise, so the
   * pass-through path costs no extra turn of the event loop per message.
   */
  private onFrame(frame: Frame): Promise<void> | undefined {
    if (this.failedPipeline !== null && frame.code !== FrontendCode.Terminate) {
      // Skipped as PostgreSQL skips the rest of a failed pipeline; its Sync ends that.
      return frame.code === FrontendCode.Sync ? this.endFailedPipeline() : undefined;
    }
    switch (frame.code) {
      case FrontendCode.Query:
        return this.afterBatch(() => this.onQuery(frame));
      case FrontendCode.Parse:
        this.batch.addParse(frame, (sql) => this.deps.handler.prepare(sql, this.session));
        return undefined;
      case FrontendCode.Bind:
        this.batch.addBind(frame);
        return undefined;
      case FrontendCode.Describe:
      case FrontendCode.Execute:
      case FrontendCode.Close:
        this.batch.add(frame);
        return undefined;
      case FrontendCode.Sync:
        this.batch.add(frame);
        return this.flushBatch(true);
      case FrontendCode.Flush:
        this.batch.add(frame);
        return this.flushBatch(false);
      case FrontendCode.FunctionCall:
        return this.afterBatch(() => this.whenNotHeld(() => this.unlessSkipped(() => this.relay(frame.raw, 'query'))));
      case FrontendCode.Terminate:
        return this.afterBatch(() => {
          this.relay(frame.raw, 'other');
          this.terminated = true;
          this.close();
        });
      case FrontendCode.CopyDone:
      case FrontendCode.CopyFail:
        return this.afterBatch(() => this.relay(frame.raw, 'copy-end'));
      default:
        // CopyData, and anything newer: unchanged, in order.
        return this.afterBatch(() => this.relay(frame.raw, 'other'));
    }
  }

  /** Runs `next` once the pending batch is on its way, without waiting when it was simply relayed. */
  private afterBatch(next: () => Promise<void> | undefined | void): Promise<void> | undefined {
    const pending = this.flushBatch(false);
    if (pending === undefined) return next() ?? undefined;
    return pending.then(() => next() ?? undefined);
  }

  /**
   * A Query or FunctionCall while the handler holds the session: the handler
   * ends what it holds first, or says the message is skipped (after an
   * error, PostgreSQL skips everything until Sync).
   */
  private whenNotHeld(next: () => Promise<void> | undefined | void): Promise<void> | undefined {
    if (!this.handlerHolds) return next() ?? undefined;
    let verdict: 'run' | 'discard' = 'run';
    return this.runHandled('query', async (signal) => {
      verdict = await this.deps.handler.interruptHold(this.controlled(signal));
    }).then(() => {
      // Skipped messages leave the handler holding until the Sync.
      this.handlerHolds = verdict === 'discard';
      if (verdict === 'run') return next() ?? undefined;
    });
  }

  private onQuery(frame: Frame): Promise<void> | undefined {
    return this.whenNotHeld(() => this.unlessSkipped(() => this.runQuery(frame)));
  }

  /**
   * A Query or FunctionCall after extended messages relayed without a Sync:
   * if one of them failed, the server skips this message too (it answers
   * nothing until the Sync), so it must be neither relayed nor run here.
   */
  private unlessSkipped(next: () => Promise<void> | undefined | void): Promise<void> | undefined {
    const link = this.link;
    if (!link.extendedUnsettled) return next() ?? undefined;
    return link.whenIdle().then(() => (link.skippingUntilSync ? undefined : (next() ?? undefined)));
  }

  private runQuery(frame: Frame): Promise<void> | undefined {
    const bytes = parseQueryBytes(frame.payload);
    if (!this.deps.handler.wantsQuery(this.encoding.decodeLenient(bytes), this.session)) {
      this.relay(frame.raw, 'query');
      return undefined;
    }
    return this.runHandled('query', (signal) => {
      // Decoded only now that everything before it is answered: a SET
      // client_encoding among those statements is in force.
      const encoding = this.link.encoding;
      const sql = encoding.decode(bytes);
      if (sql !== null) return this.deps.handler.runQuery(sql, this.controlled(signal));
      // Bytes the encoding does not allow: the server rejects them with its own error.
      if (encoding.supported || this.leftAsSent(encoding.decodeLenient(bytes))) return this.sendUntouched(frame.raw);
      this.client.write(
        Buffer.concat([serialize.emulatorError(unsupportedEncoding(encoding)), serialize.readyForQuery(this.link.status)]),
      );
      return Promise.resolve();
    });
  }

  /** The handler would neither rewrite nor run the statement (see relayOrRefuse in extended-batch.ts). */
  private leftAsSent(sql: string): boolean {
    const prepared = this.deps.handler.prepare(sql, this.session);
    return prepared === null || (!prepared.handled && prepared.sql === sql);
  }

  /** Sends a client's Query as it came while the session holds the upstream, and relays the answer. */
  private async sendUntouched(raw: Buffer): Promise<void> {
    const frames = await this.link.send([raw]);
    this.client.write(Buffer.concat(frames.map((f) => f.raw)));
  }

  /** Sends the pending extended-protocol batch, through the handler when it involves ML. */
  private flushBatch(endsWithSync: boolean): Promise<void> | undefined {
    if (this.batch.empty) return undefined;
    const taken = this.batch.take(this.handlerHolds);
    if ('relay' in taken) {
      // Without a Sync nothing marks the end of the answer: the link counts it.
      if (!endsWithSync) this.link.expectFinals(taken.finals);
      this.relay(taken.relay, endsWithSync ? 'sync' : 'other');
      return undefined;
    }
    return this.runHandled(endsWithSync ? 'pipeline-to-sync' : 'pipeline', async (signal) => {
      this.handlerHolds = await this.deps.handler.runExtended(taken.steps, this.controlled(signal));
    });
  }

  /**
   * Lets the handler drive the upstream for one piece of work (`part`). What
   * it throws is answered here, as PostgreSQL answers a failed statement (see
   * handlerFailed): the session, not the handler, restores protocol state.
   */
  private async runHandled(part: HandledPart, run: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const link = this.link;
    await link.whenIdle();
    if (!this.handlerHolds) this.holdBaseline = link.status;
    const baseline = this.holdBaseline;
    this.abort = new AbortController();
    this.handlerAnsweredReady = false;
    try {
      await run(this.abort.signal);
    } catch (err) {
      // Session setup has its own fallback (see onAuthenticated); a closed link or session is past answering.
      if (part === 'startup' || this.closed || link.closed) throw err;
      await this.handlerFailed(err, part, baseline, this.abort.signal);
    } finally {
      this.abort = null;
      if (!link.closed) link.release();
    }
  }

  /**
   * The handler threw (a bug, an internal error): the client gets an
   * ErrorResponse and, once its statement or pipeline is over, a
   * ReadyForQuery with the upstream's real status, and the upstream is left
   * as PostgreSQL leaves a failed statement. If the upstream is mid-exchange
   * nothing it says can be trusted: the connection ends with a FATAL error.
   */
  private async handlerFailed(err: unknown, part: HandledPart, baseline: TransactionStatus, signal: AbortSignal): Promise<void> {
    const error = err instanceof EmulatorError ? err : new EmulatorError('Internal', INTERNAL_FAILURE, { cause: err });
    if (!(err instanceof EmulatorError)) this.log.error({ err, part }, 'statement handler failed');
    else this.log.debug({ err, part }, 'statement handler ended with an error');
    if (!this.link.idle) {
      this.failFatally();
      return;
    }
    const answered = this.handlerAnsweredReady;
    this.handlerHolds = false;
    try {
      if (part === 'query') {
        await this.endFailedStatement(baseline, answered);
        if (!answered)
          this.client.write(Buffer.concat([serialize.emulatorError(error), serialize.readyForQuery(this.link.status)]));
        return;
      }
      // A ReadyForQuery already sent ended the pipeline: the client expects nothing more for it.
      if (answered) return;
      this.client.write(serialize.emulatorError(error));
      this.failedPipeline = { baseline };
      if (part === 'pipeline-to-sync') await this.endFailedPipeline(signal);
    } catch (restoreErr) {
      this.log.warn({ err: restoreErr }, 'could not restore the upstream after a handler failure');
      this.failFatally();
    }
  }

  /**
   * After a simple Query failed inside the emulator, the upstream is left as
   * PostgreSQL leaves a failed statement: a transaction opened for it (by the
   * handler or by the Query itself) rolled back, a client's block aborted.
   */
  private async endFailedStatement(baseline: TransactionStatus, answered: boolean): Promise<void> {
    if (answered) return;
    const link = this.link;
    if (baseline === 'I' && link.status !== 'I') await link.send([ROLLBACK]);
    else if (baseline !== 'I' && link.status === 'T') await link.send([serialize.query(FAILING_STATEMENT)]);
  }

  /**
   * The client's Sync after an extended-protocol batch failed inside the
   * emulator. The upstream ends the pipeline as PostgreSQL ends a failed one
   * (its implicit transaction rolled back, a client's block aborted): the
   * handler gets a pipeline that fails the same way, so that it also ends
   * what it holds (its own transaction block, its skipping); then a block
   * opened since the last idle status is rolled back. Answered with
   * ReadyForQuery and the real status.
   */
  private endFailedPipeline(signal?: AbortSignal): Promise<void> {
    const failed = this.failedPipeline;
    if (failed === null) return Promise.resolve();
    const end = async (signal: AbortSignal) => {
      await this.deps.handler.runExtended(FAILING_PIPELINE, this.silenced(this.controlled(signal)));
      this.handlerHolds = false;
      const link = this.link;
      if (!link.idle) throw new Error('the upstream did not settle after a failed pipeline');
      if (failed.baseline === 'I' && link.status !== 'I') await link.send([ROLLBACK]);
      this.failedPipeline = null;
      this.client.write(serialize.readyForQuery(link.status));
    };
    if (signal !== undefined) return end(signal);
    // A Sync read from the queue: the session takes the upstream for it.
    return this.takeUpstream(end);
  }

  /** Runs the session's own recovery with the upstream in controlled mode; failing, the connection ends. */
  private async takeUpstream(run: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const link = this.link;
    await link.whenIdle();
    this.abort = new AbortController();
    try {
      await run(this.abort.signal);
    } catch (err) {
      if (this.closed || link.closed) throw err;
      this.log.warn({ err }, 'could not restore the upstream after a handler failure');
      this.failFatally();
    } finally {
      this.abort = null;
      if (!link.closed) link.release();
    }
  }

  /** The upstream's state is unknown: the client is told, and the connection ends. */
  private failFatally(): void {
    if (this.closed || this.upstreamReported || this.client.destroyed) {
      this.close();
      return;
    }
    this.client.end(serialize.emulatorError(new EmulatorError('Internal', FATAL_FAILURE), 'FATAL'));
    this.close();
  }

  private controlled(signal: AbortSignal): ControlledUpstream {
    const up = this.link.controlled(this.session, signal, this.client, this.log);
    return this.watching(up, (bytes) => {
      this.handlerAnsweredReady = endsWithReadyForQuery(bytes);
      up.toClient(bytes);
    });
  }

  /** The handler's answers to the session's own recovery pipeline go nowhere. */
  private silenced(up: ControlledUpstream): ControlledUpstream {
    return this.watching(up, () => {});
  }

  /** `up` with its client output replaced (the status getters stay live). */
  private watching(up: ControlledUpstream, toClient: (bytes: Buffer) => void): ControlledUpstream {
    return {
      session: up.session,
      signal: up.signal,
      send: up.send,
      stream: up.stream,
      exchange: up.exchange,
      clientDrained: up.clientDrained,
      decodeText: up.decodeText,
      toClient,
      get status() {
        return up.status;
      },
      get skippingUntilSync() {
        return up.skippingUntilSync;
      },
      log: up.log,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort?.abort();
    if (this.secretKey !== null) this.deps.registry.remove(this.session.processId);
    this.deps.handler.onSessionEnd(this.session);
    const upstream = this.upstream;
    if (upstream !== null && !upstream.socket.destroyed) {
      if (this.terminated) upstream.socket.end();
      else if (upstream.idle) upstream.socket.end(serialize.terminate());
      else {
        // The client left mid-request. Closing the upstream connection makes the
        // backend stop at its next write, as PostgreSQL does when a client
        // vanishes; a Terminate would wait behind the whole result (and never be
        // read while the backend is blocked writing to a paused socket).
        upstream.socket.destroy();
      }
    }
    this.readGate.open();
    if (!this.client.destroyed) this.client.end();
  }
}

/**
 * What the handler was doing: session setup, a simple Query (or what a hold
 * needed before one), or an extended-protocol batch ending in Sync or not.
 */
type HandledPart = 'startup' | 'query' | 'pipeline-to-sync' | 'pipeline';

const INTERNAL_FAILURE = 'aurora-ml-emulator failed internally; the statement did not complete (see the emulator log)';
const FATAL_FAILURE =
  'aurora-ml-emulator failed internally while the upstream database was mid-answer; the connection cannot continue (see the emulator log)';

const ROLLBACK = serialize.query('ROLLBACK');

/**
 * Fails to parse, so the upstream fails as the client's statement did: an
 * error aborts a transaction block, and a pipeline's implicit transaction is
 * rolled back at its Sync. Its text is what the server log shows.
 */
const FAILING_STATEMENT = 'aurora-ml-emulator: the statement did not complete';

/** Parsed as a named statement: a failed Parse creates nothing, and the client's unnamed statement stays. */
const FAILING_PIPELINE: readonly ExtendedStep[] = [
  { kind: 'relay', raw: serialize.parse('aurora_ml_failed_pipeline', FAILING_STATEMENT), code: FrontendCode.Parse },
  { kind: 'relay', raw: serialize.sync(), code: FrontendCode.Sync },
];

/** Bytes of whole messages whose last is a ReadyForQuery (type Z, length 5). */
function endsWithReadyForQuery(bytes: Buffer): boolean {
  const at = bytes.length - 6;
  return at >= 0 && bytes[at] === BackendCode.ReadyForQuery && bytes.readInt32BE(at + 1) === 5;
}
