/**
 * Runs an extended-protocol pipeline that contains Executes the emulator must
 * answer, with PostgreSQL's own semantics for everything around them:
 *
 * - The client's other messages go upstream in order, unchanged, and their
 *   answers reach the client in order.
 * - Each handled Execute runs with the parameters of the Bind in front of it.
 * - The evaluation loop needs a transaction block (it uses savepoints). When
 *   the client has none, the pipeline is PostgreSQL's implicit transaction:
 *   the emulator opens a block with BEGIN (which also takes in what the
 *   pipeline did before) and ends it at the client's Sync, with COMMIT, or
 *   ROLLBACK after an error, exactly as the implicit transaction would end.
 *   Whether a block already exists is read from BEGIN's own answer (a block
 *   in progress answers with warning 25001), so no guess is involved.
 * - Only the emulator's own statements are sent in between, as named
 *   statements and portals: the client's unnamed statement and portal stay.
 * - After an error, the client's messages are skipped until its Sync.
 * - An Execute with a row limit gets that many rows and PortalSuspended; the
 *   rest waits in the emulator for the next Execute of the portal.
 */
import { BackendCode, FrontendCode } from '../../wire/pg/codes.ts';
import { Frame } from '../../wire/pg/framer.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream, ExtendedStep } from '../../wire/pg/statement-handler.ts';
import type { ExtendedState, HandledExecute, LightStatement, PortalResult, StatementResult } from './extended-state.ts';
import { clientAnswers } from './implicit-block.ts';
import { commandTag, errorIn, noticeCodes, ownStatement } from './own-statements.ts';
import { boundToParseIn, portalTextQuery, rebind } from './pipeline-messages.ts';
import { deliverRows, serveRows } from './portal-rows.ts';

export class ExtendedRunner {
  /** Client messages not sent upstream yet. */
  private pending: Buffer[] = [];

  constructor(
    private readonly up: ControlledUpstream,
    private readonly state: ExtendedState,
    /**
     * Runs one handled statement inside a transaction block. With
     * `closeWithCommit`, the block ends at the client's Sync right after it:
     * the statements that close it may go with that COMMIT instead of a
     * round trip of their own.
     */
    private readonly runStatement: (
      step: HandledExecute,
      closeWithCommit?: (statements: readonly string[]) => void,
    ) => Promise<StatementResult>,
    /** The statement text (as sent to the server) is one the handler runs. */
    private readonly handles: (sql: string) => boolean = () => false,
    /** The handler's light path for this Execute, when it has one (see LightStatement). */
    private readonly light: (step: HandledExecute) => LightStatement | null = () => null,
  ) {}

  /** Resolves true when the runner must see the messages up to the next Sync. */
  async run(steps: readonly ExtendedStep[]): Promise<boolean> {
    if (this.up.skippingUntilSync && !this.state.skipping) {
      // A relayed message before these failed (its error reached the client): skip to Sync.
      this.state.skipping = true;
      this.state.upstreamNeedsSync = true;
    }
    for (const [i, step] of steps.entries()) {
      if (step.kind === 'relay' && step.code === FrontendCode.Sync) {
        await this.onSync();
        continue;
      }
      if (this.state.skipping) continue;
      if (step.kind === 'execute-handled') await this.onHandledExecute(step, isSync(steps[i + 1]));
      else if (step.code === FrontendCode.Flush) await this.sendPending();
      else this.pending.push(step.raw);
    }
    // A batch ending with Flush: what the client asked for must reach it now.
    await this.sendPending();
    return this.state.holding;
  }

  /** A simple Query or FunctionCall arrived before the Sync that ends what the runner holds. */
  async interrupt(): Promise<'run' | 'discard'> {
    if (this.state.skipping) return 'discard';
    if (this.state.ownsBlock) {
      // PostgreSQL would run the Query inside the implicit transaction and
      // commit both; committing first differs only if that Query then fails.
      this.state.ownsBlock = false;
      const answer = await this.up.exchange(this.commitStatements());
      const error = answer.groups.map((g) => errorIn(g)).find((e) => e !== undefined);
      if (error) this.up.toClient(error.raw);
    }
    return 'run';
  }

