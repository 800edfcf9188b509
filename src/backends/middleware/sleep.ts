/**
 * Waiting that honours a call's deadline and cancel signal: the simulated
 * latency, a capacity queue and retry backoff all end the way a real slow
 * service would for the caller (a timeout at the deadline, a cancel at once).
 */
import { EmulatorError } from '../../errors.ts';
import { canceledError } from '../support/call-guard.ts';
import type { CallContext } from '../types.ts';
import { type BackendCall, describeCall } from './call.ts';

/** The error callers map to aurora_ml_inference_timeout or statement_timeout (see src/ml/deadline.ts). */
export function timeoutError(call: BackendCall<unknown>, ctx: CallContext, start: number): EmulatorError {
  return new EmulatorError(
    'InferenceTimeout',
    `${describeCall(call)} did not answer within the inference timeout (${Math.max(0, ctx.deadline - start)} ms)`,
    { hint: 'Raise aurora_ml_inference_timeout, or lower the latency configured for this service.' },
  );
}

export function checkContext(call: BackendCall<unknown>, ctx: CallContext, start = Date.now()): void {
  if (ctx.signal.aborted) throw canceledError();
  if (Date.now() >= ctx.deadline) throw timeoutError(call, ctx, start);
}

/**
 * Sleeps `ms`; when that would pass the deadline it sleeps until the
 * deadline and then fails with the timeout, as the caller would have seen.
 */
export function sleepWithin(ms: number, call: BackendCall<unknown>, ctx: CallContext): Promise<void> {
  const start = Date.now();
  checkContext(call, ctx, start);
  const remaining = ctx.deadline - start;
  const wait = Math.min(ms, remaining);
  const late = ms >= remaining;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(canceledError());
    };
    const timer = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (late) reject(timeoutError(call, ctx, start));
      else resolve();
    }, wait);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}
