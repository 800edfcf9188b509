/**
 * Injected faults: endpoint down, then the next queued outcome, then the
 * error rates. The queue is consumed from the settings object itself, so
 * reading the controls shows what is left of it.
 */
import type { Layer } from './call.ts';
import type { Random } from './random.ts';
import { downError, faultError } from './service-errors.ts';
import type { FaultSpec, FaultType, Outcome } from './tuning.ts';

export interface FaultState {
  readonly spec: FaultSpec;
  /** Removes and returns the next queued outcome. */
  readonly takeQueued: () => Outcome | undefined;
}

export interface FaultOptions {
  readonly stateFor: (service: string, target: string) => FaultState | undefined;
  readonly random: Random;
}

/** The error type one rate draw picks, or undefined for success. */
export function drawFault(rates: FaultSpec['rates'], random: Random): FaultType | undefined {
  if (rates === undefined) return undefined;
  const u = random();
  let acc = 0;
  for (const [type, rate] of Object.entries(rates) as [FaultType, number][]) {
    acc += rate;
    if (u < acc) return type;
  }
  return undefined;
}

export function faultLayer(options: FaultOptions): Layer {
  return (call, ctx, next) => {
    const state = options.stateFor(call.service, call.target);
    if (state === undefined) return next(ctx);
    if (state.spec.down) return Promise.reject(downError(call));
    const queued = state.takeQueued();
    if (queued !== undefined) {
      return queued === 'ok'
        ? next(ctx)
        : Promise.reject(faultError(call, queued, 'Injected by the fault queue (faults.queue).'));
    }
    const drawn = drawFault(state.spec.rates, options.random);
    if (drawn !== undefined) return Promise.reject(faultError(call, drawn, 'Injected by a fault rate (faults.rates).'));
    return next(ctx);
  };
}
