/**
 * What every layer around a Comprehend backend needs to know of an
 * operation, in one table: whether AWS has a Batch* form, the languages it
 * accepts, and one document's result as Comprehend's JSON shows it (the AWS
 * SDK's output and the emulator's own Comprehend API both use that shape).
 */
import { limits } from '../ml/limits.ts';
import type { ComprehendOperation, ComprehendResults, EntityType, PiiEntityType, SentimentLabel } from './types.ts';

type Json = Record<string, unknown>;

export interface ComprehendOperationSpec<Op extends ComprehendOperation = ComprehendOperation> {
  /** AWS has a Batch* form (up to 25 documents per request); without one, a request per document. */
  readonly batch: boolean;
  /** The language codes it accepts (UnsupportedLanguageException otherwise); null: it takes none. */
  readonly languages: readonly string[] | null;
  readonly toJson: (result: ComprehendResults[Op]) => Json;
  /** Reads what AWS answered; missing members get Comprehend's zero values. */
  readonly fromJson: (json: Json) => ComprehendResults[Op];
}

/** The members of a JSON list, each as an object. */
const items = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);

/** Offsets and score, as Comprehend spells them. */
const span = (e: { score: number; beginOffset: number; endOffset: number }) => ({
  Score: e.score,
  BeginOffset: e.beginOffset,
  EndOffset: e.endOffset,
});
const spanOf = (j: Json) => ({ score: num(j.Score), beginOffset: num(j.BeginOffset), endOffset: num(j.EndOffset) });

export const COMPREHEND_OPERATIONS: { readonly [Op in ComprehendOperation]: ComprehendOperationSpec<Op> } = {
  DetectSentiment: {
    batch: true,
    languages: limits.comprehendLanguages,
    toJson: (r) => ({ Sentiment: r.sentiment, SentimentScore: { ...r.scores } }),
    fromJson: (j) => {
      const scores = (j.SentimentScore ?? {}) as Json;
      return {
        sentiment: str(j.Sentiment, 'NEUTRAL') as SentimentLabel,
        scores: {
          Positive: num(scores.Positive),
          Negative: num(scores.Negative),
          Neutral: num(scores.Neutral),
          Mixed: num(scores.Mixed),
        },
      };
    },
  },
  DetectDominantLanguage: {
    batch: true,
    languages: null,
    toJson: (list) => ({ Languages: list.map((l) => ({ LanguageCode: l.languageCode, Score: l.score })) }),
    fromJson: (j) => items(j.Languages).map((l) => ({ languageCode: str(l.LanguageCode), score: num(l.Score) })),
  },
  DetectEntities: {
    batch: true,
    languages: limits.comprehendLanguages,
    toJson: (list) => ({ Entities: list.map((e) => ({ Type: e.type, Text: e.text, ...span(e) })) }),
    fromJson: (j) =>
      items(j.Entities).map((e) => ({ type: str(e.Type, 'OTHER') as EntityType, text: str(e.Text), ...spanOf(e) })),
  },
  DetectKeyPhrases: {
    batch: true,
    languages: limits.comprehendLanguages,
    toJson: (list) => ({ KeyPhrases: list.map((k) => ({ Text: k.text, ...span(k) })) }),
    fromJson: (j) => items(j.KeyPhrases).map((k) => ({ text: str(k.Text), ...spanOf(k) })),
  },
  DetectPiiEntities: {
    batch: false,
    languages: ['en', 'es'],
    toJson: (list) => ({ Entities: list.map((e) => ({ Type: e.type, ...span(e) })) }),
    fromJson: (j) => items(j.Entities).map((e) => ({ type: str(e.Type) as PiiEntityType, ...spanOf(e) })),
  },
};

/** The AWS operation one backend call makes, as the call log and recorded cassettes name it. */
export function awsOperationName(operation: ComprehendOperation): string {
  return COMPREHEND_OPERATIONS[operation].batch ? `Batch${operation}` : operation;
}
