/**
 * The latency, capacity and fault settings of a service or of one of its
 * targets, and their validation. The same checks serve the config file (an
 * EmulatorError at start) and the runtime API (an AWS ValidationException):
 * `checkTuning` throws a TuningError that each caller maps.
 */
export type LatencySpec =
  | { readonly kind: 'none'; readonly perItemMs?: number }
  | { readonly kind: 'fixed'; readonly ms: number; readonly perItemMs?: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number; readonly perItemMs?: number }
  /** Lognormal fitted so that its median is p50Ms and its 99th percentile p99Ms. */
  | { readonly kind: 'lognormal'; readonly p50Ms: number; readonly p99Ms: number; readonly perItemMs?: number };

export interface CapacitySpec {
  /** Requests in flight at once; more wait or are throttled. */
  readonly maxConcurrent: number;
  /** 'wait' (FIFO, default) or 'throttle' (fail at once with the service's ThrottlingException). */
  readonly onExcess?: 'wait' | 'throttle';
}

/** Error types faults can inject; each service reports them with its own code (service-errors.ts). */
export const FAULT_TYPES = [
  'ThrottlingException',
  'ServiceUnavailable',
  'InternalFailure',
  'ModelError',
  'ModelNotReadyException',
  'ValidationError',
  'ModelTimeoutException',
  'AccessDeniedException',
  'ResourceNotFoundException',
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];
export type Outcome = 'ok' | FaultType;

export interface FaultSpec {
  /** Probability per call of each error type; they must add up to at most 1. */
  readonly rates?: Partial<Record<FaultType, number>>;
  /** The next calls' outcomes, in order; consumed one per call before any rate applies. */
  readonly queue?: readonly Outcome[];
  /** Every call fails as if the endpoint or service could not be reached. */
  readonly down?: boolean;
}

export interface Tuning {
  readonly latency?: LatencySpec;
  readonly capacity?: CapacitySpec;
  readonly faults?: FaultSpec;
}

export class TuningError extends Error {
  override readonly name = 'TuningError';
}

const fail = (where: string, what: string): never => {
  throw new TuningError(`${where}: ${what}`);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function ms(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    fail(where, `expected milliseconds >= 0, got ${JSON.stringify(value)}`);
  return value as number;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(o))
    if (!allowed.includes(key)) fail(where, `unknown key "${key}" (allowed: ${allowed.join(', ')})`);
}

export function checkLatency(value: unknown, where: string): LatencySpec {
  if (!isObject(value)) return fail(where, 'expected an object with kind none, fixed, uniform or lognormal');
  const perItem = value.perItemMs === undefined ? {} : { perItemMs: ms(value.perItemMs, `${where}.perItemMs`) };
  switch (value.kind) {
    case 'none':
      onlyKeys(value, ['kind', 'perItemMs'], where);
      return { kind: 'none', ...perItem };
    case 'fixed':
      onlyKeys(value, ['kind', 'ms', 'perItemMs'], where);
      return { kind: 'fixed', ms: ms(value.ms, `${where}.ms`), ...perItem };
    case 'uniform': {
      onlyKeys(value, ['kind', 'minMs', 'maxMs', 'perItemMs'], where);
      const minMs = ms(value.minMs, `${where}.minMs`);
      const maxMs = ms(value.maxMs, `${where}.maxMs`);
      if (maxMs < minMs) fail(where, `maxMs (${maxMs}) is below minMs (${minMs})`);
      return { kind: 'uniform', minMs, maxMs, ...perItem };
    }
    case 'lognormal': {
      onlyKeys(value, ['kind', 'p50Ms', 'p99Ms', 'perItemMs'], where);
      const p50Ms = ms(value.p50Ms, `${where}.p50Ms`);
      const p99Ms = ms(value.p99Ms, `${where}.p99Ms`);
      if (p50Ms <= 0 || p99Ms < p50Ms) fail(where, `need 0 < p50Ms <= p99Ms, got p50Ms ${p50Ms} and p99Ms ${p99Ms}`);
      return { kind: 'lognormal', p50Ms, p99Ms, ...perItem };
    }
    default:
      return fail(`${where}.kind`, `expected none, fixed, uniform or lognormal, got ${JSON.stringify(value.kind)}`);
  }
}

