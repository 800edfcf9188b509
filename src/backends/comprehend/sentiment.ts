/**
 * Built-in model behind aws_comprehend.detect_sentiment: reads the text clause by
 * clause and returns Comprehend's label and four scores.
 *
 * How: the `sentiment` package (AFINN-165) scores words, extended with the
 * project's support-ticket and review lexicon (sentiment-lexicon.ts) and a
 * scoring strategy for negation, intensifiers and malfunction verbs
 * (sentiment-english.ts). We use the package's tables and its tokenizer's
 * rules but run the scoring loop ourselves (scoreClause, sentiment-tokenize.ts):
 * its `analyze` builds a result object per clause that we would only discard. The text is split into clauses first
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
import { tokenize } from './sentiment-tokenize.ts';

interface LanguageModel {
  /** The word scorer registered with the `sentiment` package (which added its emoji to the labels). */
  readonly words: WordScorer;
  readonly prepare: (text: string) => string;
  readonly markers: ClauseMarkers;
}

interface WordScorer {
  /** The label table as registered, emoji included; a Map answers "is it there" in one look-up. */
  readonly labels: ReadonlyMap<string, number>;
  readonly scoringStrategy: Sentiment.ScoringStrategy;
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

// Registered once, at module load: registering is what adds the package's
// emoji scores to each label table. The package keeps its label tables
// process-wide; its per-call `extras` option merges into them, so one call's
// words would stay in every later call (the type declaration omits it).
const analyzer = new Sentiment();
const MODELS = new Map<string, LanguageModel>();

// Nothing changes a label table after registration: we never pass `extras`.
function registered(packageLanguage: string, language: Required<Sentiment.LanguageModule>): WordScorer {
  analyzer.registerLanguage(packageLanguage, language);
  return { labels: new Map(Object.entries(language.labels)), scoringStrategy: language.scoringStrategy };
}

MODELS.set('en', {
  words: registered('aurora-en', { labels: ENGLISH_LABELS, scoringStrategy: englishScoringStrategy }),
  prepare: (text) => joinPhrases(normalizeText(separateEmoji(text))),
  markers: ENGLISH_CLAUSE_MARKERS,
});
for (const [code, lexicon] of Object.entries(FOREIGN_LEXICONS)) {
  MODELS.set(code, {
    words: registered(`aurora-${code}`, buildForeignLanguage(lexicon)),
    prepare: (text) => normalizeForeignText(separateEmoji(text)),
    markers: lexicon.markers,
  });
}

/** Any UTF-16 code unit outside ASCII; emoji and U+FE0F are all outside it. */
const NON_ASCII = /[\u0080-\uffff]/;

/** Emoji often touch words ("love it😍"); the tokenizer splits on spaces only. */
function separateEmoji(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return text.replace(/\ufe0f/g, '').replace(/(\p{Extended_Pictographic})/gu, ' $1 ');
}

/**
 * The model for a language code, by its primary subtag and case-insensitively
 * ("EN" and "en-US" reach English; "zh-TW" reaches no model, so NEUTRAL).
 */
function modelFor(languageCode: string): LanguageModel | undefined {
  // A bare lower-case code ("en", nearly every call) is its own primary subtag.
  const exact = MODELS.get(languageCode);
  if (exact !== undefined) return exact;
  const primary = languageCode.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return MODELS.get(primary);
}

interface ClauseScore {
  readonly opinionPositive: number;
  readonly courtesy: number;
  readonly negative: number;
}

/**
 * One clause's totals from the word scorer. This is the package's `analyze`
 * loop without the result it builds and we would discard: the same tokens,
 * read last to first, each one the label table holds scored by the strategy,
 * and the scores summed in that order.
 */
function scoreClause(text: string, words: WordScorer): ClauseScore {
  let opinionPositive = 0;
  let courtesy = 0;
  let negative = 0;
  const tokens = tokenize(text);
  for (let i = tokens.length - 1; i >= 0; i--) {
    const word = tokens[i] as string;
    const label = words.labels.get(word);
    // The package records each score as `{ [word]: score }`, where '__proto__' makes no entry.
    if (label === undefined || word === '__proto__') continue;
    const score = words.scoringStrategy.apply(tokens, i, label);
    if (score < 0) negative -= score;
    else if (COURTESY_WORDS.has(word)) courtesy += score;
    else opinionPositive += score;
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
    const words = scoreClause(clause.text, model.words);
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
