/**
 * Comprehend `rules`: scripted answers from a rules file, keyed by exact
 * text, regular expression or language, first match wins, then the task's
 * default, then the fallback backend (the built-in one, when composed), so a
 * file may script only sentiment and leave the other tasks to a real model.
 *
 *   comprehend:
 *     sentiment:
 *       rules:
 *         - { text: "I love it", sentiment: POSITIVE }
 *         - { pattern: "refund|broken", flags: i, sentiment: NEGATIVE, score: 0.97 }
 *         - { language: es, sentiment: NEUTRAL }
 *       default: { sentiment: NEUTRAL }
 *     dominantLanguage:
 *       rules: [{ pattern: "^Bonjour", languages: [{ languageCode: fr, score: 0.99 }] }]
 *     entities:
 *       rules: [{ pattern: Acme, entities: [{ type: ORGANIZATION, text: Acme Corp, score: 0.98 }] }]
 *     keyPhrases:
 *       rules: [{ pattern: "delivery", keyPhrases: [{ text: late delivery }] }]
 *
 * Entities and key phrases get their offsets from where their text occurs in
 * the document (in code points); those whose text does not occur are left out.
 */
import { EmulatorError } from '../../errors.ts';
import { COMPREHEND_OPERATIONS } from '../comprehend-operations.ts';
import type {
  ComprehendBackend,
  ComprehendOperation,
  ComprehendResults,
  DominantLanguage,
  Entity,
  EntityType,
  KeyPhrase,
  SentimentLabel,
  SentimentResult,
  SentimentScore,
} from '../types.ts';
import { checkRulesContext } from './context.ts';
import { list, matcher, RulesFile, section } from './rules-file.ts';

interface Rule<A> {
  readonly matches: (text: string, language: string) => boolean;
  readonly answer: A;
}

interface Task<A> {
  readonly rules: readonly Rule<A>[];
  readonly fallback?: A;
}

/** What a rules file can script, per operation; an operation it leaves out goes to the fallback. */
type ComprehendRules = { readonly [Op in ComprehendOperation]?: Task<Scripted<Op>> };

/** Entities and key phrases are scripted without offsets: they are placed where their text occurs. */
type Unplaced<T> = T extends readonly (infer I)[] ? Omit<I, 'beginOffset' | 'endOffset'>[] : T;
type Scripted<Op extends ComprehendOperation> = Unplaced<ComprehendResults[Op]>;

const LABELS: readonly SentimentLabel[] = ['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED'];
const SCORE_KEYS: Record<SentimentLabel, keyof SentimentScore> = {
  POSITIVE: 'Positive',
  NEGATIVE: 'Negative',
  NEUTRAL: 'Neutral',
  MIXED: 'Mixed',
};
const ENTITY_TYPES: readonly EntityType[] = [
  'PERSON',
  'LOCATION',
  'ORGANIZATION',
  'COMMERCIAL_ITEM',
  'EVENT',
  'DATE',
  'QUANTITY',
  'TITLE',
  'OTHER',
];

function sentiment(o: Record<string, unknown>, where: string): SentimentResult {
  const label = LABELS.find((l) => l === o.sentiment);
  if (!label) throw new Error(`${where}.sentiment: expected one of ${LABELS.join(', ')}`);
  if (typeof o.scores === 'object' && o.scores !== null) return { sentiment: label, scores: o.scores as SentimentScore };
  // The winning label gets `score`; the rest share what is left, so the four sum to 1.
  const score = typeof o.score === 'number' ? o.score : 0.95;
  const rest = (1 - score) / 3;
  const scores = { Positive: rest, Negative: rest, Neutral: rest, Mixed: rest };
  scores[SCORE_KEYS[label]] = score;
  return { sentiment: label, scores };
}

function languages(o: Record<string, unknown>, where: string): DominantLanguage[] {
  return list(o.languages, `${where}.languages`).map((l) => ({
    languageCode: String(l.languageCode ?? 'en'),
    score: typeof l.score === 'number' ? l.score : 0.99,
  }));
}

function entities(o: Record<string, unknown>, where: string): Omit<Entity, 'beginOffset' | 'endOffset'>[] {
  return list(o.entities, `${where}.entities`).map((e, i) => {
    const type = ENTITY_TYPES.find((t) => t === e.type);
    if (!type) throw new Error(`${where}.entities[${i}].type: expected one of ${ENTITY_TYPES.join(', ')}`);
    return { type, text: String(e.text ?? ''), score: typeof e.score === 'number' ? e.score : 0.99 };
  });
}

function phrases(o: Record<string, unknown>, where: string): Omit<KeyPhrase, 'beginOffset' | 'endOffset'>[] {
  return list(o.keyPhrases, `${where}.keyPhrases`).map((k) => ({
    text: String(k.text ?? ''),
    score: typeof k.score === 'number' ? k.score : 0.99,
  }));
}

