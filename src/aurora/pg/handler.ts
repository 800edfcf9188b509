/**
 * Aurora PostgreSQL's aws_ml behaviour on top of the PostgreSQL wire front:
 * decides which statements need the emulator, runs them through the
 * evaluation loop, and answers the extension DDL. Everything else is relayed.
 */
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import { limits } from '../../ml/limits.ts';
import { findMlCalls, mightTouchMl, referencesAny } from '../../sql/pg/ml-calls.ts';
import { rewriteInvokeEndpoint } from '../../sql/pg/rewrite.ts';
import { parseExtensionCommand, parseSetCommand, parseShowCommand, splitStatements } from '../../sql/pg/statements.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream, ExtendedStep, SessionInfo, StatementHandler } from '../../wire/pg/statement-handler.ts';
import { DEPENDENTS_QUERY, DependencyIndex } from './dependencies.ts';
import { CATALOG_SCHEMA, INSTALLED_QUERY, parseInstalled, planExtension } from './extension.ts';
import { runMlStatement, type LoopOutcome } from './ml-loop.ts';
import { extendedDriver, simpleDriver } from './pass-driver.ts';
import { awsMlVersionFor } from './stubs.ts';

export interface PgAuroraOptions {
  readonly evaluator: MlEvaluator;
  readonly engineVersion: string;
  readonly strict: boolean;
  readonly log: Logger;
}

