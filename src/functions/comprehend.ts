/**
 * aws_comprehend.* (and MySQL's aws_comprehend_detect_*): argument checks with
 * Comprehend's own limits and errors, batching of at most 25 documents, and
 * the text each result is cached as.
 */
import type { ComprehendBackend } from '../backends/types.ts';
import { EmulatorError } from '../errors.ts';
import type { EvalContext, MlCall, MlResults } from '../ml/calls.ts';
import { callContext } from '../ml/deadline.ts';
import { limits } from '../ml/limits.ts';
import { chunk, runBatches } from '../ml/run-batches.ts';
import type { MlStats } from '../ml/stats.ts';

type Task = 'sentiment' | 'entities' | 'key_phrases' | 'dominant_language';

interface Document {
  readonly key: string;
  readonly text: string;
  readonly language: string;
  readonly batchSize: number;
}

const taskOf = (fn: string): Task => {
  switch (fn) {
    case 'aws_comprehend.detect_sentiment':
      return 'sentiment';
    case 'aws_comprehend.detect_entities':
      return 'entities';
    case 'aws_comprehend.detect_key_phrases':
      return 'key_phrases';
    default:
      return 'dominant_language';
  }
};

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

function checkLanguage(language: string): void {
  if (!limits.comprehendLanguages.includes(language)) {
    throw new EmulatorError(
      'UnsupportedLanguage',
      `Comprehend UnsupportedLanguageException: The language code '${language}' is not supported. Supported languages: ${limits.comprehendLanguages.join(', ')}`,
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
  const groups = new Map<string, Document[]>();
  for (const call of calls) {
    const task = taskOf(call.fn);
    const [text, second, third] = call.args;
    const language = task === 'dominant_language' ? '' : second;
    const batchArg = task === 'dominant_language' ? second : third;
    if (text === null || text === undefined || language === null) {
      results.set(call.key, null);
      continue;
    }
    const batchSize = Math.min(checkBatchSize(batchArg, call.fn) ?? limits.comprehendMaxBatch, limits.comprehendMaxBatch);
    const doc: Document = { key: call.key, text: String(text), language: String(language), batchSize };
    checkText(doc.text);
    if (task !== 'dominant_language') checkLanguage(doc.language);
    const group = `${task}\u0000${doc.language}\u0000${batchSize}`;
    const list = groups.get(group) ?? [];
    groups.set(group, list);
    list.push(doc);
  }
  const jobs: (() => Promise<void>)[] = [];
  for (const [group, docs] of groups) {
    const task = group.split('\u0000')[0] as Task;
    for (const batch of chunk(docs, (docs[0] as Document).batchSize)) {
      jobs.push(async () => {
        const texts = batch.map((d) => d.text);
        const language = (batch[0] as Document).language;
        stats.actualRequests++;
        if (batch.length === 1) stats.singleRequests++;
        const encoded = await runTask(task, texts, language, backend, ctx);
        stats.actualResponses++;
        for (const [i, d] of batch.entries()) results.set(d.key, encoded[i] ?? null);
      });
    }
  }
  await runBatches(jobs, limits.requestConcurrency, ctx.progress);
  return results;
}

async function runTask(
  task: Task,
  texts: readonly string[],
  language: string,
  backend: ComprehendBackend,
  ctx: EvalContext,
): Promise<string[]> {
  const call = callContext(ctx);
  switch (task) {
    case 'sentiment': {
      const out = await backend.batchDetectSentiment(texts, language, call);
      return out.map((r) => `${r.sentiment}\t${scoreOf(r.sentiment, r.scores)}`);
    }
    case 'entities': {
      const out = await backend.batchDetectEntities(texts, language, call);
      return out.map((list) =>
        JSON.stringify(list.map((e) => ({ t: e.type, x: e.text, s: e.score, b: e.beginOffset, e: e.endOffset }))),
      );
    }
    case 'key_phrases': {
      const out = await backend.batchDetectKeyPhrases(texts, language, call);
      return out.map((list) => JSON.stringify(list.map((k) => ({ x: k.text, s: k.score, b: k.beginOffset, e: k.endOffset }))));
    }
    case 'dominant_language': {
      const out = await backend.batchDetectDominantLanguage(texts, call);
      return out.map((list) => JSON.stringify(list.map((l) => ({ l: l.languageCode, s: l.score }))));
    }
  }
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