  private async onSync(): Promise<void> {
    const state = this.state;
    if (state.skipping) {
      this.pending = [];
      if (state.upstreamNeedsSync) await this.up.exchange([]);
      // The status is only fresh after a Sync: with none since the BEGIN, the block is open.
      const blockOpen = state.upstreamNeedsSync ? this.up.status !== 'I' : true;
      if (state.ownsBlock && blockOpen) await this.up.exchange([ownStatement('ROLLBACK')]);
    } else if (state.upstreamSynced && this.pending.length === 0 && !state.ownsBlock) {
      // The light path's own Sync ended the implicit transaction, right before this one.
    } else {
      const clientRequests = this.takePending();
      const commit = state.ownsBlock ? this.commitStatements() : [];
      const answer = await this.up.exchange([...clientRequests, ...commit]);
      this.forwardClient(answer.groups.slice(0, clientRequests.length));
      if (state.ownsBlock) {
        // A COMMIT that fails (a deferred constraint) is the implicit transaction's failure at Sync.
        const commitError = answer.groups
          .slice(clientRequests.length)
          .map((g) => errorIn(g))
          .find((e) => e !== undefined);
        if (commitError) this.up.toClient(commitError.raw);
        if (this.up.status !== 'I') await this.up.exchange([ownStatement('ROLLBACK')]);
      }
    }
    state.ownsBlock = false;
    state.skipping = false;
    state.upstreamNeedsSync = false;
    state.upstreamSynced = false;
    // A rolled-back block takes the statements' settings with it.
    state.beforeCommit = [];
    this.up.toClient(serialize.readyForQuery(this.up.status));
  }

  /** The block's COMMIT, after what the last handled statement left to close with it. */
  private commitStatements(): Buffer[][] {
    const before = this.state.beforeCommit;
    this.state.beforeCommit = [];
    return [...before.map(ownStatement), ownStatement('COMMIT')];
  }

  /** Sends the client's pending messages with a Flush (no Sync: the transaction stays as it is). */
  private async sendPending(): Promise<void> {
    if (this.pending.length === 0 || this.state.skipping) return;
    const requests = this.takePending();
    const answer = await this.up.exchange(requests, false);
    this.forwardClient(answer.groups);
    if (answer.failedAt >= 0) this.startSkipping(true);
  }

  private takePending(): Buffer[][] {
    const requests = this.pending.map((m) => [m]);
    this.pending = [];
    return requests;
  }

  private startSkipping(upstreamNeedsSync: boolean): void {
    this.state.skipping = true;
    this.state.upstreamNeedsSync ||= upstreamNeedsSync;
  }

  private async onHandledExecute(step: HandledExecute, syncFollows: boolean): Promise<void> {
    const client = this.takePending();
    const kept = this.keptResult(step);
    const light = kept === undefined && syncFollows ? this.lightFor(step, client) : null;
    if (light !== null) {
      const answered = await this.runLight(step, client, light);
      if (answered) return;
      // Given back before it ran: its round trip's Sync ended the client's portal, bound again here.
      await this.runInBlock(step, [], [[rebind(step.bind)]], undefined, syncFollows);
      return;
    }
    await this.runInBlock(step, client, [], kept, syncFollows);
  }

  /**
   * The light path applies in the client's own transaction block, and
   * outside one where ending the client's implicit transaction early loses
   * nothing: nothing of the client's has run in it (no Execute in this
   * pipeline, none relayed since the last ReadyForQuery). Its errors then end
   * the implicit transaction as PostgreSQL ends it, and a statement it gives
   * back runs in a block of the runner's.
   */
  private lightFor(step: HandledExecute, client: readonly Buffer[][]): LightStatement | null {
    if (this.state.ownsBlock) return null;
    // In the client's block a Sync ends nothing; the run is guarded by a savepoint.
    if (this.up.status === 'T') return this.light(step);
    if (this.up.status !== 'I' || this.up.executedSinceSync) return null;
    if (client.some((request) => request.some((m) => m[0] === FrontendCode.Execute))) return null;
    return this.light(step);
  }

