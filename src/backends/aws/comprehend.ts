/**
 * Comprehend backend (kind 'aws') calling real Amazon Comprehend (or any
 * endpoint speaking its JSON 1.1 protocol) through @aws-sdk/client-comprehend,
 * with the batch operations Aurora itself uses.
 */
import {
  BatchDetectDominantLanguageCommand,
  BatchDetectEntitiesCommand,
  BatchDetectKeyPhrasesCommand,
  BatchDetectSentimentCommand,
  type BatchItemError,
  ComprehendClient,
  DetectPiiEntitiesCommand,
  type LanguageCode,
} from '@aws-sdk/client-comprehend';
import { EmulatorError } from '../../errors.ts';
import { COMPREHEND_OPERATIONS } from '../comprehend-operations.ts';
import type { CallContext, ComprehendBackend, ComprehendOperation } from '../types.ts';
import { batchItemError, mapAwsError } from './errors.ts';
import { type AwsBackendOptions, clientConfig, type SendOptions, sendWithin } from './options.ts';

export type AwsComprehendBackendOptions = AwsBackendOptions;

interface Indexed {
  readonly Index?: number | undefined;
}

/** What one request answered: results with their document index, and failed documents. */
interface BatchOutput {
  readonly ResultList?: Indexed[] | undefined;
  readonly ErrorList?: BatchItemError[] | undefined;
}

/** The request each operation makes for a batch of documents, all in one language. */
type Send = (client: ComprehendClient, texts: string[], language: LanguageCode, options: SendOptions) => Promise<BatchOutput>;

const SENDS: { readonly [Op in ComprehendOperation]: Send } = {
  DetectSentiment: (client, texts, language, o) =>
    client.send(new BatchDetectSentimentCommand({ TextList: texts, LanguageCode: language }), o),
  DetectDominantLanguage: (client, texts, _language, o) =>
    client.send(new BatchDetectDominantLanguageCommand({ TextList: texts }), o),
  DetectEntities: (client, texts, language, o) =>
    client.send(new BatchDetectEntitiesCommand({ TextList: texts, LanguageCode: language }), o),
  DetectKeyPhrases: (client, texts, language, o) =>
    client.send(new BatchDetectKeyPhrasesCommand({ TextList: texts, LanguageCode: language }), o),
  // No Batch* form: a request per document, answered as a batch would be.
  DetectPiiEntities: async (client, texts, language, o) => ({
    ResultList: await Promise.all(
      texts.map(async (text, Index) => ({
        Index,
        ...(await client.send(new DetectPiiEntitiesCommand({ Text: text, LanguageCode: language }), o)),
      })),
    ),
  }),
};

export class AwsComprehendBackend implements ComprehendBackend {
  readonly kind = 'aws';
  private readonly client: ComprehendClient;

  constructor(options: AwsComprehendBackendOptions = {}) {
    this.client = new ComprehendClient(clientConfig(options));
  }

  readonly detect: ComprehendBackend['detect'] = async (operation, texts, languageCode, ctx) => {
    const send = SENDS[operation];
    const out = await this.send(ctx, (o) => send(this.client, [...texts], languageCode as LanguageCode, o));
    const { fromJson } = COMPREHEND_OPERATIONS[operation];
    return inOrder(texts.length, out.ResultList, out.ErrorList, (r) => fromJson(r as Record<string, unknown>));
  };

  async close(): Promise<void> {
    this.client.destroy();
  }

  private send<T>(ctx: CallContext, call: (options: SendOptions) => Promise<T>): Promise<T> {
    const start = Date.now();
    const onTimeout = (): EmulatorError =>
      new EmulatorError(
        'InferenceTimeout',
        `Amazon Comprehend did not answer within the inference timeout (${Math.max(0, ctx.deadline - start)} ms)`,
        { hint: 'Raise aurora_ml_inference_timeout, or send fewer documents per request.' },
      );
    return sendWithin(ctx, ctx.deadline, onTimeout, (err) => mapAwsError('Comprehend', err), call);
  }
}

/**
 * Puts a batch's results back in document order. A document in ErrorList
 * fails the whole call, as one failing row fails an Aurora statement.
 */
function inOrder<R extends Indexed, T>(
  count: number,
  results: readonly R[] | undefined,
  errors: readonly BatchItemError[] | undefined,
  map: (result: R) => T,
): T[] {
  const first = [...(errors ?? [])].sort((a, b) => (a.Index ?? 0) - (b.Index ?? 0))[0];
  if (first) throw batchItemError(first.ErrorCode, first.ErrorMessage, first.Index ?? 0);
  const out = new Array<T | undefined>(count).fill(undefined);
  for (const result of results ?? []) {
    const index = result.Index ?? -1;
    if (index >= 0 && index < count) out[index] = map(result);
  }
  const missing = out.indexOf(undefined);
  if (missing >= 0) {
    throw new EmulatorError('InvalidResponse', `Amazon Comprehend returned no result for document ${missing} of the batch`, {
      serviceCode: 'InternalServerException',
    });
  }
  return out as T[];
}

export function createAwsComprehendBackend(opts: AwsComprehendBackendOptions = {}): AwsComprehendBackend {
  return new AwsComprehendBackend(opts);
}
