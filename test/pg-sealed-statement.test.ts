/**
 * Which prefetched statements the loop may close in the same round trip as
 * their run (src/aurora/pg/sealed-statement.ts): only those that run nothing
 * but their planned calls on literals and parameters. No database.
 */
import { describe, expect, it } from 'vitest';
import { preparePrefetch } from '../src/aurora/pg/prefetch.ts';

const sealed = (sql: string) => preparePrefetch(sql, '2.0')?.sealed ?? null;

describe('a sealed statement', () => {
  it.each([
    `SELECT * FROM aws_comprehend.detect_sentiment('I love it', 'en')`,
    `select * from aws_comprehend.detect_sentiment('it''s fine', 'en') as s;`,
    `SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS "S"`,
    `SELECT (aws_comprehend.detect_sentiment('a', 'en')).sentiment, (aws_comprehend.detect_sentiment('b', 'en')).confidence`,
    `SELECT sentiment, confidence AS c FROM aws_comprehend.detect_sentiment('I love it', 'en')`,
    // A statement parameter is a value, as a literal is (extended protocol).
    `SELECT * FROM aws_comprehend.detect_sentiment($1, 'en')`,
    `SELECT $2, (aws_comprehend.detect_sentiment($1, 'en', $3)).sentiment AS s`,
  ])('is one of only ML calls on literals and parameters: %s', (sql) => {
    expect(sealed(sql)).toBe(true);
  });

  it.each([
    // A table, a user function, an operator, a cast: code that could raise a notice or reach a stub.
    `SELECT (aws_comprehend.detect_sentiment('a', 'en')).sentiment FROM notes`,
    `SELECT * FROM aws_comprehend.detect_sentiment('a', 'en'), notes`,
    `SELECT public.f(), (aws_comprehend.detect_sentiment('a', 'en')).sentiment`,
    `SELECT (aws_comprehend.detect_sentiment('a', 'en')).sentiment || 'x'`,
    `SELECT (aws_comprehend.detect_sentiment('a'::text, 'en')).sentiment`,
    `SELECT * FROM aws_comprehend.detect_sentiment('a', 'en') s`,
    `SELECT * FROM aws_comprehend.detect_sentiment('a', 'en') AS s(x, y)`,
    // `(x).name` may call a function name(x): only the answer's own fields are sealed.
    `SELECT ('a').sentiment, (aws_comprehend.detect_sentiment('a', 'en')).sentiment`,
    // The lexing of a backslash depends on standard_conforming_strings.
    `SELECT * FROM aws_comprehend.detect_sentiment('a\\', 'en')`,
    `SELECT * FROM aws_comprehend.detect_sentiment(E'a', 'en')`,
    `SELECT s.sentiment FROM aws_comprehend.detect_sentiment('a', 'en') AS s`,
    `SELECT sentiment FROM aws_comprehend.detect_sentiment('a', 'en') AS s, notes`,
    `SELECT * FROM aws_comprehend.detect_sentiment('a', 'en') WHERE true`,
    `SELECT lower(sentiment) FROM aws_comprehend.detect_sentiment('a', 'en')`,
    // Without FROM, a filter decides whether the call is made at all.
    `SELECT (aws_comprehend.detect_sentiment('a', 'en')).sentiment WHERE false`,
    `SELECT (aws_comprehend.detect_sentiment('a', 'en')).sentiment HAVING false`,
  ])('is not: %s', (sql) => {
    expect(sealed(sql)).toBe(false);
  });
});
