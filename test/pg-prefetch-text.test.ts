/**
 * The text the emulator sends for a prefetched statement (src/aurora/pg/prefetch.ts):
 * the prefetch query, and the statement with its calls renamed to the answer
 * functions and the answers written in. Pure: no database (test/pg-prefetch.test.ts
 * runs these texts).
 */
import { describe, expect, it } from 'vitest';
import {
  answeredStatement,
  cachedAllowedSql,
  cachedStatement,
  type PrefetchedCall,
  preparePrefetch,
} from '../src/aurora/pg/prefetch.ts';

const SQL = `SELECT id, (aws_comprehend.detect_sentiment(txt, 'en')).sentiment, aws_comprehend.detect_sentiment(txt, 'en') AS r FROM t`;

function found(entries: ReadonlyArray<readonly [string, string]>): Map<string, PrefetchedCall> {
  return new Map(
    entries.map(([key, keyText]) => {
      const fn = 'aws_comprehend.detect_sentiment';
      return [key, { fn, key, keyText, call: { fn, key, args: JSON.parse(keyText) } }];
    }),
  );
}

describe('the prefetch query', () => {
  it('groups the key text the stub computes, with the cache key and the row count, over the statement source', () => {
    const p = preparePrefetch(SQL, '2.0');
    expect(p?.query).toBe(
      "SELECT p.f, p.a, pg_catalog.md5(p.f OPERATOR(pg_catalog.||) p.a), pg_catalog.count(*) FROM (SELECT pg_catalog.unnest(ARRAY['aws_comprehend.detect_sentiment', 'aws_comprehend.detect_sentiment']::pg_catalog.text[]) AS f, pg_catalog.unnest(ARRAY[aurora_ml_private.detect_sentiment_args(txt, 'en'), aurora_ml_private.detect_sentiment_args(txt, 'en')]) AS a FROM t) p GROUP BY p.f, p.a",
    );
    // Each function once (to_regproc finds only a name one function has), callable by the session.
    expect(p?.allowed).toContain(
      `pg_catalog.has_function_privilege(pg_catalog.to_regproc('"aws_comprehend"."detect_sentiment"'), 'EXECUTE')`,
    );
    expect(p?.allowed).toContain(`pg_catalog.to_regproc('"aurora_ml_private"."detect_sentiment_args"') IS NOT NULL`);
  });

  it('Bedrock has no answer functions in aws_ml 1.0', () => {
    expect(preparePrefetch(`SELECT aws_bedrock.invoke_model('m', 'a', 'b', x) FROM t`, '1.0')).toBeNull();
    expect(preparePrefetch(`SELECT aws_bedrock.invoke_model('m', 'a', 'b', x) FROM t`, '2.0')).not.toBeNull();
  });
});

describe('the answered statement', () => {
  const prefetch = preparePrefetch(SQL, '2.0');
  if (prefetch === null) throw new Error('no plan');

  it('renames (call).field to the field function and a whole call to the record function, answers written in', async () => {
    const text = await answeredStatement(
      prefetch,
      found([
        ['k1', '["good", "en", null]'],
        ['k2', '[null, "en", null]'],
      ]),
      new Map([
        ['k1', 'POSITIVE\t0.9'],
        ['k2', null],
      ]),
      true,
    );
    const answers = `$aurora_ml_answers${'$'}{"[\\"good\\", \\"en\\", null]":"POSITIVE\\t0.9"}$aurora_ml_answers$::pg_catalog.jsonb`;
    // The null answer is left out: the stub answers it from the cache table.
    expect(text).toBe(
      `SELECT id, aurora_ml_private.sentiment(${answers}, txt, 'en'), aurora_ml_private.detect_sentiment(${answers}, txt, 'en') AS r FROM t`,
    );
  });

  it('writes characters outside ASCII as JSON escapes, so any client encoding carries them', async () => {
    const text = await answeredStatement(prefetch, found([['k', '["crème 😀", "en", null]']]), new Map([['k', 'brûlée']]), true);
    expect(text).toContain('{"[\\"cr\\u00e8me \\ud83d\\ude00\\", \\"en\\", null]":"br\\u00fbl\\u00e9e"}');
    expect(text).toMatch(/^[ -~\t]*$/);
  });

  it.each([
    ['the server does not store UTF-8 and an answer has a character outside ASCII', 'brûlée', false],
    ['an answer holds the dollar-quote tag', 'x $aurora_ml_answers$ y', true],
    ['an answer holds a NUL character (jsonb refuses \\u0000)', 'a\u0000b', true],
    ['an answer holds an unpaired surrogate', 'a\ud800b', true],
  ])('keeps the statement as written when %s', async (_why, answer, serverUtf8) => {
    expect(
      await answeredStatement(prefetch, found([['k', '["x", "en", null]']]), new Map([['k', answer]]), serverUtf8),
    ).toBeNull();
  });

  it('keeps the statement as written when the answers pass 8 MB', async () => {
    const many = Array.from({ length: 90_000 }, (_v, i) => [`k${i}`, `["text number ${i}", "en", null]`] as const);
    const results = new Map(many.map(([k]) => [k, `NEUTRAL\t0.5${'0'.repeat(40)}`]));
    expect(await answeredStatement(prefetch, found(many), results, true)).toBeNull();
    expect(await answeredStatement(prefetch, found(many.slice(0, 1000)), results, true)).not.toBeNull();
  });
});

describe('the statement reading its answers from the cache table', () => {
  it('renames (call).field and one-OUT calls to the cache-reading functions, and leaves a whole record to the stub', () => {
    const sql = `SELECT (aws_comprehend.detect_sentiment(txt, 'en')).sentiment, ( aws_comprehend.detect_sentiment(txt, 'en') ).confidence AS c,
      aws_comprehend.detect_sentiment(txt, 'en') AS r, aws_sagemaker.invoke_endpoint('ep', NULL, txt) FROM t`;
    const p = preparePrefetch(sql, '2.0');
    if (p === null) throw new Error('no plan');
    expect(cachedStatement(p)).toBe(
      `SELECT aurora_ml_cached.sentiment(txt, 'en'), aurora_ml_cached.confidence(txt, 'en') AS c,
      aws_comprehend.detect_sentiment(txt, 'en') AS r, aurora_ml_cached.invoke_endpoint('ep', NULL, txt) FROM t`,
    );
    // The session's settings probe tells whether this install has them (an earlier one may not).
    expect(cachedAllowedSql(p)).toBe(
      `(pg_catalog.to_regproc('"aurora_ml_cached"."sentiment"') IS NOT NULL AND pg_catalog.to_regproc('"aurora_ml_cached"."confidence"') IS NOT NULL AND pg_catalog.to_regproc('"aurora_ml_cached"."invoke_endpoint"') IS NOT NULL)`,
    );
  });

  it('is not offered when every site is a whole record', () => {
    const p = preparePrefetch(`SELECT aws_comprehend.detect_sentiment(txt, 'en') FROM t`, '2.0');
    expect(p === null ? null : cachedAllowedSql(p)).toBe('false');
  });
});