function task<A>(value: unknown, where: string, answer: (o: Record<string, unknown>, where: string) => A): Task<A> | undefined {
  if (value === undefined || value === null) return undefined;
  const o = value as Record<string, unknown>;
  const rules = list(o.rules, `${where}.rules`).map((r, i) => {
    const at = `${where}.rules[${i}]`;
    const text = matcher(r as { text?: string; pattern?: string; flags?: string }, at);
    const language = r.language === undefined ? undefined : String(r.language);
    return { matches: (t: string, l: string) => text(t) && (language === undefined || language === l), answer: answer(r, at) };
  });
  const fallback = o.default === undefined ? undefined : answer(o.default as Record<string, unknown>, `${where}.default`);
  return fallback === undefined ? { rules } : { rules, fallback };
}

/**
 * Each scriptable operation: its section of the rules file, how one answer
 * there is read, how it becomes a document's result, and the result when
 * neither a rule nor a fallback answers.
 */
interface Scriptable<Op extends ComprehendOperation> {
  readonly section: string;
  readonly parse: (o: Record<string, unknown>, where: string) => Scripted<Op>;
  readonly place: (answer: Scripted<Op>, text: string) => ComprehendResults[Op];
  readonly empty: ComprehendResults[Op];
}

const NEUTRAL: SentimentResult = { sentiment: 'NEUTRAL', scores: { Positive: 0, Negative: 0, Neutral: 1, Mixed: 0 } };

const SCRIPTABLE: { readonly [Op in ComprehendOperation]?: Scriptable<Op> } = {
  DetectSentiment: { section: 'sentiment', parse: sentiment, place: (a) => a, empty: NEUTRAL },
  DetectDominantLanguage: { section: 'dominantLanguage', parse: languages, place: (a) => a, empty: [] },
  DetectEntities: { section: 'entities', parse: entities, place: located, empty: [] },
  DetectKeyPhrases: { section: 'keyPhrases', parse: phrases, place: located, empty: [] },
};

export function parseComprehendRules(doc: unknown): ComprehendRules {
  const s = section(doc, 'comprehend');
  const out: { -readonly [Op in ComprehendOperation]?: Task<Scripted<Op>> } = {};
  for (const operation of Object.keys(SCRIPTABLE) as ComprehendOperation[]) {
    const spec = SCRIPTABLE[operation] as Scriptable<typeof operation>;
    const parsed = task(s[spec.section], `comprehend.${spec.section}`, spec.parse);
    if (parsed) (out as Record<string, unknown>)[operation] = parsed;
  }
  return out;
}

/** Each item placed where its text first occurs in the document (offsets in code points); items not found are dropped. */
function located<T extends { text: string }>(
  items: readonly T[],
  text: string,
): (T & { beginOffset: number; endOffset: number })[] {
  const out: (T & { beginOffset: number; endOffset: number })[] = [];
  for (const item of items) {
    const at = text.indexOf(item.text);
    if (item.text === '' || at < 0) continue;
    const begin = [...text.slice(0, at)].length;
    out.push({ ...item, beginOffset: begin, endOffset: begin + [...item.text].length });
  }
  return out;
}

export class RulesComprehendBackend implements ComprehendBackend {
  readonly kind = 'rules';
  private readonly file: RulesFile<ComprehendRules>;

  constructor(
    path: string,
    /** Answers documents no rule or default covers (the built-in backend, when composed). */
    private readonly fallback?: ComprehendBackend,
  ) {
    this.file = new RulesFile(path, parseComprehendRules);
  }

  /** Per document, the scripted answer, or undefined for the fallback. */
  private answer<A>(t: Task<A> | undefined, texts: readonly string[], language: string): (A | undefined)[] {
    return texts.map((text) => t?.rules.find((r) => r.matches(text, language))?.answer ?? t?.fallback);
  }

  /** Scripted answers where there are some; the rest in one batch to the fallback, order kept. */
  private async merge<A, R>(
    scripted: (A | undefined)[],
    texts: readonly string[],
    map: (a: A, text: string) => R,
    ask: ((texts: string[]) => Promise<R[]>) | undefined,
    empty: R,
  ): Promise<R[]> {
    const missing = texts.filter((_t, i) => scripted[i] === undefined);
    const answered = missing.length > 0 && ask ? await ask(missing) : [];
    let next = 0;
    return texts.map((text, i) => {
      const a = scripted[i];
      if (a !== undefined) return map(a, text);
      return answered[next++] ?? empty;
    });
  }

  readonly detect: ComprehendBackend['detect'] = async (operation, texts, languageCode, ctx) => {
    checkRulesContext('Comprehend rules', ctx);
    const fb = this.fallback;
    const ask = fb && ((missing: string[]) => fb.detect(operation, missing, languageCode, ctx));
    const spec = SCRIPTABLE[operation] as Scriptable<typeof operation> | undefined;
    if (!spec) {
      if (ask) return ask([...texts]);
      throw new EmulatorError(
        'InvalidArgument',
        `The Comprehend rules file cannot script ${operation}, and no backend answers it`,
      );
    }
    // An operation that takes no language (DetectDominantLanguage): its rules match on the text alone.
    const language = COMPREHEND_OPERATIONS[operation].languages === null ? '' : languageCode;
    const scripted = this.answer(this.file.current()[operation] as Task<Scripted<typeof operation>> | undefined, texts, language);
    return this.merge(scripted, texts, spec.place, ask, spec.empty);
  };
}
