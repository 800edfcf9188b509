/**
 * Adapts a Layer to each service's backend interface, so that every wrapper
 * takes a backend and returns one of the same interface and wrappers compose.
 */
import { awsOperationName, COMPREHEND_OPERATIONS } from '../comprehend-operations.ts';
import type {
  BedrockBackend,
  CallContext,
  ComprehendBackend,
  ComprehendOperation,
  ComprehendResults,
  InvokeRequest,
  InvokeResponse,
  SageMakerBackend,
} from '../types.ts';
import type { BackendCall, Codec, Json, Layer } from './call.ts';

/** Comprehend's results are plain data already. */
const jsonCodec = <T>(): Codec<T> => ({
  encode: (value) => value as unknown as Json,
  decode: (json) => json as unknown as T,
});

/** Bodies are kept as text when they are valid UTF-8 (readable cassettes), else as base64. */
export function encodeBody(body: Buffer): Json {
  const text = body.toString('utf8');
  return Buffer.from(text, 'utf8').equals(body) ? { text } : { base64: body.toString('base64') };
}

export function decodeBody(json: Json): Buffer {
  const o = (json ?? {}) as { text?: string; base64?: string };
  return o.base64 !== undefined ? Buffer.from(o.base64, 'base64') : Buffer.from(o.text ?? '', 'utf8');
}

const responseCodec: Codec<InvokeResponse> = {
  encode: (r) => ({ body: encodeBody(r.body), contentType: r.contentType }),
  decode: (json) => {
    const o = json as { body: Json; contentType: string };
    return { body: decodeBody(o.body), contentType: o.contentType };
  },
};

function invokeRequest(r: InvokeRequest): Json {
  return { body: encodeBody(r.body), contentType: r.contentType, accept: r.accept };
}

/** Rows in a SageMaker request: its CSV lines (Aurora sends one per row; a trailing line break ends the last), else one. */
export function rowsIn(request: InvokeRequest): number {
  if (!request.contentType.toLowerCase().startsWith('text/csv')) return 1;
  const text = request.body.toString('utf8').replace(/\r?\n$/, '');
  return text === '' ? 1 : text.split(/\r?\n/).length;
}

/** A call whose normalized request is built on first read (copying texts and encoding bodies costs on every call otherwise). */
function withLazyRequest<T>(call: Omit<BackendCall<T>, 'request'>, build: () => Json): BackendCall<T> {
  let request: Json | undefined;
  return {
    ...call,
    get request(): Json {
      request ??= build();
      return request;
    },
  };
}

export function wrapComprehend(inner: ComprehendBackend, layer: Layer): ComprehendBackend {
  return {
    kind: inner.kind,
    detect: <Op extends ComprehendOperation>(operation: Op, texts: readonly string[], languageCode: string, ctx: CallContext) => {
      // An operation that takes no language (DetectDominantLanguage): its requests carry none, as AWS's do.
      const language = COMPREHEND_OPERATIONS[operation].languages === null ? null : languageCode;
      const name = awsOperationName(operation);
      const call = withLazyRequest<ComprehendResults[Op][]>(
        {
          service: 'comprehend',
          operation: name,
          target: name,
          items: texts.length,
          ...(language === null ? {} : { languageCode: language }),
          codec: jsonCodec<ComprehendResults[Op][]>(),
        },
        (): Json => (language === null ? { texts: [...texts] } : { texts: [...texts], languageCode: language }),
      );
      return layer(call, ctx, (c) => inner.detect(operation, texts, languageCode, c));
    },
  };
}

export function wrapSageMaker(inner: SageMakerBackend, layer: Layer): SageMakerBackend {
  return {
    kind: inner.kind,
    invokeEndpoint: (endpointName, request, ctx) =>
      layer(
        withLazyRequest(
          {
            service: 'sagemaker',
            operation: 'InvokeEndpoint',
            target: endpointName,
            items: rowsIn(request),
            codec: responseCodec,
          },
          () => invokeRequest(request),
        ),
        ctx,
        (c) => inner.invokeEndpoint(endpointName, request, c),
      ),
    close: async () => inner.close?.(),
  };
}

export function wrapBedrock(inner: BedrockBackend, layer: Layer): BedrockBackend {
  return {
    kind: inner.kind,
    invokeModel: (modelId, request, ctx) =>
      layer(
        withLazyRequest({ service: 'bedrock', operation: 'InvokeModel', target: modelId, items: 1, codec: responseCodec }, () =>
          invokeRequest(request),
        ),
        ctx,
        (c) => inner.invokeModel(modelId, request, c),
      ),
  };
}

/** Layers listed innermost first: stack([a, b]) runs b around a around the backend. */
export function stack(layers: readonly Layer[]): Layer {
  return <T>(call: BackendCall<T>, ctx: CallContext, next: (ctx: CallContext) => Promise<T>): Promise<T> => {
    let run = next;
    for (const layer of layers) {
      const inner = run;
      run = (c) => layer(call, c, inner);
    }
    return run(ctx);
  };
}
