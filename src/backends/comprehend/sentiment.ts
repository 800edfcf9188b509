/**
 * Built-in model behind aws_comprehend.detect_sentiment: reads the text clause by
 * clause and returns Comprehend's label and four scores.
 *
 * How: the `sentiment` package (AFINN-165) scores words, extended with the
 * project's support-ticket and review lexicon (sentiment-lexicon.ts) and a
 * scoring strategy for negation, intensifiers and malfunction verbs
 * (sentiment-english.ts). The text is split into clauses first
 * (sentiment-clauses.ts), so "great but terrible" yields evidence on both
 * sides, which becomes MIXED; the evidence goes through a softmax into the four
 * scores (sentiment-scores.ts).
 *
 * Languages: English gets the full model. es, fr, de, it and pt get a small
 * hand-written lexicon with negation (sentiment-foreign-lexicons.ts): clear-cut
 * opinions are found, subtle ones fall back to NEUTRAL. Every other language
 * code (ar, hi, ja, ko, zh, zh-TW and anything else) answers NEUTRAL with a high
 * Neutral score: we have no lexicon for them, and saying so beats guessing.
 * Rejecting codes Comprehend does not support is the caller's job
 * (supported-languages.ts).
 *
 * Measured on test/data/sentiment-eval.tsv, written before the model and never
 * used to tune it: 0.90 accuracy over POSITIVE/NEGATIVE/NEUTRAL, 0.84 on MIXED
 * (test/comprehend-sentiment.test.ts). Throughput: bench/sentiment-throughput.ts.
 */
import Sentiment from 'sentiment';
import type { SentimentResult } from '../types.ts';
import { type ClauseMarkers, ENGLISH_CLAUSE_MARKERS, splitIntoClauses } from './sentiment-clauses.ts';
import { ENGLISH_LABELS, englishScoringStrategy } from './sentiment-english.ts';
import { buildForeignLanguage, normalizeForeignText } from './sentiment-foreign.ts';
import { FOREIGN_LEXICONS } from './sentiment-foreign-lexicons.ts';
import { joinPhrases, normalizeText } from './sentiment-phrases.ts';
import { NO_EVIDENCE, type SentimentEvidence, scoresFromEvidence } from './sentiment-scores.ts';

interface LanguageModel {
  /** Our own key in the `sentiment` package's language table, never the shared 'en'. */
  readonly packageLanguage: string;
  readonly prepare: (text: string) => string;
  readonly markers: ClauseMarkers;
}

/**
 * Opposite clauses with no contrast word between them ("Great camera, awful
 * battery.") are still mixed, a little less surely than with "but".
 */
const MIXED_WITHOUT_CONTRAST_FACTOR = 0.7;

/**
 * Gratitude is politeness, not an opinion of the product: "It crashes on start.
 * Thanks for looking into it." is a complaint, neither MIXED nor softened. These
 * words never count towards MIXED, and towards Positive only in a text with no
 * negative evidence ("Thank you so much for waiving the fee!").
 */
const COURTESY_WORDS: ReadonlySet<string> = new Set([
  'thanks',
  'thank',
  'appreciate',
  'appreciated',
  'gracias',
  'merci',
  'danke',
  'grazie',
  'obrigado',
  'obrigada',
]);

// Registered once, at module load. The package keeps its label tables
// process-wide; its per-call `extras` option merges into them, so one call's
// words would stay in every later call (the type declaration omits it).
const analyzer = new Sentiment();
const MODELS = new Map<string, LanguageModel>();

analyzer.registerLanguage('aurora-en', { labels: ENGLISH_LABELS, scoringStrategy: englishScoringStrategy });
MODELS.set('en', {
  packageLanguage: 'aurora-en',
  prepare: (text) => joinPhrases(normalizeText(separateEmoji(text))),
  markers: ENGLISH_CLAUSE_MARKERS,
});
for (const [code, lexicon] of Object.entries(FOREIGN_LEXICONS)) {
  const packageLanguage = `aurora-${code}`;
  analyzer.registerLanguage(packageLanguage, buildForeignLanguage(lexicon));
  MODELS.set(code, { packageLanguage, prepare: (text) => normalizeForeignText(separateEmoji(text)), markers: lexicon.markers });
}

/** Emoji often touch words ("love it😍"); the tokenizer splits on spaces only. */
function separateEmoji(text: string): string {
  return text.replace(/\ufe0f/g, '').replace(/(\p{Extended_Pictographic})/gu, ' $1 ');
}

/**
 * The model for a language code, by its primary subtag and case-insensitively
 * ("EN" and "en-US" reach English; "zh-TW" reaches no model, so NEUTRAL).
 */
function modelFor(languageCode: string): LanguageModel | undefined {
  const primary = languageCode.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return MODELS.get(primary);
}

interface ClauseScore {
  readonly opinionPositive: number;
  readonly courtesy: number;
  readonly negative: number;
}

/** One clause's totals from the word scorer. */
function scoreClause(text: string, packageLanguage: string): ClauseScore {
  let opinionPositive = 0;
  let courtesy = 0;
  let negative = 0;
  for (const entry of analyzer.analyze(text, { language: packageLanguage }).calculation) {
    for (const [word, score] of Object.entries(entry)) {
      if (score < 0) negative -= score;
      else if (COURTESY_WORDS.has(word)) courtesy += score;
      else opinionPositive += score;
    }
  }
  return { opinionPositive, courtesy, negative };
}

function gatherEvidence(prepared: string, model: LanguageModel): SentimentEvidence {
  const layout = splitIntoClauses(prepared, model.markers);
  let positive = 0;
  let negative = 0;
  let courtesy = 0;
  let positiveClauses = 0;
  let negativeClauses = 0;
  for (const clause of layout.clauses) {
    const words = scoreClause(clause.text, model.packageLanguage);
    const clausePositive = words.opinionPositive * clause.weight;
    const clauseNegative = words.negative * clause.weight;
    positive += clausePositive;
    courtesy += words.courtesy * clause.weight;
    negative += clauseNegative;
    const net = clausePositive - clauseNegative;
    if (net > 0) positiveClauses += net;
    else negativeClauses -= net;
  }
  const contrastFactor = layout.hasContrast ? 1 : MIXED_WITHOUT_CONTRAST_FACTOR;
  return {
    positive: negative === 0 ? positive + courtesy : positive,
    negative,
    mixed: Math.min(positiveClauses, negativeClauses) * contrastFactor,
  };
}

/** Comprehend DetectSentiment for one document. Pure, synchronous and deterministic. */
export function analyzeSentiment(text: string, languageCode: string): SentimentResult {
  const model = modelFor(languageCode);
  if (model === undefined) return scoresFromEvidence(NO_EVIDENCE);
  const prepared = model.prepare(text);
  if (prepared.length === 0) return scoresFromEvidence(NO_EVIDENCE);
  return scoresFromEvidence(gatherEvidence(prepared, model));
}
