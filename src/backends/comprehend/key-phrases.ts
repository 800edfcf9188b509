/**
 * Built-in DetectKeyPhrases. Comprehend's key phrases are base noun phrases
 * with their determiners ("the battery", "my account", "Jeff Bezos", "July 5th,
 * 1994"): no prepositional attachments, no pronouns.
 *
 * English: runs of compromise's determiner / possessive / adjective / number /
 * noun terms, cut at punctuation, at function words and where one entity ends
 * and another begins ("Lisbon" | "last November"); every entity found by
 * entities.ts joins the phrase it overlaps ("Amazon.com" + ", " + "Inc." -> one
 * phrase) or stands as a phrase of its own. Other languages: no grammar model
 * ships for them, so the entities' spans plus, for Latin-script languages,
 * capitalised words inside sentences (names, and German nouns).
 */
import type { KeyPhrase } from '../types.ts';
import { breaksPhrase, lexiconTag, parseEnglish, type Term } from './english-terms.ts';
import { findEntitySpans } from './entities.ts';
import type { Candidate } from './entity-patterns.ts';
import { assertSupportedLanguage } from './supported-languages.ts';
import { OffsetMap } from './text-offsets.ts';

interface Phrase {
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/** Comprehend's DetectKeyPhrases for one document; offsets in code points. */
export function detectKeyPhrases(text: string, languageCode: string): KeyPhrase[] {
  assertSupportedLanguage(languageCode, 'DetectKeyPhrases');
  const offsets = new OffsetMap(text);
  const phrases = languageCode === 'en' ? englishPhrases(text) : otherLanguagePhrases(text, languageCode);
  return phrases.map((phrase) => {
    const span = offsets.span(phrase);
    return { text: span.text, score: phrase.score, beginOffset: span.beginOffset, endOffset: span.endOffset };
  });
}

/** Greetings and courtesies that compromise tags as nouns when capitalised. */
const NOT_PHRASES: ReadonlySet<string> = new Set([
  'thanks',
  'thank',
  'hello',
  'hi',
  'hey',
  'please',
  'sorry',
  'ok',
  'okay',
  'yes',
  'no',
  'wow',
  'oops',
  'cheers',
  'regards',
  'dear',
  'lol',
  'btw',
  'fyi',
  'asap',
]);

/** Terms that can sit inside a noun phrase. */
function isPhraseTerm(term: Term): boolean {
  const t = term.tags;
  if (t.has('Emoji') || t.has('Emoticon') || t.has('Expression') || t.has('Preposition') || t.has('Conjunction')) {
    return false;
  }
  if (t.has('Pronoun') && !t.has('Possessive')) return false;
  if (t.has('Verb') || t.has('Adverb') || t.has('QuestionWord')) return false;
  return (
    t.has('Noun') ||
    t.has('Determiner') ||
    t.has('Possessive') ||
    t.has('Adjective') ||
    t.has('Value') ||
    t.has('Acronym') ||
    t.has('Url') ||
    t.has('Email') ||
    t.has('PhoneNumber') ||
    t.has('HashTag')
  );
}

/** Terms that can end a noun phrase (its head). */
function isHead(term: Term): boolean {
  const t = term.tags;
  return (
    (t.has('Noun') && !t.has('Possessive') && !t.has('Pronoun')) ||
    t.has('Value') ||
    t.has('Acronym') ||
    t.has('Url') ||
    t.has('Email') ||
    t.has('PhoneNumber') ||
    t.has('HashTag')
  );
}

const VERB_TAGS = new Set(['Infinitive', 'PresentTense', 'PastTense', 'Gerund', 'Verb', 'Imperative']);

/**
 * compromise sometimes reads an imperative or a participle as a noun at the
 * start of a run ("Visit https://...", "allowing customers", "email
 * support@..."): drop such a first word when the lexicon calls it a verb or
 * when it stands right before a URL, e-mail address or phone number.
 */
function opensWithVerb(run: readonly Term[], index: number, entityOf: (t: Term) => number): boolean {
  const term = run[index];
  const next = run[index + 1];
  if (term === undefined || next === undefined || entityOf(term) >= 0) return false;
  if (term.tags.has('Determiner') || term.tags.has('Possessive') || term.tags.has('ProperNoun')) return false;
  if (term.tags.has('Gerund')) return true;
  const known = lexiconTag(term.text);
  if (known !== undefined && VERB_TAGS.has(known)) return true;
  return next.tags.has('Url') || next.tags.has('Email') || next.tags.has('PhoneNumber');
}

function englishPhrases(text: string): Phrase[] {
  const terms = parseEnglish(text);
  const entities = findEntitySpans(text, 'en', terms);
  const entityOf = (term: Term): number => entities.findIndex((e) => term.start >= e.start && term.end <= e.end);

  // 1. Runs of phrase terms, cut where the grammar or the entities say so.
  const runs: Term[][] = [];
  let current: Term[] = [];
  let previous: Term | undefined;
  let previousEntity = -1;
  for (const term of terms) {
    const entity = entityOf(term);
    const eligible = entity >= 0 || isPhraseTerm(term);
    const sameEntity = entity >= 0 && entity === previousEntity;
    const joins =
      previous !== undefined &&
      previous.sentence === term.sentence &&
      (sameEntity || (!breaksPhrase(previous.post) && !(entity >= 0 && previousEntity >= 0)));
    if (!eligible || !joins) {
      if (current.length > 0) runs.push(current);
      current = [];
    }
    if (eligible) current.push(term);
    previous = term;
    previousEntity = eligible ? entity : -1;
  }
  if (current.length > 0) runs.push(current);

  // 2. Each run, trimmed to end on a head, is a phrase.
  const phrases: Phrase[] = [];
  for (const run of runs) {
    let begin = 0;
    while (begin < run.length - 1 && opensWithVerb(run, begin, entityOf)) begin++;
    let end = run.length;
    while (end > 0) {
      const last = run[end - 1];
      if (last !== undefined && (isHead(last) || entityOf(last) >= 0)) break;
      end--;
    }
    const kept = run.slice(begin, Math.max(begin, end));
    const first = kept[0];
    const last = kept[kept.length - 1];
    if (first === undefined || last === undefined) continue;
    if (kept.length === 1 && NOT_PHRASES.has(first.text.toLowerCase())) continue;
    if (isBareRelativeDate(text.slice(first.start, last.end))) continue;
    const named = kept.some((t) => entityOf(t) >= 0 || t.tags.has('ProperNoun'));
    phrases.push({ start: first.start, end: last.end, score: named ? 0.95 : 0.9 });
  }

  // 3. Entities widen the phrases they overlap, or stand alone.
  return withEntities(text, phrases, entities);
}

/**
 * Joins each entity to the phrases it overlaps (the entity's exact span wins
 * over term boundaries: "Corp." keeps its full stop), and adds the entities no
 * phrase covers. Relative dates with no number or noun ("yesterday") are not
 * key phrases, as in Comprehend.
 */
function withEntities(text: string, phrases: readonly Phrase[], entities: readonly Candidate[]): Phrase[] {
  let out = [...phrases];
  for (const entity of entities) {
    const overlapping = out.filter((p) => p.start < entity.end && p.end > entity.start);
    if (overlapping.length === 0) {
      if (entity.type === 'DATE' && isBareRelativeDate(text.slice(entity.start, entity.end))) continue;
      out.push({ start: entity.start, end: entity.end, score: Math.max(entity.score, 0.9) });
      continue;
    }
    const start = Math.min(entity.start, ...overlapping.map((p) => p.start));
    const end = Math.max(entity.end, ...overlapping.map((p) => p.end));
    out = out.filter((p) => !overlapping.includes(p));
    out.push({ start, end, score: Math.max(...overlapping.map((p) => p.score)) });
  }
  return out.sort((a, b) => a.start - b.start);
}

function isBareRelativeDate(value: string): boolean {
  return /^(?:today|tonight|tomorrow|yesterday|now)$/i.test(value);
}

// ---------------------------------------------------------------------------

const LATIN_LANGUAGES: ReadonlySet<string> = new Set(['es', 'fr', 'de', 'it', 'pt']);

function otherLanguagePhrases(text: string, languageCode: string): Phrase[] {
  const entities = findEntitySpans(text, languageCode);
  const phrases: Phrase[] = [];
  if (LATIN_LANGUAGES.has(languageCode)) {
    // Capitalised words not opening a sentence: names in Romance languages,
    // every noun in German. Joined when adjacent ("Banco Santander").
    const word = String.raw`\p{Lu}[\p{L}\p{M}'’-]*`;
    for (const match of text.matchAll(new RegExp(`(?<![\\p{L}\\p{N}])${word}(?:\\s${word})*`, 'gu'))) {
      const before = text.slice(0, match.index).trimEnd();
      let start = match.index;
      if (before === '' || /[.!?¡¿:"“«»]$/u.test(before)) {
        // The first word is capitalised only because it opens the sentence.
        const space = match[0].search(/\s/u);
        if (space < 0) continue;
        start += space + 1;
      }
      phrases.push({ start, end: match.index + match[0].length, score: 0.6 });
    }
  }
  return withEntities(text, phrases, entities);
}
