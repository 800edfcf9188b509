/**
 * Every backend passes the one contract (test/helpers/backend-contract.ts),
 * alone and wrapped in the standard middleware.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BuiltinBedrockBackend } from '../src/backends/bedrock/builtin.ts';
import { BuiltinComprehendBackend } from '../src/backends/comprehend/builtin.ts';
import { RulesBedrockBackend } from '../src/backends/rules/bedrock.ts';
import { RulesComprehendBackend } from '../src/backends/rules/comprehend.ts';
import { RulesSageMakerBackend } from '../src/backends/rules/sagemaker.ts';
import { SageMakerRouter } from '../src/backends/sagemaker/router.ts';
import type { BedrockBackend, ComprehendBackend, SageMakerBackend } from '../src/backends/types.ts';
import { bedrockContract, comprehendContract, type SageMakerSubject, sageMakerContract } from './helpers/backend-contract.ts';
import { InferenceContainer } from './helpers/inference-container.ts';
import { wrappedBedrock, wrappedComprehend, wrappedSageMaker } from './helpers/wrapped-backends.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const RULES = path.join(fixtures, 'ml-rules.yaml');
const router = (endpoints: ConstructorParameters<typeof SageMakerRouter>[0] = {}) =>
  new SageMakerRouter(endpoints, { accountId: '123456789012', region: 'us-east-1' });

const comprehend: Record<string, () => ComprehendBackend> = {
  builtin: () => new BuiltinComprehendBackend(),
  rules: () => new RulesComprehendBackend(RULES, new BuiltinComprehendBackend()),
};

const bedrock: Record<string, { make: () => BedrockBackend; modelId: string; body: unknown }> = {
  builtin: {
    make: () => new BuiltinBedrockBackend(),
    modelId: 'amazon.titan-text-express-v1',
    body: { inputText: 'Summarize: the order arrived late.' },
  },
  rules: {
    make: () => new RulesBedrockBackend(RULES),
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    body: { messages: [{ role: 'user', content: 'I want a refund' }] },
  },
};

const sagemaker: Record<string, () => Promise<SageMakerSubject>> = {
  container: async () => {
    const container = await InferenceContainer.start();
    // Through the router, which answers unknown endpoints (a container alone serves any name).
    const r = router({ churn: { kind: 'container', url: container.url } });
    return {
      backend: r,
      endpoint: 'churn',
      lines: ['1,a', '2,b', '3,c'],
      close: async () => {
        await r.close();
        await container.close();
      },
    };
  },
  module: async () => {
    const r = router({ doubler: { kind: 'module', path: path.join(fixtures, 'sagemaker-model.ts') } });
    return { backend: r, endpoint: 'doubler', lines: ['1,2', '3,4', '5,6'], close: () => r.close() };
  },
  demo: async () => {
    const r = router();
    return { backend: r, endpoint: 'demo-echo', lines: ['1,a', '2,b', '3,c'], close: () => r.close() };
  },
  rules: async () => ({ backend: new RulesSageMakerBackend(RULES), endpoint: 'scripted', lines: ['1,a', '2,b', '3,c'] }),
};

for (const [name, make] of Object.entries(comprehend)) {
  comprehendContract(name, () => ({ backend: make() }));
  comprehendContract(`${name} + middleware`, () => ({ backend: wrappedComprehend(make()) }));
}

for (const [name, b] of Object.entries(bedrock)) {
  bedrockContract(name, () => ({ backend: b.make(), modelId: b.modelId, body: b.body }));
  bedrockContract(`${name} + middleware`, () => ({ backend: wrappedBedrock(b.make()), modelId: b.modelId, body: b.body }));
}

for (const [name, make] of Object.entries(sagemaker)) {
  sageMakerContract(name, make);
  sageMakerContract(`${name} + middleware`, async () => {
    const s = await make();
    const backend: SageMakerBackend = wrappedSageMaker(s.backend);
    return { ...s, backend };
  });
}

describe('rules backends answer as scripted', () => {
  const c = () => ({ deadline: Date.now() + 5_000, signal: new AbortController().signal });

  it('Comprehend: exact text, pattern, language, default; offsets where the entity text occurs', async () => {
    const b = new RulesComprehendBackend(RULES);
    const out = await b.detect('DetectSentiment', ['I love this product', 'REFUND please', 'whatever'], 'en', c());
    expect(out.map((r) => r.sentiment)).toEqual(['POSITIVE', 'NEGATIVE', 'NEUTRAL']);
    expect(out[0]?.scores.Positive).toBe(0.99);
    expect((await b.detect('DetectSentiment', ['hola'], 'es', c()))[0]?.sentiment).toBe('MIXED');
    const [entities] = await b.detect('DetectEntities', ['We met Acme Corp today'], 'en', c());
    expect(entities).toEqual([{ type: 'ORGANIZATION', text: 'Acme Corp', score: 0.97, beginOffset: 7, endOffset: 16 }]);
    expect((await b.detect('DetectDominantLanguage', ['Bonjour'], '', c()))[0]).toEqual([{ languageCode: 'fr', score: 0.98 }]);
  });

  it('SageMaker: per-line rules and an ordered queue, errors as the service reports them', async () => {
    const b = new RulesSageMakerBackend(RULES);
    const req = (text: string) => ({ body: Buffer.from(text), contentType: 'text/csv', accept: 'text/csv' });
    expect((await b.invokeEndpoint('scripted', req('2,b\n3,x\n9,z\n'), c())).body.toString()).toBe('0.2\n0.3\n0.5');
    const crash = b.invokeEndpoint('scripted', req('boom\n'), c());
    await expect(crash).rejects.toMatchObject({ code: 'ServiceFailure', serviceCode: 'ModelError' });
    expect((await b.invokeEndpoint('queued', req('a\nb\n'), c())).body.toString()).toBe('first\nsecond');
    await expect(b.invokeEndpoint('queued', req('c\n'), c())).rejects.toMatchObject({ serviceCode: 'ThrottlingException' });
  });

  it('Bedrock: body match, default, queue, and model ids given as ARNs', async () => {
    const b = new RulesBedrockBackend(RULES);
    const req = (body: unknown) => ({ body: Buffer.from(JSON.stringify(body)), contentType: 'application/json', accept: '*/*' });
    const claude = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0';
    const text = async (model: string, body: unknown) => (await b.invokeModel(model, req(body), c())).body.toString();
    expect(await text(claude, { prompt: 'refund now' })).toContain('Escalate to billing.');
    expect(await text(claude, { prompt: 'hello' })).toContain('"OK"');
    expect(await text('amazon.titan-text-express-v1', {})).toContain('one');
    await expect(b.invokeModel('amazon.titan-text-express-v1', req({}), c())).rejects.toMatchObject({
      serviceCode: 'ModelTimeoutException',
    });
  });
});
