/**
 * The English entity candidates that compromise's parse makes possible: its
 * name tags read over runs of capitalised words, and the rules for
 * organizations, events, products, titles and counted things on its terms.
 */
import type { Term } from './english-terms.ts';
import { countedNouns } from './entity-counted.ts';
import { eventNamedByRun, knownEvents } from './entity-events.ts';
import { nameRuns, taggedWithinRun } from './entity-names.ts';
import { organizationNamedByRun, organizationsOf, organizationsWithSuffix } from './entity-organizations.ts';
import type { Candidate } from './entity-patterns.ts';
import { products } from './entity-products.ts';
import { titles } from './entity-titles.ts';

/**
 * Every candidate, overlapping ones included. The order matters: where two
 * candidates tie on priority, length and start, the earlier one is kept.
 */
export function englishCandidates(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  for (const run of nameRuns(terms)) {
    for (const named of [eventNamedByRun(text, run), organizationNamedByRun(text, run)]) {
      if (named !== undefined) out.push(named);
    }
    const firstIndex = terms.indexOf(run[0] as Term);
    const previous = terms[firstIndex - 1];
    const next = terms[firstIndex + run.length];
    out.push(...taggedWithinRun(text, run, previous, next));
  }
  out.push(...knownEvents(text));
  out.push(...organizationsWithSuffix(text, terms));
  out.push(...organizationsOf(text, terms));
  out.push(...products(text, terms));
  out.push(...titles(text, terms));
  out.push(...countedNouns(terms));
  return out;
}
