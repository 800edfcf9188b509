/**
 * The record of SQL statements that made ML calls: the running ones, and a
 * bounded ring of finished ones (oldest drop out first, as in call-log.ts).
 * The evaluation loops report to it through StatementTracer
 * (src/ml/statement-trace.ts); the dashboard reads it and hears of each
 * change through subscribe(). Batch progress is counted, not announced:
 * a 50,000-row UPDATE makes thousands of requests, and readers poll.
 */
import { EmulatorError, type ErrorCode } from '../errors.ts';
import type { PhaseKind, StatementFailure, StatementTrace, StatementTracer } from '../ml/statement-trace.ts';
import { Ring } from './ring.ts';

export type Front = 'postgres' | 'mysql';
export type StatementOutcome = 'running' | 'ok' | 'timeout' | 'throttled' | 'denied' | 'error' | 'canceled';

export interface StatementPhase {
  readonly kind: PhaseKind;
  /** Milliseconds from the statement's start. */
  readonly startMs: number;
  /** Null while the phase runs. */
  readonly durationMs: number | null;
  /** Evaluate: the distinct ML calls it handled. */
  readonly calls?: number;
  /** Evaluate: backend requests (batches) it made. */
  readonly requests?: number;
  /** PostgreSQL sends the cache fill and the next run in one round trip: a final phase may include it. */
  readonly includesCacheFill?: boolean;
}

export interface StatementEntry {
  /** Increases by one per statement for the life of the log. */
  readonly id: number;
  readonly front: Front;
  /** Backend pid (PostgreSQL) or thread id (MySQL). */
  readonly connectionId: number;
  /** The statement, shortened to SQL_MAX characters. */
  readonly sql: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** So far, while running. */
  readonly durationMs: number;
  readonly phases: readonly StatementPhase[];
  readonly batchesDone: number;
  readonly batchesKnown: number;
  /** Rows returned or changed, when the front reports them. */
  readonly rows: number | null;
  readonly outcome: StatementOutcome;
  readonly error?: { readonly code: string; readonly message: string };
}

export type StatementListener = (entry: StatementEntry) => void;

/** Per front, since the emulator started. */
export interface FrontTotals {
  statements: number;
  failed: number;
  /** Distinct ML calls evaluated. */
  mlCalls: number;
  /** Backend requests made. */
  requests: number;
}

export const SQL_MAX = 200;
export const DEFAULT_STATEMENT_CAPACITY = 1_000;

const OUTCOME_OF_CODE: Partial<Record<ErrorCode, StatementOutcome>> = {
  InferenceTimeout: 'timeout',
  StatementTimeout: 'timeout',
  MaxStatementTime: 'timeout',
  QueryCanceled: 'canceled',
  PermissionDenied: 'denied',
  MlAccessDenied: 'denied',
  MlRoleNotConfigured: 'denied',
  MlDisabled: 'denied',
};

const THROTTLING = /throttl|toomanyrequests|servicequotaexceeded/i;

/** How a statement ended, from what the loop reported failing it. */
export function classifyFailure(failure: StatementFailure): {
  outcome: StatementOutcome;
  error: { code: string; message: string };
} {
  if (failure instanceof EmulatorError) {
    const throttled = failure.serviceCode !== undefined && THROTTLING.test(failure.serviceCode);
    const outcome = throttled ? 'throttled' : (OUTCOME_OF_CODE[failure.code] ?? 'error');
    return { outcome, error: { code: failure.serviceCode ?? failure.code, message: failure.message } };
  }
  if ('databaseCode' in failure) {
    const { databaseCode: code, message } = failure;
    return { outcome: DATABASE_OUTCOMES[code]?.(message) ?? 'error', error: { code, message } };
  }
  return { outcome: 'error', error: { code: 'Internal', message: 'internal error in aurora-ml-emulator' } };
}

/**
 * The database errors that are not plain failures: PostgreSQL's 57014 (a
 * statement timeout or a cancel, told apart by the message), MySQL's 3024 and
 * MariaDB's 1969 (statement time limits), 1317 (an interrupted query).
 */
const DATABASE_OUTCOMES: Readonly<Record<string, (message: string) => StatementOutcome>> = {
  '57014': (message) => (/cancel/i.test(message) ? 'canceled' : 'timeout'),
  '3024': () => 'timeout',
  '1969': () => 'timeout',
  '1317': () => 'canceled',
};

/** Whitespace folded, then cut at SQL_MAX characters. */
export function shortenSql(sql: string): string {
  const folded = sql.replace(/\s+/g, ' ').trim();
  return folded.length <= SQL_MAX ? folded : `${folded.slice(0, SQL_MAX - 1)}…`;
}

interface MutablePhase {
  kind: PhaseKind;
  startMs: number;
  durationMs: number | null;
  calls?: number;
  requests?: number;
  includesCacheFill?: boolean;
}

/** A phase as readers get it: only the fields it has, in one order (see RunningStatement.entry). */
function copyPhase(p: MutablePhase): StatementPhase {
  return {
    kind: p.kind,
    startMs: p.startMs,
    durationMs: p.durationMs,
    ...(p.calls === undefined ? {} : { calls: p.calls }),
    ...(p.requests === undefined ? {} : { requests: p.requests }),
    ...(p.includesCacheFill === undefined ? {} : { includesCacheFill: p.includesCacheFill }),
  };
}

/** One statement while it runs; snapshot() is what readers get. */
class RunningStatement implements StatementTrace {
  private readonly started = performance.now();
  private readonly phases: MutablePhase[] = [];
  private batchesDone = 0;
  private batchesKnown = 0;
  private rowCount: number | null = null;
  private finished: StatementEntry | null = null;

