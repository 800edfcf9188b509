/**
 * Aurora PostgreSQL's aws_ml behaviour on top of the PostgreSQL wire front:
 * decides which statements need the emulator, runs them through the
 * evaluation loop, and answers the extension DDL. Everything else is relayed.
 */
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import { parseExtensionCommand } from '../../sql/pg/extension-commands.ts';
import { classifyStatement } from '../../sql/pg/statement-kind.ts';
import { splitStatements } from '../../sql/pg/statement-split.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream, ExtendedStep, SessionInfo, StatementHandler } from '../../wire/pg/statement-handler.ts';
import { type Classified, classify, createsObjects, mightNeedEmulator } from './classify.ts';
import { DEPENDENTS_QUERY, DependencyIndex } from './dependencies.ts';
import { INSTALLED_QUERY, parseInstalled, planExtension } from './extension.ts';
import { type LoopOutcome, type LoopSessionState, runMlStatement } from './ml-loop.ts';
import { extendedDriver, simpleDriver } from './pass-driver.ts';
import { awsMlVersionFor } from './stubs.ts';

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
}

export class PgAuroraHandler implements StatementHandler {
  private readonly dependents = new DependencyIndex();
  private readonly installed = new Map<string, Map<string, string>>();
  /** What is kept per client session, by upstream backend process id. */
  private readonly sessions = new Map<number, SessionState>();
  private readonly version: '1.0' | '2.0';

  constructor(private readonly options: PgAuroraOptions) {
    this.version = awsMlVersionFor(options.engineVersion);
  }

  wantsQuery(sql: string, session: SessionInfo): boolean {
    return mightNeedEmulator(sql, this.dependents.get(session.database));
  }

  prepare(sql: string, session: SessionInfo): { sql: string; handled: boolean } | null {
    if (!mightNeedEmulator(sql, this.dependents.get(session.database))) return null;
    const classified = this.classify(sql, session);
    switch (classified.kind) {
      case 'plain':
        return { sql: classified.sql, handled: false };
      case 'strict':
        this.noteStrict(session, classified.strict);
        return { sql: classified.sql, handled: false };
      case 'extension':
        return { sql, handled: true };
      case 'ml':
        return { sql: classified.sql, handled: true };
    }
  }

  private classify(sql: string, session: SessionInfo): Classified {
    return classify(sql, {
      dependents: this.dependents.get(session.database),
      catalogInstalled: (this.installed.get(session.database)?.size ?? 0) > 0,
      strict: this.state(session).strict ?? this.options.strict,
      lastDenial: () => this.options.lastDenial?.(session.processId) ?? null,
    });
  }

  private state(session: SessionInfo): SessionState {
    const known = this.sessions.get(session.processId);
    if (known !== undefined) return known;
    const state: SessionState = { strict: null, cachedRows: 0 };
    this.sessions.set(session.processId, state);
    return state;
  }

  private noteStrict(session: SessionInfo, strict: boolean | null): void {
    this.state(session).strict = strict;
  }

  onSessionEnd(session: SessionInfo): void {
    this.sessions.delete(session.processId);
  }

  // ---- running ----

  async onSessionReady(up: ControlledUpstream): Promise<void> {
    if (this.installed.has(up.session.database)) return;
    const frames = await up.send([serialize.query(`${INSTALLED_QUERY};\n${DEPENDENTS_QUERY}`)]);
    this.noteCatalog(up.session.database, frames);
  }

  private noteCatalog(database: string, frames: readonly Frame[]): void {
    const firstDone = frames.findIndex((f) => f.code === BackendCode.CommandComplete);
    const installed = parseInstalled(frames.slice(0, firstDone + 1));
    this.installed.set(database, installed);
    this.dependents.update(database, frames.slice(firstDone + 1));
  }

  private async refreshCatalog(up: ControlledUpstream): Promise<void> {
    const frames = await up.send([serialize.query(`${INSTALLED_QUERY};\n${DEPENDENTS_QUERY}`)]);
    if (!frames.some((f) => f.code === BackendCode.ErrorResponse)) this.noteCatalog(up.session.database, frames);
  }

