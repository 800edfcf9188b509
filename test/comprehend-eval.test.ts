/**
 * Accuracy of every built-in Comprehend task on labeled sets of at least 300
 * texts each, written for this project and never used to tune the models:
 *
 * - language: test/data/language-eval.tsv, `code<TAB>text` (short phrases and
 *   longer sentences in 17 languages);
 * - entities: test/data/entities-test.tsv, `lang<TAB>text<TAB>TYPE=text|...`
 *   (an empty third field: no entities). It is separate from entities-eval.tsv,
 *   the development set the rules were written against;
 * - key phrases: test/data/key-phrases-eval.tsv, `lang<TAB>text<TAB>phrase|...`
 *   (base noun phrases with their determiners, as Comprehend returns them);
 * - sentiment: test/data/sentiment-eval.tsv, `label<TAB>text` with a header.
 *
 * Each test prints one summary line (quoted in the issue note) and asserts a
 * floor a few points below what the current model measured, so a regression
 * fails while the numbers stay honest. Misses are printed only with
 * COMPREHEND_EVAL_VERBOSE=1.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectEntities } from '../src/backends/comprehend/entities.ts';
import { detectKeyPhrases } from '../src/backends/comprehend/key-phrases.ts';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';

/** Floors: measured value minus a small margin (see the summary lines). */
const FLOORS = {
  // measured 0.981 (304/310)
  languageAccuracy: 0.95,
  // measured P 0.792 R 0.755 F1 0.773 (506 exact matches, 639 predicted, 670 gold)
  entitiesPrecision: 0.76,
  entitiesRecall: 0.72,
  entitiesF1: 0.74,
  // measured exact P 0.900 R 0.827 F1 0.862 (632/702/764), token-overlap F1 0.95
  keyPhrasesExactF1: 0.83,
  keyPhrasesTokenF1: 0.92,
  // measured 0.901 (281/312); the bar is 0.80 and stays asserted too
  sentiment3Class: 0.87,
} as const;

const VERBOSE = process.env.COMPREHEND_EVAL_VERBOSE === '1';

function readTsv(name: string): string[][] {
  return readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));
}

function detail(line: string): void {
  if (VERBOSE) console.log(`  ${line}`);
}

interface Counts {
  tp: number;
  predicted: number;
  gold: number;
}

function emptyCounts(): Counts {
  return { tp: 0, predicted: 0, gold: 0 };
}

