/** The PostgreSQL statement classifier on text alone. */
import { describe, expect, it } from 'vitest';
import { classify, mightNeedEmulator } from '../src/aurora/pg/classify.ts';
import { EmulatorError } from '../src/errors.ts';

const ctx = { dependents: new Set(['review_moods']), catalogInstalled: true, strict: false };

describe('classify', () => {
  it('lets plain traffic through the fast path', () => {
    expect(mightNeedEmulator('SELECT * FROM orders WHERE id = $1', ctx.dependents)).toBe(false);
    expect(mightNeedEmulator('select * from REVIEW_MOODS', ctx.dependents)).toBe(true);
    expect(mightNeedEmulator(`SELECT AWS_COMPREHEND.DETECT_SENTIMENT('x','en')`, undefined)).toBe(true);
  });

  it('sends ML statements and statements over ML views to the loop', () => {
    expect(classify(`SELECT (aws_comprehend.detect_sentiment(c, 'en')).sentiment FROM t`, ctx)).toMatchObject({ kind: 'ml' });
    expect(classify('SELECT * FROM review_moods', ctx)).toMatchObject({ kind: 'ml' });
    expect(classify(`DO $$ BEGIN PERFORM aws_comprehend.detect_sentiment('x', 'en'); END $$`, ctx)).toMatchObject({ kind: 'ml' });
  });

  it('rewrites invoke_endpoint in DDL bodies and marks DDL for a dependency refresh', () => {
    const c = classify(
      `CREATE FUNCTION f(a int) RETURNS float LANGUAGE sql AS $$ SELECT aws_sagemaker.invoke_endpoint('ep', NULL, a, 2)::float $$`,
      ctx,
    );
    expect(c).toEqual({
      kind: 'plain',
      ddl: true,
      sql: `CREATE FUNCTION f(a int) RETURNS float LANGUAGE sql AS $$ SELECT aws_sagemaker.invoke_endpoint('ep', NULL, json_build_array(a, 2))::float $$`,
    });
  });

  it('notes seed extensions, and refuses them in strict mode', () => {
    const seed = classify(`SELECT aws_sagemaker.invoke_endpoint('ep', body) FROM t`, ctx);
    expect(seed).toMatchObject({
      kind: 'ml',
      sql: `SELECT aws_sagemaker.invoke_endpoint('ep', NULL, json_build_array(body)) FROM t`,
    });
    expect(seed.kind === 'ml' && seed.seedNotices[0]).toContain('real Aurora PostgreSQL rejects it');
    expect(() => classify(`SELECT * FROM aws_comprehend.detect_entities('x', 'en')`, { ...ctx, strict: true })).toThrow(
      EmulatorError,
    );
  });

  it('maps Aurora session settings and the pg_extension catalog', () => {
    expect(classify('SET aurora_ml_inference_timeout = 500', ctx)).toEqual({
      kind: 'plain',
      sql: 'SET aurora_ml.inference_timeout = 500',
      ddl: false,
    });
    expect(classify('SET LOCAL aurora_ml_inference_timeout TO 10', ctx)).toMatchObject({
      sql: 'SET LOCAL aurora_ml.inference_timeout = 10',
    });
    expect(classify('SET aurora_ml.strict TO off', ctx)).toMatchObject({ kind: 'strict', strict: false });
    expect(classify('SELECT extname FROM pg_catalog.pg_extension', ctx)).toMatchObject({
      sql: 'SELECT extname FROM aurora_ml_catalog.pg_extension',
    });
    expect(classify('SELECT extname FROM pg_extension', { ...ctx, catalogInstalled: false })).toMatchObject({
      sql: 'SELECT extname FROM pg_extension',
    });
  });

  it('rejects more than 100 arguments before anything runs', () => {
    const args = Array.from({ length: 99 }, () => '1').join(', ');
    expect(() => classify(`SELECT aws_sagemaker.invoke_endpoint('ep', NULL, ${args})`, ctx)).toThrow(
      'cannot pass more than 100 arguments to a function',
    );
  });
});
