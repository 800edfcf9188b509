/**
 * Built-in DetectEntities. Comprehend's types come from three sources:
 *
 * - grammar-free patterns for every language (entity-patterns.ts): OTHER
 *   (e-mail, URL, phone, IP, @handle/#tag, order and invoice numbers),
 *   QUANTITY (money, percentages, measures, counts), DATE (numeric and CJK
 *   dates, times, and month/weekday/relative words in en, es, fr, de, it, pt);
 * - compromise's English tagger for PERSON, LOCATION and ORGANIZATION, widened
 *   to the whole run of capitalised words it tagged part of ("Las" -> "Las
 *   Vegas"), plus rules on those runs for ORGANIZATION keywords ("Air
 *   France", "Acme Corp."), EVENT heads ("Web Summit", "Super Bowl"),
 *   COMMERCIAL_ITEM (product lines and model numbers: "iPhone 15 Pro",
 *   "Dell XPS 13") and TITLE (quoted title-case works after read/watch/...);
 * - for es, fr, de, it and pt, only the people's and places' names that
 *   compromise's lexicon knows ("María", "Madrid"); for ar, hi, ja, ko, zh
 *   the patterns alone.
 *
 * Candidates overlap; the higher priority wins, then the longer span. Scores
 * are fixed per rule and ordered by how reliable the rule is (e-mail and URL
 * patterns 0.99, compromise's people 0.9, guessed organizations 0.5); they are
 * not probabilities from a model. Measured in test/comprehend-nlp.test.ts on
 * test/data/entities-eval.tsv (development) and entities-holdout.tsv.
 */
import type { Entity, EntityType } from '../types.ts';
import { breaksPhrase, lexiconTag, looksCapitalized, parseEnglish, type Term } from './english-terms.ts';
import { type Candidate, PRIORITY, patternCandidates } from './entity-patterns.ts';
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

// ---------------------------------------------------------------------------
// English: compromise's tags, read over runs of capitalised words.

/** A maximal run of name-like terms with nothing but spaces between them. */
interface NameRun {
  readonly terms: readonly Term[];
}

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

function isNameTerm(term: Term): boolean {
  if (!looksCapitalized(term.text) || /^[#@]/.test(term.text)) return false;
  // A name tag wins over grammar tags: compromise also marks "Bezos's" Possessive.
  if (term.tags.has('Person') || term.tags.has('Place') || term.tags.has('Organization')) return true;
  return !FUNCTION_TAGS.some((tag) => term.tags.has(tag));
}

/** Honorifics and abbreviations keep their full stop inside a name ("Dr. Alan Turing"). */
function continuesName(previous: Term): boolean {
  if (!breaksPhrase(previous.post)) return true;
  return (previous.tags.has('Honorific') || previous.tags.has('Abbreviation')) && /^\.\s+$/.test(previous.post);
}

function nameRuns(terms: readonly Term[]): NameRun[] {
  const runs: NameRun[] = [];
  let current: Term[] = [];
  terms.forEach((term, i) => {
    const previous = terms[i - 1];
    const joins = previous !== undefined && current.length > 0 && previous.sentence === term.sentence && continuesName(previous);
    if (isNameTerm(term)) {
      if (joins) current.push(term);
      else {
        if (current.length > 0) runs.push({ terms: current });
        current = [term];
      }
    } else if (current.length > 0) {
      runs.push({ terms: current });
      current = [];
    }
  });
  if (current.length > 0) runs.push({ terms: current });
  return runs;
}

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
const ORGANIZATION_SUFFIX =
  /^(?:Inc|Ltd|LLC|Corp|Co|GmbH|plc|PLC|AG|SA|S\.A|NV|N\.V|BV|B\.V|Limited|Corporation|Incorporated|Pty)$/;

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
  'Step',
  'Stage',
  'Level',
  'Window',
  'Slot',
  'Desk',
  'Counter',
  'Aisle',
  'Exit',
]);

