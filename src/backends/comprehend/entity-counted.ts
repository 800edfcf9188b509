/** QUANTITY in English for counted things, which the grammar-free patterns cannot see. */
import { breaksPhrase, type Term } from './english-terms.ts';
import { type Candidate, PRIORITY } from './entity-patterns.ts';

/**
 * Counted things ("two tickets", "3 boxes"): Comprehend reports the number
 * with its noun as one QUANTITY. Units and currencies are in the patterns;
 * this covers any plural noun after a number compromise recognised, and "an
 * hour" / "a week".
 */
export function countedNouns(terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  terms.forEach((term, i) => {
    if (breaksPhrase(term.post)) return;
    // Up to two adjectives may stand between: "3 flat tires".
    let k = i + 1;
    while (k < i + 3 && terms[k]?.tags.has('Adjective') === true && !breaksPhrase(terms[k]?.post ?? '')) k++;
    const noun = terms[k];
    if (noun === undefined) return;
    const isNumber = term.tags.has('Cardinal') && !term.tags.has('Date') && !term.tags.has('Money');
    const isArticle = /^(?:a|an)$/i.test(term.text);
    if (isNumber && noun.tags.has('Plural') && !noun.tags.has('ProperNoun')) {
      out.push({ type: 'QUANTITY', start: term.start, end: noun.end, score: 0.85, priority: PRIORITY.counted });
    } else if (isArticle && k === i + 1 && noun.tags.has('Duration')) {
      out.push({ type: 'QUANTITY', start: term.start, end: noun.end, score: 0.75, priority: PRIORITY.counted });
    }
  });
  return out;
}
