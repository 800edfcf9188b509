/** TITLE in English: quoted names of books, films, songs and other works. */
import { looksCapitalized, type Term } from './english-terms.ts';
import { type Candidate, PRIORITY } from './entity-patterns.ts';

const TITLE_CUES =
  /\b(?:read|reading|watch|watched|watching|saw|seen|see|listen|listened|listening|to|play|played|playing|book|novel|movie|film|song|album|show|series|episode|game|podcast|article|titled|called|named|streaming|finished|recommend)\W*$/i;

/**
 * TITLE: a quoted title-case phrase ("The Old Man and the Sea") after a word
 * that introduces a work, or of three words or more. Quoted sentences and
 * button labels ("Save Changes") are not titles.
 */
export function titles(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  for (const match of text.matchAll(/[“"‘]([^“”"‘’\n]{2,100})[”"’]/dgu)) {
    const inner = match.indices?.[1];
    const quoted = match[1];
    if (inner === undefined || quoted === undefined) continue;
    const words = quoted.trim().split(/\s+/);
    if (/[.!?]$/.test(quoted.trim()) || !looksCapitalized(words[0] ?? '')) continue;
    const significant = words.filter((w) => w.length > 3);
    const capitalised = significant.filter((w) => looksCapitalized(w)).length;
    if (significant.length > 0 && capitalised / significant.length < 0.6) continue;
    const before = text.slice(Math.max(0, inner[0] - 30), inner[0] - 1);
    const cued = TITLE_CUES.test(before);
    if (!cued && words.length < 3) continue;
    const startsAtTerm = terms.some((t) => t.start === inner[0]);
    if (!startsAtTerm && terms.length > 0) continue;
    out.push({ type: 'TITLE', start: inner[0], end: inner[1], score: cued ? 0.7 : 0.5, priority: PRIORITY.title });
  }
  return out;
}
