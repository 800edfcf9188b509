/**
 * Holds a driver's rows to the API's answers, row by row and value by value.
 *
 * The SQL function returns `confidence real`: the emulator hands PostgreSQL
 * the API's double as text and `::real` rounds it to the nearest float4. A
 * driver then gives that float4 back as a float, a double or a shortest
 * decimal; rounding both sides to float4 (Math.fround) compares the exact
 * value the database holds, with no tolerance to hide a neighbouring row's score.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Expected } from './expected.ts';

export interface SentimentRow {
  readonly input: string | null;
  readonly sentiment: string | null;
  readonly confidence: number | string | null;
}

interface Comparable {
  readonly input: string | null;
  readonly sentiment: string | null;
  readonly confidence: number | null;
}

/**
 * A long input as its opening words, length and digest: still exact (any
 * changed character changes the digest), but a failing diff stays readable.
 */
function shown(input: string | null): string | null {
  if (input === null || input.length <= 120) return input;
  const digest = createHash('sha256').update(input).digest('hex').slice(0, 12);
  return `${input.slice(0, 60)}… (${input.length} chars, sha256 ${digest})`;
}

const asFloat4 = (v: number | string | null): number | null => (v === null ? null : Math.fround(Number(v)));

/** `rows` must be exactly `inputs`, in that order, each with the API's label and score. */
export function expectRows(
  rows: readonly SentimentRow[],
  inputs: readonly string[],
  expected: ReadonlyMap<string, Expected>,
): void {
  const actual: Comparable[] = rows.map((r) => ({
    input: shown(r.input),
    sentiment: r.sentiment,
    confidence: asFloat4(r.confidence),
  }));
  const wanted: Comparable[] = inputs.map((input) => {
    const e = expected.get(input);
    if (!e) throw new Error(`no expected answer computed for ${JSON.stringify(input.slice(0, 60))}`);
    return { input: shown(input), sentiment: e.sentiment, confidence: Math.fround(e.confidence) };
  });
  const wrong = actual.filter((row, i) => JSON.stringify(row) !== JSON.stringify(wanted[i])).length;
  expect(actual, `${wrong} of ${wanted.length} rows differ from the Comprehend API's answers`).toEqual(wanted);
}

/** The batch sizes a reader fetching `size` rows at a time over `total` rows must see. */
export function chunksOf(total: number, size: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}
