/**
 * Aurora PostgreSQL's aws_ml behaviour on top of the PostgreSQL wire front:
 * decides which statements need the emulator, runs them through the
 * evaluation loop, and answers the extension DDL. Everything else is relayed.
 */
import type { Logger } from 'pino';
import { awsMlVersionFor } from '../../control/engine-versions.ts';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import { parseDeclare, preparedStatementName } from '../../sql/pg/cursor-commands.ts';
import { parseExtensionCommand } from '../../sql/pg/extension-commands.ts';
import { classifyStatement } from '../../sql/pg/statement-kind.ts';
import { splitStatements } from '../../sql/pg/statement-split.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Prepared } from '../../wire/pg/extended-batch.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream, ExtendedStep, SessionInfo, StatementHandler } from '../../wire/pg/statement-handler.ts';
import { boundParams } from './bound-params.ts';
import { type Classified, classify, createsObjects, mightNeedEmulator } from './classify.ts';
import { runDeclare } from './cursor.ts';
import { ExtendedRunner } from './extended-runner.ts';
import { ExtendedState, type HandledExecute, type LightStatement, type StatementResult } from './extended-state.ts';
import { ExtensionCatalog } from './extension-catalog.ts';
import { forgetProbesFor } from './literal-statement.ts';
import { settingsProbe } from './loop-settings.ts';
import { type LoopOptions, type LoopOutcome, type LoopSessionState, runMlStatement } from './ml-loop.ts';
import { extendedDriver, simpleDriver } from './pass-driver.ts';
import { type Prefetch, preparePrefetch } from './prefetch.ts';
import { wholeTextSyntaxError } from './syntax-check.ts';

export interface PgAuroraOptions {
  readonly evaluator: MlEvaluator;
  readonly engineVersion: string;
  readonly strict: boolean;
  readonly log: Logger;
  /** The control plane's last refusal on a connection (by backend pid), for SHOW aurora_ml_last_denial. */
  readonly lastDenial?: (processId: number) => string | null;
}

interface SessionState extends LoopSessionState {
  /** Set by SET aurora_ml.strict; null follows the emulator's option. */
  strict: boolean | null;
  /** The extended protocol's state between pipelines (see extended-runner.ts). */
  readonly extended: ExtendedState;
  /** Names of SQL-level prepared statements that call ML functions (EXECUTE needs the loop). */
  readonly preparedMl: Set<string>;
  /** Temporary tables made for cursors so far (their names count up). */
  cursorTables: number;
}

export class PgAuroraHandler implements StatementHandler {
  private readonly catalog: ExtensionCatalog;
  /** What is kept per client session, by upstream backend process id. */
  private readonly sessions = new Map<number, SessionState>();
  private readonly version: '1.0' | '2.0';

  constructor(private readonly options: PgAuroraOptions) {
    this.version = awsMlVersionFor(options.engineVersion);
    this.catalog = new ExtensionCatalog(this.version, options.log);
  }

  wantsQuery(sql: string, session: SessionInfo): boolean {
    const state = this.sessions.get(session.processId);
    // Every statement of the client's passes here (a Parse's too, through prepare), relayed or not.
    forgetProbesFor(sql, state);
    return mightNeedEmulator(sql, this.catalog.dependentsIn(session.database), state?.preparedMl);
  }

  prepare(sql: string, session: SessionInfo): Prepared {
    if (!this.wantsQuery(sql, session)) return null;
    let classified: Classified;
    try {
      classified = this.classify(sql, session);
    } catch (err) {
      // Refused (a bad setting, too many arguments, strict mode): each Execute gets the error.
      return { sql, handled: true, refusal: err };
    }
    switch (classified.kind) {
      case 'plain':
        return { sql: classified.sql, handled: false };
      case 'strict':
        this.noteStrict(session, classified.strict);
        return { sql: classified.sql, handled: false };
      case 'extension':
        return { sql, handled: true };
      case 'ml':
      case 'cursor':
        return { sql: classified.sql, handled: true };
    }
  }

  private classify(sql: string, session: SessionInfo): Classified {
    return classify(sql, {
      dependents: this.catalog.dependentsIn(session.database),
      preparedMl: this.state(session).preparedMl,
      catalogInstalled: this.catalog.hasExtensions(session.database),
      strict: this.state(session).strict ?? this.options.strict,
      lastDenial: () => this.options.lastDenial?.(session.processId) ?? null,
    });
  }

  private state(session: SessionInfo): SessionState {
    const known = this.sessions.get(session.processId);
    if (known !== undefined) return known;
    const state: SessionState = {
      strict: null,
      cachedRows: 0,
      extended: new ExtendedState(),
      preparedMl: new Set(),
      cursorTables: 0,
    };
    this.sessions.set(session.processId, state);
    return state;
  }

  private noteStrict(session: SessionInfo, strict: boolean | null): void {
    this.state(session).strict = strict;
  }

