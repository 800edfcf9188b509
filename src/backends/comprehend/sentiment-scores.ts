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

const LABEL_ORDER: readonly SentimentLabel[] = ['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED'];

export function scoresFromEvidence(evidence: SentimentEvidence): SentimentResult {
  const net = evidence.positive - evidence.negative;
  const logits = [
    POLARITY_SLOPE * net - POLARITY_OFFSET,
    -POLARITY_SLOPE * net - POLARITY_OFFSET,
    NEUTRAL_LOGIT,
    MIXED_SLOPE * evidence.mixed - MIXED_OFFSET,
  ].map((logit) => logit * TEMPERATURE_SCALE);

  const probabilities = softmax(logits);
  const [positive = 0, negative = 0, neutral = 0, mixed = 0] = probabilities;
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if ((probabilities[i] ?? 0) > (probabilities[best] ?? 0)) best = i;

  return {
    sentiment: LABEL_ORDER[best] ?? 'NEUTRAL',
    scores: { Positive: positive, Negative: negative, Neutral: neutral, Mixed: mixed },
  };
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const total = exps.reduce((sum, value) => sum + value, 0);
  return exps.map((value) => value / total);
}
