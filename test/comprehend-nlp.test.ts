/**
 * The built-in Comprehend models for DetectDominantLanguage, DetectEntities and
 * DetectKeyPhrases, measured on labeled sets written for this project:
 *
 * - test/data/language-eval.tsv: `code<TAB>text`, 112 short support-style texts
 *   in 16 languages (the 12 Comprehend text languages plus ru, nl, tr, sv).
 * - test/data/entities-eval.tsv: `lang<TAB>text<TAB>TYPE=text|...`, the
 *   sentences the rules were developed on; test/data/entities-holdout.tsv: the
 *   same format, written afterwards and used only to measure.
 *
 * Typed recall counts an expected entity as found when an entity of the same
 * type overlaps it; exact recall also needs the same text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectEntities } from '../src/backends/comprehend/entities.ts';
import { detectKeyPhrases } from '../src/backends/comprehend/key-phrases.ts';
import { codePointLength, OffsetMap } from '../src/backends/comprehend/text-offsets.ts';
import type { Entity, KeyPhrase } from '../src/backends/types.ts';
import { EmulatorError } from '../src/errors.ts';

function readTsv(name: string): string[][] {
  return readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));
}

/** What Comprehend's offsets mean: code points, so [...text] and not text.slice. */
function byCodePoints(text: string, span: { beginOffset: number; endOffset: number }): string {
  return [...text].slice(span.beginOffset, span.endOffset).join('');
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

describe('text offsets', () => {
  it('is the identity for text without astral characters', () => {
    const map = new OffsetMap('plain café text');
    expect(map.toCodePoint(0)).toBe(0);
    expect(map.toCodePoint(15)).toBe(15);
    expect(codePointLength('plain café text')).toBe(15);
  });

  it('counts an emoji as one code point', () => {
    const text = '😀 Hi 👍🏽 Bob';
    const map = new OffsetMap(text);
    const utf16 = text.indexOf('Bob');
    // 😀 and 👍 and the skin-tone modifier 🏽 are two UTF-16 units each, one code point each.
    expect(utf16).toBe(11);
    expect(map.toCodePoint(utf16)).toBe(8);
    expect(map.span({ start: utf16, end: utf16 + 3 })).toEqual({ text: 'Bob', beginOffset: 8, endOffset: 11 });
    expect(map.toCodePoint(text.length)).toBe(codePointLength(text));
    expect(byCodePoints(text, { beginOffset: 8, endOffset: 11 })).toBe('Bob');
  });

  it('counts a lone surrogate as one code point, as the string iterator does', () => {
    const text = `a\uD83Db c`;
    expect(new OffsetMap(text).toCodePoint(text.length)).toBe([...text].length);
  });

  it('rejects offsets outside the text', () => {
    expect(() => new OffsetMap('abc').toCodePoint(4)).toThrow(RangeError);
  });
});

describe('dominant language (cld3)', () => {
  const rows = readTsv('language-eval.tsv');

  it('loads the model, detects at least 90% of the labeled texts, and reports its numbers', async () => {
    const started = performance.now();
    const language = await import('../src/backends/comprehend/language.ts');
    await language.loadLanguageModel();
    const coldStartMs = performance.now() - started;
    expect(language.isLanguageModelLoaded()).toBe(true);

    const languages = new Set(rows.map((r) => r[0]));
    expect(rows.length).toBeGreaterThanOrEqual(60);
    expect(languages.size).toBeGreaterThanOrEqual(10);

    let correct = 0;
    let prefixCorrect = 0;
    const misses: string[] = [];
    const timed = performance.now();
    for (const [code, text] of rows) {
      if (code === undefined || text === undefined) continue;
      const result = language.detectDominantLanguage(text);
      if (result[0]?.languageCode === code) correct++;
      else misses.push(`${code} -> ${JSON.stringify(result)}: ${text}`);
      // Twenty characters: the length of many column values.
      const prefix = [...text].slice(0, 20).join('');
      if (language.detectDominantLanguage(prefix)[0]?.languageCode === code) prefixCorrect++;
    }
    const perText = (performance.now() - timed) / (rows.length * 2);
    const accuracy = correct / rows.length;
    const prefixAccuracy = prefixCorrect / rows.length;
    report(
      `language: accuracy ${accuracy.toFixed(3)} (${correct}/${rows.length}, ${languages.size} languages), ` +
        `20-char prefixes ${prefixAccuracy.toFixed(3)}, cold start ${coldStartMs.toFixed(0)} ms, ` +
        `${(perText * 1000).toFixed(0)} µs per text`,
    );
    for (const miss of misses) report(`  miss: ${miss}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    expect(prefixAccuracy).toBeGreaterThanOrEqual(0.8);
  });

  it("answers in Comprehend's shape: codes, scores in (0, 1], best first", async () => {
    const { detectDominantLanguage, loadLanguageModel } = await import('../src/backends/comprehend/language.ts');
    await loadLanguageModel();
    for (const text of ['Where is my package?', 'Hello', 'Je voudrais un remboursement, merci.']) {
      const result = detectDominantLanguage(text);
      expect(result.length).toBeGreaterThan(0);
      for (const { languageCode, score } of result) {
        expect(languageCode).toMatch(/^[a-z]{2,3}(-[A-Z]{2})?$/);
        expect(score).toBeGreaterThan(0);
        expect(score).toBeLessThanOrEqual(1);
      }
      const scores = result.map((r) => r.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
    expect(detectDominantLanguage('Hello')[0]?.languageCode).toBe('en');
    expect(detectDominantLanguage('這個應用程式很好用，謝謝你們。')[0]?.languageCode).toBe('zh-TW');
    expect(detectDominantLanguage('这个应用程序很好用，谢谢你们。')[0]?.languageCode).toBe('zh');
    expect(detectDominantLanguage('שלום, ההזמנה שלי לא הגיעה עדיין')[0]?.languageCode).toBe('he');
  });

  it('survives text that switches script hundreds of times', async () => {
    // cld3-asm 4.0.0 reads per-language span counts as a signed byte and threw
    // "Invalid array length" past 127 spans (language.ts works around it).
    const { detectDominantLanguage, loadLanguageModel } = await import('../src/backends/comprehend/language.ts');
    await loadLanguageModel();
    const text = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 'the order' : '订单没到')).join(' ');
    const result = detectDominantLanguage(text);
    expect(result.map((r) => r.languageCode).sort()).toEqual(['en', 'zh']);
  });

  it('reports no language for text without letters', async () => {
    const { detectDominantLanguage, loadLanguageModel } = await import('../src/backends/comprehend/language.ts');
    await loadLanguageModel();
    expect(detectDominantLanguage('')).toEqual([]);
    expect(detectDominantLanguage('12345 !!!')).toEqual([]);
    expect(detectDominantLanguage('😀😀👍')).toEqual([]);
  });
});

interface Expected {
  readonly type: string;
  readonly text: string;
}

function parseExpected(field: string): Expected[] {
  return field.split('|').map((item) => {
    const at = item.indexOf('=');
    return { type: item.slice(0, at), text: item.slice(at + 1) };
  });
}

function overlaps(entity: Entity, text: string, expected: Expected): boolean {
  const at = text.indexOf(expected.text);
  if (at < 0) return false;
  const map = new OffsetMap(text);
  const begin = map.toCodePoint(at);
  const end = map.toCodePoint(at + expected.text.length);
  return entity.type === expected.type && entity.beginOffset < end && entity.endOffset > begin;
}

function measureEntities(file: string): { typed: number; exact: number; total: number; perType: Map<string, [number, number]> } {
  let typed = 0;
  let exact = 0;
  let total = 0;
  const perType = new Map<string, [number, number]>();
  for (const [lang, text, expectedField] of readTsv(file)) {
    if (lang === undefined || text === undefined || expectedField === undefined) continue;
    const entities = detectEntities(text, lang);
    for (const entity of entities) {
      expect(byCodePoints(text, entity), `offsets of ${entity.text} in ${text}`).toBe(entity.text);
      expect(entity.score).toBeGreaterThan(0);
      expect(entity.score).toBeLessThanOrEqual(1);
    }
    for (const expected of parseExpected(expectedField)) {
      total++;
      const counts = perType.get(expected.type) ?? [0, 0];
      counts[1]++;
      const match = entities.find((e) => overlaps(e, text, expected));
      if (match !== undefined) {
        typed++;
        counts[0]++;
        if (match.text === expected.text) exact++;
      } else {
        report(`  missed ${expected.type} "${expected.text}" in: ${text}`);
      }
      perType.set(expected.type, counts);
    }
  }
  return { typed, exact, total, perType };
}

describe('entities', () => {
  it('finds the typed entities of the development sentences, with code-point offsets', () => {
    const { typed, exact, total, perType } = measureEntities('entities-eval.tsv');
    const byType = [...perType].map(([type, [found, all]]) => `${type} ${found}/${all}`).join(', ');
    report(
      `entities (development set): typed recall ${(typed / total).toFixed(3)} (${typed}/${total}), exact ${(exact / total).toFixed(3)}; ${byType}`,
    );
    expect(typed / total).toBeGreaterThanOrEqual(0.9);
  });

  it('finds the typed entities of the held-out sentences', () => {
    const { typed, exact, total, perType } = measureEntities('entities-holdout.tsv');
    const byType = [...perType].map(([type, [found, all]]) => `${type} ${found}/${all}`).join(', ');
    report(
      `entities (held-out set): typed recall ${(typed / total).toFixed(3)} (${typed}/${total}), exact ${(exact / total).toFixed(3)}; ${byType}`,
    );
    expect(typed / total).toBeGreaterThanOrEqual(0.8);
  });

  it('counts emoji before an entity as one code point each', () => {
    const text = '😀 Thanks to Maria Garcia from the Madrid office for the quick refund of $49.99!';
    const entities = detectEntities(text, 'en');
    const person = entities.find((e) => e.type === 'PERSON');
    expect(person).toMatchObject({ text: 'Maria Garcia', beginOffset: 12, endOffset: 24 });
    // The UTF-16 index is one more: the emoji is a surrogate pair.
    expect(text.indexOf('Maria')).toBe(13);
    const money = entities.find((e) => e.type === 'QUANTITY');
    expect(money).toMatchObject({ text: '$49.99' });
    expect(byCodePoints(text, money as Entity)).toBe('$49.99');
  });

  it("matches Comprehend's documented example", () => {
    const text =
      'Amazon.com, Inc. is located in Seattle, WA and was founded July 5th, 1994 by Jeff Bezos, allowing customers to buy everything from books to blenders.';
    const entities = detectEntities(text, 'en').map((e) => [e.type, e.text]);
    expect(entities).toEqual([
      ['ORGANIZATION', 'Amazon.com, Inc.'],
      ['LOCATION', 'Seattle, WA'],
      ['DATE', 'July 5th, 1994'],
      ['PERSON', 'Jeff Bezos'],
    ]);
  });

  it('does not invent entities in plain complaints or interface labels', () => {
    for (const text of [
      'The app crashes every time I try to upload a photo.',
      'May I get a refund? I may have ordered the wrong size.',
      'Go to Settings and click Save, then nothing happens.',
    ]) {
      expect(detectEntities(text, 'en'), text).toEqual([]);
    }
  });

  it('rejects a language Comprehend does not support for entities and key phrases', () => {
    expect(() => detectEntities('Bonjour', 'nl')).toThrow(EmulatorError);
    expect(() => detectKeyPhrases('Hello', 'en-US')).toThrow(EmulatorError);
    expect(() => detectEntities('x', 'xx')).toThrow(
      expect.objectContaining({ code: 'UnsupportedLanguage', serviceCode: 'UnsupportedLanguageException' }),
    );
  });

  it('runs fast enough for batches of 25 documents', () => {
    const text = readTsv('entities-eval.tsv')
      .map((r) => r[1] ?? '')
      .join(' ');
    const started = performance.now();
    for (let i = 0; i < 20; i++) detectEntities(text, 'en');
    const ms = (performance.now() - started) / 20;
    report(`entities: ${ms.toFixed(1)} ms for a ${codePointLength(text)}-character document`);
    expect(ms).toBeLessThan(500);
  });
});

describe('key phrases', () => {
  it("matches Comprehend's documented example", () => {
    const text =
      'Amazon.com, Inc. is located in Seattle, WA and was founded July 5th, 1994 by Jeff Bezos, allowing customers to buy everything from books to blenders.';
    expect(detectKeyPhrases(text, 'en').map((p) => p.text)).toEqual([
      'Amazon.com, Inc.',
      'Seattle, WA',
      'July 5th, 1994',
      'Jeff Bezos',
      'customers',
      'everything',
      'books',
      'blenders',
    ]);
  });

  it('reports noun phrases with their determiners, and code-point offsets everywhere', () => {
    const rows = [...readTsv('entities-eval.tsv'), ...readTsv('entities-holdout.tsv')];
    let phrases = 0;
    let covered = 0;
    let expectedCount = 0;
    for (const [lang, text, expectedField] of rows) {
      if (lang === undefined || text === undefined || expectedField === undefined) continue;
      const found: KeyPhrase[] = detectKeyPhrases(text, lang);
      phrases += found.length;
      for (const phrase of found) {
        expect(byCodePoints(text, phrase), `offsets of ${phrase.text} in ${text}`).toBe(phrase.text);
      }
      // Every expected entity should sit inside some key phrase.
      for (const expected of parseExpected(expectedField)) {
        expectedCount++;
        if (found.some((p) => p.text.includes(expected.text) || expected.text.includes(p.text))) covered++;
      }
    }
    report(
      `key phrases: ${phrases} phrases in ${rows.length} sentences; ${covered}/${expectedCount} expected entities inside a phrase`,
    );
    expect(covered / expectedCount).toBeGreaterThanOrEqual(0.9);

    const texts = detectKeyPhrases(
      'Everything about the new design of my account page is great, but the battery life is not.',
      'en',
    ).map((p) => p.text);
    expect(texts).toEqual(['Everything', 'the new design', 'my account page', 'the battery life']);
  });

  it('counts emoji before a phrase as one code point each', () => {
    const text = '🎉🎉 Sarah Johnson won two tickets to the Super Bowl in Las Vegas!';
    const phrases = detectKeyPhrases(text, 'en');
    const bowl = phrases.find((p) => p.text === 'the Super Bowl');
    expect(bowl).toBeDefined();
    expect(bowl?.beginOffset).toBe([...text.slice(0, text.indexOf('the Super'))].length);
    expect(bowl?.beginOffset).toBe(text.indexOf('the Super') - 2);
  });

  it('gives other languages their entities and capitalised names', () => {
    const phrases = detectKeyPhrases(
      'Ich habe am 3. Mai 2024 bestellt und 25% Rabatt erhalten, bitte an info@beispiel.de antworten.',
      'de',
    );
    expect(phrases.map((p) => p.text)).toEqual(['3. Mai 2024', '25%', 'Rabatt', 'info@beispiel.de']);
    const japanese = detectKeyPhrases('2024年5月1日に注文した商品が届きません。', 'ja');
    expect(japanese.map((p) => p.text)).toEqual(['2024年5月1日']);
  });
});
