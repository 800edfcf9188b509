/**
 * The built-in embedding models' vectors: feature hashing of a bag of words
 * and character trigrams, L2-normalised. Texts sharing words or word
 * fragments share dimensions, so similar texts get a higher cosine similarity
 * than unrelated ones; unrelated texts land near 0. Deterministic, with no
 * model file; not semantic (synonyms do not match).
 *
 * Features of the NFKC-normalised, lower-cased text: every token (run of
 * letters/digits, or one punctuation mark) with weight 1, and every trigram
 * of each word padded as "<word>" with weight 0.5. Each feature adds its
 * weight to dimension fnv1a32(feature) mod d, with a sign taken from the
 * hash's top bit so that collisions cancel out instead of piling up.
 */
import { fnv1a32 } from '../support/fnv.ts';

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
const WORD = /^[\p{L}\p{N}]+$/u;
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;

/** The embedding of `text` with `dimensions` values; unit length unless `normalize` is false. */
export function embedText(text: string, dimensions: number, normalize = true): number[] {
  const vector = new Float64Array(dimensions);
  const add = (feature: string, weight: number): void => {
    const hash = fnv1a32(feature);
    const index = hash % dimensions;
    vector[index] = (vector[index] ?? 0) + (hash >>> 31 === 1 ? -weight : weight);
  };
  for (const [token] of text.normalize('NFKC').toLowerCase().matchAll(TOKEN)) {
    add(`w:${token}`, WORD_WEIGHT);
    if (!WORD.test(token)) continue;
    const padded = `<${token}>`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  const scale = normalize && norm > 0 ? 1 / Math.sqrt(norm) : 1;
  // Eight decimals keep a 1536-value response near 20 KB without changing any ordering that matters.
  return Array.from(vector, (x) => Math.round(x * scale * 1e8) / 1e8);
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
