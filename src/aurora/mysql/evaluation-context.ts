/**
 * What the evaluator is told about one MySQL statement's calls: who makes
 * them (the gate checks that account and its roles), and until when. Shared
 * by the loop (./ml-loop.ts) and the light path (./literal-statement.ts).
 */
import type { EvalContext } from '../../ml/calls.ts';
import type { StatementTrace } from '../../ml/statement-trace.ts';
import type { MlStats } from '../../ml/stats.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import type { LoopSession, SessionFacts } from './session-setup.ts';

export function mysqlEvaluationContext(
  up: ControlledUpstream,
  session: LoopSession,
  facts: SessionFacts,
  /** When the statement started (Date.now()): its time limit counts from there. */
  startedAt: number,
  signal: AbortSignal,
  trace: StatementTrace,
): EvalContext {
  return {
    user: up.session.user,
    database: up.session.database,
    signal,
    statementDeadline: facts.timeLimitMs > 0 ? startedAt + facts.timeLimitMs : Number.POSITIVE_INFINITY,
    inferenceTimeoutMs: session.inferenceTimeoutMs,
    caller: {
      front: 'mysql',
      connectionId: up.session.connectionId,
      account: facts.account,
      activeRoles: facts.activeRoles,
      grantedRoles: facts.grantedRoles,
    },
    progress: trace,
  };
}

/**
 * A statement's calls in Aurora's counters: logical requests and responses
 * are the calls its rows made, cache hits the repeats of an input among them.
 */
export function countStatementCalls(stats: MlStats, calls: number, distinct: number): void {
  stats.logicalRequests += calls;
  stats.logicalResponses += calls;
  stats.cacheHits += Math.max(0, calls - distinct);
}
