/**
 * The evaluator answers every dialect in one compact form (see
 * src/functions/comprehend.ts); the MySQL seed functions return
 * Comprehend's own JSON shapes, so their cache values are reshaped before the
 * stubs read them.
 */
import type { MlFunction } from '../../ml/calls.ts';

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

/** The value a MySQL stub reads from the cache for an evaluator result. */
export function mysqlCacheValue(fn: MlFunction, value: string): string {
  switch (fn) {
    case 'aws_comprehend.detect_entities':
      return JSON.stringify(
        (JSON.parse(value) as CompactEntity[]).map((e) => ({
          Type: e.t,
          Text: e.x,
          Score: e.s,
          BeginOffset: e.b,
          EndOffset: e.e,
        })),
      );
    case 'aws_comprehend.detect_key_phrases':
      return JSON.stringify(
        (JSON.parse(value) as CompactPhrase[]).map((p) => ({ Text: p.x, Score: p.s, BeginOffset: p.b, EndOffset: p.e })),
      );
    case 'aws_comprehend.detect_dominant_language':
      // The language with the highest score (Comprehend lists them best first).
      return (JSON.parse(value) as { l: string }[])[0]?.l ?? '';
    default:
      return value;
  }
}
