/**
 * Splits normalized text into clauses and weighs each one by its role.
 *
 * Why clauses: a reader judges "The screen is great but the battery is
 * terrible" as two opinions, not one averaged one. Splitting at sentence ends,
 * commas and contrast words gives MIXED its evidence (positive and negative
 * clauses), limits negation to its own clause, and lets the clause after "but"
 * count for more than the one it answers ("pricey, but worth it").
 *
 * Weights also damp clauses that state no opinion of the writer's own:
 * questions ("Is it any good?") and conditions ("if it breaks, ...").
 */

export interface ClauseMarkers {
  /** Words after which the writer's main point follows: "but", "however". */
  readonly contrast: readonly string[];
  /**
   * Words that open a conceded clause: "Although X, Y" (Y is the main point) or
   * "X, even though Y" (X is). Either way the two sides are in contrast.
   */
  readonly concessionOpeners: readonly string[];
  /** Words that make a clause hypothetical: "if", "unless". */
  readonly conditionals: readonly string[];
}

export interface Clause {
  readonly text: string;
  readonly weight: number;
}

export interface ClauseLayout {
  readonly clauses: readonly Clause[];
  /** True when an explicit contrast word joins two clauses. */
  readonly hasContrast: boolean;
}

type Role = 'plain' | 'before-contrast' | 'main' | 'conceded';

const ROLE_WEIGHT: Readonly<Record<Role, number>> = {
  plain: 1,
  'before-contrast': 0.8,
  main: 1.2,
  conceded: 0.8,
};
const QUESTION_WEIGHT = 0.6;
const EXCLAMATION_WEIGHT = 1.2;
const CONDITIONAL_WEIGHT = 0.4;

export const ENGLISH_CLAUSE_MARKERS: ClauseMarkers = {
  contrast: ['but', 'however', 'yet', 'nevertheless', 'nonetheless', 'except', 'on the other hand'],
  concessionOpeners: ['although', 'though', 'even though', 'whereas', 'while', 'despite', 'in spite of'],
  conditionals: ['if', 'unless', 'whether'],
};

interface CompiledMarkers {
  readonly splitter: RegExp;
  readonly contrast: ReadonlySet<string>;
  readonly openers: ReadonlySet<string>;
  readonly conditional: RegExp;
}

const compiled = new WeakMap<ClauseMarkers, CompiledMarkers>();

/** Matches whole words only, for any script (\b knows only ASCII letters). */
function wordAlternation(words: readonly string[]): string {
  const sorted = [...words].sort((a, b) => b.length - a.length).map((w) => w.replace(/ /g, '\\s+'));
  return `(?<![\\p{L}\\p{N}-])(?:${sorted.join('|')})(?![\\p{L}\\p{N}-])`;
}

function compile(markers: ClauseMarkers): CompiledMarkers {
  const cached = compiled.get(markers);
  if (cached) return cached;
  const words = [...new Set([...markers.contrast, ...markers.concessionOpeners])];
  const result: CompiledMarkers = {
    splitter: new RegExp(`(,|:|\\s-\\s|${wordAlternation(words)})`, 'u'),
    contrast: new Set(markers.contrast),
    openers: new Set(markers.concessionOpeners),
    conditional: new RegExp(wordAlternation(markers.conditionals), 'u'),
  };
  compiled.set(markers, result);
  return result;
}

const SENTENCE_BREAK = /(?<=[.!?\u2026\u3002\uff01\uff1f])\s+|[;\n]+/u;
const HAS_CONTENT = /[\p{L}\p{N}\p{Extended_Pictographic}]/u;

interface Segment {
  readonly text: string;
  role: Role;
  readonly sentenceWeight: number;
}

/** Splits already-normalized text (see sentiment-phrases.ts) into weighted clauses. */
export function splitIntoClauses(text: string, markers: ClauseMarkers = ENGLISH_CLAUSE_MARKERS): ClauseLayout {
  const compiledMarkers = compile(markers);
  const segments: Segment[] = [];
  let hasContrast = false;

  for (const sentence of text.split(SENTENCE_BREAK)) {
    if (!HAS_CONTENT.test(sentence)) continue;
    const sentenceWeight = sentenceWeightOf(sentence);
    const pieces = sentence.split(compiledMarkers.splitter);
    const sentenceStart = segments.length;
    let expectMainAfterConcession = false;

    for (let k = 0; k < pieces.length; k += 2) {
      const clauseText = (pieces[k] ?? '').trim();
      const marker = k > 0 ? (pieces[k - 1] ?? '').trim().replace(/\s+/g, ' ') : '';
      const previous = segments.length > sentenceStart ? segments[segments.length - 1] : undefined;
      const hasWords = HAS_CONTENT.test(clauseText);
      let role: Role = previous?.role ?? 'plain';

      if (compiledMarkers.contrast.has(marker) || compiledMarkers.openers.has(marker)) {
        const atSentenceStart = previous === undefined;
        if (atSentenceStart && compiledMarkers.openers.has(marker)) {
          role = 'conceded';
          expectMainAfterConcession = true;
        } else if (compiledMarkers.openers.has(marker)) {
          // Mid-sentence "X, even though Y": X stays the main statement, Y is conceded.
          role = 'conceded';
        } else if (compiledMarkers.contrast.has(marker)) {
          for (const earlier of segments) if (earlier.role === 'plain') earlier.role = 'before-contrast';
          role = 'main';
        } else {
          role = 'plain';
        }
        if (hasWords && (compiledMarkers.contrast.has(marker) || role === 'conceded')) hasContrast = true;
      } else if (expectMainAfterConcession && previous?.role === 'conceded') {
        role = 'main';
        expectMainAfterConcession = false;
      }
      if (hasWords) segments.push({ text: clauseText, role, sentenceWeight });
    }
  }

  const clauses = segments.map((segment) => ({
    text: segment.text,
    weight:
      ROLE_WEIGHT[segment.role] *
      segment.sentenceWeight *
      (compiledMarkers.conditional.test(segment.text) ? CONDITIONAL_WEIGHT : 1),
  }));
  return { clauses, hasContrast };
}

function sentenceWeightOf(sentence: string): number {
  // Plain string searches: both marks are single UTF-16 units, so no pattern is needed.
  const trimmed = sentence.trimEnd();
  if (trimmed.endsWith('?') || trimmed.endsWith('\uff1f')) return QUESTION_WEIGHT;
  if (trimmed.includes('!') || trimmed.includes('\uff01')) return EXCLAMATION_WEIGHT;
  return 1;
}
