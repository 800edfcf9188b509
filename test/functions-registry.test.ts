/**
 * The function registry (src/functions/registry.ts) and what reads it, with
 * no database: the evaluator routes each call by its family (an unknown name
 * is refused, not sent to Bedrock), the gate asks for the registry's IAM
 * feature, actions and resource, each family batches as Aurora does
 * (Comprehend 25 documents, SageMaker max_rows_per_batch and 6 MB, Bedrock
 * one call per request), and each result is cached in the text the stubs decode.
 */
import { describe, expect, it } from 'vitest';
import { stubFor } from '../src/aurora/mysql/stubs.ts';
import { stubsFor } from '../src/aurora/pg/stubs.ts';
import { BuiltinBedrockBackend } from '../src/backends/bedrock/builtin.ts';
import { BuiltinComprehendBackend } from '../src/backends/comprehend/builtin.ts';
import { BuiltinModelBackend } from '../src/backends/sagemaker/demo-endpoints.ts';
import type { AuthorizationRequest } from '../src/control/authorize.ts';
import { FUNCTIONS, ML_FUNCTIONS, MYSQL_BUILTINS, resourceOf } from '../src/functions/registry.ts';
import type { EvalContext, MlCall, MlFunction } from '../src/ml/calls.ts';
import { MlEvaluator } from '../src/ml/evaluator.ts';
import { MlStats } from '../src/ml/stats.ts';

function evaluator() {
  const asked: AuthorizationRequest[] = [];
  const stats = new MlStats();
  const ml = new MlEvaluator(
    {
      comprehend: new BuiltinComprehendBackend(),
      sagemaker: new BuiltinModelBackend('echo'),
      bedrock: new BuiltinBedrockBackend(),
    },
    { authorize: (request) => void asked.push(request) },
    stats,
  );
  return { ml, stats, asked };
}

const ctx = (): EvalContext => ({
  user: 'app',
  database: 'test',
  signal: new AbortController().signal,
  statementDeadline: Number.POSITIVE_INFINITY,
  inferenceTimeoutMs: 10_000,
});

const call = (fn: MlFunction, key: string, ...args: MlCall['args']): MlCall => ({ fn, key, args });

describe('the registry', () => {
  it('has one entry per function, each with a family, a feature, IAM actions and a PostgreSQL stub', () => {
    expect(Object.keys(FUNCTIONS).sort()).toEqual([...ML_FUNCTIONS].sort());
    for (const fn of ML_FUNCTIONS) {
      const spec = FUNCTIONS[fn];
      expect(fn.startsWith(`aws_${spec.family}.`), fn).toBe(true);
      expect(spec.actions.length, fn).toBeGreaterThan(0);
      expect(spec.postgres.signature.startsWith(`${fn}(`), fn).toBe(true);
    }
    // aws_ml 1.0 has no Bedrock functions; 2.0 has them all.
    expect(stubsFor('1.0').map((s) => s.fn)).not.toContain('aws_bedrock.invoke_model');
    expect(stubsFor('2.0')).toHaveLength(ML_FUNCTIONS.length);
  });

  it('names the resource of SageMaker and Bedrock calls, * for Comprehend', () => {
    expect(resourceOf('aws_sagemaker.invoke_endpoint', ['ep-1', null, [1]])).toBe('ep-1');
    expect(resourceOf('aws_bedrock.invoke_model', ['amazon.titan-text-lite-v1', 'a', 'b', '{}'])).toBe(
      'amazon.titan-text-lite-v1',
    );
    expect(resourceOf('aws_comprehend.detect_sentiment', ['text', 'en', null])).toBe('*');
  });

  it('spells the MySQL built-ins with their argument counts (the direct SageMaker call is variadic)', () => {
    expect(MYSQL_BUILTINS.map((b) => b.name)).toContain('aws_comprehend_detect_sentiment_confidence');
    expect(stubFor('aws_comprehend_detect_sentiment', 2, true)).toBe('aws_comprehend_detect_sentiment');
    expect(stubFor('aws_comprehend_detect_sentiment', 3, false)).toBe('aws_comprehend_detect_sentiment_u_b');
    expect(stubFor('aws_comprehend_detect_sentiment', 4, true)).toBeUndefined();
    expect(stubFor('aws_sagemaker_invoke_endpoint', 5, true)).toBe('aws_sagemaker_invoke_endpoint');
    expect(stubFor('aws_sagemaker_invoke_endpoint', 1, true)).toBeUndefined();
  });
});

