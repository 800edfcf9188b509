/**
 * EVENT in English: runs of capitalised words that end in an event word
 * ("Web Summit", "Super Bowl"), and known events wherever they stand, since
 * compromise tags some of their words otherwise ("Friday" is a date).
 */
import type { Term } from './english-terms.ts';
import { type Candidate, PRIORITY } from './entity-patterns.ts';
import { candidateFromTerms, runText, wordKey } from './entity-terms.ts';

const EVENT_HEADS: ReadonlySet<string> = new Set([
  'Summit',
  'Conference',
  'Festival',
  'Games',
  'Olympics',
  'Bowl',
  'Cup',
  'Championship',
  'Championships',
  'Expo',
  'Marathon',
  'Fair',
  'Tournament',
  'Awards',
  'Concert',
  'Carnival',
  'Parade',
  'Week',
  'Gala',
  'Hackathon',
  'Convention',
  'Symposium',
  'Congress',
  'Grand Prix',
  'Series',
  'Open',
  'Election',
  'Elections',
  'Rally',
  'Meetup',
  'Tour',
  'Showcase',
  'Keynote',
  'Webinar',
  'Sale',
]);
const EVENT_NAMES: ReadonlySet<string> = new Set([
  'Black Friday',
  'Cyber Monday',
  'Prime Day',
  'Olympics',
  'Oktoberfest',
  'Coachella',
  'Wimbledon',
  'Comic-Con',
  'CES',
  'WWDC',
  'Mardi Gras',
  'Eurovision',
  'Glastonbury',
]);
/** Known events whose words compromise tags otherwise ("Friday" is a date). */
const EVENT_NAMES_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...EVENT_NAMES].map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`,
  'gu',
);

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A run of capitalised words that names an event: at least two words ending in an event word, or a known event. */
export function eventNamedByRun(text: string, run: readonly Term[]): Candidate | undefined {
  const words = run.map(wordKey);
  const known = EVENT_NAMES.has(runText(text, run));
  const last = words[words.length - 1] ?? '';
  const lastTwo = words.slice(-2).join(' ');
  if (!known && !EVENT_HEADS.has(last) && !EVENT_HEADS.has(lastTwo)) return undefined;
  // "Olympic Games", "Super Bowl": at least two words, or a known name.
  if (run.length < 2 && !known) return undefined;
  return candidateFromTerms('EVENT', run, text, 0.75, PRIORITY.event);
}

/** Every known event name in the text. */
export function knownEvents(text: string): Candidate[] {
  return [...text.matchAll(EVENT_NAMES_PATTERN)].map((match) => ({
    type: 'EVENT',
    start: match.index,
    end: match.index + match[0].length,
    score: 0.8,
    priority: PRIORITY.event,
  }));
}
