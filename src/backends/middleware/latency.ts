/**
 * Simulated service time. Sampling (a pure function of the spec and a random
 * source) is kept apart from waiting, so the distribution can be checked
 * over many samples without sleeping.
 */

import type { Layer } from './call.ts';
import type { Random } from './random.ts';
import { normal } from './random.ts';
import { sleepWithin } from './sleep.ts';
import type { LatencySpec } from './tuning.ts';

/** z of the standard normal's 99th percentile. */
const Z99 = 2.326_347_874;

/** Milliseconds one call of `items` items takes under `spec`. */
export function sampleLatency(spec: LatencySpec | undefined, items: number, random: Random): number {
  if (spec === undefined) return 0;
  const perItem = (spec.perItemMs ?? 0) * items;
  switch (spec.kind) {
    case 'none':
      return perItem;
    case 'fixed':
      return spec.ms + perItem;
    case 'uniform':
      return spec.minMs + (spec.maxMs - spec.minMs) * random() + perItem;
    case 'lognormal': {
      const mu = Math.log(spec.p50Ms);
      const sigma = (Math.log(spec.p99Ms) - mu) / Z99;
      return Math.exp(mu + sigma * normal(random)) + perItem;
    }
  }
}

export interface LatencyOptions {
  /** The spec in effect for a call (read per call, so runtime changes apply at once). */
  readonly specFor: (service: string, target: string) => LatencySpec | undefined;
  readonly random: Random;
}

/** Waits the sampled latency before the wrapped backend answers. */
export function latencyLayer(options: LatencyOptions): Layer {
  return async (call, ctx, next) => {
    const delay = sampleLatency(options.specFor(call.service, call.target), call.items, options.random);
    if (delay > 0) await sleepWithin(delay, call, ctx);
    return next(ctx);
  };
}
