/**
 * Turns word evidence into Comprehend's four scores.
 *
 * Comprehend returns a probability for each of POSITIVE, NEGATIVE, NEUTRAL and
 * MIXED, summing to 1, and the label is the largest. We produce the same shape
 * with a softmax over one logit per class:
 *
 * - positive / negative: the net balance of evidence (AFINN units), so one
 *   "great" outweighs one "issue";
 * - neutral: a constant, so a text needs some net opinion to leave NEUTRAL
 *   (a stray mild word in a factual sentence does not);
 * - mixed: the weaker of the positive-clause and negative-clause totals, so
 *   MIXED needs substantial opinion on both sides, in different clauses.
 *
 * The constants were fitted by hand on test/data/sentiment-dev.tsv only.
 */
import type { SentimentLabel, SentimentResult } from '../types.ts';

export interface SentimentEvidence {
  /** Weighted sum of positive word scores. */
  readonly positive: number;
  /** Weighted sum of negative word scores, as a positive number. */
  readonly negative: number;
  /** Opinion present on both sides in separate clauses (0 when one-sided). */
  readonly mixed: number;
}

export const NO_EVIDENCE: SentimentEvidence = { positive: 0, negative: 0, mixed: 0 };

const POLARITY_SLOPE = 1.2;
const POLARITY_OFFSET = 1;
const NEUTRAL_LOGIT = 1;
const MIXED_SLOPE = 1.8;
const MIXED_OFFSET = 0.6;
/** Sharpens the softmax so confident answers look like Comprehend's (0.9+). */
const TEMPERATURE_SCALE = 2;

export function scoresFromEvidence(evidence: SentimentEvidence): SentimentResult {
  // Four named logits and no arrays: this runs once per document. The
  // arithmetic is the same, operation for operation, as a softmax over
  // [positive, negative, neutral, mixed] summed left to right.
  const net = evidence.positive - evidence.negative;
  const positiveLogit = (POLARITY_SLOPE * net - POLARITY_OFFSET) * TEMPERATURE_SCALE;
  const negativeLogit = (-POLARITY_SLOPE * net - POLARITY_OFFSET) * TEMPERATURE_SCALE;
  const neutralLogit = NEUTRAL_LOGIT * TEMPERATURE_SCALE;
  const mixedLogit = (MIXED_SLOPE * evidence.mixed - MIXED_OFFSET) * TEMPERATURE_SCALE;

  const max = Math.max(positiveLogit, negativeLogit, neutralLogit, mixedLogit);
  const positiveExp = Math.exp(positiveLogit - max);
  const negativeExp = Math.exp(negativeLogit - max);
  const neutralExp = Math.exp(neutralLogit - max);
  const mixedExp = Math.exp(mixedLogit - max);
  const total = 0 + positiveExp + negativeExp + neutralExp + mixedExp;
  const positive = positiveExp / total;
  const negative = negativeExp / total;
  const neutral = neutralExp / total;
  const mixed = mixedExp / total;

  // The first of the largest wins, in the order POSITIVE, NEGATIVE, NEUTRAL, MIXED.
  let best: SentimentLabel = 'POSITIVE';
  let bestScore = positive;
  if (negative > bestScore) {
    best = 'NEGATIVE';
    bestScore = negative;
  }
  if (neutral > bestScore) {
    best = 'NEUTRAL';
    bestScore = neutral;
  }
  if (mixed > bestScore) best = 'MIXED';

  return {
    sentiment: best,
    scores: { Positive: positive, Negative: negative, Neutral: neutral, Mixed: mixed },
  };
}
