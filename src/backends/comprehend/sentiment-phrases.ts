/**
 * Text preparation for the English model: one lower-case spelling for quotes
 * and contractions, and multi-word cues joined into single tokens.
 *
 * The `sentiment` package scores one token at a time, so "fell apart", "a bit"
 * or "no longer" would reach it as unrelated words. Joining them with hyphens
 * ("fell-apart") lets the lexicon and the modifier tables treat them as one
 * unit; the tokenizer keeps hyphens.
 */
import { SUPPORT_LEXICON } from './sentiment-lexicon.ts';

/** Joined phrases that are modifiers rather than opinions (see sentiment-modifiers.ts). */
const MODIFIER_PHRASES: readonly string[] = [
  'a-bit',
  'a-little',
  'kind-of',
  'sort-of',
  'no-longer',
  'no-one',
  'at-all',
  'do-not',
  'couldnt-be-more',
  'could-not-be-more',
  'come-back',
  'comes-back',
  'came-back',
  'show-up',
  'shows-up',
];

function buildPhrasePattern(phrases: readonly string[]): RegExp {
  // Longest first, so "thank you in advance" wins over any shorter overlap.
  const alternatives = [...phrases]
    .sort((a, b) => b.length - a.length)
    .map((phrase) => phrase.split('-').map(escapeRegExp).join('\\s+'));
  return new RegExp(`\\b(?:${alternatives.join('|')})\\b`, 'g');
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const LEXICON_PHRASES = Object.keys(SUPPORT_LEXICON).filter((key) => key.includes('-'));
const PHRASE_PATTERN = buildPhrasePattern([...LEXICON_PHRASES, ...MODIFIER_PHRASES]);

const QUOTE_OR_APOSTROPHE = /['\u2018\u2019\u02bc`\u201c\u201d\u00ab\u00bb\u201e]/;
/** Whitespace other than a single space between two other characters. */
const UNTIDY_WHITESPACE = /[^\S ]| {2}|^ | $/;

/**
 * Lower case, typographic quotes straightened, contractions spelled out or
 * apostrophes dropped ("don't" -> "dont": the negator tables are spelled that
 * way), and runs of whitespace made single spaces (the tokenizer splits on one
 * space). Contractions are expanded before apostrophes go, because dropping
 * them would make words AFINN scores: "I'll" -> "ill", "he'll" -> "hell".
 */
export function normalizeText(text: string): string {
  let normalized = text.toLowerCase();
  // Each step below changes nothing in text without the characters it looks for
  // (most texts have no quotes, and only single spaces), so it runs only when needed.
  if (QUOTE_OR_APOSTROPHE.test(normalized)) {
    normalized = normalized
      .replace(/[\u2018\u2019\u02bc`]/g, "'")
      .replace(/[\u201c\u201d\u00ab\u00bb\u201e]/g, '"')
      .replace(/'ll\b/g, ' will')
      .replace(/'re\b/g, ' are')
      .replace(/'ve\b/g, ' have')
      .replace(/'m\b/g, ' am')
      .replace(/'d\b/g, ' would')
      .replace(/'/g, '');
  }
  if (UNTIDY_WHITESPACE.test(normalized)) normalized = normalized.replace(/\s+/g, ' ').trim();
  return normalized;
}

/** Joins known multi-word cues in normalized text: "fell apart" -> "fell-apart". */
export function joinPhrases(normalized: string): string {
  return normalized.replace(PHRASE_PATTERN, (match) => match.replace(/\s+/g, '-'));
}
