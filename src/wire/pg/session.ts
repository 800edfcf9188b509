/**
 * One client connection of the PostgreSQL front.
 *
 * Startup and authentication are relayed to a fresh upstream connection (see
 * session-startup.ts). After that, client messages are framed and either
 * relayed unchanged (the fast path) or handed to the StatementHandler, which
 * drives the upstream itself (see handler-runs.ts, which also restores
 * protocol state when it fails). Only the handler knows about ML; this file
 * only knows the protocol.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { EmulatorError } from '../../errors.ts';
import { MESSAGES_PER_TURN, nextTurn } from '../fair-share.ts';
import { ProtocolViolation } from '../protocol-violation.ts';
import { SessionSockets, type UpstreamAddress } from '../session-sockets.ts';
import { type ClientEncoding, UTF8 } from './client-encoding.ts';
import { ExtendedBatch } from './extended-batch.ts';
import { type FastPathDecider, relayableChunk } from './fast-path.ts';
import { type Frame, FrameReader } from './framer.ts';
import { HandlerRuns } from './handler-runs.ts';
import type { SessionRegistry } from './registry.ts';
import type { RelayKind } from './relayed-requests.ts';
import { serialize } from './serializer.ts';
import { PgDispatch } from './session-dispatch.ts';
import { PgStartup } from './session-startup.ts';
import type { SessionInfo, StatementHandler } from './statement-handler.ts';
import type { UpstreamLink } from './upstream.ts';

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
  private readonly sockets: SessionSockets;
  private readonly startup: PgStartup;
  /** Each time the handler drives the upstream, and the recovery when it fails. */
  private readonly runs: HandlerRuns;
  /** What each client message of the ready phase becomes. */
  private readonly dispatch: PgDispatch;
  private busy = false;
  /** The extended-protocol messages since the last Sync or Flush. */
  private readonly batch = new ExtendedBatch(() => this.encoding);
  private closed = false;
  /** The client's Terminate has been relayed. */
  private terminated = false;
  /** Client messages wait until the handler has looked at the database once. */
  private ready = false;

  constructor(
    private readonly client: Socket,
    private readonly deps: SessionDeps,
    connectionId: number,
  ) {
    const log = deps.log.child({ conn: connectionId, protocol: 'postgresql' });
    this.log = log;
    this.sockets = new SessionSockets(client, {
      log: () => log,
      closed: () => this.closed,
      fatalError: (error) => serialize.emulatorError(error, 'FATAL'),
      onClientData: (chunk) => this.onClientData(chunk),
      onClose: () => this.close(),
    });
    this.startup = new PgStartup({
      sockets: this.sockets,
      reader: this.reader,
      upstream: deps.upstream,
      registry: deps.registry,
      closed: () => this.closed,
      close: () => this.close(),
      relay: (raw, kind) => this.relay(raw, kind),
      opened: (session, link) => {
        this.session = session;
        this.upstream = link;
      },
      keyReceived: (processId, secretKey) => this.keyReceived(processId, secretKey),
      authenticated: () => this.onAuthenticated(),
    });
    this.runs = new HandlerRuns({
      client,
      handler: deps.handler,
      log,
      link: () => this.link,
      session: () => this.session,
      closed: () => this.closed,
      failFatally: () => this.failFatally(),
    });
    this.dispatch = new PgDispatch({
      client,
      handler: deps.handler,
      batch: this.batch,
      runs: this.runs,
      link: () => this.link,
      session: () => this.session,
      encoding: () => this.encoding,
      relay: (raw, ...kinds) => this.relay(raw, ...kinds),
      terminated: () => {
        this.terminated = true;
        this.close();
      },
    });
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
      this.startup.readBeforeReady();
    } catch (err) {
      this.protocolViolation(err);
      return;
    }
    this.sockets.noteBacklog(this.reader.buffered);
    void this.drain();
  }

  /** The next client message to handle, or null until more bytes arrive. */
  private nextFrame(): Frame | null {
    return this.startup.takeHeld() ?? this.reader.next();
  }

  /** Nothing queued, buffered or owned by the handler: a chunk may go straight through. */
  private idleForFastPath(): boolean {
    return (
      this.ready &&
      !this.busy &&
      !this.startup.holding &&
      this.batch.empty &&
      !this.runs.holds &&
      this.runs.failedPipeline === null &&
      this.reader.typed &&
      this.reader.buffered === 0 &&
      this.batch.ownsNothing &&
      // After extended messages relayed without a Sync, a Query may be skipped (see PgDispatch.unlessSkipped).
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
    this.client.end(serialize.emulatorError(new EmulatorError('ProtocolViolation', message), 'FATAL'));
    this.close();
  }

  private keyReceived(processId: number, secretKey: Buffer): void {
    this.session = { ...this.session, processId };
    this.secretKey = secretKey;
    this.deps.registry.add(processId, secretKey, {
      cancel: () => {
        this.runs.cancel();
        return { upstreamBusy: this.upstream?.busy ?? false };
      },
      upstream: this.deps.upstream,
    });
  }

  /**
   * Relays client bytes upstream, noting what each message in them owes
   * (see RelayKind), and pauses the client while the upstream socket is full.
   */
  private relay(raw: Buffer, ...kinds: RelayKind[]): void {
    const link = this.link;
    for (const kind of kinds) link.expect(kind);
    this.sockets.relay(raw);
  }

  // ---- ready phase ----

  private onAuthenticated(): void {
    // Runs after the relayed ReadyForQuery has been written to the client.
    queueMicrotask(() => {
      void this.runs
        .run('startup', (signal) => this.deps.handler.onSessionReady(this.runs.controlled(signal)))
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
          this.sockets.backlogHandled();
          break;
        }
        if (handledThisTurn === 0) upstream.cork();
        const pending = this.dispatch.onFrame(frame);
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

  /** The upstream's state is unknown: the client is told, and the connection ends. */
  private failFatally(): void {
    if (this.closed || this.sockets.upstreamReported || this.client.destroyed) {
      this.close();
      return;
    }
    this.client.end(serialize.emulatorError(new EmulatorError('Internal', FATAL_FAILURE), 'FATAL'));
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.runs.cancel();
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
    this.sockets.closeClient();
  }
}

const FATAL_FAILURE =
  'aurora-ml-emulator failed internally while the upstream database was mid-answer; the connection cannot continue (see the emulator log)';
