/**
 * What the evaluation loops report about each SQL statement that makes ML
 * calls: its phases, its batch progress and how it ended. The loops and the
 * batch runner only see these small interfaces; the observer (see
 * src/observe/statements.ts) records what they report. With no observer
 * attached, noStatementTracer ignores everything at no cost.
 */

/**
 * Why a statement failed, as a front reports it: an emulator error as is, or
 * the database's own error by its code (a PostgreSQL SQLSTATE, a MySQL error
 * number) and message, already read from that front's wire format.
 */
export type StatementFailure = Error | { readonly databaseCode: string; readonly message: string };

/** One step of a statement: a discovery run, an evaluation, a cache fill, the final run. */
export type PhaseKind = 'run' | 'evaluate' | 'cache-fill' | 'final';

/** Batch progress, reported by the batch runner (run-batches.ts) through EvalContext. */
export interface BatchProgress {
  /** `count` more backend requests are planned. */
  batchesPlanned(count: number): void;
  /** One planned request finished (successfully or not). */
  batchDone(): void;
}

/** One statement as a loop sees it, from its first run to its answer. */
export interface StatementTrace extends BatchProgress {
  /** A new phase starts now and the previous one ends; `calls` is the distinct ML calls an evaluation handles. */
  phase(kind: PhaseKind, calls?: number): void;
  /** Rows the statement returned or changed, when the loop knows it. */
  rows(count: number): void;
  /** The statement finished: `failure` is what failed it, or undefined. */
  end(failure?: StatementFailure): void;
}

export interface StatementTracer {
  begin(front: 'postgres' | 'mysql', connectionId: number, sql: string): StatementTrace;
}

const ignore = (): void => {};

export const noStatementTrace: StatementTrace = {
  phase: ignore,
  rows: ignore,
  end: ignore,
  batchesPlanned: ignore,
  batchDone: ignore,
};

export const noStatementTracer: StatementTracer = { begin: () => noStatementTrace };
