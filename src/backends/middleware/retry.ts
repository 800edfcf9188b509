/**
 * Aurora retries some failed requests without saying which (the policy is ours): throttling and 5xx
 * answers are retried up to `maxRetries` times with exponential backoff, each
 * retry counted in Aurora_ml_retry_request_cnt. A backoff that would pass the
 * deadline is not started: the last error is returned instead.
 *
 * A caller that wants to know how many retries one call needed (the
 * Observer, for its call log) passes a RetryTally in the call's context;
 * the retry layer counts into it. The count travels with the call, not in
 * shared state, so concurrent calls each see their own.
 */
import type { MlStats } from '../../ml/stats.ts';
import type { CallContext } from '../types.ts';
import type { Layer } from './call.ts';
import { isRetryable } from './service-errors.ts';
import { sleepWithin } from './sleep.ts';

export interface RetryOptions {
  readonly stats: MlStats;
  /** Default 2. */
  readonly maxRetries?: number;
  /** First backoff; each next one doubles (default 20 ms: 20, 40). */
  readonly baseDelayMs?: number;
}

/** One call's retries so far, written by the retry layer. */
export interface RetryTally {
  retries: number;
}

/** A CallContext that carries a tally (layers pass contexts on whole, so it reaches the retry layer). */
export interface TalliedContext extends CallContext {
  readonly retryTally?: RetryTally;
}

/** `ctx` with a fresh tally, and the tally to read once the call settles. */
export function withRetryTally(ctx: CallContext): { readonly ctx: TalliedContext; readonly tally: RetryTally } {
  const tally: RetryTally = { retries: 0 };
  return { ctx: { ...ctx, retryTally: tally }, tally };
}

export const DEFAULT_RETRY = { maxRetries: 2, baseDelayMs: 20 } as const;

export function retryLayer(options: RetryOptions): Layer {
  const maxRetries = options.maxRetries ?? DEFAULT_RETRY.maxRetries;
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  return async (call, ctx, next) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(ctx);
      } catch (err) {
        const backoff = base * 2 ** attempt;
        if (attempt >= maxRetries || !isRetryable(err) || ctx.signal.aborted || Date.now() + backoff >= ctx.deadline) throw err;
        await sleepWithin(backoff, call, ctx);
        options.stats.retries++;
        const tally = (ctx as TalliedContext).retryTally;
        if (tally) tally.retries++;
      }
    }
  };
}
