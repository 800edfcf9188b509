/**
 * The standard wrapping of a backend, innermost first: record/replay right
 * on the backend (so cassettes hold only what the real backend answered and
 * replayed answers still get simulated latency and faults), then latency,
 * capacity (a slot is held for the whole service time), faults, and retry
 * outermost (so it retries injected faults and throttles like real ones).
 */
import type { MlStats } from '../../ml/stats.ts';
import type { BackendCall, Layer } from './call.ts';
import { capacityLayer } from './capacity.ts';
import type { BackendControls } from './controls.ts';
import { faultLayer } from './faults.ts';
import { latencyLayer } from './latency.ts';
import type { Random } from './random.ts';
import { type RecordOptions, recordReplayLayer } from './record-replay.ts';
import { type RetryOptions, retryLayer } from './retry.ts';
import { stack } from './wrap.ts';

export interface StandardLayersOptions {
  readonly controls: BackendControls;
  readonly stats: MlStats;
  readonly random: Random;
  readonly record?: RecordOptions;
  /** false turns retries off; otherwise Aurora's policy with these overrides. */
  readonly retry?: Omit<RetryOptions, 'stats'> | false;
}

export function standardLayers(options: StandardLayersOptions): Layer {
  const { controls, random } = options;
  const layers: Layer[] = [];
  const record = options.record === undefined ? undefined : recordReplayLayer(options.record);
  if (record) layers.push(record);
  layers.push(latencyLayer({ specFor: (s, t) => controls.latencyFor(s, t), random }));
  layers.push(capacityLayer({ specFor: (s, t) => controls.capacityFor(s, t) }));
  layers.push(faultLayer({ stateFor: (s, t) => controls.faultsFor(s, t), random }));
  if (options.retry !== false) layers.push(retryLayer({ ...(options.retry ?? {}), stats: options.stats }));
  return stack(layers);
}

export type { BackendCall, Layer };