function wordKey(term: Term): string {
  return term.text.replace(/['’]s$/u, '');
}

function runText(text: string, terms: readonly Term[]): string {
  const first = terms[0];
  const last = terms[terms.length - 1];
  return first === undefined || last === undefined ? '' : text.slice(first.start, last.end);
}

function candidate(
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

function englishCandidates(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  const push = (c: Candidate | undefined): void => {
    if (c !== undefined) out.push(c);
  };

  for (const run of nameRuns(terms)) {
    const words = run.terms.map(wordKey);
    const whole = runText(text, run.terms);
    const last = words[words.length - 1] ?? '';
    const lastTwo = words.slice(-2).join(' ');
    if (EVENT_NAMES.has(whole) || EVENT_HEADS.has(last) || EVENT_HEADS.has(lastTwo)) {
      // "Olympic Games", "Super Bowl": at least two words, or a known name.
      if (run.terms.length >= 2 || EVENT_NAMES.has(whole)) push(candidate('EVENT', run.terms, text, 0.75, PRIORITY.event));
    }
    if (words.some((w) => ORGANIZATION_KEYWORDS.has(w)) && run.terms.length >= 2) {
      push(candidate('ORGANIZATION', run.terms, text, 0.8, PRIORITY.organizationByKeyword));
    }
    const firstIndex = terms.indexOf(run.terms[0] as Term);
    const previous = terms[firstIndex - 1];
    const next = terms[firstIndex + run.terms.length];
    out.push(...taggedWithinRun(text, run.terms, previous, next));
  }

  for (const match of text.matchAll(EVENT_NAMES_PATTERN)) {
    out.push({ type: 'EVENT', start: match.index, end: match.index + match[0].length, score: 0.8, priority: PRIORITY.event });
  }
  out.push(...organizationsWithSuffix(text, terms));
  out.push(...organizationsOf(text, terms));
  out.push(...products(text, terms));
  out.push(...titles(text, terms));
  out.push(...countedNouns(text, terms));
  return out;
}

/**
 * Capitalised words of everyday technical text that name no organization:
 * technologies, and the labels of buttons and pages that tickets quote
 * ("click Save", "the Settings page").
 */
const COMMON_CAPITALISED: ReadonlySet<string> = new Set([
  'Wi-Fi',
  'WiFi',
  'Bluetooth',
  'Internet',
  'Web',
  'Email',
  'E-mail',
  'OK',
  'Ok',
  'FAQ',
  'PIN',
  'PDF',
  'USB',
  'HDMI',
  'GPS',
  'TV',
  'PC',
  'App',
  'ASAP',
  'FYI',
  'BTW',
  'AM',
  'PM',
  'World',
  'Error',
  'Warning',
  'Settings',
  'Home',
  'Menu',
  'Login',
  'Logout',
  'Log',
  'Sign',
  'Submit',
  'Cancel',
  'Save',
  'Delete',
  'Edit',
  'Search',
  'Help',
  'Support',
  'Account',
  'Profile',
  'Privacy',
  'Security',
  'Notifications',
  'Dashboard',
  'Checkout',
  'Cart',
  'Basket',
  'Orders',
  'Order',
  'Payment',
  'Payments',
  'Billing',
  'Preferences',
  'General',
  'Advanced',
  'Next',
  'Back',
  'Continue',
  'Confirm',
  'Apply',
  'Update',
  'Upload',
  'Download',
  'Send',
  'Reply',
  'Inbox',
  'Start',
  'Stop',
  'Retry',
  'Reset',
  'Close',
  'Open',
  'Yes',
  'No',
]);
/** compromise tags "March" in "the March release" as a plain name. */
const MONTH_NAME = /^(?:January|February|March|April|May|June|July|August|September|October|November|December)$/;
/** Verbs before a quoted interface label, and nouns after one. */
const UI_VERBS = /^(?:click|clicked|clicking|tap|tapped|press|pressed|hit|select|selected|choose|chose|open|opened|under|in)$/i;
const UI_NOUNS =
  /^(?:page|button|tab|menu|screen|option|icon|link|window|field|box|bar|panel|section|setting|settings|dialog|toggle|checkbox)$/i;

type NameClass = 'PERSON' | 'LOCATION' | 'ORGANIZATION';

function nameClass(term: Term): NameClass | undefined {
  if (term.tags.has('Person') || term.tags.has('Honorific')) return 'PERSON';
  if (term.tags.has('Organization')) return 'ORGANIZATION';
  if (term.tags.has('Place')) return 'LOCATION';
  return undefined;
}

const NAME_SCORE: Readonly<Record<NameClass, number>> = { PERSON: 0.9, LOCATION: 0.88, ORGANIZATION: 0.82 };
const NAME_PRIORITY: Readonly<Record<NameClass, number>> = {
  PERSON: PRIORITY.person,
  LOCATION: PRIORITY.location,
  ORGANIZATION: PRIORITY.organization,
};

/**
 * Within one run of capitalised words: each stretch compromise tagged as a
 * person, place or organization becomes that entity, taking in the untagged
 * capitalised words around it ("Las" + "Vegas"); a run with no tag at all is
 * a name compromise does not know, which in customer text is most often a
 * company or brand: a weak ORGANIZATION, unless it is one capitalised word
 * opening a sentence or an acronym such as "USB" or "CEO".
 */
function taggedWithinRun(text: string, run: readonly Term[], previous: Term | undefined, next: Term | undefined): Candidate[] {
  const classes = run.map(nameClass);
  const tagged = classes.filter((c): c is NameClass => c !== undefined);
  if (tagged.length === 0) {
    if (isWeakName(text, run, previous, next)) return [];
    const c = candidate('ORGANIZATION', run, text, 0.5, PRIORITY.unknownProperNoun);
    return c === undefined ? [] : [c];
  }
  // One class for the whole run when compromise agrees with itself ("Tim Cook").
  const distinct = new Set(tagged);
  if (distinct.size === 1) {
    const only = tagged[0] as NameClass;
    const c = candidate(only, trimUntagged(run, classes), text, NAME_SCORE[only], NAME_PRIORITY[only]);
    return c === undefined ? [] : [c];
  }
  // Mixed ("Jeff Bezos's company"): one entity per stretch of the same class.
  const out: Candidate[] = [];
  let start = 0;
  for (let i = 1; i <= run.length; i++) {
    if (i === run.length || classes[i] !== classes[start]) {
      const cls = classes[start];
      if (cls !== undefined) {
        const c = candidate(cls, run.slice(start, i), text, NAME_SCORE[cls] - 0.1, NAME_PRIORITY[cls]);
        if (c !== undefined) out.push(c);
      }
      start = i;
    }
  }
  return out;
}

/**
 * An untagged run that is more likely a word than a name: one word opening a
 * sentence, an acronym or role ("USB", "CEO"), a common English word that
 * compromise's lexicon lists as a verb or adjective ("Save", "Black"), or an
 * interface label ("click Submit", "the Settings page").
 */
function isWeakName(text: string, run: readonly Term[], previous: Term | undefined, next: Term | undefined): boolean {
  if (COMMON_CAPITALISED.has(runText(text, run))) return true;
  if (run.every((t) => t.tags.has('Acronym') || t.tags.has('Value') || t.tags.has('Month') || MONTH_NAME.test(t.text))) {
    return true;
  }
  if (previous !== undefined && UI_VERBS.test(previous.text)) return true;
  if (next !== undefined && UI_NOUNS.test(next.text)) return true;
  const only = run.length === 1 ? run[0] : undefined;
  if (only === undefined) return false;
  if (only.sentenceInitial || only.tags.has('Actor')) return true;
  const known = lexiconTag(only.text);
  return known !== undefined && known !== 'Organization';
}

/** Drops a sentence-opening untagged word ("Thanks Maria Garcia" -> "Maria Garcia"). */
function trimUntagged(run: readonly Term[], classes: readonly (NameClass | undefined)[]): readonly Term[] {
  const first = run[0];
  if (first?.sentenceInitial && classes[0] === undefined && run.length > 1) return run.slice(1);
  return run;
}

/** "Amazon.com, Inc.", "Acme Corp": a name, an optional comma, a company suffix. */
function organizationsWithSuffix(text: string, terms: readonly Term[]): Candidate[] {
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
    const c = candidate('ORGANIZATION', terms.slice(first, i + 1), text, 0.85, PRIORITY.organizationByKeyword);
    if (c !== undefined) out.push(c);
  });
  return out;
}

/** "Bank of America", "University of Texas at Austin". */
function organizationsOf(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  terms.forEach((term, i) => {
    const of = terms[i + 1];
    if (!ORGANIZATION_OF.has(term.text) || of === undefined || of.text !== 'of' || breaksPhrase(term.post)) return;
    let last = i + 2;
    const firstName = terms[last];
    if (firstName === undefined || !isNameTerm(firstName) || breaksPhrase(of.post)) return;
    while (last + 1 < terms.length) {
      const current = terms[last];
      const next = terms[last + 1];
      if (current === undefined || next === undefined || breaksPhrase(current.post) || !isNameTerm(next)) break;
      last++;
    }
    const c = candidate('ORGANIZATION', terms.slice(i, last + 1), text, 0.8, PRIORITY.organizationByKeyword);
    if (c !== undefined) out.push(c);
  });
  return out;
}

function isProductToken(term: Term): boolean {
  if (/^[#@]/.test(term.text) || term.tags.has('Date') || term.tags.has('Money') || term.tags.has('Percent')) return false;
  if (/^\d+$/.test(term.text)) return true;
  if (/\p{N}/u.test(term.text) && /^[\p{L}\p{N}-]+$/u.test(term.text)) return true;
  return isNameTerm(term);
}

const LOWER_CAMEL = /^\p{Ll}{1,2}\p{Lu}/u;
const UPPER_CAMEL = /^\p{Lu}\p{Ll}+\p{Lu}/u;

/**
 * COMMERCIAL_ITEM: a run of capitalised words and model numbers that names a
 * product line ("Kindle Paperwhite"), is written like one ("iPhone"), or is a
 * name followed by a model ("Galaxy S23", "Dell XPS 13", "PlayStation 5").
 */
function products(text: string, terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  while (i < terms.length) {
    const first = terms[i];
    if (first === undefined || !isProductToken(first) || /^\d+$/.test(first.text)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < terms.length) {
      const current = terms[j];
      const next = terms[j + 1];
      if (current === undefined || next === undefined || breaksPhrase(current.post) || !isProductToken(next)) break;
      j++;
    }
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
      const c = candidate('COMMERCIAL_ITEM', run, text, 0.75, PRIORITY.product);
      if (c !== undefined) out.push(c);
    }
  }
  return out;
}

const TITLE_CUES =
  /\b(?:read|reading|watch|watched|watching|saw|seen|see|listen|listened|listening|to|play|played|playing|book|novel|movie|film|song|album|show|series|episode|game|podcast|article|titled|called|named|streaming|finished|recommend)\W*$/i;

/**
 * TITLE: a quoted title-case phrase ("The Old Man and the Sea") after a word
 * that introduces a work, or of three words or more. Quoted sentences and
 * button labels ("Save Changes") are not titles.
 */
function titles(text: string, terms: readonly Term[]): Candidate[] {
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

/**
 * Counted things ("two tickets", "3 boxes"): Comprehend reports the number
 * with its noun as one QUANTITY. Units and currencies are in the patterns;
 * this covers any plural noun after a number compromise recognised, and "an
 * hour" / "a week".
 */
function countedNouns(_text: string, terms: readonly Term[]): Candidate[] {
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

// ---------------------------------------------------------------------------
// Spanish, French, German, Italian, Portuguese: names compromise's lexicon knows.

function knownNames(terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  while (i < terms.length) {
    const term = terms[i];
    const cls = term === undefined ? undefined : knownNameClass(term);
    if (term === undefined || cls === undefined) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < terms.length) {
      const current = terms[j];
      const next = terms[j + 1];
      if (current === undefined || next === undefined || breaksPhrase(current.post) || knownNameClass(next) !== cls) break;
      j++;
    }
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

// ---------------------------------------------------------------------------
// Joining neighbours the recognisers found apart.

const US_STATES_AND_PROVINCES: ReadonlySet<string> = new Set(
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AB BC MB NB NL NS NT NU ON PE QC SK YT'.split(
    ' ',
  ),
);

/**
 * "Monday" + "at 10:30 am" -> one DATE; "Seattle" + ", WA" and "Paris" +
 * ", France" -> one LOCATION, as Comprehend reports them.
 */
function mergeNeighbours(text: string, entities: readonly Candidate[], terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  for (const entity of entities) {
    const previous = out[out.length - 1];
    if (previous !== undefined && previous.type === 'DATE' && entity.type === 'DATE') {
      const gap = text.slice(previous.end, entity.start);
      if (/^(?:,?\s+|\s+(?:at|à|a las|um|alle|às|@)\s+)$/iu.test(gap) || gap === '') {
        out[out.length - 1] = { ...previous, end: entity.end, score: Math.min(previous.score, entity.score) };
        continue;
      }
    }
    if (previous !== undefined && previous.type === 'LOCATION' && entity.type === 'LOCATION') {
      const gap = text.slice(previous.end, entity.start);
      const second = terms.find((t) => t.start === entity.start);
      if (/^,\s*$/.test(gap) && second !== undefined && (second.tags.has('Country') || second.tags.has('Region'))) {
        out[out.length - 1] = { ...previous, end: entity.end };
        continue;
      }
    }
    out.push(entity);
  }
  // A US state or Canadian province code after a place is part of it.
  return out.map((entity) => {
    if (entity.type !== 'LOCATION') return entity;
    const state = /^,\s?([A-Z]{2})(?![\p{L}\p{N}])/u.exec(text.slice(entity.end));
    const code = state?.[1];
    if (state === null || code === undefined || !US_STATES_AND_PROVINCES.has(code)) return entity;
    const end = entity.end + state[0].length;
    return out.some((o) => o !== entity && o.start < end && o.end > entity.end) ? entity : { ...entity, end };
  });
}
