/**
 * aws_comprehend.* (and MySQL's aws_comprehend_detect_*): argument checks with
 * Comprehend's own limits and errors, batching of at most 25 documents, and
 * the text each result is cached as.
 */
import { COMPREHEND_OPERATIONS } from '../backends/comprehend-operations.ts';
import type { ComprehendBackend, ComprehendOperation, ComprehendResults } from '../backends/types.ts';
import { EmulatorError } from '../errors.ts';
import type { EvalContext, MlCall, MlFunction, MlResults } from '../ml/calls.ts';
import { callContext } from '../ml/deadline.ts';
import { limits } from '../ml/limits.ts';
import { chunk, runBatches } from '../ml/run-batches.ts';
import type { MlStats } from '../ml/stats.ts';

/**
 * How one aws_comprehend function is evaluated: the backend operation that
 * answers it, and the text its answer is cached as (the stubs decode it:
 * src/functions/registry.ts), with the MySQL seed functions' own shape where
 * it differs (they return Comprehend's JSON).
 */
interface ComprehendTask<Op extends ComprehendOperation> {
  readonly operation: Op;
  readonly encode: (result: ComprehendResults[Op]) => string;
  readonly mysqlValue?: (cached: string) => string;
}

/** A task whose operation is no longer known statically (the table below holds several). */
type AnyTask = ComprehendTask<ComprehendOperation>;
const task = <Op extends ComprehendOperation>(t: ComprehendTask<Op>): AnyTask => t as unknown as AnyTask;

interface Document {
  readonly key: string;
  readonly text: string;
  readonly language: string;
  readonly batchSize: number;
}

interface CompactEntity {
  t: string;
  x: string;
  s: number;
  b: number;
  e: number;
}
interface CompactPhrase {
  x: string;
  s: number;
  b: number;
  e: number;
}

const COMPREHEND_TASKS: Readonly<Partial<Record<MlFunction, AnyTask>>> = {
  'aws_comprehend.detect_sentiment': task({
    operation: 'DetectSentiment',
    encode: (r) => `${r.sentiment}\t${scoreOf(r.sentiment, r.scores)}`,
  }),
  'aws_comprehend.detect_entities': task({
    operation: 'DetectEntities',
    encode: (list) =>
      JSON.stringify(list.map((e): CompactEntity => ({ t: e.type, x: e.text, s: e.score, b: e.beginOffset, e: e.endOffset }))),
    mysqlValue: (cached) =>
      JSON.stringify(
        (JSON.parse(cached) as CompactEntity[]).map((e) => ({
          Type: e.t,
          Text: e.x,
          Score: e.s,
          BeginOffset: e.b,
          EndOffset: e.e,
        })),
      ),
  }),
  'aws_comprehend.detect_key_phrases': task({
    operation: 'DetectKeyPhrases',
    encode: (list) =>
      JSON.stringify(list.map((k): CompactPhrase => ({ x: k.text, s: k.score, b: k.beginOffset, e: k.endOffset }))),
    mysqlValue: (cached) =>
      JSON.stringify(
        (JSON.parse(cached) as CompactPhrase[]).map((p) => ({ Text: p.x, Score: p.s, BeginOffset: p.b, EndOffset: p.e })),
      ),
  }),
  'aws_comprehend.detect_pii_entities': task({
    operation: 'DetectPiiEntities',
    // Comprehend's JSON, which the MySQL function returns as it is and the PostgreSQL stub reads.
    encode: (list) =>
      JSON.stringify(list.map((e) => ({ Type: e.type, Score: e.score, BeginOffset: e.beginOffset, EndOffset: e.endOffset }))),
  }),
  'aws_comprehend.detect_dominant_language': task({
    operation: 'DetectDominantLanguage',
    encode: (list) => JSON.stringify(list.map((l) => ({ l: l.languageCode, s: l.score }))),
    // The language with the highest score (Comprehend lists them best first).
    mysqlValue: (cached) => (JSON.parse(cached) as { l: string }[])[0]?.l ?? '',
  }),
};

function taskOf(fn: MlFunction): AnyTask {
  const found = COMPREHEND_TASKS[fn];
  if (!found) throw new EmulatorError('InvalidArgument', `${fn} is not a Comprehend function`);
  return found;
}

