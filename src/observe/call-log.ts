/**
 * The record of backend calls: a bounded ring buffer (oldest entries drop out
 * first) with the queries the HTTP view and users' tests need. It knows
 * nothing about backends or SQL; wrappers feed it through CallRecorder.
 */

import { Ring } from './ring.ts';

export type Service = 'comprehend' | 'sagemaker' | 'bedrock';

/** The database session a call was made for, when the caller is known. */
export interface CallOrigin {
  readonly front: 'postgres' | 'mysql';
  /** Backend pid (PostgreSQL) or thread id (MySQL). */
  readonly connectionId: number;
}

export interface CallError {
  /** The catalog code (EmulatorError.code), or 'Internal' for anything else. */
  readonly code: string;
  /** The AWS service's own error code (ModelError, ThrottlingException...), when there is one. */
  readonly serviceCode?: string;
  readonly message: string;
}

export interface CallEntry {
  /** Increases by one per call for the life of the log; clear() does not reuse ids. */
  readonly id: number;
  /** When the call started (ISO 8601). */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly service: Service;
  /** The AWS operation: BatchDetectSentiment, InvokeEndpoint, InvokeModel... */
  readonly operation: string;
  /** Endpoint name (SageMaker), model id (Bedrock) or language code (Comprehend). */
  readonly target: string;
  /** Documents (Comprehend), CSV lines (SageMaker) or 1 (Bedrock). */
  readonly batchSize: number;
  readonly outcome: 'ok' | 'error';
  readonly error?: CallError;
  readonly origin?: CallOrigin;
  /** Retries the emulator made for this call (Aurora's retry layer; 0 on the service APIs, where the caller's SDK retries). */
  readonly retries: number;
}

/** What a wrapper reports; the log assigns the id. */
export type NewCall = Omit<CallEntry, 'id' | 'retries'> & { readonly retries?: number };

/** Where wrappers send what they saw. */
export interface CallRecorder {
  record(call: NewCall): CallEntry;
}

export interface CallFilter {
  readonly service?: Service;
  readonly target?: string;
  readonly front?: CallOrigin['front'];
  readonly connection?: number;
  /** Calls started at or after this time (Date, epoch ms or ISO 8601). */
  readonly since?: Date | number | string;
  /** Calls started at or before this time. */
  readonly until?: Date | number | string;
  /** 'ok', 'error', or one error code (catalog or service code) to match only those errors. */
  readonly outcome?: string;
  /** Only the most recent `limit` matches (still oldest first). */
  readonly limit?: number;
}

export const DEFAULT_CAPACITY = 10_000;

const epochOf = (t: Date | number | string): number =>
  t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);

export function matches(entry: CallEntry, filter: CallFilter): boolean {
  if (filter.service !== undefined && entry.service !== filter.service) return false;
  if (filter.target !== undefined && entry.target !== filter.target) return false;
  if (filter.front !== undefined && entry.origin?.front !== filter.front) return false;
  if (filter.connection !== undefined && entry.origin?.connectionId !== filter.connection) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const at = Date.parse(entry.startedAt);
    if (filter.since !== undefined && at < epochOf(filter.since)) return false;
    if (filter.until !== undefined && at > epochOf(filter.until)) return false;
  }
  if (filter.outcome !== undefined) {
    const o = filter.outcome;
    const hit = o === entry.outcome || (entry.error !== undefined && (o === entry.error.code || o === entry.error.serviceCode));
    if (!hit) return false;
  }
  return true;
}

export class CallLog {
  private readonly ring: Ring<CallEntry>;
  private nextId = 1;

  constructor(readonly capacity = DEFAULT_CAPACITY) {
    this.ring = new Ring(capacity, 'call log');
  }

  get length(): number {
    return this.ring.length;
  }

  record(call: NewCall): CallEntry {
    // Field by field, not `{ ...call, retries }`: an object spread with a field
    // overridden gets a map of its own in V8, one per entry of a 10,000-entry log.
    const entry: CallEntry = {
      id: this.nextId++,
      startedAt: call.startedAt,
      durationMs: call.durationMs,
      service: call.service,
      operation: call.operation,
      target: call.target,
      batchSize: call.batchSize,
      outcome: call.outcome,
      retries: call.retries ?? 0,
      ...(call.error === undefined ? {} : { error: call.error }),
      ...(call.origin === undefined ? {} : { origin: call.origin }),
    };
    this.ring.push(entry);
    return entry;
  }

  /** Matching entries, oldest first. */
  query(filter: CallFilter = {}): CallEntry[] {
    const out = this.ring.toArray().filter((entry) => matches(entry, filter));
    return filter.limit === undefined ? out : out.slice(Math.max(0, out.length - filter.limit));
  }

  get(id: number): CallEntry | undefined {
    return this.query().find((e) => e.id === id);
  }

  /** Empties the log; returns how many entries it held. */
  clear(): number {
    return this.ring.clear();
  }
}
