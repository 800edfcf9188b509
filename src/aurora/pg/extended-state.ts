/**
 * What the extended-protocol runner (./extended-runner.ts) keeps per client
 * session between pipelines, and what running one handled statement gives.
 */
import type { Frame } from '../../wire/pg/framer.ts';
import type { ExtendedStep } from '../../wire/pg/statement-handler.ts';
import type { FrameSpool } from './frame-spool.ts';

export type HandledExecute = Extract<ExtendedStep, { kind: 'execute-handled' }>;

/** What running one handled statement gave: its answer frames, or the bytes of its error... */
export type AnsweredResult =
  | { readonly ok: true; readonly frames: readonly Frame[] }
  | { readonly ok: false; readonly error: Buffer };

/** ...or, for an ML statement, its answer waiting in a spool (see frame-spool.ts); whoever delivers it disposes of it. */
export type StatementResult = AnsweredResult | { readonly ok: true; readonly spool: FrameSpool };

/**
 * A handled Execute the handler can answer without a transaction block of
 * the runner's (see ExtendedRunner.lightFor): a probe read with the client's
 * messages, then the run.
 */
export interface LightStatement {
  /** A statement of the handler's, run in the round trip that carries the client's messages. */
  readonly probe: string;
  /** Runs the statement with the probe's answer (the upstream is at a Sync). */
  run(probe: readonly Frame[], context: LightContext): Promise<StatementResult>;
}

/** Where a light statement runs, and what it does when it gives the statement back to the loop. */
export interface LightContext {
  /** In the client's own transaction block: the run goes between a savepoint and its release. */
  readonly inClientBlock: boolean;
  /**
   * Before running anything of the client's, the light path may give the
   * statement back: this makes what the loop needs (outside a block: the
   * client's portal bound again, in a block of the runner's), resolving with
   * the error that stopped it, or null.
   */
  reopen(): Promise<Frame | null>;
  /** How the loop's statement closes then, as the runner's Execute would (none in the client's block). */
  readonly closeWithCommit?: (statements: readonly string[]) => void;
}

/** A handled portal's result after an Execute with a row limit (or after it completed). */
export interface PortalResult {
  readonly bindId: number;
  /** Emptied once served, so a finished portal keeps only its tag. */
  rows: readonly Frame[];
  offset: number;
  readonly tag: string;
  /** An Execute has answered from it already: later answers count only their own rows. */
  answered: boolean;
}

/** What the runner keeps per client session between pipelines. */
export class ExtendedState {
  /** The emulator's BEGIN stands in for the client's implicit transaction until its Sync. */
  ownsBlock = false;
  /** An error happened: the client's messages are skipped until its Sync. */
  skipping = false;
  /** The upstream itself is skipping until a Sync (an error in a pipeline sent without one). */
  upstreamNeedsSync = false;
  /** The light path's Sync ended the implicit transaction: the client's Sync needs none of its own. */
  upstreamSynced = false;
  /**
   * Statements that close the last handled statement, left for the block's
   * COMMIT to take along (see ExtendedRunner.onSync): sent just before it,
   * in the same round trip.
   */
  beforeCommit: string[] = [];
  readonly portals = new Map<string, PortalResult>();

  /** The handler must see the client's messages until its next Sync. */
  get holding(): boolean {
    return this.ownsBlock || this.skipping;
  }
}
