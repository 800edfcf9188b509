/**
 * Each time the PostgreSQL statement handler drives the upstream, and what
 * the session does when it fails. What the handler throws is answered here,
 * as PostgreSQL answers a failed statement: the session, not the handler,
 * restores protocol state (an ErrorResponse, then a ReadyForQuery with the
 * upstream's real status; in the extended protocol, messages discarded until
 * the client's Sync).
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { EmulatorError } from '../../errors.ts';
import { BackendCode, FrontendCode, type TransactionStatus } from './codes.ts';
import { serialize } from './serializer.ts';
import {
  type ControlledUpstream,
  type ExtendedStep,
  type SessionInfo,
  type StatementHandler,
  UpstreamView,
} from './statement-handler.ts';
import type { UpstreamLink } from './upstream.ts';

/**
 * What the handler was doing: session setup, a simple Query (or what a hold
 * needed before one), or an extended-protocol batch ending in Sync or not.
 */
export type HandledPart = 'startup' | 'query' | 'pipeline-to-sync' | 'pipeline';

/** The session as its handler runs see it. */
export interface HandlerRunsHost {
  readonly client: Socket;
  readonly handler: StatementHandler;
  readonly log: Logger;
  /** The upstream link (throws ProtocolViolation before the StartupMessage). */
  link(): UpstreamLink;
  session(): SessionInfo;
  closed(): boolean;
  /** The upstream's state is unknown: the client is told, and the connection ends. */
  failFatally(): void;
}

export class HandlerRuns {
  private abort: AbortController | null = null;
  /** The handler must see every message up to the client's next Sync (see StatementHandler.runExtended). */
  holds = false;
  /** The transaction status before the handler took the session (kept while it holds it). */
  private holdBaseline: TransactionStatus = 'I';
  /**
   * An extended-protocol batch failed inside the emulator and was answered
   * with an ErrorResponse: as PostgreSQL does after an error, the client's
   * messages are discarded until its Sync; the status before the batch is kept.
   */
  failedPipeline: { readonly baseline: TransactionStatus } | null = null;
  /** The handler's last bytes for the client ended with a ReadyForQuery (its answer was complete). */
  private handlerAnsweredReady = false;

  constructor(private readonly host: HandlerRunsHost) {}

  /** Stops what the handler is doing (a CancelRequest, or the client gone). */
  cancel(): void {
    this.abort?.abort();
  }

  /**
   * Lets the handler drive the upstream for one piece of work (`part`). What
   * it throws is answered here, as PostgreSQL answers a failed statement (see
   * handlerFailed): the session, not the handler, restores protocol state.
   */
  async run(part: HandledPart, run: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const link = this.host.link();
    await link.whenIdle();
    if (!this.holds) this.holdBaseline = link.status;
    const baseline = this.holdBaseline;
    this.abort = new AbortController();
    this.handlerAnsweredReady = false;
    try {
      await run(this.abort.signal);
    } catch (err) {
      // Session setup has its own fallback (see PgSession.onAuthenticated); a closed link or session is past answering.
      if (part === 'startup' || this.host.closed() || link.closed) throw err;
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
    if (!(err instanceof EmulatorError)) this.host.log.error({ err, part }, 'statement handler failed');
    else this.host.log.debug({ err, part }, 'statement handler ended with an error');
    if (!this.host.link().idle) {
      this.host.failFatally();
      return;
    }
    const answered = this.handlerAnsweredReady;
    this.holds = false;
    try {
      if (part === 'query') {
        await this.endFailedStatement(baseline, answered);
        if (!answered)
          this.host.client.write(
            Buffer.concat([serialize.emulatorError(error), serialize.readyForQuery(this.host.link().status)]),
          );
        return;
      }
      // A ReadyForQuery already sent ended the pipeline: the client expects nothing more for it.
      if (answered) return;
      this.host.client.write(serialize.emulatorError(error));
      this.failedPipeline = { baseline };
      if (part === 'pipeline-to-sync') await this.endFailedPipeline(signal);
    } catch (restoreErr) {
      this.host.log.warn({ err: restoreErr }, 'could not restore the upstream after a handler failure');
      this.host.failFatally();
    }
  }

  /**
   * After a simple Query failed inside the emulator, the upstream is left as
   * PostgreSQL leaves a failed statement: a transaction opened for it (by the
   * handler or by the Query itself) rolled back, a client's block aborted.
   */
  private async endFailedStatement(baseline: TransactionStatus, answered: boolean): Promise<void> {
    if (answered) return;
    const link = this.host.link();
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
  endFailedPipeline(signal?: AbortSignal): Promise<void> {
    const failed = this.failedPipeline;
    if (failed === null) return Promise.resolve();
    const end = async (signal: AbortSignal) => {
      await this.host.handler.runExtended(FAILING_PIPELINE, this.silenced(this.controlled(signal)));
      this.holds = false;
      const link = this.host.link();
      if (!link.idle) throw new Error('the upstream did not settle after a failed pipeline');
      if (failed.baseline === 'I' && link.status !== 'I') await link.send([ROLLBACK]);
      this.failedPipeline = null;
      this.host.client.write(serialize.readyForQuery(link.status));
    };
    if (signal !== undefined) return end(signal);
    // A Sync read from the queue: the session takes the upstream for it.
    return this.takeUpstream(end);
  }

  /** Runs the session's own recovery with the upstream in controlled mode; failing, the connection ends. */
  private async takeUpstream(run: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const link = this.host.link();
    await link.whenIdle();
    this.abort = new AbortController();
    try {
      await run(this.abort.signal);
    } catch (err) {
      if (this.host.closed() || link.closed) throw err;
      this.host.log.warn({ err }, 'could not restore the upstream after a handler failure');
      this.host.failFatally();
    } finally {
      this.abort = null;
      if (!link.closed) link.release();
    }
  }

  controlled(signal: AbortSignal): ControlledUpstream {
    const up = this.host.link().controlled(this.host.session(), signal, this.host.client, this.host.log);
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
    const { session, signal, send, stream, exchange, clientDrained, decodeText, log } = up;
    return new UpstreamView({ session, signal, send, stream, exchange, clientDrained, decodeText, log, toClient }, up);
  }
}

const INTERNAL_FAILURE = 'aurora-ml-emulator failed internally; the statement did not complete (see the emulator log)';
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