  /** A PREPARE that calls ML functions: later EXECUTEs of its name go through the loop too. */
  private notePrepared(sql: string, session: SessionInfo): void {
    if (classifyStatement(sql) !== 'prepare') return;
    const name = preparedStatementName(sql, 'prepare');
    if (name !== undefined) this.state(session).preparedMl.add(name);
  }

  onSessionEnd(session: SessionInfo): void {
    this.sessions.delete(session.processId);
  }

  // ---- running ----

  onSessionReady(up: ControlledUpstream): Promise<void> {
    return this.catalog.onSessionReady(up);
  }

  async runQuery(sql: string, up: ControlledUpstream): Promise<void> {
    const statements = splitStatements(sql, {});
    if (statements.length > 1) {
      const syntaxError = await wholeTextSyntaxError(sql, up);
      if (syntaxError !== null) {
        up.toClient(Buffer.concat([syntaxError.raw, serialize.readyForQuery(up.status)]));
        return;
      }
    }
    // Several statements in one Query run as one implicit transaction, as PostgreSQL runs them.
    const wrap =
      up.status === 'I' && statements.length > 1 && !statements.some((s) => classifyStatement(s.text) === 'transaction');
    if (wrap) await up.send([serialize.query('BEGIN')]);
    let failed = false;
    let refresh = false;
    for (const statement of statements) {
      const outcome = await this.runOne(statement.text, up);
      if (outcome.refresh) refresh = true;
      if (!outcome.ok) {
        failed = true;
        break;
      }
    }
    if (wrap) await up.send([serialize.query(failed ? 'ROLLBACK' : 'COMMIT')]);
    if (refresh && !failed && up.status === 'I') await this.catalog.refresh(up);
    up.toClient(serialize.readyForQuery(up.status));
  }

  /** Runs one statement of a simple Query, answering the client except ReadyForQuery. */
  private async runOne(sql: string, up: ControlledUpstream): Promise<{ ok: boolean; refresh: boolean }> {
    let classified: Classified;
    try {
      classified = this.classify(sql, up.session);
    } catch (err) {
      up.toClient(serialize.emulatorError(toEmulatorError(err)));
      return { ok: false, refresh: false };
    }
    if (up.status === 'E' && (classified.kind === 'ml' || classified.kind === 'cursor')) {
      // An aborted transaction refuses the statement anyway: the server's own answer
      // (a syntax error, or 25P02) is the right one, and nothing may run.
      return { ok: this.forward(await up.send([serialize.query(classified.sql)]), up), refresh: false };
    }
    switch (classified.kind) {
      case 'plain':
      case 'strict': {
        const frames = await up.send([serialize.query(classified.sql)]);
        const ok = this.forward(frames, up);
        if (ok && classified.kind === 'strict') this.noteStrict(up.session, classified.strict);
        return { ok, refresh: classified.kind === 'plain' && classified.ddl };
      }
      case 'extension': {
        const result = await this.catalog.runExtension(classified.command, up, false);
        up.toClient(result.ok ? Buffer.concat(result.frames.map((f) => f.raw)) : result.error);
        return { ok: result.ok, refresh: true };
      }
      case 'ml': {
        for (const notice of classified.seedNotices) up.toClient(noticeMessage(notice));
        const outcome = await runMlStatement({
          driver: simpleDriver(up, classified.sql),
          up,
          evaluator: this.options.evaluator,
          ownsTransaction: up.status === 'I',
          inClientBlock: up.status === 'T',
          state: this.state(up.session),
          prefetch: preparePrefetch(classified.sql, this.version),
        });
        await this.deliver(outcome, up);
        if (outcome.ok) this.notePrepared(sql, up.session);
        return { ok: outcome.ok, refresh: createsObjects(sql) };
      }
      case 'cursor': {
        for (const notice of classified.seedNotices) up.toClient(noticeMessage(notice));
        const result = await runDeclare({
          declare: classified.declare,
          up,
          evaluator: this.options.evaluator,
          state: this.state(up.session),
          inClientBlock: up.status !== 'I',
        });
        up.toClient(result.ok ? Buffer.concat(result.frames.map((f) => f.raw)) : result.error);
        return { ok: result.ok, refresh: false };
      }
    }
  }

  /** Forwards a plain statement's answer (without ReadyForQuery); false when it failed. */
  private forward(frames: readonly Frame[], up: ControlledUpstream): boolean {
    let ok = true;
    const out: Buffer[] = [];
    for (const frame of frames) {
      if (frame.code === BackendCode.ReadyForQuery) continue;
      if (frame.code === BackendCode.ErrorResponse) ok = false;
      out.push(frame.raw);
    }
    if (out.length > 0) up.toClient(Buffer.concat(out));
    return ok;
  }

  /** Sends the outcome to the client; a large answer streams from its spool at the client's pace. */
  private async deliver(outcome: LoopOutcome, up: ControlledUpstream): Promise<void> {
    if (!outcome.ok) {
      up.toClient(this.errorBytes(outcome.error));
      return;
    }
    await outcome.answer.deliver(
      (bytes) => up.toClient(bytes),
      () => up.clientDrained(),
    );
  }

