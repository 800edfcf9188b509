/**
 * Built-in DetectEntities. Comprehend's types come from three sources:
 *
 * - grammar-free patterns for every language (entity-patterns.ts): OTHER
 *   (e-mail, URL, phone, IP, @handle/#tag, order and invoice numbers),
 *   QUANTITY (money, percentages, measures, counts), DATE (numeric and CJK
 *   dates, times, and month/weekday/relative words in en, es, fr, de, it, pt);
 * - compromise's English tagger (entity-english.ts runs these) for PERSON,
 *   LOCATION and ORGANIZATION, widened to the whole run of capitalised words
 *   it tagged part of ("Las" -> "Las Vegas", entity-names.ts), plus rules on
 *   its terms for ORGANIZATION keywords and suffixes ("Air France", "Acme
 *   Corp.", entity-organizations.ts), EVENT heads ("Web Summit", "Super
 *   Bowl", entity-events.ts), COMMERCIAL_ITEM (product lines and model
 *   numbers: "iPhone 15 Pro", "Dell XPS 13", entity-products.ts), TITLE
 *   (quoted title-case works after read/watch/..., entity-titles.ts) and
 *   counted things ("two tickets", entity-counted.ts);
 * - for es, fr, de, it and pt, only the people's and places' names that
 *   compromise's lexicon knows ("María", "Madrid", entity-known-names.ts);
 *   for ar, hi, ja, ko, zh the patterns alone.
 *
 * Candidates overlap; the higher priority wins, then the longer span, and
 * neighbours Comprehend reports as one are joined (entity-neighbours.ts).
 * Scores are fixed per rule and ordered by how reliable the rule is (e-mail
 * and URL patterns 0.99, compromise's people 0.9, guessed organizations 0.5);
 * they are not probabilities from a model. Measured in
 * test/comprehend-nlp.test.ts on test/data/entities-eval.tsv (development)
 * and entities-holdout.tsv.
 */
import type { Entity } from '../types.ts';
import { parseEnglish, type Term } from './english-terms.ts';
import { englishCandidates } from './entity-english.ts';
import { knownNames } from './entity-known-names.ts';
import { mergeNeighbours } from './entity-neighbours.ts';
import { type Candidate, patternCandidates } from './entity-patterns.ts';
import { assertSupportedLanguage } from './supported-languages.ts';
import { OffsetMap } from './text-offsets.ts';

/** Comprehend's DetectEntities for one document; offsets in code points. */
export function detectEntities(text: string, languageCode: string): Entity[] {
  assertSupportedLanguage(languageCode, 'DetectEntities');
  const offsets = new OffsetMap(text);
  return findEntitySpans(text, languageCode).map((candidate) => {
    const span = offsets.span(candidate);
    return {
      type: candidate.type,
      text: span.text,
      score: candidate.score,
      beginOffset: span.beginOffset,
      endOffset: span.endOffset,
    };
  });
}

/** Languages whose capitalised names compromise's (English) lexicon can still recognise. */
const LATIN_NAME_LANGUAGES: ReadonlySet<string> = new Set(['es', 'fr', 'de', 'it', 'pt']);

/**
 * The resolved entity spans in UTF-16 units, in text order. `terms` may be
 * passed when the caller already parsed the English text.
 */
export function findEntitySpans(text: string, languageCode: string, terms?: readonly Term[]): Candidate[] {
  const candidates = patternCandidates(text, languageCode);
  let parsed: readonly Term[] = [];
  if (languageCode === 'en') {
    parsed = terms ?? parseEnglish(text);
    candidates.push(...englishCandidates(text, parsed));
  } else if (LATIN_NAME_LANGUAGES.has(languageCode)) {
    parsed = terms ?? parseEnglish(text);
    candidates.push(...knownNames(parsed));
  }
  return mergeNeighbours(text, resolveOverlaps(candidates), parsed);
}

/** Highest priority first, then the longest; a candidate overlapping a kept one is dropped. */
function resolveOverlaps(candidates: readonly Candidate[]): Candidate[] {
  const ordered = [...candidates].sort(
    (a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Candidate[] = [];
  for (const candidate of ordered) {
    if (kept.every((k) => candidate.end <= k.start || candidate.start >= k.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}