export function checkCapacity(value: unknown, where: string): CapacitySpec {
  if (!isObject(value)) return fail(where, 'expected an object { maxConcurrent, onExcess }');
  onlyKeys(value, ['maxConcurrent', 'onExcess'], where);
  const max = value.maxConcurrent;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    fail(`${where}.maxConcurrent`, `expected an integer >= 1, got ${JSON.stringify(max)}`);
  }
  const onExcess = value.onExcess ?? 'wait';
  if (onExcess !== 'wait' && onExcess !== 'throttle')
    fail(`${where}.onExcess`, `expected wait or throttle, got ${JSON.stringify(onExcess)}`);
  return { maxConcurrent: max as number, onExcess: onExcess as 'wait' | 'throttle' };
}

function checkFaultType(value: unknown, where: string): FaultType {
  const found = FAULT_TYPES.find((t) => t === value);
  return found ?? fail(where, `unknown error type ${JSON.stringify(value)} (use ${FAULT_TYPES.join(', ')})`);
}

export function checkFaults(value: unknown, where: string): FaultSpec {
  if (!isObject(value)) return fail(where, 'expected an object { rates, queue, down }');
  onlyKeys(value, ['rates', 'queue', 'down'], where);
  const out: { rates?: Partial<Record<FaultType, number>>; queue?: Outcome[]; down?: boolean } = {};
  if (value.rates !== undefined) {
    if (!isObject(value.rates)) fail(`${where}.rates`, 'expected an object of error type to probability');
    const rates: Partial<Record<FaultType, number>> = {};
    let total = 0;
    for (const [type, rate] of Object.entries(value.rates as Record<string, unknown>)) {
      const t = checkFaultType(type, `${where}.rates`);
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
        fail(`${where}.rates.${type}`, `expected a probability in [0, 1], got ${JSON.stringify(rate)}`);
      rates[t] = rate as number;
      total += rate as number;
    }
    if (total > 1 + 1e-9) fail(`${where}.rates`, `the rates add up to ${total}, more than 1`);
    out.rates = rates;
  }
  if (value.queue !== undefined) {
    if (!Array.isArray(value.queue)) fail(`${where}.queue`, "expected a list of outcomes ('ok' or an error type)");
    out.queue = (value.queue as unknown[]).map((o, i) => (o === 'ok' ? 'ok' : checkFaultType(o, `${where}.queue[${i}]`)));
  }
  if (value.down !== undefined) {
    if (typeof value.down !== 'boolean') fail(`${where}.down`, `expected true or false, got ${JSON.stringify(value.down)}`);
    out.down = value.down as boolean;
  }
  return out;
}

/** A tuning patch: each key present replaces that setting; null removes it. */
export type TuningPatch = { readonly [K in keyof Tuning]?: Tuning[K] | null };

export function checkTuningPatch(value: unknown, where: string): TuningPatch {
  if (!isObject(value)) return fail(where, 'expected an object { latency, capacity, faults }');
  onlyKeys(value, ['latency', 'capacity', 'faults'], where);
  const out: { -readonly [K in keyof TuningPatch]: TuningPatch[K] } = {};
  if (value.latency !== undefined) out.latency = value.latency === null ? null : checkLatency(value.latency, `${where}.latency`);
  if (value.capacity !== undefined)
    out.capacity = value.capacity === null ? null : checkCapacity(value.capacity, `${where}.capacity`);
  if (value.faults !== undefined) out.faults = value.faults === null ? null : checkFaults(value.faults, `${where}.faults`);
  return out;
}
