/**
 * One pass of compromise over a document, flattened into the term list that
 * the entity and key-phrase recognisers walk. compromise is English-only: its
 * lexicon and tagger know English names, places and organizations and English
 * grammar (see entities.ts for what other languages get).
 */
import nlp from 'compromise';

export interface Term {
  /** The term's text exactly as it stands in the document. */
  readonly text: string;
  /** Punctuation and spaces after the term, before the next one. */
  readonly post: string;
  readonly tags: ReadonlySet<string>;
  /** UTF-16 offsets into the document. */
  readonly start: number;
  readonly end: number;
  /** Index of the sentence, and whether the term opens it (emoji before it do not count). */
  readonly sentence: number;
  readonly sentenceInitial: boolean;
}

interface RawTerm {
  readonly text: string;
  readonly post: string;
  readonly tags: readonly string[];
  readonly start: number;
  readonly length: number;
}

/**
 * Terms of the document, in order. Zero-length terms (the "not" compromise
 * adds for "hasn't") are dropped: they have no text of their own to report.
 */
export function parseEnglish(text: string): Term[] {
  const raw: unknown = nlp(text).json({ offset: true, terms: { offset: true } });
  const terms: Term[] = [];
  if (!Array.isArray(raw)) return terms;
  let cursor = 0;
  raw.forEach((sentence: unknown, sentenceIndex: number) => {
    let initial = true;
    for (const rawTerm of sentenceTerms(sentence)) {
      if (rawTerm.length === 0 || rawTerm.text === '') continue;
      const start = locate(text, rawTerm, cursor);
      if (start === undefined) continue;
      const end = start + rawTerm.text.length;
      cursor = end;
      const tags = new Set(rawTerm.tags);
      terms.push({
        text: rawTerm.text,
        post: rawTerm.post,
        tags,
        start,
        end,
        sentence: sentenceIndex,
        sentenceInitial: initial,
      });
      if (!tags.has('Emoji') && !tags.has('Emoticon')) initial = false;
    }
  });
  return terms;
}

/**
 * compromise's offsets count UTF-16 units of the original text; we still check
 * that the term's text is there, and search forward from the previous term if
 * not, so that a tokenizer quirk can never produce an offset that does not
 * match the reported text.
 */
function locate(text: string, term: RawTerm, cursor: number): number | undefined {
  if (text.startsWith(term.text, term.start) && term.start >= cursor) return term.start;
  const found = text.indexOf(term.text, cursor);
  return found < 0 ? undefined : found;
}

function sentenceTerms(sentence: unknown): RawTerm[] {
  if (!isRecord(sentence) || !Array.isArray(sentence.terms)) return [];
  const out: RawTerm[] = [];
  for (const term of sentence.terms as unknown[]) {
    if (!isRecord(term)) continue;
    const offset = term.offset;
    if (typeof term.text !== 'string' || !isRecord(offset)) continue;
    if (typeof offset.start !== 'number' || typeof offset.length !== 'number') continue;
    out.push({
      text: term.text,
      post: typeof term.post === 'string' ? term.post : '',
      tags: Array.isArray(term.tags) ? term.tags.filter((t): t is string => typeof t === 'string') : [],
      start: offset.start,
      length: offset.length,
    });
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

let lexicon: ReadonlyMap<string, string> | undefined;

/**
 * The tag compromise's own lexicon gives a lower-case word ("save" ->
 * Infinitive, "dell" -> Organization), if it lists the word. The lexicon holds
 * function words, verbs, adjectives and known names, not every noun.
 */
export function lexiconTag(word: string): string | undefined {
  if (lexicon === undefined) {
    const model: unknown = nlp.model();
    const one = isRecord(model) ? model.one : undefined;
    const entries = isRecord(one) && isRecord(one.lexicon) ? Object.entries(one.lexicon) : [];
    lexicon = new Map(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return lexicon.get(word.toLowerCase());
}

/** Capitalised like a name: "Paris", "iPhone", "IBM", not "paris". */
export function looksCapitalized(word: string): boolean {
  return /^\p{Lu}/u.test(word) || /^\p{Ll}+\p{Lu}/u.test(word);
}

/** Punctuation between two terms that ends a phrase (anything but spaces and hyphens). */
export function breaksPhrase(post: string): boolean {
  return /[^\s\-–]/u.test(post);
}