  /**
   * The client's messages, the portal check, the handler's probe and the
   * portal's text, ending with a Sync; then the handler's run, which ends
   * with one too. True when the Execute is answered; false when it must run
   * the usual way (the probe or the portal's text says so, or the handler
   * gave it back before running anything of the client's).
   */
  private async runLight(step: HandledExecute, client: Buffer[][], light: LightStatement): Promise<boolean> {
    // Bound right here to a statement parsed right here: the server runs that Parse's text, step.sql.
    const textKnown = boundToParseIn(client, step.portal, (bytes) => this.up.decodeText(bytes));
    const requests = [
      ...client,
      [serialize.describe('P', step.portal)],
      ownStatement(light.probe),
      ...(textKnown ? [] : [ownStatement(portalTextQuery(step.portal))]),
    ];
    const answer = await this.up.exchange(requests, true);
    const clientCount = client.length;
    this.forwardClient(answer.groups.slice(0, clientCount));
    if (answer.failedAt >= 0 && answer.failedAt <= clientCount) {
      // A message of the client's failed, or its portal is gone (PostgreSQL's own answer to its Execute).
      if (answer.failedAt === clientCount) {
        const error = errorIn(answer.groups[clientCount] ?? []);
        if (error) this.up.toClient(error.raw);
      }
      this.startSkipping(false);
      return true;
    }
    if (answer.failedAt >= 0) return false;
    const bound = textKnown ? null : this.boundText(answer.groups[clientCount + 2] ?? []);
    if (bound !== null && bound !== step.sql) return false;
    this.state.upstreamSynced = true;
    const probe = answer.groups[clientCount + 1] ?? [];
    if (this.up.status === 'T') {
      // The client's block and portal go on; the loop, if it must, runs in that block as it is.
      const reopen = () => {
        this.state.upstreamSynced = false;
        return Promise.resolve(null);
      };
      await this.deliverResult(step, await light.run(probe, { inClientBlock: true, reopen }));
      return true;
    }
    const reopen = async (): Promise<Frame | null> => {
      this.state.upstreamSynced = false;
      const opened = await this.up.exchange(
        [[rebind(step.bind)], [serialize.describe('P', step.portal)], ownStatement('BEGIN')],
        false,
      );
      const error = opened.groups.map((g) => errorIn(g)).find((e) => e !== undefined);
      if (error !== undefined) {
        this.startSkipping(true);
        return error;
      }
      this.state.ownsBlock = true;
      return null;
    };
    const closeWithCommit = (statements: readonly string[]) => {
      this.state.beforeCommit = [...statements];
    };
    await this.deliverResult(step, await light.run(probe, { inClientBlock: false, reopen, closeWithCommit }));
    return true;
  }

