/**
 * The English word scorer: AFINN-165 plus the project lexicon, with a scoring
 * strategy that reads negation, intensity and malfunction verbs around each
 * word. It plugs into the `sentiment` package as a language of its own, so the
 * package's shared 'en' table is never modified.
 *
 * The strategy sees one clause's tokens at a time (sentiment-clauses.ts splits
 * the text first), so negation never reaches across "but" or a comma.
 */
import { createRequire } from 'node:module';
import type Sentiment from 'sentiment';
import { SUPPORT_LEXICON } from './sentiment-lexicon.ts';
import {
  DAMPENERS,
  FAILURE_NEGATORS,
  FAILURE_VERBS,
  IMPERATIVE_NEGATORS,
  INTENSIFIERS,
  NEGATION_BARRIERS,
  NEGATION_EMPHASIS,
  NEGATORS,
  OCCURRENCE_VERBS,
  RESOLUTION_WORDS,
  RHETORICAL_NEGATION_VERBS,
} from './sentiment-modifiers.ts';

const require = createRequire(import.meta.url);
const AFINN_165 = require('sentiment/languages/en/labels.json') as Readonly<Record<string, number>>;

/** Project entries override AFINN's. Mutable only because the package adds emoji to it. */
export const ENGLISH_LABELS: Record<string, number> = { ...AFINN_165, ...SUPPORT_LEXICON };

/** A negated malfunction verb: "won't load", "never arrived". */
const FAILURE_SCORE = -2.5;
/** "not good" is clearly negative, but milder than "bad". */
const NEGATED_POSITIVE_FACTOR = -0.8;
/** "not bad" leans positive, weakly. */
const NEGATED_NEGATIVE_FACTOR = -0.5;
/** "no problems", "without any trouble", "never had an issue": a plain statement of absence. */
const ABSENT_NEGATIVE_FACTOR = -1;
/** Negators that deny a problem's existence rather than qualify it. */
const ABSENCE_NEGATORS: ReadonlySet<string> = new Set(['no', 'never', 'without', 'zero', 'nothing', 'none']);
/** "not bad at all", "no issues whatsoever". */
const NEGATION_EMPHASIS_FACTOR = 1.3;
/** "too tight", "too small": "too" before a neutral adjective is a complaint. */
const EXCESS_SCORE = -1.5;
/** "The bug doesn't happen anymore": a problem reported as gone. */
const RESOLVED_SCORE = 2;
/** How far a resolution word may stand from its problem word. */
const RESOLUTION_WINDOW_AFTER = 6;
const RESOLUTION_WINDOW_BEFORE = 4;
/** How far back a negator reaches: "nobody from your team has replied". */
const NEGATION_WINDOW = 5;
/** Words after "too" that do not make it a complaint ("me too", "too and"). */
const NOT_AN_EXCESS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'but',
  'the',
  'a',
  'an',
  'to',
  'of',
  'for',
  'with',
  'in',
  'on',
  'at',
  'is',
  'was',
  'it',
  'i',
  'me',
]);
/** Words that may stand before an imperative "don't": "please don't", "just don't". */
const IMPERATIVE_LEAD_INS: ReadonlySet<string> = new Set(['please', 'just', 'seriously', 'honestly']);

function isModifier(token: string): boolean {
  return INTENSIFIERS.has(token) || DAMPENERS.has(token);
}

/** A token that carries an opinion of its own (and so ends a negator's reach). */
function isOpinionWord(token: string): boolean {
  if (FAILURE_VERBS.has(token)) return true;
  const score = ENGLISH_LABELS[token];
  return score !== undefined && score !== 0 && !isModifier(token);
}

/** Index of the negator governing tokens[cursor], or -1. */
function findNegator(tokens: readonly string[], cursor: number, acceptFailureNegators: boolean): number {
  const stop = Math.max(0, cursor - NEGATION_WINDOW);
  for (let j = cursor - 1; j >= stop; j--) {
    const token = tokens[j] ?? '';
    if (NEGATORS.has(token) || (acceptFailureNegators && FAILURE_NEGATORS.has(token))) {
      return token === 'not' && tokens[j + 1] === 'only' ? -1 : j;
    }
    if (NEGATION_BARRIERS.has(token) || isOpinionWord(token)) return -1;
  }
  return -1;
}

function isImperative(tokens: readonly string[], negatorIndex: number): boolean {
  if (!IMPERATIVE_NEGATORS.has(tokens[negatorIndex] ?? '')) return false;
  for (let j = 0; j < negatorIndex; j++) {
    if (!IMPERATIVE_LEAD_INS.has(tokens[j] ?? '')) return false;
  }
  return true;
}

function hasNegatorBetween(tokens: readonly string[], from: number, to: number): boolean {
  for (let j = from + 1; j < to; j++) if (NEGATORS.has(tokens[j] ?? '')) return true;
  return false;
}

/**
 * True when the problem word at tokens[cursor] is reported solved in its clause:
 * "the crash is gone", "the update fixed the freezing problem", "the bug doesn't
 * happen anymore" — but not "my problem still isn't fixed".
 */