/** Cheap test run on every statement of pass-through traffic. */
const QUICK = /aws_(?:comprehend|sagemaker|bedrock|ml|commons)|pg_extension|aurora_ml/i;
const DDL = /^\s*(?:create|alter|drop|comment|grant|revoke|security\s+label)\b/i;
const EXECUTES_QUERY = /^\s*create\s+(?:(?:global|local)\s+)?(?:temp\s+|temporary\s+|unlogged\s+)?(?:table|materialized\s+view)\b/i;
const TRANSACTION_CONTROL = /^\s*(?:begin|start|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;
const SEED_FUNCTIONS: Readonly<Record<string, string>> = {
  'aws_comprehend.detect_entities': 'aws_comprehend.detect_entities',
  'aws_comprehend.detect_key_phrases': 'aws_comprehend.detect_key_phrases',
  'aws_comprehend.detect_dominant_language': 'aws_comprehend.detect_dominant_language',
};

type Classified =
  | { readonly kind: 'plain'; readonly sql: string; readonly ddl: boolean }
  | { readonly kind: 'ml'; readonly sql: string; readonly seedNotices: readonly string[] }
  | { readonly kind: 'extension'; readonly command: NonNullable<ReturnType<typeof parseExtensionCommand>> };

export class PgAuroraHandler implements StatementHandler {
  private readonly dependents = new DependencyIndex();
  private readonly installed = new Map<string, Map<string, string>>();
  private readonly version: '1.0' | '2.0';

  constructor(private readonly options: PgAuroraOptions) {
    this.version = awsMlVersionFor(options.engineVersion);
  }

  // ---- deciding ----

  private needsHandling(sql: string, database: string): boolean {
    if (QUICK.test(sql)) return true;
    const names = this.dependents.get(database);
    return names !== undefined && names.size > 0 && referencesAny(sql, names);
  }

  wantsQuery(sql: string, session: SessionInfo): boolean {
    return this.needsHandling(sql, session.database);
  }

  prepare(sql: string, session: SessionInfo): { sql: string; handled: boolean } | null {
    if (!this.needsHandling(sql, session.database)) return null;
    const classified = this.classify(sql, session.database);
    if (classified.kind === 'plain') return { sql: classified.sql, handled: false };
    if (classified.kind === 'extension') return { sql, handled: true };
    return { sql: classified.sql, handled: true };
  }

  /** Throws EmulatorError for statements that must fail before running. */
  private classify(sql: string, database: string): Classified {
    const setting = this.sessionSetting(sql);
    if (setting !== null) return { kind: 'plain', sql: setting, ddl: false };
    const command = parseExtensionCommand(sql);
    if (command !== null) return { kind: 'extension', command };
    const rewritten = this.rewriteCatalog(this.rewriteCalls(sql), database);
    const calls = findMlCalls(sql, { scanBodies: false });
    if (DDL.test(sql) && !EXECUTES_QUERY.test(sql)) return { kind: 'plain', sql: rewritten.sql, ddl: true };
    const names = this.dependents.get(database);
    const dependent = names !== undefined && names.size > 0 && referencesAny(sql, names);
    if (calls.length === 0 && !dependent) return { kind: 'plain', sql: rewritten.sql, ddl: false };
    const seedNotices: string[] = [];
    for (const call of calls) {
      const seed = SEED_FUNCTIONS[call.fn];
      if (seed !== undefined) seedNotices.push(this.seedUse(`${seed}() is`));
    }
    for (let i = 0; i < rewritten.seedTwoArgCalls; i++) {
      seedNotices.push(this.seedUse('the two-argument form aws_sagemaker.invoke_endpoint(endpoint, payload) is'));
    }
    return { kind: 'ml', sql: rewritten.sql, seedNotices };
  }

  /**
   * Aurora's session variable aurora_ml_inference_timeout has no dot, which
   * PostgreSQL refuses for custom settings: it lives as aurora_ml.inference_timeout
   * (also settable directly), so it follows SET LOCAL, RESET and transactions.
   */
  private sessionSetting(sql: string): string | null {
    const show = parseShowCommand(sql);
    if (show === 'aurora_ml_inference_timeout' || show === 'aurora_ml.inference_timeout') {
      return `SELECT coalesce(nullif(current_setting('aurora_ml.inference_timeout', true), ''), '${limits.defaultInferenceTimeoutMs}') AS aurora_ml_inference_timeout`;
    }
    const set = parseSetCommand(sql);
    if (set === null || set.name !== 'aurora_ml_inference_timeout') return null;
    if (set.value === null) return 'RESET aurora_ml.inference_timeout';
    if (!/^\d+$/.test(set.value) || Number(set.value) <= 0) {
      throw new EmulatorError('InvalidArgument', `invalid value for parameter "aurora_ml_inference_timeout": "${set.value}"`, {
        hint: 'Give the timeout in milliseconds, a positive integer.',
      });
    }
    return `SET ${set.local ? 'LOCAL ' : ''}aurora_ml.inference_timeout = ${set.value}`;
  }

  private seedUse(what: string): string {
    const message = `${what} an aurora-ml-emulator extension: real Aurora PostgreSQL rejects it`;
    if (this.options.strict) {
      throw new EmulatorError('NotSupportedByAurora', `${what} not supported by Aurora (aurora-ml-emulator strict mode)`, {
        hint: 'Use the documented signatures: aws_comprehend.detect_sentiment, aws_sagemaker.invoke_endpoint(endpoint, max_rows_per_batch, VARIADIC inputs).',
      });
    }
    return message;
  }

  private rewriteCalls(sql: string): { sql: string; seedTwoArgCalls: number } {
    const calls = findMlCalls(sql, { scanBodies: true }).filter((c) => c.fn === 'aws_sagemaker.invoke_endpoint');
    if (calls.length === 0) return { sql, seedTwoArgCalls: 0 };
    const result = rewriteInvokeEndpoint(sql, calls);
    if (result.tooManyArguments) {
      throw new EmulatorError('TooManyArguments', 'cannot pass more than 100 arguments to a function');
    }
    return { sql: result.sql, seedTwoArgCalls: result.seedTwoArgCalls };
  }

  /** pg_extension queries (e.g. psql's \dx) also see the emulated extensions. */
  private rewriteCatalog(r: { sql: string; seedTwoArgCalls: number }, database: string): { sql: string; seedTwoArgCalls: number } {
    if (!/pg_extension/i.test(r.sql)) return r;
    // The view exists once an emulated extension was installed in this database.
    if (!this.installed.get(database)?.size) return r;
    return {
      sql: r.sql.replace(/(?:\bpg_catalog\s*\.\s*)?\bpg_extension\b(?!\s*\()/gi, `${CATALOG_SCHEMA}.pg_extension`),
      seedTwoArgCalls: r.seedTwoArgCalls,
    };
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
    const wrap = up.status === 'I' && statements.length > 1 && !statements.some((s) => TRANSACTION_CONTROL.test(s.text));
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
      classified = this.classify(sql, up.session.database);
    } catch (err) {
      up.toClient(errorMessage(toEmulatorError(err)));
      return { ok: false, refresh: false };
    }
    switch (classified.kind) {
      case 'plain': {
        const frames = await up.send([serialize.query(classified.sql)]);
        const ok = this.forward(frames, up);
        return { ok, refresh: classified.ddl };
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
        });
        this.deliver(outcome, up);
        return { ok: outcome.ok, refresh: EXECUTES_QUERY.test(sql) };
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
      up.toClient(errorMessage(toEmulatorError(err)));
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
      up.toClient(errorMessage(error));
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
      });
      this.deliver(outcome, up);
      if (!outcome.ok) failed = true;
    }
    if (!failed) await flushRelayed();
    if (own) await up.send([serialize.query(failed ? 'ROLLBACK' : 'COMMIT')]);
    if (endsWithSync) up.toClient(serialize.readyForQuery(up.status));
  }
}

export function errorMessage(error: EmulatorError): Buffer {
  return serialize.errorResponse({
    severity: 'ERROR',
    code: error.entry.pg,
    message: error.message,
    detail: error.detail,
    hint: error.hint,
  });
}

export function noticeMessage(message: string): Buffer {
  return serialize.noticeResponse({ severity: 'NOTICE', code: '00000', message });
}