  /** The usual way: the handled statement runs in a transaction block, the client's or the runner's. */
  private async runInBlock(
    step: HandledExecute,
    client: Buffer[][],
    own: Buffer[][],
    kept: PortalResult | undefined,
    syncFollows: boolean,
  ): Promise<void> {
    const requests = [...client, ...own];
    const clientCount = client.length;
    const ownCount = own.length;
    // The client's portal must still exist (portals end with their transaction):
    // if it does not, the client gets PostgreSQL's own answer to its Execute.
    requests.push([serialize.describe('P', step.portal)]);
    if (kept === undefined) requests.push(ownStatement('BEGIN'), ownStatement(portalTextQuery(step.portal)));
    const answer = await this.up.exchange(requests, false);
    this.forwardClient(answer.groups.slice(0, clientCount));
    if (answer.failedAt >= 0) {
      if (answer.failedAt >= clientCount) {
        const error = errorIn(answer.groups[answer.failedAt] ?? []);
        if (error) this.up.toClient(error.raw);
      }
      this.startSkipping(true);
      return;
    }
    if (kept !== undefined) {
      // A finished portal of a statement that returns no rows (the probe's NoData)
      // cannot run again; one that returns rows answers with what is left.
      const returnsRows = (answer.groups[clientCount + ownCount] ?? []).some((f) => f.code === BackendCode.RowDescription);
      if (!returnsRows) {
        this.up.toClient(
          serialize.errorResponse({ severity: 'ERROR', code: '55000', message: `portal "${step.portal}" cannot be run` }),
        );
        this.startSkipping(false);
        return;
      }
      serveRows(this.up, kept, step.maxRows);
      return;
    }
    const begin = answer.groups[clientCount + ownCount + 1] ?? [];
    if (!noticeCodes(begin).includes('25001')) this.state.ownsBlock = true;
    const bound = this.boundText(answer.groups[clientCount + ownCount + 2] ?? []);
    let run = step;
    if (bound !== null && bound !== step.sql) {
      // Not the statement the pipeline's last Parse of that name sent (it failed:
      // 42P05 for a name in use): the portal runs what it was bound to, through
      // the loop when that calls ML too, else as the server runs it.
      if (!this.handles(bound)) {
        this.pending.push(step.raw);
        return;
      }
      run = { ...step, sql: bound };
    }
    // Nothing of the client's comes between this statement and the COMMIT that ends the block.
    const closeWithCommit =
      syncFollows && this.state.ownsBlock
        ? (statements: readonly string[]) => {
            this.state.beforeCommit = [...statements];
          }
        : undefined;
    await this.deliverResult(step, await this.runStatement(run, closeWithCommit));
  }

  /** A handled statement's answer to the client, as its Execute asked (a row limit keeps the rest). */
  private async deliverResult(step: HandledExecute, result: StatementResult): Promise<void> {
    if (!result.ok) {
      this.up.toClient(result.error);
      this.startSkipping(false);
      return;
    }
    if ('frames' in result) {
      deliverRows(this.up, this.state.portals, step, result.frames);
      return;
    }
    if (step.maxRows > 0) {
      // Served a few rows per Execute: the rows stay in memory for the portal.
      const frames = result.spool.frames();
      result.spool.dispose();
      deliverRows(this.up, this.state.portals, step, frames);
      return;
    }
    // The whole answer at once: it streams from the spool, in the order the server sent it.
    const complete = result.spool.lastCommandComplete;
    const tag = complete === null ? '' : (commandTag([new Frame(BackendCode.CommandComplete, complete)]) ?? '');
    await result.spool.deliver(
      (bytes) => this.up.toClient(bytes),
      () => this.up.clientDrained(),
    );
    // Kept even when complete: executing a finished portal again returns no rows, it does not rerun.
    this.state.portals.set(step.portal, { bindId: step.bindId, rows: [], offset: 0, tag, answered: true });
  }

  /** The source text of the statement the server's portal was bound to (null when not listed). */
  private boundText(frames: readonly Frame[]): string | null {
    const row = frames.find((f) => f.code === BackendCode.DataRow);
    if (row === undefined) return null;
    // One column: int16 count, int32 length, then the text in the client's encoding.
    const length = row.payload.readInt32BE(2);
    if (length < 0) return null;
    return this.up.decodeText(row.payload.subarray(6, 6 + length));
  }

  /** The kept result of this very binding of the portal, if an earlier Execute left one. */
  private keptResult(step: HandledExecute): PortalResult | undefined {
    const kept = this.state.portals.get(step.portal);
    if (kept !== undefined && kept.bindId !== step.bindId) {
      this.state.portals.delete(step.portal);
      return undefined;
    }
    return kept;
  }

  /** Forwards the answers to the client's own messages (see implicit-block.ts). */
  private forwardClient(groups: readonly Frame[][]): void {
    const { out, refused } = clientAnswers(groups, this.state);
    if (out.length > 0) this.up.toClient(Buffer.concat(out));
    if (refused) this.startSkipping(false);
  }
}

function isSync(step: ExtendedStep | undefined): boolean {
  return step?.kind === 'relay' && step.code === FrontendCode.Sync;
}