  constructor(
    readonly id: number,
    readonly front: Front,
    private readonly connectionId: number,
    private readonly sql: string,
    private readonly startedAt: string,
    private readonly owner: StatementLog,
  ) {}

  private elapsed(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  phase(kind: PhaseKind, calls?: number): void {
    if (this.finished) return;
    const now = this.elapsed();
    this.closePhase(now);
    const phase: MutablePhase = { kind, startMs: now, durationMs: null };
    if (kind === 'evaluate') {
      phase.calls = calls ?? 0;
      phase.requests = 0;
    }
    this.phases.push(phase);
    this.owner.changed(this);
  }

  batchesPlanned(count: number): void {
    this.batchesKnown += count;
  }

  batchDone(): void {
    this.batchesDone++;
    const current = this.phases.at(-1);
    if (current?.kind === 'evaluate') current.requests = (current.requests ?? 0) + 1;
  }

  rows(count: number): void {
    this.rowCount = count;
  }

  end(failure?: StatementFailure): void {
    if (this.finished) return;
    const now = this.elapsed();
    this.closePhase(now);
    const last = this.phases.at(-1);
    if (failure === undefined && last !== undefined && (last.kind === 'run' || last.kind === 'cache-fill')) {
      // The run that missed nothing was the real execution.
      if (last.kind === 'cache-fill') last.includesCacheFill = true;
      last.kind = 'final';
    }
    const ending = failure === undefined ? undefined : classifyFailure(failure);
    this.finished = this.entry(now, ending?.outcome ?? 'ok', ending?.error);
    this.owner.finish(this, this.finished);
  }

  snapshot(): StatementEntry {
    return this.finished ?? this.entry(this.elapsed(), 'running');
  }

  /**
   * Built field by field, never by spreading an entry and overriding some of
   * its fields: V8 gives each object so made a map of its own, and a log of
   * thousands of them is then thousands of maps for the collector.
   */
  private entry(durationMs: number, outcome: StatementOutcome, error?: StatementEntry['error']): StatementEntry {
    return {
      id: this.id,
      front: this.front,
      connectionId: this.connectionId,
      sql: this.sql,
      startedAt: this.startedAt,
      durationMs,
      phases: this.phases.map(copyPhase),
      batchesDone: this.batchesDone,
      batchesKnown: this.batchesKnown,
      rows: this.rowCount,
      outcome,
      ...(error === undefined ? {} : { error }),
    };
  }

  private closePhase(now: number): void {
    const current = this.phases.at(-1);
    if (current !== undefined && current.durationMs === null) {
      current.durationMs = Math.round((now - current.startMs) * 10) / 10;
    }
  }
}

export class StatementLog implements StatementTracer {
  private readonly running = new Map<number, RunningStatement>();
  private readonly finished: Ring<StatementEntry>;
  private nextId = 1;
  private readonly listeners = new Set<StatementListener>();
  private readonly byFront: Record<Front, FrontTotals> = {
    postgres: { statements: 0, failed: 0, mlCalls: 0, requests: 0 },
    mysql: { statements: 0, failed: 0, mlCalls: 0, requests: 0 },
  };

  constructor(readonly capacity = DEFAULT_STATEMENT_CAPACITY) {
    this.finished = new Ring(capacity, 'statement log');
  }

  begin(front: Front, connectionId: number, sql: string): StatementTrace {
    const statement = new RunningStatement(this.nextId++, front, connectionId, shortenSql(sql), new Date().toISOString(), this);
    this.running.set(statement.id, statement);
    return statement;
  }

  /** Statements still running, oldest first, as they stand now. */
  runningNow(): StatementEntry[] {
    return [...this.running.values()].map((s) => s.snapshot());
  }

  /** How many statements of each front are waiting on their ML calls right now. */
  runningCount(front: Front): number {
    let count = 0;
    for (const s of this.running.values()) if (s.front === front) count++;
    return count;
  }

  /** Finished statements, oldest first; the last `limit` when given. */
  recent(limit?: number): StatementEntry[] {
    const out = this.finished.toArray();
    return limit === undefined ? out : out.slice(Math.max(0, out.length - limit));
  }

  get(id: number): StatementEntry | undefined {
    return this.running.get(id)?.snapshot() ?? this.recent().find((e) => e.id === id);
  }

  totals(): Record<Front, FrontTotals> {
    return { postgres: { ...this.byFront.postgres }, mysql: { ...this.byFront.mysql } };
  }

  /** Hears of every statement that starts a phase or ends; returns the unsubscribe function. */
  subscribe(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Empties the finished ring; returns how many it held. Running statements stay. */
  clear(): number {
    return this.finished.clear();
  }

  /** @internal A running statement moved to another phase. */
  changed(statement: RunningStatement): void {
    if (this.listeners.size === 0) return;
    this.notify(statement.snapshot());
  }

  /** @internal A statement ended. */
  finish(statement: RunningStatement, entry: StatementEntry): void {
    this.running.delete(statement.id);
    const totals = this.byFront[entry.front];
    totals.statements++;
    if (entry.outcome !== 'ok') totals.failed++;
    totals.requests += entry.batchesDone;
    for (const phase of entry.phases) totals.mlCalls += phase.calls ?? 0;
    this.finished.push(entry);
    this.notify(entry);
  }

  private notify(entry: StatementEntry): void {
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // A reader's failure must not fail the statement.
      }
    }
  }
}
