/**
 * Comprehend backend (kind 'aws') calling real Amazon Comprehend (or any
 * endpoint speaking its JSON 1.1 protocol) through @aws-sdk/client-comprehend,
 * with the batch operations Aurora itself uses.
 */
import {
  BatchDetectDominantLanguageCommand,
  type BatchDetectDominantLanguageItemResult,
  BatchDetectEntitiesCommand,
  type BatchDetectEntitiesItemResult,
  BatchDetectKeyPhrasesCommand,
  type BatchDetectKeyPhrasesItemResult,
  BatchDetectSentimentCommand,
  type BatchDetectSentimentItemResult,
  type BatchItemError,
  ComprehendClient,
  type LanguageCode,
} from '@aws-sdk/client-comprehend';
import { EmulatorError } from '../../errors.ts';
import type {
  CallContext,
  ComprehendBackend,
  ComprehendOperation,
  ComprehendResults,
  EntityType,
  SentimentLabel,
} from '../types.ts';
import { batchItemError, mapAwsError } from './errors.ts';
import { type AwsBackendOptions, clientConfig, type SendOptions, sendWithin } from './options.ts';

export type AwsComprehendBackendOptions = AwsBackendOptions;

interface Indexed {
  readonly Index?: number | undefined;
}

/** What one operation's answer holds: its results (with their document index) and its failed documents. */
interface BatchOutput<R> {
  readonly ResultList?: R[] | undefined;
  readonly ErrorList?: BatchItemError[] | undefined;
}

/**
 * How one operation is asked of AWS: the request for a batch of documents
 * (all in the same language), and one result mapped to the backends' shape.
 */
interface AwsOperation<Op extends ComprehendOperation, R extends Indexed = Indexed> {
  send(client: ComprehendClient, texts: string[], language: LanguageCode, options: SendOptions): Promise<BatchOutput<R>>;
  result(result: R): ComprehendResults[Op];
}

const OPERATIONS: { readonly [Op in ComprehendOperation]: AwsOperation<Op> } = {
  DetectSentiment: {
    send: (client, texts, language, o) =>
      client.send(new BatchDetectSentimentCommand({ TextList: texts, LanguageCode: language }), o),
    result: (r: BatchDetectSentimentItemResult) => ({
      sentiment: (r.Sentiment ?? 'NEUTRAL') as SentimentLabel,
      scores: {
        Positive: r.SentimentScore?.Positive ?? 0,
        Negative: r.SentimentScore?.Negative ?? 0,
        Neutral: r.SentimentScore?.Neutral ?? 0,
        Mixed: r.SentimentScore?.Mixed ?? 0,
      },
    }),
  },
  DetectDominantLanguage: {
    send: (client, texts, _language, o) => client.send(new BatchDetectDominantLanguageCommand({ TextList: texts }), o),
    result: (r: BatchDetectDominantLanguageItemResult) =>
      (r.Languages ?? []).map((l) => ({ languageCode: l.LanguageCode ?? '', score: l.Score ?? 0 })),
  },
  DetectEntities: {
    send: (client, texts, language, o) =>
      client.send(new BatchDetectEntitiesCommand({ TextList: texts, LanguageCode: language }), o),
    result: (r: BatchDetectEntitiesItemResult) =>
      (r.Entities ?? []).map((e) => ({
        type: (e.Type ?? 'OTHER') as EntityType,
        text: e.Text ?? '',
        score: e.Score ?? 0,
        beginOffset: e.BeginOffset ?? 0,
        endOffset: e.EndOffset ?? 0,
      })),
  },
  DetectKeyPhrases: {
    send: (client, texts, language, o) =>
      client.send(new BatchDetectKeyPhrasesCommand({ TextList: texts, LanguageCode: language }), o),
    result: (r: BatchDetectKeyPhrasesItemResult) =>
      (r.KeyPhrases ?? []).map((k) => ({
        text: k.Text ?? '',
        score: k.Score ?? 0,
        beginOffset: k.BeginOffset ?? 0,
        endOffset: k.EndOffset ?? 0,
      })),
  },
};

export class AwsComprehendBackend implements ComprehendBackend {
  readonly kind = 'aws';
  private readonly client: ComprehendClient;

  constructor(options: AwsComprehendBackendOptions = {}) {
    this.client = new ComprehendClient(clientConfig(options));
  }

  readonly detect: ComprehendBackend['detect'] = async (operation, texts, languageCode, ctx) => {
    const spec: AwsOperation<typeof operation> = OPERATIONS[operation];
    const out = await this.send(ctx, (o) => spec.send(this.client, [...texts], languageCode as LanguageCode, o));
    return inOrder(texts.length, out.ResultList, out.ErrorList, (r) => spec.result(r));
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
