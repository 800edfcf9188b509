/**
 * PERSON, LOCATION and ORGANIZATION in English: compromise's tags, read over
 * runs of capitalised words so that a name is reported whole even where
 * compromise tagged only part of it ("Las" -> "Las Vegas").
 */
import { breaksPhrase, lexiconTag, type Term } from './english-terms.ts';
import { type Candidate, PRIORITY } from './entity-patterns.ts';
import { candidateFromTerms, isNameTerm, runText } from './entity-terms.ts';

/** Honorifics and abbreviations keep their full stop inside a name ("Dr. Alan Turing"). */
function continuesName(previous: Term): boolean {
  if (!breaksPhrase(previous.post)) return true;
  return (previous.tags.has('Honorific') || previous.tags.has('Abbreviation')) && /^\.\s+$/.test(previous.post);
}

/** The maximal runs of name-like terms with nothing but spaces between them. */
export function nameRuns(terms: readonly Term[]): (readonly Term[])[] {
  const runs: Term[][] = [];
  let current: Term[] = [];
  terms.forEach((term, i) => {
    const previous = terms[i - 1];
    const joins = previous !== undefined && current.length > 0 && previous.sentence === term.sentence && continuesName(previous);
    if (isNameTerm(term)) {
      if (joins) current.push(term);
      else {
        if (current.length > 0) runs.push(current);
        current = [term];
      }
    } else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  });
  if (current.length > 0) runs.push(current);
  return runs;
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
export const NAME_PRIORITY: Readonly<Record<NameClass, number>> = {
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
export function taggedWithinRun(
  text: string,
  run: readonly Term[],
  previous: Term | undefined,
  next: Term | undefined,
): Candidate[] {
  const classes = run.map(nameClass);
  const tagged = classes.filter((c): c is NameClass => c !== undefined);
  if (tagged.length === 0) {
    if (isWeakName(text, run, previous, next)) return [];
    const c = candidateFromTerms('ORGANIZATION', run, text, 0.5, PRIORITY.unknownProperNoun);
    return c === undefined ? [] : [c];
  }
  // One class for the whole run when compromise agrees with itself ("Tim Cook").
  const distinct = new Set(tagged);
  if (distinct.size === 1) {
    const only = tagged[0] as NameClass;
    const c = candidateFromTerms(only, trimUntagged(run, classes), text, NAME_SCORE[only], NAME_PRIORITY[only]);
    return c === undefined ? [] : [c];
  }
  // Mixed ("Jeff Bezos's company"): one entity per stretch of the same class.
  const out: Candidate[] = [];
  let start = 0;
  for (let i = 1; i <= run.length; i++) {
    if (i === run.length || classes[i] !== classes[start]) {
      const cls = classes[start];
      if (cls !== undefined) {
        const c = candidateFromTerms(cls, run.slice(start, i), text, NAME_SCORE[cls] - 0.1, NAME_PRIORITY[cls]);
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
