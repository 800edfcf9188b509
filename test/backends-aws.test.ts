/**
 * The aws backends, driven by the real AWS SDK clients against the
 * emulator's own AWS-compatible Comprehend, SageMaker Runtime and Bedrock
 * Runtime APIs (loopback only): their answers must equal the built-in
 * backends' for the same input, and AWS's exceptions must come back as the
 * catalog errors the SQL side raises.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsBedrockBackend, createAwsBedrockBackend } from '../src/backends/aws/bedrock.ts';
import { type AwsComprehendBackend, createAwsComprehendBackend } from '../src/backends/aws/comprehend.ts';
import { type AwsSageMakerBackend, createAwsSageMakerBackend } from '../src/backends/aws/sagemaker.ts';
import { BuiltinBedrockBackend } from '../src/backends/bedrock/builtin.ts';
import { BuiltinComprehendBackend } from '../src/backends/comprehend/builtin.ts';
import { BuiltinModelBackend } from '../src/backends/sagemaker/demo-endpoints.ts';
import type { CallContext, InvokeRequest } from '../src/backends/types.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { rejection } from './helpers/rejection.ts';

const SLOW_MODEL = 'meta.llama3-8b-instruct-v1:0';
const THROTTLED_MODEL = 'amazon.titan-text-lite-v1';

function ctx(timeoutMs = 10_000, signal: AbortSignal = new AbortController().signal): CallContext {
  return { deadline: Date.now() + timeoutMs, signal };
}

function json(value: unknown): InvokeRequest {
  return { body: Buffer.from(JSON.stringify(value)), contentType: 'application/json', accept: 'application/json' };
}

const TEXTS = [
  'I love the new dashboard, it works perfectly!',
  'The app crashed twice and support never answered. Terrible.',
  'Jane Smith from Acme Corp will visit Berlin on March 3, 2024.',
  'Please send the invoice for order 1234 to the billing team.',
];

let emu: TestEmulator;
let comprehend: AwsComprehendBackend;
let sagemaker: AwsSageMakerBackend;
let bedrock: AwsBedrockBackend;
const builtin = new BuiltinComprehendBackend();

beforeAll(async () => {
  emu = await startTestEmulator({
    backends: {
      retry: false,
      bedrock: {
        targets: {
          [SLOW_MODEL]: { latency: { kind: 'fixed', ms: 3_000 } },
          [THROTTLED_MODEL]: { faults: { queue: ['ThrottlingException'] } },
        },
      },
    },
  });
  // One attempt: the SDK's retries would hide the injected faults these tests look for.
  const options = {
    region: 'us-east-1',
    endpoint: emu.emulator.api.url,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    maxAttempts: 1,
  };
  comprehend = createAwsComprehendBackend(options);
  sagemaker = createAwsSageMakerBackend(options);
  bedrock = createAwsBedrockBackend(options);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([comprehend?.close(), sagemaker?.close(), bedrock?.close()]);
  await emu?.[Symbol.asyncDispose]();
});

describe('aws Comprehend backend against the emulator API', () => {
  it('answers the four batch operations exactly as the built-in backend', async () => {
    expect(comprehend.kind).toBe('aws');
    expect(await comprehend.detect('DetectSentiment', TEXTS, 'en', ctx())).toEqual(
      await builtin.detect('DetectSentiment', TEXTS, 'en', ctx()),
    );
    expect(await comprehend.detect('DetectDominantLanguage', TEXTS, '', ctx())).toEqual(
      await builtin.detect('DetectDominantLanguage', TEXTS, '', ctx()),
    );
    expect(await comprehend.detect('DetectEntities', TEXTS, 'en', ctx())).toEqual(
      await builtin.detect('DetectEntities', TEXTS, 'en', ctx()),
    );
    expect(await comprehend.detect('DetectKeyPhrases', TEXTS, 'en', ctx())).toEqual(
      await builtin.detect('DetectKeyPhrases', TEXTS, 'en', ctx()),
    );
  });

  it('asks DetectPiiEntities once per document (AWS has no batch form) and answers as the built-in backend', async () => {
    const texts = ['Mail jane@example.com today', 'Call (206) 555-0123', 'no identifiers'];
    expect(await comprehend.detect('DetectPiiEntities', texts, 'en', ctx())).toEqual(
      await builtin.detect('DetectPiiEntities', texts, 'en', ctx()),
    );
  });

  it("turns a document in ErrorList into the SQL side's TextSizeLimitExceeded", async () => {
    const err = await rejection(comprehend.detect('DetectSentiment', ['fine', 'x'.repeat(5_001)], 'en', ctx()));
    expect(err.code).toBe('TextSizeLimitExceeded');
    expect(err.serviceCode).toBe('TextSizeLimitExceededException');
    expect(err.message).toBe(
      'Comprehend TextSizeLimitExceededException: Input text size exceeds limit. Max length of request text allowed is 5000 bytes while in this request the text size is 5001 bytes',
    );
    expect(err.detail).toContain('Document 1');
  });

  it('maps UnsupportedLanguageException and BatchSizeLimitExceededException', async () => {
    const language = await rejection(comprehend.detect('DetectEntities', ['hello'], 'xx', ctx()));
    expect([language.code, language.serviceCode]).toEqual(['UnsupportedLanguage', 'UnsupportedLanguageException']);
    expect(language.message).toMatch(/^Comprehend UnsupportedLanguageException: /);
    const batch = await rejection(comprehend.detect('DetectSentiment', new Array<string>(26).fill('hi'), 'en', ctx()));
    expect([batch.code, batch.serviceCode]).toEqual(['BatchSizeLimitExceeded', 'BatchSizeLimitExceededException']);
  });

  it('gives up at once on a deadline already past, and on a cancelled statement', async () => {
    const late = await rejection(
      comprehend.detect('DetectSentiment', ['hi'], 'en', { deadline: Date.now() - 1, signal: new AbortController().signal }),
    );
    expect(late.code).toBe('InferenceTimeout');
    const controller = new AbortController();
    controller.abort();
    const canceled = await rejection(comprehend.detect('DetectSentiment', ['hi'], 'en', ctx(10_000, controller.signal)));
    expect(canceled.code).toBe('QueryCanceled');
  });
});

describe('aws SageMaker backend against the emulator API', () => {
  it('answers a demo endpoint exactly as the built-in model', async () => {
    const request: InvokeRequest = { body: Buffer.from('1,2,3\n4,5,6\n'), contentType: 'text/csv', accept: 'text/csv' };
    const got = await sagemaker.invokeEndpoint('demo-echo', request, ctx());
    const want = await new BuiltinModelBackend('echo').invokeEndpoint('demo-echo', request, ctx());
    expect(got.body.toString()).toBe(want.body.toString());
    expect(got.contentType).toBe(want.contentType);
  });

  it("maps the model's own error to ServiceFailure / ModelError with SageMaker's message", async () => {
    const request: InvokeRequest = { body: Buffer.from('x'), contentType: 'image/png', accept: 'text/csv' };
    const err = await rejection(sagemaker.invokeEndpoint('demo-echo', request, ctx()));
    const want = await rejection(new BuiltinModelBackend('echo').invokeEndpoint('demo-echo', request, ctx()));
    expect([err.code, err.serviceCode]).toEqual(['ServiceFailure', 'ModelError']);
    expect(err.message).toBe(want.message);
  });

  it('maps the ValidationError for an unknown endpoint to EndpointNotFound', async () => {
    const err = await rejection(
      sagemaker.invokeEndpoint(
        'no-such-endpoint',
        { body: Buffer.from('1'), contentType: 'text/csv', accept: 'text/csv' },
        ctx(),
      ),
    );
    expect(err.code).toBe('EndpointNotFound');
    expect(err.serviceCode).toBe('ValidationError');
    expect(err.message).toMatch(/^Endpoint no-such-endpoint of account \d+ not found\.$/);
  });

  it('refuses a body over 6 MB before sending it', async () => {
    const body = Buffer.alloc(6_291_457, 0x31);
    const err = await rejection(
      sagemaker.invokeEndpoint('demo-echo', { body, contentType: 'text/csv', accept: 'text/csv' }, ctx()),
    );
    expect([err.code, err.serviceCode]).toEqual(['PayloadTooLarge', 'ValidationError']);
  });

  it('reports an unreachable endpoint URL as ServiceUnavailable', async () => {
    const nowhere = createAwsSageMakerBackend({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    try {
      const err = await rejection(
        nowhere.invokeEndpoint('demo-echo', { body: Buffer.from('1'), contentType: 'text/csv', accept: 'text/csv' }, ctx()),
      );
      expect(err.code).toBe('ServiceUnavailable');
    } finally {
      await nowhere.close();
    }
  });
});

describe('aws Bedrock backend against the emulator API', () => {
  it.each([
    [
      'amazon.titan-text-express-v1',
      { inputText: 'Summarize: the build is green.', textGenerationConfig: { maxTokenCount: 40 } },
    ],
    ['amazon.titan-embed-text-v2:0', { inputText: 'hello world', dimensions: 256 }],
    [
      'anthropic.claude-3-haiku-20240307-v1:0',
      { anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'Hi there' }] },
    ],
  ])('answers %s exactly as the built-in backend', async (modelId, body) => {
    const got = await bedrock.invokeModel(modelId, json(body), ctx());
    const want = await new BuiltinBedrockBackend().invokeModel(modelId, json(body), ctx());
    expect(JSON.parse(got.body.toString())).toEqual(JSON.parse(want.body.toString()));
  });

  it('maps an unknown model to EndpointNotFound / ResourceNotFoundException', async () => {
    const err = await rejection(bedrock.invokeModel('acme.unknown-model-v1', json({ prompt: 'x' }), ctx()));
    expect([err.code, err.serviceCode]).toEqual(['EndpointNotFound', 'ResourceNotFoundException']);
  });

  it('maps a malformed body to InvalidArgument / ValidationException', async () => {
    const err = await rejection(bedrock.invokeModel('amazon.titan-text-express-v1', json({ text: 'x' }), ctx()));
    expect([err.code, err.serviceCode]).toEqual(['InvalidArgument', 'ValidationException']);
    expect(err.message).toContain('required key [inputText] not found');
  });

  it('maps an injected ThrottlingException to ServiceFailure', async () => {
    const err = await rejection(bedrock.invokeModel(THROTTLED_MODEL, json({ inputText: 'hi' }), ctx()));
    expect([err.code, err.serviceCode]).toEqual(['ServiceFailure', 'ThrottlingException']);
  });

  it('stops waiting for a slow model at the deadline', async () => {
    const started = Date.now();
    const err = await rejection(bedrock.invokeModel(SLOW_MODEL, json({ prompt: 'hi' }), ctx(300)));
    expect(err.code).toBe('InferenceTimeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