function prf({ tp, predicted, gold }: Counts): { p: number; r: number; f1: number } {
  const p = predicted === 0 ? 0 : tp / predicted;
  const r = gold === 0 ? 0 : tp / gold;
  return { p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
}

function formatPrf(counts: Counts): string {
  const { p, r, f1 } = prf(counts);
  return `P ${p.toFixed(2)} R ${r.toFixed(2)} F1 ${f1.toFixed(2)}`;
}

/** Size of the multiset intersection of two lists of keys. */
function matched(gold: readonly string[], predicted: readonly string[]): number {
  const left = new Map<string, number>();
  for (const key of gold) left.set(key, (left.get(key) ?? 0) + 1);
  let hits = 0;
  for (const key of predicted) {
    const n = left.get(key) ?? 0;
    if (n > 0) {
      hits++;
      left.set(key, n - 1);
    }
  }
  return hits;
}

function without(from: readonly string[], remove: readonly string[]): string[] {
  const rest = [...from];
  for (const key of remove) {
    const at = rest.indexOf(key);
    if (at >= 0) rest.splice(at, 1);
  }
  return rest;
}

describe('built-in Comprehend accuracy on the labeled evaluation sets', () => {
  it('language: DetectDominantLanguage top-1 accuracy', async () => {
    const rows = readTsv('language-eval.tsv');
    const { detectDominantLanguage, loadLanguageModel } = await import('../src/backends/comprehend/language.ts');
    await loadLanguageModel();

    const perLanguage = new Map<string, [number, number]>();
    let correct = 0;
    let shortCorrect = 0;
    let shortTotal = 0;
    for (const [code = '', text = ''] of rows) {
      const answer = detectDominantLanguage(text)[0]?.languageCode ?? '(none)';
      const hit = answer === code;
      if (hit) correct++;
      else detail(`language miss: ${code} -> ${answer}: ${text}`);
      const counts = perLanguage.get(code) ?? [0, 0];
      perLanguage.set(code, [counts[0] + (hit ? 1 : 0), counts[1] + 1]);
      if ([...text].length <= 30) {
        shortTotal++;
        if (hit) shortCorrect++;
      }
    }
    const accuracy = correct / rows.length;
    const byLanguage = [...perLanguage]
      .filter(([, [hits, all]]) => hits < all)
      .map(([code, [hits, all]]) => `${code} ${hits}/${all}`)
      .join(', ');
    console.log(
      `language: accuracy ${accuracy.toFixed(2)} (${correct}/${rows.length}, ${perLanguage.size} languages; ` +
        `texts of 30 characters or fewer ${shortCorrect}/${shortTotal}; below 100%: ${byLanguage || 'none'})`,
    );

    expect(rows.length).toBeGreaterThanOrEqual(300);
    expect(accuracy).toBeGreaterThanOrEqual(FLOORS.languageAccuracy);
  });

  it('entities: DetectEntities precision, recall and F1 by exact text and type', () => {
    const rows = readTsv('entities-test.tsv');
    const overall = emptyCounts();
    const perType = new Map<string, Counts>();
    const typeCounts = (type: string): Counts => {
      const counts = perType.get(type) ?? emptyCounts();
      perType.set(type, counts);
      return counts;
    };
    for (const [lang = '', text = '', field = ''] of rows) {
      const gold = field === '' ? [] : field.split('|');
      const predicted = detectEntities(text, lang).map((e) => `${e.type}=${e.text}`);
      const hits = matched(gold, predicted);
      overall.tp += hits;
      overall.gold += gold.length;
      overall.predicted += predicted.length;
      for (const key of gold) typeCounts(key.slice(0, key.indexOf('='))).gold++;
      for (const key of predicted) typeCounts(key.slice(0, key.indexOf('='))).predicted++;
      const missed = without(gold, predicted);
      const spurious = without(predicted, gold);
      for (const key of without(gold, missed)) typeCounts(key.slice(0, key.indexOf('='))).tp++;
      if (missed.length > 0 || spurious.length > 0) {
        detail(`entities: missed [${missed.join(', ')}] extra [${spurious.join(', ')}] in: ${text}`);
      }
    }
    const byType = [...perType]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([type, counts]) =>
          `${type} ${prf(counts).f1.toFixed(2)} (${counts.tp}/${counts.gold} found, ${counts.predicted} predicted)`,
      )
      .join('; ');
    console.log(
      `entities: ${formatPrf(overall)} (${rows.length} texts; ${overall.tp} exact matches, ${overall.predicted} predicted, ${overall.gold} gold)`,
    );
    console.log(`entities F1 by type: ${byType}`);

    expect(rows.length).toBeGreaterThanOrEqual(300);
    const { p, r, f1 } = prf(overall);
    expect(p).toBeGreaterThanOrEqual(FLOORS.entitiesPrecision);
    expect(r).toBeGreaterThanOrEqual(FLOORS.entitiesRecall);
    expect(f1).toBeGreaterThanOrEqual(FLOORS.entitiesF1);
  });

  it('key phrases: DetectKeyPhrases by exact phrase (case-insensitive) and by token overlap', () => {
    const rows = readTsv('key-phrases-eval.tsv');
    const exact = emptyCounts();
    const tokens = emptyCounts();
    const english = emptyCounts();
    const tokenize = (phrase: string): string[] => phrase.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    for (const [lang = '', text = '', field = ''] of rows) {
      const gold = field === '' ? [] : field.split('|').map((p) => p.toLowerCase());
      const predicted = detectKeyPhrases(text, lang).map((p) => p.text.toLowerCase());
      const hits = matched(gold, predicted);
      exact.tp += hits;
      exact.gold += gold.length;
      exact.predicted += predicted.length;
      if (lang === 'en') {
        english.tp += hits;
        english.gold += gold.length;
        english.predicted += predicted.length;
      }
      const goldTokens = gold.flatMap(tokenize);
      const predictedTokens = predicted.flatMap(tokenize);
      tokens.tp += matched(goldTokens, predictedTokens);
      tokens.gold += goldTokens.length;
      tokens.predicted += predictedTokens.length;
      if (hits < gold.length || hits < predicted.length) {
        detail(
          `key phrases: missed [${without(gold, predicted).join(', ')}] extra [${without(predicted, gold).join(', ')}] in: ${text}`,
        );
      }
    }
    console.log(
      `key phrases: exact ${formatPrf(exact)}, token overlap ${formatPrf(tokens)} ` +
        `(${rows.length} texts; ${exact.tp} exact matches, ${exact.predicted} predicted, ${exact.gold} gold; English only: exact ${formatPrf(english)})`,
    );

    expect(rows.length).toBeGreaterThanOrEqual(300);
    expect(prf(exact).f1).toBeGreaterThanOrEqual(FLOORS.keyPhrasesExactF1);
    expect(prf(tokens).f1).toBeGreaterThanOrEqual(FLOORS.keyPhrasesTokenF1);
  });

  it('sentiment: DetectSentiment 3-class accuracy', () => {
    const rows = readTsv('sentiment-eval.tsv').slice(1);
    let correct = 0;
    let total = 0;
    let mixedCorrect = 0;
    let mixedTotal = 0;
    for (const [label = '', text = ''] of rows) {
      const answer = analyzeSentiment(text, 'en').sentiment;
      if (label === 'MIXED') {
        mixedTotal++;
        if (answer === label) mixedCorrect++;
        continue;
      }
      total++;
      if (answer === label) correct++;
      else detail(`sentiment miss: ${label} -> ${answer}: ${text}`);
    }
    const accuracy = correct / total;
    console.log(
      `sentiment (3-class): ${accuracy.toFixed(2)} (${correct}/${total}; MIXED ${mixedCorrect}/${mixedTotal}; ${rows.length} texts)`,
    );

    expect(rows.length).toBeGreaterThanOrEqual(300);
    expect(accuracy).toBeGreaterThanOrEqual(0.8);
    expect(accuracy).toBeGreaterThanOrEqual(FLOORS.sentiment3Class);
  });
});
