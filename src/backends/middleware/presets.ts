/**
 * Latency presets. `none` is the default (tests want no waiting);
 * `realistic` uses the figures the seed gives, as uniform ranges because the
 * seed gives ranges, not percentiles: SageMaker 20-100 ms, Comprehend
 * 10-50 ms. Bedrock has no figure in the seed; ours is a lognormal with a
 * 400 ms median and a 1500 ms p99, the order of a short text generation.
 */
import type { Service } from './call.ts';
import type { LatencySpec } from './tuning.ts';

export type PresetName = 'none' | 'realistic';

export const PRESETS: Readonly<Record<PresetName, Readonly<Record<Service, LatencySpec | undefined>>>> = {
  none: { comprehend: undefined, sagemaker: undefined, bedrock: undefined },
  realistic: {
    comprehend: { kind: 'uniform', minMs: 10, maxMs: 50 },
    sagemaker: { kind: 'uniform', minMs: 20, maxMs: 100 },
    bedrock: { kind: 'lognormal', p50Ms: 400, p99Ms: 1500 },
  },
};

export function isPreset(value: unknown): value is PresetName {
  return value === 'none' || value === 'realistic';
}
