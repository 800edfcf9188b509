/**
 * ORGANIZATION in English beyond what compromise tags: runs of capitalised
 * words with an organization word ("Air France", "Acme Labs"), names with a
 * company suffix ("Amazon.com, Inc.") and "Bank of America" forms.
 */
import { breaksPhrase, looksCapitalized, type Term } from './english-terms.ts';
import { type Candidate, PRIORITY } from './entity-patterns.ts';
import { candidateFromTerms, isNameTerm, ORGANIZATION_SUFFIX, runEnd, wordKey } from './entity-terms.ts';

const ORGANIZATION_KEYWORDS: ReadonlySet<string> = new Set([
  'Air',
  'Airlines',
  'Airways',
  'Bank',
  'Bancorp',
  'Inc',
  'Corp',
  'Corporation',
  'Ltd',
  'LLC',
  'GmbH',
  'plc',
  'PLC',
  'AG',
  'Group',
  'University',
  'College',
  'Institute',
  'Foundation',
  'Association',
  'Company',
  'Co',
  'Technologies',
  'Systems',
  'Labs',
  'Motors',
  'Pharmaceuticals',
  'Insurance',
  'Media',
  'Studios',
  'Records',
  'Entertainment',
  'Partners',
  'Holdings',
  'Ventures',
  'Agency',
  'Ministry',
  'Department',
  'Council',
  'Committee',
  'Hospital',
  'Clinic',
  'School',
  'Academy',
  'Society',
  'Club',
  'Network',
  'Telecom',
  'Energy',
  'Software',
  'Solutions',
  'Services',
  'Bakery',
  'Restaurant',
  'Hotel',
  'Hotels',
  'Store',
  'Stores',
  'Market',
  'Supermarket',
  'Pharmacy',
  'Electronics',
  'Logistics',
  'Express',
  'Post',
  'Police',
]);
/** "Bank of America", "University of Texas": an organization word, "of", a name. */
const ORGANIZATION_OF: ReadonlySet<string> = new Set([
  'Bank',
  'University',
  'Institute',
  'Department',
  'Ministry',
  'College',
  'Museum',
  'Church',
  'School',
  'Academy',
  'Federal Reserve Bank',
  'Board',
  'Office',
  'Council',
  'Chamber',
  'Commission',
]);

/** A run of at least two capitalised words with an organization word among them ("Air France"). */
export function organizationNamedByRun(text: string, run: readonly Term[]): Candidate | undefined {
  if (run.length < 2 || !run.some((term) => ORGANIZATION_KEYWORDS.has(wordKey(term)))) return undefined;
  return candidateFromTerms('ORGANIZATION', run, text, 0.8, PRIORITY.organizationByKeyword);
}

/** "Amazon.com, Inc.", "Acme Corp": a name, an optional comma, a company suffix. */
export function organizationsWithSuffix(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  terms.forEach((term, i) => {
    if (!ORGANIZATION_SUFFIX.test(term.text) || i === 0) return;
    let first = i - 1;
    const previous = terms[first];
    if (previous === undefined || !/^,?\s+$/.test(previous.post) || !looksCapitalized(previous.text)) return;
    while (first > 0) {
      const before = terms[first - 1];
      if (before === undefined || !isNameTerm(before) || breaksPhrase(before.post)) break;
      first--;
    }
    const c = candidateFromTerms('ORGANIZATION', terms.slice(first, i + 1), text, 0.85, PRIORITY.organizationByKeyword);
    if (c !== undefined) out.push(c);
  });
  return out;
}

/** "Bank of America", "University of Texas at Austin". */
export function organizationsOf(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  terms.forEach((term, i) => {
    const of = terms[i + 1];
    if (!ORGANIZATION_OF.has(term.text) || of === undefined || of.text !== 'of' || breaksPhrase(term.post)) return;
    const firstName = terms[i + 2];
    if (firstName === undefined || !isNameTerm(firstName) || breaksPhrase(of.post)) return;
    const last = runEnd(terms, i + 2, isNameTerm);
    const c = candidateFromTerms('ORGANIZATION', terms.slice(i, last + 1), text, 0.8, PRIORITY.organizationByKeyword);
    if (c !== undefined) out.push(c);
  });
  return out;
}
