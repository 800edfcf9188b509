/**
 * Concurrent-request limits: a call beyond the limit waits its turn (FIFO,
 * until its deadline) or fails at once with the service's
 * ThrottlingException, as configured. The limit is read per call, so a
 * runtime change applies to the next call and lets queued calls through.
 */
import { canceledError } from '../support/call-guard.ts';
import type { CallContext } from '../types.ts';
import type { BackendCall, Layer } from './call.ts';
import { throttlingError } from './service-errors.ts';
import { timeoutError } from './sleep.ts';
import type { CapacitySpec } from './tuning.ts';

interface Waiter {
  readonly admit: () => void;
}

/** Slots of one scope (a service, or one endpoint or model of it). */
class Slots {
  active = 0;
  readonly queue: Waiter[] = [];

  release(limit: number): void {
    this.active--;
    this.drain(limit);
  }

  drain(limit: number): void {
    while (this.active < limit && this.queue.length > 0) {
      this.active++;
      this.queue.shift()?.admit();
    }
  }
}

export interface CapacityOptions {
  /** The limit in effect for a call and the scope it counts against ('sagemaker' or 'sagemaker/churn'). */
  readonly specFor: (service: string, target: string) => { readonly spec: CapacitySpec; readonly scope: string } | undefined;
}

export function capacityLayer(options: CapacityOptions): Layer {
  const scopes = new Map<string, Slots>();
  return async (call, ctx, next) => {
    const found = options.specFor(call.service, call.target);
    if (found === undefined) return next(ctx);
    const { spec, scope } = found;
    let slots = scopes.get(scope);
    if (slots === undefined) {
      slots = new Slots();
      scopes.set(scope, slots);
    }
    const limit = () => options.specFor(call.service, call.target)?.spec.maxConcurrent ?? Number.POSITIVE_INFINITY;
    slots.drain(limit());
    if (slots.active < spec.maxConcurrent) slots.active++;
    else if (spec.onExcess === 'throttle') throw throttlingError(call, spec.maxConcurrent);
    else await waitTurn(slots, call, ctx);
    try {
      return await next(ctx);
    } finally {
      slots.release(limit());
    }
  };
}

/** Queues for a slot; leaves the queue on timeout or cancel. */
function waitTurn(slots: Slots, call: BackendCall<unknown>, ctx: CallContext): Promise<void> {
  const start = Date.now();
  return new Promise<void>((resolve, reject) => {
    if (ctx.signal.aborted) return reject(canceledError());
    const leave = (err: Error) => {
      const i = slots.queue.indexOf(waiter);
      if (i >= 0) slots.queue.splice(i, 1);
      ctx.signal.removeEventListener('abort', onAbort);
      reject(err);
    };
    const onAbort = () => {
      clearTimeout(timer);
      leave(canceledError());
    };
    const remaining = ctx.deadline - start;
    const timer =
      remaining <= 2_147_483_647 ? setTimeout(() => leave(timeoutError(call, ctx, start)), Math.max(0, remaining)) : undefined;
    const waiter: Waiter = {
      admit: () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        resolve();
      },
    };
    slots.queue.push(waiter);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}
