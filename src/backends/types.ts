/**
 * The one interface every ML backend implements, per service.
 *
 * Backends know nothing about SQL or wire protocols: they take documents or
 * request bodies, honour a deadline and an abort signal, and either answer or
 * throw a ServiceError (see ../errors.ts) carrying the AWS service's own error
 * code, so that both protocol fronts can map it through the one error catalog.
 */

import type { Caller } from '../ml/calls.ts';

/** What every backend call receives besides its payload. */
export interface CallContext {
  /** Epoch milliseconds after which the call must give up with a timeout. */
  readonly deadline: number;
  /** Aborted when the client cancels the statement (CancelRequest, KILL QUERY). */
  readonly signal: AbortSignal;
  /** The database session the call serves, when it comes from SQL (for the call log). */
  readonly caller?: Caller;
}

export type SentimentLabel = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' | 'MIXED';

/** Comprehend's SentimentScore shape; the four values sum to ~1. */
export interface SentimentScore {
  readonly Positive: number;
  readonly Negative: number;
  readonly Neutral: number;
  readonly Mixed: number;
}

export interface SentimentResult {
  readonly sentiment: SentimentLabel;
  readonly scores: SentimentScore;
}

export interface DominantLanguage {
  readonly languageCode: string;
  readonly score: number;
}

/** Comprehend entity types. */
export type EntityType =
  | 'PERSON'
  | 'LOCATION'
  | 'ORGANIZATION'
  | 'COMMERCIAL_ITEM'
  | 'EVENT'
  | 'DATE'
  | 'QUANTITY'
  | 'TITLE'
  | 'OTHER';

export interface Entity {
  readonly type: EntityType;
  readonly text: string;
  readonly score: number;
  /** Offsets count Unicode code points, as Comprehend's do (not UTF-16 units). */
  readonly beginOffset: number;
  readonly endOffset: number;
}

export interface KeyPhrase {
  readonly text: string;
  readonly score: number;
  readonly beginOffset: number;
  readonly endOffset: number;
}

/** The subset of Comprehend's PiiEntityType the built-in detector reports; AWS reports more. */
export type PiiEntityType =
  | 'EMAIL'
  | 'PHONE'
  | 'SSN'
  | 'CREDIT_DEBIT_NUMBER'
  | 'IP_ADDRESS'
  | 'URL'
  | 'DATE_TIME'
  | 'NAME'
  | 'ADDRESS';

export interface PiiEntity {
  readonly type: PiiEntityType;
  readonly score: number;
  /** In code points, as Entity's. */
  readonly beginOffset: number;
  readonly endOffset: number;
}

/**
 * One document's result, per Comprehend operation the backends answer
 * (./comprehend-operations.ts says how each is asked and shown).
 */
export interface ComprehendResults {
  readonly DetectSentiment: SentimentResult;
  readonly DetectDominantLanguage: DominantLanguage[];
  readonly DetectEntities: Entity[];
  readonly DetectKeyPhrases: KeyPhrase[];
  readonly DetectPiiEntities: PiiEntity[];
}

export type ComprehendOperation = keyof ComprehendResults;

/**
 * Comprehend: one method for every operation, so that the layers between the
 * evaluator and a backend (middleware, the switchable holder) need no change
 * when an operation is added.
 */
export interface ComprehendBackend {
  readonly kind: string;
  /**
   * Runs `operation` over at most 25 documents (the caller enforces it);
   * results in document order. DetectDominantLanguage ignores languageCode.
   */
  detect<Op extends ComprehendOperation>(
    operation: Op,
    texts: readonly string[],
    languageCode: string,
    ctx: CallContext,
  ): Promise<ComprehendResults[Op][]>;
}

export interface InvokeRequest {
  readonly body: Buffer;
  readonly contentType: string;
  readonly accept: string;
}

export interface InvokeResponse {
  readonly body: Buffer;
  readonly contentType: string;
}

/** SageMaker Runtime InvokeEndpoint for one named endpoint. */
export interface SageMakerBackend {
  readonly kind: string;
  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse>;
  close?(): Promise<void>;
}

/** Bedrock Runtime InvokeModel. */
export interface BedrockBackend {
  readonly kind: string;
  invokeModel(modelId: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse>;
}

/** One backend per service: what the evaluator calls. */
export interface Backends {
  readonly comprehend: ComprehendBackend;
  readonly sagemaker: SageMakerBackend;
  readonly bedrock: BedrockBackend;
}
