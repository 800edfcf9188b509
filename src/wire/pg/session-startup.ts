/**
 * The start-up phase of a PostgreSQL front session. The client's untyped
 * startup-phase messages are read one at a time (SSLRequest declined,
 * CancelRequest forwarded, StartupMessage relayed to a fresh upstream
 * connection); then authentication is relayed both ways, so whatever the
 * upstream asks for (trust, md5, SCRAM-SHA-256) just works, until the
 * upstream's first ReadyForQuery.
 */
import { EmulatorError } from '../../errors.ts';
import type { SessionSockets, UpstreamAddress } from '../session-sockets.ts';
import { BackendCode, FrontendCode } from './codes.ts';
import type { Frame, FrameReader } from './framer.ts';
import { parseBackendKeyData } from './messages.ts';
import type { SessionRegistry } from './registry.ts';
import type { RelayKind } from './relayed-requests.ts';
import { serialize } from './serializer.ts';
import { interpretStartup } from './startup.ts';
import type { SessionInfo } from './statement-handler.ts';
import { UpstreamLink } from './upstream.ts';

/** The session as its start-up phase sees it. */
export interface StartupHost {
  readonly sockets: SessionSockets;
  readonly reader: FrameReader;
  readonly upstream: UpstreamAddress;
  readonly registry: SessionRegistry;
  closed(): boolean;
  close(): void;
  relay(raw: Buffer, kind: RelayKind): void;
  /** The client said who it is; `link` is the upstream connection opened for it. */
  opened(session: SessionInfo, link: UpstreamLink): void;
  /** The upstream's backend key: the session can now be found by a CancelRequest. */
  keyReceived(processId: number, secretKey: Buffer): void;
  /** The upstream's first ReadyForQuery (relayed): authentication is over. */
  authenticated(): void;
}

export class PgStartup {
  /** The upstream has sent its first ReadyForQuery (authentication is over). */
  done = false;
  /** The upstream answered the startup with an ErrorResponse (relayed to the client). */
  private upstreamRefused = false;
  /** A message read during authentication that must wait for the session to be ready (the rest wait in the reader). */
  private held: Frame | null = null;

  constructor(private readonly host: StartupHost) {}

  /**
   * What cannot wait for the session to be ready: the startup-phase messages,
   * one at a time (each decides how the bytes after it are read: still
   * untyped after SSLRequest, typed after StartupMessage, and a client may
   * send them in the same packet), then the client's answers to the
   * upstream's authentication challenges (PasswordMessage, SASLInitialResponse,
   * SASLResponse, GSSResponse: all 'p'), which go straight through. The first
   * other message is held until the session is ready.
   */
  readBeforeReady(): void {
    const { reader } = this.host;
    while (!reader.typed && !this.host.closed()) {
      const frame = reader.next();
      if (frame === null) return;
      this.onStartupMessage(frame);
    }
    while (!this.done && this.held === null && !this.host.closed()) {
      const frame = reader.next();
      if (frame === null) return;
      if (frame.code === FrontendCode.PasswordMessage) this.host.relay(frame.raw, 'other');
      else this.held = frame;
    }
  }

  /** A message is held until the session is ready. */
  get holding(): boolean {
    return this.held !== null;
  }

  /** The held message, once (null when none). */
  takeHeld(): Frame | null {
    const held = this.held;
    this.held = null;
    return held;
  }

  private onStartupMessage(frame: Frame): void {
    // A malformed packet throws ProtocolViolation, answered by the session.
    const action = interpretStartup(frame);
    const { client } = this.host.sockets;
    switch (action.kind) {
      case 'startup':
        this.host.reader.typed = true;
        this.openUpstream({ user: action.user, database: action.database, processId: 0 }, frame.raw);
        return;
      case 'decline-encryption':
        client.write(serialize.declineEncryption());
        return;
      case 'cancel':
        this.host.registry.cancel(action.request.processId, action.request.secretKey);
        client.end();
        this.host.close();
        return;
      case 'unsupported':
        client.end(serialize.emulatorError(new EmulatorError('UnsupportedProtocolVersion', action.message), 'FATAL'));
        this.host.close();
    }
  }

  private openUpstream(session: SessionInfo, startupMessage: Buffer): void {
    const { sockets, upstream } = this.host;
    const socket = sockets.dial(upstream);
    const link = new UpstreamLink(
      socket,
      // Once the client is gone, whatever is still arriving is dropped.
      (chunk) => (this.host.closed() || sockets.client.destroyed ? true : sockets.client.write(chunk)),
      (frame) => {
        if (frame.code === BackendCode.ErrorResponse) this.upstreamRefused = true;
        if (frame.code === BackendCode.ReadyForQuery) {
          this.done = true;
          this.host.authenticated();
        }
        // A client gone before its key arrived has nothing to register: close() is past removing it.
        if (frame.code === BackendCode.BackendKeyData && !this.host.closed()) {
          const key = parseBackendKeyData(frame.payload);
          this.host.keyReceived(key.processId, key.secretKey);
        }
      },
    );
    this.host.opened(session, link);
    // Written at once (a connecting socket queues writes in order), so that
    // nothing the client sends next can overtake it.
    socket.write(startupMessage);
    sockets.watch(socket, upstream, {
      connected: () => this.done,
      hungUpUnexplained: () => !this.done && !this.upstreamRefused,
      setupPhase: 'startup',
    });
  }
}