function isResolved(tokens: readonly string[], cursor: number): boolean {
  const end = Math.min(tokens.length, cursor + 1 + RESOLUTION_WINDOW_AFTER);
  for (let j = cursor + 1; j < end; j++) {
    const token = tokens[j] ?? '';
    const negated = hasNegatorBetween(tokens, cursor, j);
    if (RESOLUTION_WORDS.has(token) && !negated) return true;
    if (OCCURRENCE_VERBS.has(token) && negated) return true;
  }
  for (let j = cursor - 1; j >= Math.max(0, cursor - RESOLUTION_WINDOW_BEFORE); j--) {
    if (RESOLUTION_WORDS.has(tokens[j] ?? '') && findNegator(tokens, j, false) < 0) return true;
  }
  return false;
}

function hasProblemWordBefore(tokens: readonly string[], cursor: number): boolean {
  for (let j = 0; j < cursor; j++) if ((ENGLISH_LABELS[tokens[j] ?? ''] ?? 0) < 0) return true;
  return false;
}

/** Whether any of `words` occurs later in the clause ("not ... at all"). */
function hasFollowing(tokens: readonly string[], cursor: number, words: ReadonlySet<string>): boolean {
  for (let j = cursor + 1; j < tokens.length; j++) if (words.has(tokens[j] ?? '')) return true;
  return false;
}

/** Product of the intensifiers and dampeners just before tokens[cursor] ("so much faster"). */
function intensityBefore(tokens: readonly string[], cursor: number): number {
  let factor = 1;
  for (let j = cursor - 1; j >= Math.max(0, cursor - 3); j--) {
    const token = tokens[j] ?? '';
    const multiplier = INTENSIFIERS.get(token) ?? DAMPENERS.get(token);
    if (multiplier !== undefined) factor *= multiplier;
    else if (!NEGATORS.has(token)) break;
  }
  return factor;
}

/** True when a modifier at tokens[cursor] leans on an opinion word right after it. */
function modifiesNextWord(tokens: readonly string[], cursor: number): boolean {
  for (let j = cursor + 1; j < Math.min(tokens.length, cursor + 3); j++) {
    const token = tokens[j] ?? '';
    if (isOpinionWord(token)) return true;
    if (!isModifier(token) && !NEGATORS.has(token)) return false;
  }
  return false;
}

function scoreModifier(tokens: readonly string[], cursor: number, token: string, base: number): number {
  if (modifiesNextWord(tokens, cursor)) return 0;
  if (token === 'too') {
    const next = tokens[cursor + 1];
    return next !== undefined && !NOT_AN_EXCESS.has(next) ? EXCESS_SCORE : 0;
  }
  return base;
}

function scoreNegated(tokens: readonly string[], cursor: number, token: string, base: number, negator: number): number {
  if (RHETORICAL_NEGATION_VERBS.has(token) && tokens.includes('enough', cursor + 1)) return base * NEGATION_EMPHASIS_FACTOR;
  if (base < 0 && isImperative(tokens, negator)) return base;
  const negatedFactor = ABSENCE_NEGATORS.has(tokens[negator] ?? '') ? ABSENT_NEGATIVE_FACTOR : NEGATED_NEGATIVE_FACTOR;
  const flipped = base * (base > 0 ? NEGATED_POSITIVE_FACTOR : negatedFactor);
  return hasFollowing(tokens, cursor, NEGATION_EMPHASIS) ? flipped * NEGATION_EMPHASIS_FACTOR : flipped;
}

/** The `sentiment` package calls this for every token present in ENGLISH_LABELS. */
export const englishScoringStrategy: Sentiment.ScoringStrategy = {
  apply(tokens, cursor, tokenScore) {
    const token = tokens[cursor] ?? '';
    if (isModifier(token)) return scoreModifier(tokens, cursor, token, tokenScore);

    if (OCCURRENCE_VERBS.has(token)) {
      return findNegator(tokens, cursor, false) >= 0 && hasProblemWordBefore(tokens, cursor) ? RESOLVED_SCORE : 0;
    }
    if (tokenScore < 0 && isResolved(tokens, cursor)) return 0;

    const failureVerb = FAILURE_VERBS.has(token);
    const negator = findNegator(tokens, cursor, failureVerb);
    let score = tokenScore;
    if (negator >= 0 && failureVerb) {
      const emphatic = hasFollowing(tokens, cursor, NEGATION_EMPHASIS);
      score = emphatic ? FAILURE_SCORE * NEGATION_EMPHASIS_FACTOR : FAILURE_SCORE;
    } else if (negator >= 0 && tokenScore !== 0) {
      score = scoreNegated(tokens, cursor, token, tokenScore, negator);
    }
    return score * intensityBefore(tokens, cursor);
  },
};

// Failure and occurrence verbs must reach the strategy even where AFINN does not know them.
for (const verb of [...FAILURE_VERBS, ...OCCURRENCE_VERBS]) ENGLISH_LABELS[verb] ??= 0;
