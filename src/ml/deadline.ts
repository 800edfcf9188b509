/** Turns the statement's limits into a backend CallContext. */
import type { CallContext } from '../backends/types.ts';
import { EmulatorError } from '../errors.ts';
import type { EvalContext } from './calls.ts';

export function callContext(ctx: EvalContext, serviceLimitMs = Number.POSITIVE_INFINITY): CallContext {
  const now = Date.now();
  const deadline = Math.min(ctx.statementDeadline, now + ctx.inferenceTimeoutMs, now + serviceLimitMs);
  return ctx.caller === undefined ? { deadline, signal: ctx.signal } : { deadline, signal: ctx.signal, caller: ctx.caller };
}

/** The error a backend timeout becomes, depending on which limit was hit. */
export function timeoutError(ctx: EvalContext): EmulatorError {
  if (Date.now() >= ctx.statementDeadline) {
    return new EmulatorError('StatementTimeout', 'canceling statement due to statement timeout');
  }
  return new EmulatorError(
    'InferenceTimeout',
    `canceling statement due to aurora_ml_inference_timeout (${ctx.inferenceTimeoutMs} ms) while waiting for the ML service`,
  );
}

export function checkNotCanceled(ctx: EvalContext): void {
  if (ctx.signal.aborted) throw new EmulatorError('QueryCanceled', 'canceling statement due to user request');
  if (Date.now() >= ctx.statementDeadline) {
    throw new EmulatorError('StatementTimeout', 'canceling statement due to statement timeout');
  }
}
