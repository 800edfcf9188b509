/**
 * Record and replay. `record` passes calls through and writes each request
 * with its answer or error to the cassette; `replay` answers from the
 * cassette without calling the backend, and fails with CassetteMiss on a
 * request it has not seen, unless `fallthrough` sends such calls to the
 * backend (without recording them: replay never writes). Timeouts and cancels depend on the caller, not on the request, so
 * they are never recorded.
 */
import { catalog, EmulatorError, type ErrorCode } from '../../errors.ts';
import type { BackendCall, Layer } from './call.ts';
import { Cassette, type CassetteEntry, cassetteKey, type RecordedError } from './cassette.ts';
import { checkContext } from './sleep.ts';

export type RecordMode = 'off' | 'record' | 'replay';

export interface RecordOptions {
  readonly mode: RecordMode;
  /** Path of the cassette (JSON lines). */
  readonly cassette: string;
  /** replay: call the backend for unseen requests instead of failing (record mode always calls it). */
  readonly fallthrough?: boolean;
}

const NOT_RECORDED = new Set<string>(['QueryCanceled', 'InferenceTimeout', 'StatementTimeout', 'MaxStatementTime']);

function toRecorded(err: EmulatorError): RecordedError {
  return {
    code: err.code,
    message: err.message,
    ...(err.serviceCode === undefined ? {} : { serviceCode: err.serviceCode }),
    ...(err.detail === undefined ? {} : { detail: err.detail }),
    ...(err.hint === undefined ? {} : { hint: err.hint }),
  };
}

function fromRecorded(e: RecordedError): EmulatorError {
  const code = (e.code in catalog ? e.code : 'ServiceFailure') as ErrorCode;
  return new EmulatorError(code, e.message, {
    ...(e.serviceCode === undefined ? {} : { serviceCode: e.serviceCode }),
    ...(e.detail === undefined ? {} : { detail: e.detail }),
    ...(e.hint === undefined ? {} : { hint: e.hint }),
  });
}

function missError(call: BackendCall<unknown>, file: string, key: string): EmulatorError {
  const request = JSON.stringify(call.request);
  const excerpt = request.length > 300 ? `${request.slice(0, 300)}...` : request;
  return new EmulatorError(
    'CassetteMiss',
    `replay: cassette ${file} has no recording of ${call.service} ${call.operation} on ${call.target} for request ${excerpt}`,
    {
      detail: `cassette key ${key}`,
      hint: 'Record it (backends.record.mode: record) or set backends.record.fallthrough: true.',
    },
  );
}

export function recordReplayLayer(options: RecordOptions): Layer | undefined {
  if (options.mode === 'off') return undefined;
  const cassette = new Cassette(options.cassette);
  return async <T>(call: BackendCall<T>, ctx: Parameters<Layer>[1], next: (c: typeof ctx) => Promise<T>): Promise<T> => {
    const key = cassetteKey(call);
    const entry: Omit<CassetteEntry, 'response' | 'error'> = {
      key,
      service: call.service,
      operation: call.operation,
      target: call.target,
      request: call.request,
    };
    if (options.mode === 'replay') {
      const found = cassette.get(key);
      if (found !== undefined) {
        checkContext(call, ctx);
        if (found.error !== undefined) throw fromRecorded(found.error);
        return call.codec.decode(found.response ?? null);
      }
      if (!options.fallthrough) throw missError(call, options.cassette, key);
      return next(ctx);
    }
    try {
      const response = await next(ctx);
      cassette.add({ ...entry, response: call.codec.encode(response) });
      return response;
    } catch (err) {
      if (err instanceof EmulatorError && !NOT_RECORDED.has(err.code)) cassette.add({ ...entry, error: toRecorded(err) });
      throw err;
    }
  };
}
