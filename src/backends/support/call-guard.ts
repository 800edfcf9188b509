/**
 * Deadline and cancellation handling shared by the SageMaker and Bedrock
 * backends: every call either settles on its own, or stops waiting the moment
 * its deadline passes or the client cancels the statement.
 */
import { EmulatorError } from '../../errors.ts';
import type { CallContext } from '../types.ts';

/** Node fires timers above 2^31-1 ms immediately; such deadlines mean "none". */
const MAX_TIMER_MS = 2_147_483_647;

/** The error PostgreSQL itself reports for a CancelRequest. */
export function canceledError(): EmulatorError {
  return new EmulatorError('QueryCanceled', 'canceling statement due to user request');
}

/**
 * Runs `work` with a signal that aborts at `deadline` or when `ctx.signal`
 * aborts, and settles with the matching error at that moment even when `work`
 * ignores its signal: an in-process model cannot be interrupted, but the
 * statement must not keep waiting for it.
 */
export async function guardCall<T>(
  ctx: CallContext,
  deadline: number,
  onTimeout: () => EmulatorError,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (ctx.signal.aborted) throw canceledError();
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw onTimeout();

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    const fail = (err: EmulatorError): void => {
      controller.abort(err);
      reject(err);
    };
    if (remaining <= MAX_TIMER_MS) timer = setTimeout(() => fail(onTimeout()), remaining);
    onAbort = () => fail(canceledError());
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
  }
}
