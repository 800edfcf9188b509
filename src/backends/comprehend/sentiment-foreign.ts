/**
 * Word scorers for es, fr, de, it and pt built from the small lexicons in
 * sentiment-foreign-lexicons.ts, in the same `sentiment` language-module shape
 * as the English one: simple negation (before the word, or just after it where
 * the language puts it there), intensifiers, and malfunction verbs.
 */
import type Sentiment from 'sentiment';
import type { ForeignLexicon } from './sentiment-foreign-lexicons.ts';

const NEGATION_BEFORE_WINDOW = 3;
const NEGATION_AFTER_WINDOW = 2;
const FAILURE_SCORE = -2.5;
const NEGATED_POSITIVE_FACTOR = -0.8;
const NEGATED_NEGATIVE_FACTOR = -0.5;
const INTENSIFIER_FACTOR = 1.3;

export interface ForeignLanguageModule {
  readonly labels: Record<string, number>;
  readonly scoringStrategy: Sentiment.ScoringStrategy;
}

/** "rápido" -> "rapido": people often type without accents. */
function withoutAccents(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '');
}

function withAccentlessSpellings(words: Iterable<string>): Set<string> {
  const set = new Set<string>();
  for (const word of words) {
    set.add(word);
    set.add(withoutAccents(word));
  }
  return set;
}

export function buildForeignLanguage(lexicon: ForeignLexicon): ForeignLanguageModule {
  const labels: Record<string, number> = {};
  for (const [word, score] of Object.entries(lexicon.labels)) {
    labels[word] = score;
    labels[withoutAccents(word)] ??= score;
  }
  const negators = withAccentlessSpellings(lexicon.negators);
  const failureVerbs = withAccentlessSpellings(lexicon.failureVerbs);
  const intensifiers = withAccentlessSpellings(lexicon.intensifiers);
  for (const verb of failureVerbs) labels[verb] ??= 0;

  const isNegatedAt = (tokens: readonly string[], cursor: number): boolean => {
    for (let j = cursor - 1; j >= Math.max(0, cursor - NEGATION_BEFORE_WINDOW); j--) {
      if (negators.has(tokens[j] ?? '')) return true;
    }
    if (!lexicon.negationFollows) return false;
    for (let j = cursor + 1; j <= Math.min(tokens.length - 1, cursor + NEGATION_AFTER_WINDOW); j++) {
      if (negators.has(tokens[j] ?? '')) return true;
    }
    return false;
  };

  const scoringStrategy: Sentiment.ScoringStrategy = {
    apply(tokens, cursor, tokenScore) {
      const token = tokens[cursor] ?? '';
      const negated = isNegatedAt(tokens, cursor);
      let score = tokenScore;
      if (failureVerbs.has(token)) score = negated ? FAILURE_SCORE : tokenScore;
      else if (negated) score = tokenScore * (tokenScore > 0 ? NEGATED_POSITIVE_FACTOR : NEGATED_NEGATIVE_FACTOR);
      return intensifiers.has(tokens[cursor - 1] ?? '') ? score * INTENSIFIER_FACTOR : score;
    },
  };
  return { labels, scoringStrategy };
}

/**
 * Lower case; apostrophes become spaces so French and Italian elisions split
 * ("n'aime" -> "n aime", where "n" is a negator); Spanish ¡ ¿ and guillemets go.
 */
export function normalizeForeignText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc'`]/g, ' ')
    .replace(/[\u00a1\u00bf\u00ab\u00bb\u201c\u201d\u201e"]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
