/**
 * What the compromise-based entity rules share: which terms may be part of a
 * name, how far a run of terms reaches, and how a run of terms becomes a
 * candidate span.
 */
import type { EntityType } from '../types.ts';
import { breaksPhrase, looksCapitalized, type Term } from './english-terms.ts';
import type { Candidate } from './entity-patterns.ts';

/** Words that are never part of a name even when capitalised. */
const FUNCTION_TAGS = [
  'Pronoun',
  'Possessive',
  'Determiner',
  'Preposition',
  'Conjunction',
  'Expression',
  'Verb',
  'Adverb',
  'Date',
  'Emoji',
  'Emoticon',
  'Url',
  'Email',
  'PhoneNumber',
  'HashTag',
  'AtMention',
  'Money',
  'Percent',
];

export function isNameTerm(term: Term): boolean {
  if (!looksCapitalized(term.text) || /^[#@]/.test(term.text)) return false;
  // A name tag wins over grammar tags: compromise also marks "Bezos's" Possessive.
  if (term.tags.has('Person') || term.tags.has('Place') || term.tags.has('Organization')) return true;
  return !FUNCTION_TAGS.some((tag) => term.tags.has(tag));
}

/**
 * Company suffixes ("Inc", "GmbH"). Here rather than with the organization
 * rules because every candidate span ending in one keeps its full stop.
 */
export const ORGANIZATION_SUFFIX =
  /^(?:Inc|Ltd|LLC|Corp|Co|GmbH|plc|PLC|AG|SA|S\.A|NV|N\.V|BV|B\.V|Limited|Corporation|Incorporated|Pty)$/;

/**
 * Index of the last term of the run that starts at `first` and goes on while
 * the next term `joins` it with no phrase-breaking punctuation in between.
 */
export function runEnd(terms: readonly Term[], first: number, joins: (next: Term) => boolean): number {
  let last = first;
  while (last + 1 < terms.length) {
    const current = terms[last];
    const next = terms[last + 1];
    if (current === undefined || next === undefined || breaksPhrase(current.post) || !joins(next)) break;
    last++;
  }
  return last;
}

/** The word without a possessive "'s", as the word lists spell it. */
export function wordKey(term: Term): string {
  return term.text.replace(/['’]s$/u, '');
}

export function runText(text: string, terms: readonly Term[]): string {
  const first = terms[0];
  const last = terms[terms.length - 1];
  return first === undefined || last === undefined ? '' : text.slice(first.start, last.end);
}

/** The span of a run of terms as an entity candidate; undefined for an empty run. */
export function candidateFromTerms(
  type: EntityType,
  terms: readonly Term[],
  text: string,
  score: number,
  priority: number,
): Candidate | undefined {
  const first = terms[0];
  const last = terms[terms.length - 1];
  if (first === undefined || last === undefined) return undefined;
  let end = last.end;
  // A possessive "'s" belongs to the sentence, not to the name.
  if (/['’]s$/u.test(last.text) && type !== 'COMMERCIAL_ITEM') end -= 2;
  // Keep the full stop of "Corp." and "Inc." (Comprehend reports "Amazon.com, Inc.").
  else if (type === 'ORGANIZATION' && ORGANIZATION_SUFFIX.test(last.text) && text.charAt(end) === '.') end += 1;
  return end > first.start ? { type, start: first.start, end, score, priority } : undefined;
}
