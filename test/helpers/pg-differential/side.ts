/**
 * One side of the comparison: a raw wire connection (the same client for
 * the direct database and for the emulator) that sends a round and waits
 * until every message in it has its answer, or the timeout.
 */
import { type BackendMessage, errorFields, RawPgConnection, wire } from '../pg-raw.ts';
import { encode, type FrontendMsg } from './protocol.ts';
import { type RowRules, type WalkResult, walk } from './responses.ts';

export interface RoundResult extends WalkResult {
  /** The answers did not all come within the timeout, or the connection closed. */
  readonly stalled: string | null;
}

export class Side {
  private conn: RawPgConnection | null = null;
  /** Skipping to Sync after an error, carried over from a Flush-ended round. */
  private skipping = false;

  constructor(
    readonly label: string,
    private readonly port: number,
    private readonly database: string,
    private readonly timeoutMs: number,
  ) {}

  async connect(): Promise<void> {
    const conn = await RawPgConnection.open(this.port);
    conn.send(wire.startup({ user: 'postgres', database: this.database, application_name: 'pg-differential' }));
    const got: BackendMessage[] = [];
    const ok = await conn.waitUntil(() => {
      got.push(...conn.take());
      return got.some((m) => m.code === 'Z' || m.code === 'E');
    }, 10_000);
    const error = got.find((m) => m.code === 'E');
    if (!ok || error) {
      conn.close();
      throw new Error(`${this.label}: startup failed: ${error ? errorFields(error.payload).get('M') : 'no ReadyForQuery'}`);
    }
    this.conn = conn;
    this.skipping = false;
  }

  async reconnect(): Promise<void> {
    this.close();
    await this.connect();
  }

  async run(round: readonly FrontendMsg[], rules: (messageIndex: number, resultIndex: number) => RowRules): Promise<RoundResult> {
    const conn = this.conn;
    if (conn === null || conn.closed) {
      return { answers: [], complete: false, skipping: false, stalled: `${this.label}: the connection is closed` };
    }
    const received: BackendMessage[] = [];
    const skippingAtStart = this.skipping;
    let result = walk(round, received, skippingAtStart, rules);
    conn.send(Buffer.concat(round.map(encode)));
    const ok = await conn.waitUntil(() => {
      received.push(...conn.take());
      result = walk(round, received, skippingAtStart, rules);
      return result.complete;
    }, this.timeoutMs);
    this.skipping = result.skipping;
    const stalled = ok
      ? null
      : conn.closed
        ? `${this.label}: the server closed the connection`
        : `${this.label}: no complete answer within ${this.timeoutMs} ms`;
    return { ...result, stalled };
  }

  close(): void {
    this.conn?.close();
    this.conn = null;
  }
}
