/**
 * What the client messages relayed to the PostgreSQL upstream still owe, so
 * the session knows when the upstream has answered everything relayed to it
 * (and may take control). Kept in sending order: Query and FunctionCall
 * always get a ReadyForQuery; a Sync gets one unless the server reads it in
 * COPY FROM STDIN mode, where PostgreSQL ignores Sync and Flush (an
 * extended-protocol COPY sends Parse/Bind/Execute/Sync, the data, CopyDone
 * and then another Sync, as tokio-postgres does); extended messages relayed
 * without a Sync owe their final responses.
 */
import { Fifo } from '../fifo.ts';
import { BackendCode } from './codes.ts';
import { isFinalResponse } from './response-groups.ts';

/** What a relayed client message means for the ReadyForQuery bookkeeping. */
export type RelayKind =
  /** Query or FunctionCall: one ReadyForQuery. */
  | 'query'
  /** Sync: one ReadyForQuery unless read in copy-in mode. */
  | 'sync'
  /** CopyDone or CopyFail: ends copy-in mode. */
  | 'copy-end'
  /** Anything else (Parse ... Flush, CopyData, Terminate). */
  | 'other';

/**
 * Q = query, S = sync, C = copy end, F = extended messages relayed without a
 * Sync (their final responses are counted in `finalsOwed`); in sending order.
 */
type Outstanding = 'Q' | 'S' | 'C' | 'F';

export class RelayedRequests {
  private readonly outstanding = new Fifo<Outstanding>();
  /** Entries of `outstanding` that owe a ReadyForQuery. */
  private requests = 0;
  /** Final responses still owed to each F entry of `outstanding`, in order. */
  private readonly finalsOwed = new Fifo<number>();
  /** An error answered relayed messages sent without a Sync: the server skips everything until one. */
  skippingUntilSync = false;
  /** The upstream is in copy-in mode and the client has not yet ended it. */
  private copyInOpen = false;
  private idleWaiters: (() => void)[] = [];

  /** Notes what one relayed client message owes (see RelayKind), in sending order. */
  expect(kind: RelayKind): void {
    switch (kind) {
      case 'query':
        this.outstanding.push('Q');
        this.requests++;
        break;
      case 'sync':
        if (!this.copyInOpen) {
          this.outstanding.push('S');
          this.requests++;
        }
        break;
      case 'copy-end':
        if (this.copyInOpen) this.copyInOpen = false;
        else this.outstanding.push('C');
        break;
      case 'other':
        break;
    }
  }

  /**
   * Notes relayed extended messages sent without a Sync that owe `finals`
   * final responses: the session may take control only once they are in.
   */
  expectFinals(finals: number): void {
    // While the server skips to a Sync not yet sent, it will not answer these at all.
    if (finals === 0 || (this.skippingUntilSync && this.requests === 0)) return;
    this.outstanding.push('F');
    this.finalsOwed.push(finals);
  }

  /** A relayed message from the upstream whose header is complete. */
  onMessage(code: number): void {
    this.dropStrayCopyEnds();
    if (code === BackendCode.CopyInResponse) this.onCopyIn();
    if (this.finalsOwed.length === 0 || this.outstanding.peek() !== 'F') return;
    if (code === BackendCode.ErrorResponse) {
      // The server now skips to the next Sync: nothing more comes for the F entries before it.
      while (this.outstanding.peek() === 'F') {
        this.outstanding.shift();
        this.finalsOwed.shift();
      }
      this.skippingUntilSync = true;
      this.wakeIfIdle();
    } else if (isFinalResponse(code)) {
      const left = (this.finalsOwed.peek() ?? 1) - 1;
      if (left > 0) this.finalsOwed.replaceFirst(left);
      else {
        this.outstanding.shift();
        this.finalsOwed.shift();
        this.wakeIfIdle();
      }
    }
  }

  /** A relayed ReadyForQuery: the oldest request owing one is answered. */
  onReady(): void {
    this.skippingUntilSync = false;
    this.dropStrayCopyEnds();
    if (this.outstanding.shift() !== undefined) this.requests--;
    if (this.requests <= 0) {
      this.requests = 0;
      this.wakeIfIdle();
    }
  }

  /**
   * The upstream entered copy-in mode for the oldest unanswered request. Until
   * it reads the client's CopyDone/CopyFail it ignores Sync: forget the Syncs
   * relayed in that stretch; if the client has not ended the copy yet, forget
   * the ones it sends until it does.
   */
  private onCopyIn(): void {
    const q = this.outstanding;
    // A simple Query's ReadyForQuery still comes after the copy; an extended
    // COPY's own Sync (if already sent) is one of those read in copy mode.
    const i = q.peek() === 'Q' ? 1 : 0;
    let ended = false;
    while (!ended) {
      const item = q.at(i);
      if (item === 'S') {
        q.removeAt(i);
        this.requests--;
      } else if (item === 'C') {
        q.removeAt(i);
        ended = true;
      } else break; // the end, or a Query sent into the copy (the server fails the copy on it)
    }
    if (!ended) this.copyInOpen = true;
  }

  /**
   * A CopyDone or CopyFail first in line ends no copy: everything sent before
   * it is answered, so no copy it could end is left to start (PostgreSQL
   * ignores it outside copy-in mode). Left there, it would hide the entries
   * behind it: extended messages whose answers then never counted, so the
   * session waited for them for ever.
   */
  private dropStrayCopyEnds(): void {
    while (this.outstanding.peek() === 'C') this.outstanding.shift();
  }

  /** Something relayed is not answered yet. */
  get owed(): boolean {
    return this.requests > 0 || this.finalsOwed.length > 0;
  }

  /** Extended messages relayed without a Sync still owe final responses. */
  get finalsPending(): boolean {
    return this.finalsOwed.length > 0;
  }

  /** Nothing relayed awaits an answer, and no copy-in is left open. */
  get settled(): boolean {
    return !this.owed && !this.copyInOpen;
  }

  /**
   * Extended messages relayed without a Sync are unanswered or failed: until
   * that settles, the server may be skipping everything up to the next Sync.
   */
  get extendedUnsettled(): boolean {
    return this.finalsOwed.length > 0 || this.skippingUntilSync;
  }

  /** Resolves once nothing relayed is owed (or the connection is gone: see wakeAll). */
  whenAnswered(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The connection is gone: nobody waits for answers any more. */
  wakeAll(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private wakeIfIdle(): void {
    if (!this.owed) this.wakeAll();
  }
}
