/**
 * Backends wrapped so that every call is recorded and logged. The wrappers
 * pass arguments, results and errors through untouched: a failure to record
 * is logged, never turned into a failed call.
 */
import type { Logger } from 'pino';
import { withRetryTally } from '../backends/middleware/retry.ts';
import type {
  BedrockBackend,
  CallContext,
  ComprehendBackend,
  InvokeRequest,
  InvokeResponse,
  SageMakerBackend,
} from '../backends/types.ts';
import { EmulatorError } from '../errors.ts';
import type { Backends } from '../ml/evaluator.ts';
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
      options.logger?.debug(
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
    } catch (recordErr) {
      options.logger?.warn({ err: recordErr }, 'could not record a backend call');
    }
  }
}

/** Comprehend calls with no language (dominant language detection) are filed under this target. */
export const NO_LANGUAGE = 'auto';

export function observeComprehend(
  backend: ComprehendBackend,
  recorder: CallRecorder,
  options: ObserveOptions = {},
): ComprehendBackend {
  const call = (operation: string, texts: readonly string[], target: string, ctx: CallContext): Call => ({
    service: 'comprehend',
    operation,
    target,
    batchSize: texts.length,
    ctx,
  });
  return {
    kind: backend.kind,
    batchDetectSentiment: (texts, languageCode, ctx) =>
      observed(recorder, options, call('BatchDetectSentiment', texts, languageCode, ctx), (c) =>
        backend.batchDetectSentiment(texts, languageCode, c),
      ),
    batchDetectDominantLanguage: (texts, ctx) =>
      observed(recorder, options, call('BatchDetectDominantLanguage', texts, NO_LANGUAGE, ctx), (c) =>
        backend.batchDetectDominantLanguage(texts, c),
      ),
    batchDetectEntities: (texts, languageCode, ctx) =>
      observed(recorder, options, call('BatchDetectEntities', texts, languageCode, ctx), (c) =>
        backend.batchDetectEntities(texts, languageCode, c),
      ),
    batchDetectKeyPhrases: (texts, languageCode, ctx) =>
      observed(recorder, options, call('BatchDetectKeyPhrases', texts, languageCode, ctx), (c) =>
        backend.batchDetectKeyPhrases(texts, languageCode, c),
      ),
  };
}

/** Rows in a request: its CSV lines (Aurora sends one per row), else one. */
export function rowsIn(request: InvokeRequest): number {
  if (!request.contentType.toLowerCase().startsWith('text/csv')) return 1;
  const text = request.body.toString('utf8').replace(/\r?\n$/, '');
  return text === '' ? 1 : text.split(/\r?\n/).length;
}

export function observeSageMaker(
  backend: SageMakerBackend,
  recorder: CallRecorder,
  options: ObserveOptions = {},
): SageMakerBackend {
  const close = backend.close?.bind(backend);
  return {
    kind: backend.kind,
    invokeEndpoint: (endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> =>
      observed(
        recorder,
        options,
        { service: 'sagemaker', operation: 'InvokeEndpoint', target: endpointName, batchSize: rowsIn(request), ctx },
        (c) => backend.invokeEndpoint(endpointName, request, c),
      ),
    ...(close === undefined ? {} : { close }),
  };
}

export function observeBedrock(backend: BedrockBackend, recorder: CallRecorder, options: ObserveOptions = {}): BedrockBackend {
  return {
    kind: backend.kind,
    invokeModel: (modelId, request, ctx) =>
      observed(recorder, options, { service: 'bedrock', operation: 'InvokeModel', target: modelId, batchSize: 1, ctx }, (c) =>
        backend.invokeModel(modelId, request, c),
      ),
  };
}

export function observeBackends(backends: Backends, recorder: CallRecorder, options: ObserveOptions = {}): Backends {
  return {
    comprehend: observeComprehend(backends.comprehend, recorder, options),
    sagemaker: observeSageMaker(backends.sagemaker, recorder, options),
    bedrock: observeBedrock(backends.bedrock, recorder, options),
  };
}