  private errorBytes(error: EmulatorError | Frame): Buffer {
    if (!(error instanceof EmulatorError)) return error.raw;
    if (error.code === 'Internal') this.options.log.error({ err: error.cause }, 'ML statement failed inside the emulator');
    return serialize.emulatorError(error);
  }

  async runExtended(steps: readonly ExtendedStep[], up: ControlledUpstream): Promise<boolean> {
    const state = this.state(up.session);
    return new ExtendedRunner(
      up,
      state.extended,
      (step, closeWithCommit) => this.runHandledExecute(step, up, closeWithCommit),
      (sql) => this.prepare(sql, up.session)?.handled === true,
      (step) => this.lightStatement(step, up),
    ).run(steps);
  }

  /**
   * An Execute of nothing but ML calls on literals and bound parameters
   * (`SELECT * FROM aws_comprehend.detect_sentiment($1, 'en')`): the light
   * path of literal-statement.ts, with the settings probed in the round trip
   * of the client's own messages (see ExtendedRunner.runLight).
   */
  private lightStatement(step: HandledExecute, up: ControlledUpstream): LightStatement | null {
    if (step.refusal !== undefined) return null;
    const prefetch = this.prefetchOf(step.sql);
    if (prefetch === null || !prefetch.sealed) return null;
    const calls = prefetch.callsWith(boundParams(step.bind, step.paramTypes, (bytes) => up.decodeText(bytes)));
    if (calls === null) return null;
    return {
      probe: settingsProbe(prefetch),
      run: (probe, { inClientBlock, reopen, closeWithCommit }) =>
        this.runExtendedLoop(step, up, prefetch, {
          ...(closeWithCommit === undefined ? {} : { closeWithCommit }),
          inClientBlock,
          light: { calls, probe, reopen },
        }),
    };
  }

  interruptHold(up: ControlledUpstream): Promise<'run' | 'discard'> {
    const state = this.state(up.session);
    return new ExtendedRunner(up, state.extended, () => Promise.reject(new Error('no statement to run'))).interrupt();
  }

  /** One handled Execute, inside a transaction block the runner made sure of. */
  private async runHandledExecute(
    step: HandledExecute,
    up: ControlledUpstream,
    closeWithCommit?: (statements: readonly string[]) => void,
  ): Promise<StatementResult> {
    if (step.refusal !== undefined) return { ok: false, error: this.errorBytes(toEmulatorError(step.refusal)) };
    const extension = parseExtensionCommand(step.sql);
    if (extension !== null) return this.catalog.runExtension(extension, up, true);
    const declare = classifyStatement(step.sql) === 'declare' ? parseDeclare(step.sql) : null;
    if (declare !== null) {
      return runDeclare({
        declare,
        up,
        evaluator: this.options.evaluator,
        state: this.state(up.session),
        extended: { paramTypes: step.paramTypes, bind: step.bind },
        inClientBlock: !this.state(up.session).extended.ownsBlock,
      });
    }
    // The loop runs the text the portal was bound to: the client may have
    // parsed another statement under that name, or closed it, since its Bind.
    return this.runExtendedLoop(step, up, this.prefetchOf(step.sql), closeWithCommit === undefined ? {} : { closeWithCommit });
  }

  /** The last Execute's prefetch plan: the light path's check and the loop that follows it plan the same text. */
  private lastPrefetch: { readonly sql: string; readonly prefetch: Prefetch | null } | null = null;

  private prefetchOf(sql: string): Prefetch | null {
    if (this.lastPrefetch?.sql !== sql) this.lastPrefetch = { sql, prefetch: preparePrefetch(sql, this.version) };
    return this.lastPrefetch.prefetch;
  }

  /** An ML statement's Execute through the evaluation loop (or its light path), inside the runner's rules. */
  private async runExtendedLoop(
    step: HandledExecute,
    up: ControlledUpstream,
    prefetch: Prefetch | null,
    options: Pick<LoopOptions, 'closeWithCommit' | 'light' | 'inClientBlock'>,
  ): Promise<StatementResult> {
    const outcome = await runMlStatement({
      // The light path's run in the client's block closes with it (a savepoint's release).
      driver: extendedDriver(up, step, { closable: options.inClientBlock === true && options.light !== undefined }),
      up,
      evaluator: this.options.evaluator,
      ownsTransaction: false,
      state: this.state(up.session),
      prefetch,
      ...options,
    });
    if (!outcome.ok) return { ok: false, error: this.errorBytes(outcome.error) };
    this.notePrepared(step.sql, up.session);
    return { ok: true, spool: outcome.answer };
  }
}

export function noticeMessage(message: string): Buffer {
  return serialize.noticeResponse({ severity: 'NOTICE', code: '00000', message });
}
