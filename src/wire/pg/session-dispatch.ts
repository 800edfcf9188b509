/**
 * The ready phase of a PostgreSQL front session: what each client message
 * becomes. Simple Queries and Parses the handler does not want, and every
 * other message, are relayed in order; extended-protocol messages are
 * gathered until Sync or Flush (see extended-batch.ts) and the batch goes
 * through the handler when it involves ML; a Query or FunctionCall waits for
 * what the handler holds, and for extended messages relayed without a Sync.
 */
import type { Socket } from 'node:net';
import { type ClientEncoding, unsupportedEncoding } from './client-encoding.ts';
import { FrontendCode } from './codes.ts';
import type { ExtendedBatch } from './extended-batch.ts';
import type { Frame } from './framer.ts';
import type { HandlerRuns } from './handler-runs.ts';
import { parseQueryBytes } from './messages.ts';
import type { RelayKind } from './relayed-requests.ts';
import { serialize } from './serializer.ts';
import type { SessionInfo, StatementHandler } from './statement-handler.ts';
import type { UpstreamLink } from './upstream.ts';

/** The session as its dispatch sees it. */
export interface DispatchHost {
  readonly client: Socket;
  readonly handler: StatementHandler;
  readonly batch: ExtendedBatch;
  readonly runs: HandlerRuns;
  /** The upstream link (throws ProtocolViolation before the StartupMessage). */
  link(): UpstreamLink;
  session(): SessionInfo;
  encoding(): ClientEncoding;
  relay(raw: Buffer, ...kinds: RelayKind[]): void;
  /** The client's Terminate is relayed: the session ends. */
  terminated(): void;
}

export class PgDispatch {
  constructor(private readonly host: DispatchHost) {}

  /**
   * Handles one client message. Relayed messages are handled synchronously
   * (undefined); only work for the handler returns a promise, so the
   * pass-through path costs no extra turn of the event loop per message.
   */
  onFrame(frame: Frame): Promise<void> | undefined {
    if (this.host.runs.failedPipeline !== null && frame.code !== FrontendCode.Terminate) {
      // Skipped as PostgreSQL skips the rest of a failed pipeline; its Sync ends that.
      return frame.code === FrontendCode.Sync ? this.host.runs.endFailedPipeline() : undefined;
    }
    switch (frame.code) {
      case FrontendCode.Query:
        return this.afterBatch(() => this.onQuery(frame));
      case FrontendCode.Parse:
        this.host.batch.addParse(frame, (sql) => this.host.handler.prepare(sql, this.host.session()));
        return undefined;
      case FrontendCode.Bind:
        this.host.batch.addBind(frame);
        return undefined;
      case FrontendCode.Describe:
      case FrontendCode.Execute:
      case FrontendCode.Close:
        this.host.batch.add(frame);
        return undefined;
      case FrontendCode.Sync:
        this.host.batch.add(frame);
        return this.flushBatch(true);
      case FrontendCode.Flush:
        this.host.batch.add(frame);
        return this.flushBatch(false);
      case FrontendCode.FunctionCall:
        return this.afterBatch(() => this.whenNotHeld(() => this.unlessSkipped(() => this.host.relay(frame.raw, 'query'))));
      case FrontendCode.Terminate:
        return this.afterBatch(() => {
          this.host.relay(frame.raw, 'other');
          this.host.terminated();
        });
      case FrontendCode.CopyDone:
      case FrontendCode.CopyFail:
        return this.afterBatch(() => this.host.relay(frame.raw, 'copy-end'));
      default:
        // CopyData, and anything newer: unchanged, in order.
        return this.afterBatch(() => this.host.relay(frame.raw, 'other'));
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
    if (!this.host.runs.holds) return next() ?? undefined;
    let verdict: 'run' | 'discard' = 'run';
    return this.host.runs
      .run('query', async (signal) => {
        verdict = await this.host.handler.interruptHold(this.host.runs.controlled(signal));
      })
      .then(() => {
        // Skipped messages leave the handler holding until the Sync.
        this.host.runs.holds = verdict === 'discard';
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
    const link = this.host.link();
    if (!link.extendedUnsettled) return next() ?? undefined;
    return link.whenIdle().then(() => (link.skippingUntilSync ? undefined : (next() ?? undefined)));
  }

  private runQuery(frame: Frame): Promise<void> | undefined {
    const bytes = parseQueryBytes(frame.payload);
    if (!this.host.handler.wantsQuery(this.host.encoding().decodeLenient(bytes), this.host.session())) {
      this.host.relay(frame.raw, 'query');
      return undefined;
    }
    return this.host.runs.run('query', (signal) => {
      // Decoded only now that everything before it is answered: a SET
      // client_encoding among those statements is in force.
      const encoding = this.host.link().encoding;
      const sql = encoding.decode(bytes);
      if (sql !== null) return this.host.handler.runQuery(sql, this.host.runs.controlled(signal));
      // Bytes the encoding does not allow: the server rejects them with its own error.
      if (encoding.supported || this.leftAsSent(encoding.decodeLenient(bytes))) return this.sendUntouched(frame.raw);
      this.host.client.write(
        Buffer.concat([serialize.emulatorError(unsupportedEncoding(encoding)), serialize.readyForQuery(this.host.link().status)]),
      );
      return Promise.resolve();
    });
  }

  /** The handler would neither rewrite nor run the statement (see relayOrRefuse in extended-batch.ts). */
  private leftAsSent(sql: string): boolean {
    const prepared = this.host.handler.prepare(sql, this.host.session());
    return prepared === null || (!prepared.handled && prepared.sql === sql);
  }

  /** Sends a client's Query as it came while the session holds the upstream, and relays the answer. */
  private async sendUntouched(raw: Buffer): Promise<void> {
    const frames = await this.host.link().send([raw]);
    this.host.client.write(Buffer.concat(frames.map((f) => f.raw)));
  }

  /** Sends the pending extended-protocol batch, through the handler when it involves ML. */
  private flushBatch(endsWithSync: boolean): Promise<void> | undefined {
    if (this.host.batch.empty) return undefined;
    const taken = this.host.batch.take(this.host.runs.holds);
    if ('relay' in taken) {
      // Without a Sync nothing marks the end of the answer: the link counts it.
      if (!endsWithSync) this.host.link().expectFinals(taken.finals, taken.relay);
      this.host.relay(taken.relay, endsWithSync ? 'sync' : 'other');
      return undefined;
    }
    return this.host.runs.run(endsWithSync ? 'pipeline-to-sync' : 'pipeline', async (signal) => {
      this.host.runs.holds = await this.host.handler.runExtended(taken.steps, this.host.runs.controlled(signal));
    });
  }
}