/** The value a MySQL stub reads from the cache for a Comprehend function's cached answer. */
export function comprehendMysqlValue(fn: MlFunction, cached: string): string {
  return COMPREHEND_TASKS[fn]?.mysqlValue?.(cached) ?? cached;
}

function checkText(text: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.comprehendMaxTextBytes) {
    throw new EmulatorError(
      'TextSizeLimitExceeded',
      `Comprehend TextSizeLimitExceededException: Input text size exceeds limit. Max length of request text allowed is ${limits.comprehendMaxTextBytes} bytes while in this request the text size is ${bytes} bytes`,
      {
        serviceCode: 'TextSizeLimitExceededException',
        hint: 'Shorten the text, e.g. left(text, 1200), before calling Comprehend.',
      },
    );
  }
}

function checkLanguage(language: string, accepted: readonly string[]): void {
  if (!accepted.includes(language)) {
    throw new EmulatorError(
      'UnsupportedLanguage',
      `Comprehend UnsupportedLanguageException: The language code '${language}' is not supported. Supported languages: ${accepted.join(', ')}`,
      { serviceCode: 'UnsupportedLanguageException' },
    );
  }
}

export function checkBatchSize(value: unknown, fn: string): number | null {
  if (value === null || value === undefined) return null;
  // MySQL stubs may hand integers over as their text.
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return checkBatchSize(Number(value), fn);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new EmulatorError('InvalidArgument', `${fn}: max_rows_per_batch must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Evaluates all Comprehend calls of one statement. */
export async function evaluateComprehend(
  calls: readonly MlCall[],
  backend: ComprehendBackend,
  ctx: EvalContext,
  stats: MlStats,
): Promise<MlResults> {
  const results: MlResults = new Map();
  const groups = new Map<string, { readonly task: AnyTask; readonly docs: Document[] }>();
  for (const call of calls) {
    const task = taskOf(call.fn);
    const { languages, batch } = COMPREHEND_OPERATIONS[task.operation];
    // The functions without a language (detect_dominant_language) take the batch size second.
    const [text, second, third] = call.args;
    const language = languages === null ? '' : second;
    const batchArg = languages === null ? second : third;
    if (text === null || text === undefined || language === null) {
      results.set(call.key, null);
      continue;
    }
    // An operation without a Batch* form takes one document a request, whatever max_rows_per_batch says.
    const most = batch ? limits.comprehendMaxBatch : 1;
    const batchSize = Math.min(checkBatchSize(batchArg, call.fn) ?? most, most);
    const doc: Document = { key: call.key, text: String(text), language: String(language), batchSize };
    checkText(doc.text);
    if (languages !== null) checkLanguage(doc.language, languages);
    const group = `${task.operation}\u0000${doc.language}\u0000${batchSize}`;
    const entry = groups.get(group) ?? { task, docs: [] };
    groups.set(group, entry);
    entry.docs.push(doc);
  }
  const jobs: (() => Promise<void>)[] = [];
  for (const { task, docs } of groups.values()) {
    for (const batch of chunk(docs, (docs[0] as Document).batchSize)) {
      jobs.push(async () => {
        stats.actualRequests++;
        if (batch.length === 1) stats.singleRequests++;
        const texts = batch.map((d) => d.text);
        const language = (batch[0] as Document).language;
        const answers = await backend.detect(task.operation, texts, language, callContext(ctx));
        stats.actualResponses++;
        for (const [i, d] of batch.entries()) {
          const answer = answers[i];
          results.set(d.key, answer === undefined ? null : task.encode(answer));
        }
      });
    }
  }
  await runBatches(jobs, limits.requestConcurrency, ctx.progress);
  return results;
}

/** The confidence Aurora reports: the score of the winning label. */
function scoreOf(label: string, scores: { Positive: number; Negative: number; Neutral: number; Mixed: number }): number {
  switch (label) {
    case 'POSITIVE':
      return scores.Positive;
    case 'NEGATIVE':
      return scores.Negative;
    case 'MIXED':
      return scores.Mixed;
    default:
      return scores.Neutral;
  }
}