describe('routing and the gate', () => {
  it('asks the gate once per function and resource, then routes each call to its family', async () => {
    const { ml, asked } = evaluator();
    const results = await ml.evaluate(
      [
        call('aws_comprehend.detect_sentiment', 'a', 'I love it', 'en', null),
        call('aws_comprehend.detect_sentiment', 'b', 'awful', 'en', null),
        call('aws_sagemaker.invoke_endpoint', 'c', 'demo-echo', null, ['x', 2]),
        call(
          'aws_bedrock.invoke_model_get_embeddings',
          'd',
          'amazon.titan-embed-text-v1',
          'application/json',
          'embedding',
          '{"inputText":"hi"}',
        ),
      ],
      ctx(),
    );
    expect(asked.map((r) => [r.fn, r.resource])).toEqual([
      ['aws_comprehend.detect_sentiment', '*'],
      ['aws_sagemaker.invoke_endpoint', 'demo-echo'],
      ['aws_bedrock.invoke_model_get_embeddings', 'amazon.titan-embed-text-v1'],
    ]);
    expect(results.get('a')).toMatch(/^POSITIVE\t0\.\d+$/);
    expect(results.get('b')).toMatch(/^NEGATIVE\t0\.\d+$/);
    expect(results.get('c')).toBe('x 2');
    expect(results.get('d')).toMatch(/^\{-?\d/);
  });

  it('refuses a call naming a function the registry does not have, before any backend is asked', async () => {
    const { ml, asked, stats } = evaluator();
    const bogus = { fn: 'aws_bedrock.invoke_agent', key: 'k', args: ['m'] } as unknown as MlCall;
    await expect(ml.evaluate([bogus], ctx())).rejects.toMatchObject({ code: 'Internal' });
    expect(asked).toEqual([]);
    expect(stats.actualRequests).toBe(0);
  });
});

describe('batching', () => {
  const texts = (n: number) =>
    Array.from({ length: n }, (_v, i) => call('aws_comprehend.detect_sentiment', `k${i}`, `text ${i} is great`, 'en', null));

  it('Comprehend: at most 25 documents a request, fewer with max_rows_per_batch', async () => {
    const { ml, stats } = evaluator();
    await ml.evaluate(texts(60), ctx());
    expect(stats.actualRequests).toBe(3);
    const small = evaluator();
    const limited = texts(60).map((c) => ({ ...c, args: [c.args[0] ?? null, 'en', 10] }));
    await small.ml.evaluate(limited, ctx());
    expect(small.stats.actualRequests).toBe(6);
  });

  it('SageMaker: max_rows_per_batch rows a request, and a new request before 6 MB', async () => {
    const { ml, stats } = evaluator();
    const rows = Array.from({ length: 30 }, (_v, i) =>
      call('aws_sagemaker.invoke_endpoint', `s${i}`, 'demo-echo', 7, [`row ${i}`]),
    );
    const results = await ml.evaluate(rows, ctx());
    expect(stats.actualRequests).toBe(Math.ceil(30 / 7));
    expect(results.get('s29')).toBe('row 29');
    const big = evaluator();
    const payload = 'x'.repeat(2_000_000);
    const large = Array.from({ length: 4 }, (_v, i) =>
      call('aws_sagemaker.invoke_endpoint', `b${i}`, 'demo-echo', null, [`${i}${payload}`]),
    );
    await big.ml.evaluate(large, ctx());
    expect(big.stats.actualRequests).toBe(2);
  });

  it('Comprehend without a Batch* form (DetectPiiEntities): one document a request, whatever max_rows_per_batch says', async () => {
    const { ml, stats, asked } = evaluator();
    const docs = Array.from({ length: 7 }, (_v, i) =>
      call('aws_comprehend.detect_pii_entities', `p${i}`, `write to user${i}@example.com`, 'en', 25),
    );
    const results = await ml.evaluate(docs, ctx());
    expect(stats.actualRequests).toBe(7);
    expect(asked.map((r) => r.fn)).toEqual(['aws_comprehend.detect_pii_entities']);
    expect(FUNCTIONS['aws_comprehend.detect_pii_entities'].actions).toEqual(['comprehend:DetectPiiEntities']);
    // Cached as Comprehend's JSON, for both dialects.
    expect(JSON.parse(results.get('p3') ?? 'null')).toEqual([
      { Type: 'EMAIL', Score: 0.9999, BeginOffset: 'write to '.length, EndOffset: 'write to user3@example.com'.length },
    ]);
  });

  it('Bedrock: one request per call', async () => {
    const { ml, stats } = evaluator();
    const calls = Array.from({ length: 5 }, (_v, i) =>
      call(
        'aws_bedrock.invoke_model',
        `m${i}`,
        'amazon.titan-text-lite-v1',
        'application/json',
        'application/json',
        JSON.stringify({ inputText: `hi ${i}` }),
      ),
    );
    await ml.evaluate(calls, ctx());
    expect(stats.actualRequests).toBe(5);
  });
});

describe('result mapping', () => {
  it('sentiment is cached as LABEL<TAB>score of that label; entities and key phrases as compact JSON', async () => {
    const { ml } = evaluator();
    const results = await ml.evaluate(
      [
        call('aws_comprehend.detect_entities', 'e', 'Jeff Bezos founded Amazon in Seattle.', 'en', null),
        call('aws_comprehend.detect_key_phrases', 'p', 'The quick brown fox jumps.', 'en', null),
        call('aws_comprehend.detect_dominant_language', 'l', 'Bonjour tout le monde, comment allez-vous ?', null),
        call('aws_comprehend.detect_sentiment', 'n', null, 'en', null),
      ],
      ctx(),
    );
    const entities = JSON.parse(results.get('e') ?? 'null') as { t: string; x: string; b: number; e: number }[];
    expect(entities.length).toBeGreaterThan(0);
    for (const e of entities) expect('Jeff Bezos founded Amazon in Seattle.'.slice(e.b, e.e)).toBe(e.x);
    const phrases = JSON.parse(results.get('p') ?? 'null') as { x: string }[];
    expect(phrases.length).toBeGreaterThan(0);
    expect((JSON.parse(results.get('l') ?? 'null') as { l: string }[])[0]?.l).toBe('fr');
    // A NULL input answers NULL without a request.
    expect(results.get('n')).toBeNull();
  });
});
