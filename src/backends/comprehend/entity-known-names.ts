/**
 * PERSON and LOCATION in Spanish, French, German, Italian and Portuguese:
 * compromise has no grammar for them, but its (English) lexicon still knows
 * many people's and places' names ("María", "Madrid").
 */
import type { Term } from './english-terms.ts';
import { NAME_PRIORITY } from './entity-names.ts';
import type { Candidate } from './entity-patterns.ts';
import { runEnd } from './entity-terms.ts';

/** Runs of capitalised words the lexicon lists as first or last names, or as cities, countries or regions. */
export function knownNames(terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  while (i < terms.length) {
    const term = terms[i];
    const cls = term === undefined ? undefined : knownNameClass(term);
    if (term === undefined || cls === undefined) {
      i++;
      continue;
    }
    const j = runEnd(terms, i, (next) => knownNameClass(next) === cls);
    const last = terms[j] ?? term;
    out.push({ type: cls, start: term.start, end: last.end, score: 0.6, priority: NAME_PRIORITY[cls] });
    i = j + 1;
  }
  return out;
}

function knownNameClass(term: Term): 'PERSON' | 'LOCATION' | undefined {
  if (!/^\p{Lu}/u.test(term.text)) return undefined;
  if (term.tags.has('FirstName') || term.tags.has('LastName')) return 'PERSON';
  if (term.tags.has('City') || term.tags.has('Country') || term.tags.has('Region')) return 'LOCATION';
  return undefined;
}
