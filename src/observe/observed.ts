/**
 * Backends wrapped so that every call is recorded and logged. The wrappers
 * pass arguments, results and errors through untouched: a failure to record
 * is logged, never turned into a failed call.
 */
import type { Logger } from 'pino';
import type { Layer } from '../backends/middleware/call.ts';
import { withRetryTally } from '../backends/middleware/retry.ts';
import { wrapBedrock, wrapComprehend, wrapSageMaker } from '../backends/middleware/wrap.ts';
import type { Backends, CallContext } from '../backends/types.ts';
import { EmulatorError } from '../errors.ts';
import type { CallError, CallOrigin, CallRecorder, Service } from './call-log.ts';

export interface ObserveOptions {
  /** Each call is logged at debug level here. */
  readonly logger?: Logger;
  /**
   * Who made a call, read from its context. CallContext does not carry the
   * caller yet, so the composition root supplies this once it does.
   */
  readonly originOf?: (ctx: CallContext) => CallOrigin | undefined;
}

interface Call {
  readonly service: Service;
  readonly operation: string;
  readonly target: string;
  readonly batchSize: number;
  readonly ctx: CallContext;
}

function describeError(err: unknown): CallError {
  if (err instanceof EmulatorError) {
    return { code: err.code, ...(err.serviceCode === undefined ? {} : { serviceCode: err.serviceCode }), message: err.message };
  }
  return { code: 'Internal', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Runs one call and records it once, when it settles: its duration covers
 * every attempt and backoff, and `retries` is what the retry layer inside
 * counted for this call alone (through the tally in its context).
 */
async function observed<T>(
  recorder: CallRecorder,
  options: ObserveOptions,
  call: Call,
  run: (ctx: CallContext) => Promise<T>,
): Promise<T> {
  const startedAt = new Date();
  const started = performance.now();
  const { ctx, tally } = withRetryTally(call.ctx);
  let error: CallError | undefined;
  try {
    return await run(ctx);
  } catch (err) {
    error = describeError(err);
    throw err;
  } finally {
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    try {
      const origin = options.originOf?.(call.ctx);
      const entry = recorder.record({
        startedAt: startedAt.toISOString(),
        durationMs,
        service: call.service,
        operation: call.operation,
        target: call.target,
        batchSize: call.batchSize,
        retries: tally.retries,
        outcome: error === undefined ? 'ok' : 'error',
        ...(error === undefined ? {} : { error }),
        ...(origin === undefined ? {} : { origin }),
      });
      // The entry is built only for a logger that prints it: this runs for every backend call.
      if (options.logger?.isLevelEnabled('debug')) {
        options.logger.debug(
          {
            callId: entry.id,
            service: call.service,
            operation: call.operation,
            target: call.target,
            batch: call.batchSize,
            retries: tally.retries,
            ms: durationMs,
            outcome: entry.outcome,
            ...(error === undefined ? {} : { code: error.code, serviceCode: error.serviceCode }),
            ...(origin === undefined ? {} : { front: origin.front, connectionId: origin.connectionId }),
          },
          'backend call',
        );
      }
    } catch (recordErr) {
      options.logger?.warn({ err: recordErr }, 'could not record a backend call');
    }
  }
}

/** Comprehend calls with no language (dominant language detection) are filed under this target. */
export const NO_LANGUAGE = 'auto';

/** The recording as a middleware layer: Comprehend calls are filed by language, others by endpoint or model. */
export function observeLayer(recorder: CallRecorder, options: ObserveOptions = {}): Layer {
  return (call, ctx, next) =>
    observed(
      recorder,
      options,
      {
        service: call.service,
        operation: call.operation,
        target: call.service === 'comprehend' ? (call.languageCode ?? NO_LANGUAGE) : call.target,
        batchSize: call.items,
        ctx,
      },
      next,
    );
}

export function observeBackends(backends: Backends, recorder: CallRecorder, options: ObserveOptions = {}): Backends {
  const layer = observeLayer(recorder, options);
  return {
    comprehend: wrapComprehend(backends.comprehend, layer),
    sagemaker: wrapSageMaker(backends.sagemaker, layer),
    bedrock: wrapBedrock(backends.bedrock, layer),
  };
}
