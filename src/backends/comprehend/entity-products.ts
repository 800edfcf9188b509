/**
 * COMMERCIAL_ITEM in English: runs of capitalised words and model numbers,
 * told apart from room numbers and chapters by three word lists and by how
 * product names are written.
 */
import type { Term } from './english-terms.ts';
import { type Candidate, PRIORITY } from './entity-patterns.ts';
import { candidateFromTerms, isNameTerm, runEnd } from './entity-terms.ts';

/** Product lines that are COMMERCIAL_ITEM on their own ("my Kindle"). */
const PRODUCT_LINES: ReadonlySet<string> = new Set([
  'Kindle',
  'Galaxy',
  'Pixel',
  'iPhone',
  'iPad',
  'iPod',
  'iMac',
  'MacBook',
  'AirPods',
  'PlayStation',
  'Xbox',
  'ThinkPad',
  'Chromebook',
  'Roomba',
  'GoPro',
  'Photoshop',
  'Excel',
  'Windows',
  'Android',
  'Alexa',
  'Echo',
  'Fire TV',
  'Switch',
  'Surface',
  'Prius',
  'Corolla',
  'Civic',
  'Mustang',
  'Walkman',
  'Fitbit',
  'Nespresso',
  'Lego',
  'LEGO',
  'Vitamix',
  'Dyson',
  'Instant Pot',
  'Zoom',
  'Slack',
  'Outlook',
  'Chrome',
  'Firefox',
]);
/** Words that make a name plus a number a model rather than a place or a page ("Pro", "Max"). */
const MODEL_WORDS: ReadonlySet<string> = new Set([
  'Pro',
  'Max',
  'Ultra',
  'Plus',
  'Mini',
  'Air',
  'Lite',
  'SE',
  'Series',
  'Edition',
  'XL',
  'Paperwhite',
  'Oasis',
  'Studio',
  'Duo',
  'Fold',
  'Flip',
  'Note',
]);
/** Capitalised words that a number follows without making a product ("Room 101", "Chapter 3"). */
const NOT_PRODUCT_HEADS: ReadonlySet<string> = new Set([
  'Chapter',
  'Room',
  'Flight',
  'Route',
  'Gate',
  'Terminal',
  'Page',
  'Section',
  'Step',
  'Level',
  'Floor',
  'Apartment',
  'Apt',
  'Suite',
  'Building',
  'Platform',
  'Highway',
  'Interstate',
  'Article',
  'Figure',
  'Table',
  'Order',
  'Invoice',
  'Ticket',
  'Case',
  'Account',
  'Item',
  'Number',
  'No',
  'Option',
  'Question',
  'Day',
  'Week',
  'Year',
  'Season',
  'Episode',
  'Part',
  'Volume',
  'Unit',
  'Line',
  'Box',
  'Seat',
  'Row',
  'Lane',
  'Bus',
  'Train',
  'Zone',
  'Phase',
  'Stage',
  'Round',
  'Class',
  'Grade',
  'Team',
  'Group',
  'Store',
  'Street',
  'Avenue',
  'Road',
  'Error',
  'Code',
  'Status',
  'Issue',
  'Bug',
  'Version',
  'Release',
  'Build',
  'Update',
  'Patch',
  'Port',
  'Channel',
  'Plan',
  'Tier',
  'Size',
  'Window',
  'Slot',
  'Desk',
  'Counter',
  'Aisle',
  'Exit',
]);

function isProductToken(term: Term): boolean {
  if (/^[#@]/.test(term.text) || term.tags.has('Date') || term.tags.has('Money') || term.tags.has('Percent')) return false;
  if (/^\d+$/.test(term.text)) return true;
  if (/\p{N}/u.test(term.text) && /^[\p{L}\p{N}-]+$/u.test(term.text)) return true;
  return isNameTerm(term);
}

const LOWER_CAMEL = /^\p{Ll}{1,2}\p{Lu}/u;
const UPPER_CAMEL = /^\p{Lu}\p{Ll}+\p{Lu}/u;

/**
 * Runs of capitalised words and model numbers that name a product line
 * ("Kindle Paperwhite"), are written like one ("iPhone"), or are a name
 * followed by a model ("Galaxy S23", "Dell XPS 13", "PlayStation 5").
 */
export function products(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  while (i < terms.length) {
    const first = terms[i];
    if (first === undefined || !isProductToken(first) || /^\d+$/.test(first.text)) {
      i++;
      continue;
    }
    const j = runEnd(terms, i, isProductToken);
    const run = terms.slice(i, j + 1);
    i = j + 1;
    const words = run.map((t) => t.text);
    const head = words[0] ?? '';
    if (NOT_PRODUCT_HEADS.has(head)) continue;
    const inLexicon = words.some((w, k) => PRODUCT_LINES.has(w) || PRODUCT_LINES.has(`${w} ${words[k + 1] ?? ''}`));
    const camel = words.some((w) => LOWER_CAMEL.test(w) || UPPER_CAMEL.test(w));
    const model = words.slice(1).some((w) => /\p{N}/u.test(w) || MODEL_WORDS.has(w));
    const organizationOnly = run.every((t) => t.tags.has('Organization') || t.tags.has('Person') || t.tags.has('Place'));
    if (organizationOnly && !inLexicon) continue;
    const firstOk = !first.sentenceInitial || camel || inLexicon || run.length >= 2;
    if (!firstOk) continue;
    if (inLexicon || words.some((w) => LOWER_CAMEL.test(w)) || (run.length >= 2 && model)) {
      const c = candidateFromTerms('COMMERCIAL_ITEM', run, text, 0.75, PRIORITY.product);
      if (c !== undefined) out.push(c);
    }
  }
  return out;
}