  async runQuery(sql: string, up: ControlledUpstream): Promise<void> {
    const statements = splitStatements(sql, {});
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
    if (refresh && !failed && up.status === 'I') await this.refreshCatalog(up);
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
    switch (classified.kind) {
      case 'plain':
      case 'strict': {
        const frames = await up.send([serialize.query(classified.sql)]);
        const ok = this.forward(frames, up);
        if (ok && classified.kind === 'strict') this.noteStrict(up.session, classified.strict);
        return { ok, refresh: classified.kind === 'plain' && classified.ddl };
      }
      case 'extension':
        return { ok: await this.runExtension(classified.command, up), refresh: true };
      case 'ml': {
        for (const notice of classified.seedNotices) up.toClient(noticeMessage(notice));
        const outcome = await runMlStatement({
          driver: simpleDriver(up, classified.sql),
          up,
          evaluator: this.options.evaluator,
          ownsTransaction: up.status === 'I',
          state: this.state(up.session),
        });
        this.deliver(outcome, up);
        return { ok: outcome.ok, refresh: createsObjects(sql) };
      }
    }
  }

  private async runExtension(
    command: NonNullable<ReturnType<typeof parseExtensionCommand>>,
    up: ControlledUpstream,
  ): Promise<boolean> {
    await this.refreshCatalog(up);
    let plan: ReturnType<typeof planExtension>;
    try {
      plan = planExtension(command, this.installed.get(up.session.database) ?? new Map(), this.version);
    } catch (err) {
      up.toClient(serialize.emulatorError(toEmulatorError(err)));
      return false;
    }
    const own = up.status === 'I';
    const statements = plan.statements.length === 0 ? [] : own ? ['BEGIN', ...plan.statements, 'COMMIT'] : plan.statements;
    if (statements.length > 0) {
      const frames = await up.send([serialize.query(statements.join(';\n'))]);
      const error = frames.find((f) => f.code === BackendCode.ErrorResponse);
      if (error) {
        if (own) await up.send([serialize.query('ROLLBACK')]);
        up.toClient(error.raw);
        return false;
      }
    }
    for (const notice of plan.notices) up.toClient(noticeMessage(notice));
    up.toClient(serialize.commandComplete(plan.tag));
    await this.refreshCatalog(up);
    return true;
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

  private deliver(outcome: LoopOutcome, up: ControlledUpstream): void {
    if (outcome.ok) {
      up.toClient(Buffer.concat(outcome.frames.map((f) => f.raw)));
      return;
    }
    const error = outcome.error;
    if (error instanceof EmulatorError) {
      if (error.code === 'Internal') this.options.log.error({ err: error.cause }, 'ML statement failed inside the emulator');
      up.toClient(serialize.emulatorError(error));
    } else {
      up.toClient(error.raw);
    }
  }

  async runExtended(steps: readonly ExtendedStep[], up: ControlledUpstream): Promise<void> {
    const own = up.status === 'I';
    if (own) await up.send([serialize.query('BEGIN')]);
    let failed = false;
    let pending: Buffer[] = [];
    const last = steps[steps.length - 1];
    const endsWithSync = last?.kind === 'relay' && last.code === 0x53;
    const flushRelayed = async () => {
      if (pending.length === 0) return;
      const frames = await up.send([...pending, serialize.sync()]);
      pending = [];
      if (!this.forward(frames, up)) failed = true;
    };
    for (const step of steps) {
      if (failed) break;
      if (step.kind === 'relay') {
        // The batch's own Sync/Flush is replaced by the emulator's.
        if (step.code !== 0x53 && step.code !== 0x48) pending.push(step.raw);
        continue;
      }
      await flushRelayed();
      if (failed) break;
      const extension = parseExtensionCommand(step.sql);
      if (extension !== null) {
        if (!(await this.runExtension(extension, up))) failed = true;
        continue;
      }
      const outcome = await runMlStatement({
        driver: extendedDriver(up, step.bind.statement, step.bind),
        up,
        evaluator: this.options.evaluator,
        ownsTransaction: false,
        state: this.state(up.session),
      });
      this.deliver(outcome, up);
      if (!outcome.ok) failed = true;
    }
    if (!failed) await flushRelayed();
    if (own) await up.send([serialize.query(failed ? 'ROLLBACK' : 'COMMIT')]);
    if (endsWithSync) up.toClient(serialize.readyForQuery(up.status));
  }
}

export function noticeMessage(message: string): Buffer {
  return serialize.noticeResponse({ severity: 'NOTICE', code: '00000', message });
}
