/**
 * Throughput of the built-in DetectSentiment model on short documents.
 *
 *   npx tsx bench/sentiment-throughput.ts [documents]
 *
 * The documents are the labeled evaluation and development texts (one or two
 * sentences each, like support tickets and reviews), cycled to the requested
 * count. A warm-up pass runs first so JIT compilation is not measured.
 */
import { readFileSync } from 'node:fs';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';

const DEFAULT_DOCUMENTS = 100_000;
const WARM_UP_DOCUMENTS = 10_000;

function loadTexts(): string[] {
  const texts: string[] = [];
  for (const name of ['sentiment-eval.tsv', 'sentiment-dev.tsv']) {
    const url = new URL(`../test/data/${name}`, import.meta.url);
    for (const line of readFileSync(url, 'utf8').split('\n').slice(1)) {
      const text = line.split('\t')[1];
      if (text) texts.push(text);
    }
  }
  return texts;
}

function run(texts: readonly string[], documents: number): number {
  let positives = 0; // consumed below so the work cannot be optimized away
  for (let i = 0; i < documents; i++) {
    if (analyzeSentiment(texts[i % texts.length] ?? '', 'en').sentiment === 'POSITIVE') positives++;
  }
  return positives;
}

const documents = Number(process.argv[2] ?? DEFAULT_DOCUMENTS);
const texts = loadTexts();
run(texts, WARM_UP_DOCUMENTS);
const started = performance.now();
const positives = run(texts, documents);
const seconds = (performance.now() - started) / 1000;
const averageChars = texts.reduce((sum, text) => sum + text.length, 0) / texts.length;

console.log(
  `sentiment: ${documents} documents (avg ${averageChars.toFixed(0)} chars) in ${seconds.toFixed(2)} s = ` +
    `${Math.round(documents / seconds)} documents/s (${positives} positive)`,
);
