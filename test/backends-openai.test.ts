import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinBedrockBackend } from '../src/backends/bedrock/builtin.ts';
import { createOpenAiBedrockBackend, type OpenAiBedrockBackend } from '../src/backends/bedrock/openai.ts';
import type { CallContext, InvokeRequest } from '../src/backends/types.ts';
import { EMBEDDING_DIMENSIONS, fakeEmbedding, OpenAiServer, reversed } from './helpers/openai-server.ts';
import { rejection } from './helpers/rejection.ts';

const MODELS = ['llama3.2', 'nomic-embed-text', 'amazon.titan-text-express-v1', 'meta.llama3-8b-instruct-v1:0'];

function ctx(timeoutMs = 5_000, signal: AbortSignal = new AbortController().signal): CallContext {
  return { deadline: Date.now() + timeoutMs, signal };
}

function json(value: unknown): InvokeRequest {
  return { body: Buffer.from(JSON.stringify(value)), contentType: 'application/json', accept: 'application/json' };
}

async function invoke(backend: OpenAiBedrockBackend, modelId: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await backend.invokeModel(modelId, json(body), ctx());
  expect(res.contentType).toBe('application/json');
  return JSON.parse(res.body.toString()) as Record<string, unknown>;
}

/** The builtin backend's answer to the same request: the openai backend must produce the same shape. */
async function builtinKeys(modelId: string, body: unknown): Promise<string[]> {
  const res = await new BuiltinBedrockBackend().invokeModel(modelId, json(body), ctx());
  return Object.keys(JSON.parse(res.body.toString()) as object).sort();
}

const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

let server: OpenAiServer;
let backend: OpenAiBedrockBackend;

beforeAll(async () => {
  server = await OpenAiServer.start({ models: MODELS });
  backend = createOpenAiBedrockBackend({
    baseUrl: `${server.url}/v1`,
    apiKey: 'sk-local',
    models: { 'anthropic.claude-3-haiku-20240307-v1:0': 'llama3.2', 'amazon.titan-embed-text-v2:0': 'nomic-embed-text' },
    defaultModel: undefined,
  });
});

afterAll(async () => {
  await backend.close();
  await server[Symbol.asyncDispose]();
});

const last = () => server.received.at(-1);

describe('openai Bedrock backend: text families', () => {
  it('translates Titan Text to a chat completion and back', async () => {
    const body = {
      inputText: 'the quick brown fox',
      textGenerationConfig: { maxTokenCount: 50, temperature: 0.2, topP: 0.9, stopSequences: ['User:'] },
    };
    const out = await invoke(backend, 'amazon.titan-text-express-v1', body);
    expect(last()?.path).toBe('/v1/chat/completions');
    expect(last()?.headers.authorization).toBe('Bearer sk-local');
    expect(last()?.body).toEqual({
      model: 'amazon.titan-text-express-v1',
      messages: [{ role: 'user', content: 'the quick brown fox' }],
      max_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['User:'],
    });
    expect(out).toEqual({
      inputTextTokenCount: 4,
      results: [{ tokenCount: 4, outputText: reversed('the quick brown fox'), completionReason: 'FINISH' }],
    });
    expect(Object.keys(out).sort()).toEqual(await builtinKeys('amazon.titan-text-express-v1', body));
  });

  it('reports a reply cut at maxTokenCount as LENGTH', async () => {
    const out = await invoke(backend, 'amazon.titan-text-express-v1', {
      inputText: 'one two three four',
      textGenerationConfig: { maxTokenCount: 2 },
    });
    expect(out.results).toEqual([{ tokenCount: 2, outputText: 'ruof eerht', completionReason: 'LENGTH' }]);
  });

  it('sends prompt families to /v1/completions when textApi is completions', async () => {
    const completions = createOpenAiBedrockBackend({ baseUrl: server.url, textApi: 'completions' });
    try {
      const out = await invoke(completions, 'amazon.titan-text-express-v1', { inputText: 'abc def' });
      expect(last()?.path).toBe('/v1/completions');
      expect(last()?.body).toEqual({ model: 'amazon.titan-text-express-v1', prompt: 'abc def', max_tokens: 512 });
      expect((out.results as { outputText: string }[])[0]?.outputText).toBe('fed cba');
    } finally {
      await completions.close();
    }
  });

  it('translates Anthropic Messages (system, content blocks, turns) and maps the model id', async () => {
    const body = {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 100,
      system: 'You are terse.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hello there' }] },
        { role: 'assistant', content: 'hi' },
        { role: 'user', content: 'how are you' },
      ],
      stop_sequences: ['END'],
    };
    const out = await invoke(backend, 'us.anthropic.claude-3-haiku-20240307-v1:0', body);
    expect(last()?.body).toEqual({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello there' },
        { role: 'assistant', content: 'hi' },
        { role: 'user', content: 'how are you' },
      ],
      max_tokens: 100,
      stop: ['END'],
    });
    expect(out).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-3-haiku-20240307',
      content: [{ type: 'text', text: 'uoy era woh' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 3 },
    });
    expect(out.id).toMatch(/^msg_bdrk_/);
    expect(Object.keys(out).sort()).toEqual(await builtinKeys('anthropic.claude-3-haiku-20240307-v1:0', body));
  });

  it('reports an Anthropic reply cut at max_tokens as stop_reason max_tokens', async () => {
    const out = await invoke(backend, 'anthropic.claude-3-haiku-20240307-v1:0', {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'a b c' }],
    });
    expect(out).toMatchObject({ content: [{ type: 'text', text: 'c' }], stop_reason: 'max_tokens', usage: { output_tokens: 1 } });
  });

  it('unwraps a Llama 3 chat template into messages and answers in the Llama shape', async () => {
    const prompt =
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
      '<|start_header_id|>user<|end_header_id|>\n\nsay hi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';
    const body = { prompt, max_gen_len: 64, temperature: 0.5 };
    const out = await invoke(backend, 'meta.llama3-8b-instruct-v1:0', body);
    expect(last()?.body).toEqual({
      model: 'meta.llama3-8b-instruct-v1:0',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'say hi' },
      ],
      max_tokens: 64,
      temperature: 0.5,
    });
    expect(out).toEqual({ generation: 'ih yas', prompt_token_count: 4, generation_token_count: 2, stop_reason: 'stop' });
    expect(Object.keys(out).sort()).toEqual(await builtinKeys('meta.llama3-8b-instruct-v1:0', body));
  });

  it('unwraps a Llama 2 [INST] prompt with a system block', async () => {
    await invoke(backend, 'meta.llama3-8b-instruct-v1:0', { prompt: '<s>[INST] <<SYS>>\nBe kind.\n<</SYS>>\n\nhello [/INST]' });
    expect(last()?.body.messages).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'hello' },
    ]);
  });
});

describe('openai Bedrock backend: embeddings', () => {
  it('translates Titan Embeddings v1 and returns the server vector', async () => {
    const server2 = createOpenAiBedrockBackend({ baseUrl: server.url, defaultModel: 'nomic-embed-text' });
    try {
      const body = { inputText: 'hello world' };
      const out = await invoke(server2, 'amazon.titan-embed-text-v1', body);
      expect(last()).toMatchObject({ path: '/v1/embeddings', body: { model: 'nomic-embed-text', input: 'hello world' } });
      expect(out).toEqual({ embedding: fakeEmbedding('hello world'), inputTextTokenCount: 2 });
      expect(Object.keys(out).sort()).toEqual(await builtinKeys('amazon.titan-embed-text-v1', body));
    } finally {
      await server2.close();
    }
  });

  it('normalises Titan Embeddings v2 by default, passes dimensions, and answers embeddingsByType', async () => {
    const out = await invoke(backend, 'amazon.titan-embed-text-v2:0', {
      inputText: 'hello world',
      dimensions: 256,
      embeddingTypes: ['float', 'binary'],
    });
    expect(last()?.body).toEqual({ model: 'nomic-embed-text', input: 'hello world', dimensions: 256 });
    const embedding = out.embedding as number[];
    expect(embedding).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(norm(embedding)).toBeCloseTo(1, 12);
    const raw = fakeEmbedding('hello world');
    expect(embedding).toEqual(raw.map((x) => expect.closeTo(x / norm(raw), 12)));
    expect(out.embeddingsByType).toEqual({ float: embedding, binary: embedding.map((x) => (x > 0 ? 1 : 0)) });
    const raw2 = await invoke(backend, 'amazon.titan-embed-text-v2:0', { inputText: 'hello world', normalize: false });
    expect(raw2.embedding).toEqual(raw);
  });

  it('translates Cohere Embed with the vectors in input order', async () => {
    const local = createOpenAiBedrockBackend({ baseUrl: server.url, defaultModel: 'nomic-embed-text' });
    try {
      const out = await invoke(local, 'cohere.embed-english-v3', { texts: ['first', 'second'], input_type: 'search_document' });
      expect(out.embeddings).toEqual([fakeEmbedding('first'), fakeEmbedding('second')]);
      expect(out.response_type).toBe('embeddings_floats');
    } finally {
      await local.close();
    }
  });
});

describe('openai Bedrock backend: errors and deadlines', () => {
  const titan = { inputText: 'hi' };

  it('maps HTTP 429 to ThrottlingException', async () => {
    server.failure = { status: 429, body: JSON.stringify({ error: { message: 'rate limited' } }) };
    try {
      const err = await rejection(backend.invokeModel('amazon.titan-text-express-v1', json(titan), ctx()));
      expect(err.code).toBe('ServiceFailure');
      expect(err.serviceCode).toBe('ThrottlingException');
      expect(err.detail).toContain('rate limited');
    } finally {
      server.failure = undefined;
    }
  });

  it('maps a model the server does not have (404) to ResourceNotFoundException', async () => {
    const err = await rejection(backend.invokeModel('amazon.titan-text-lite-v1', json(titan), ctx()));
    expect(err.code).toBe('EndpointNotFound');
    expect(err.serviceCode).toBe('ResourceNotFoundException');
    expect(err.hint).toContain('amazon.titan-text-lite-v1');
    expect(err.detail).toContain('not found, try pulling it first');
  });

  it.each([
    [500, 'ServiceFailure', 'ModelErrorException'],
    [503, 'ServiceFailure', 'ModelNotReadyException'],
    [401, 'MlAccessDenied', 'AccessDeniedException'],
    [400, 'InvalidArgument', 'ValidationException'],
    [504, 'InferenceTimeout', 'ModelTimeoutException'],
  ])('maps HTTP %i to %s / %s', async (status, code, serviceCode) => {
    server.failure = { status, body: '{"error":"boom"}' };
    try {
      const err = await rejection(backend.invokeModel('amazon.titan-text-express-v1', json(titan), ctx()));
      expect([err.code, err.serviceCode]).toEqual([code, serviceCode]);
    } finally {
      server.failure = undefined;
    }
  });

  it('rejects a malformed Bedrock body with ValidationException before calling the server', async () => {
    const before = server.received.length;
    const err = await rejection(backend.invokeModel('anthropic.claude-3-haiku-20240307-v1:0', json({ messages: [] }), ctx()));
    expect(err.serviceCode).toBe('ValidationException');
    expect(err.message).toContain('required key [anthropic_version] not found');
    expect(server.received.length).toBe(before);
  });

  it('rejects a family it cannot translate', async () => {
    const err = await rejection(backend.invokeModel('cohere.command-r-v1:0', json({ message: 'hi' }), ctx()));
    expect(err.serviceCode).toBe('ValidationException');
    expect(err.message).toContain('does not translate model cohere.command-r-v1:0');
  });

  it('reports a server that is not running as ServiceUnavailable', async () => {
    const down = await OpenAiServer.start({ models: [] });
    const url = down.url;
    await down[Symbol.asyncDispose]();
    const gone = createOpenAiBedrockBackend({ baseUrl: url });
    try {
      const err = await rejection(gone.invokeModel('amazon.titan-text-express-v1', json(titan), ctx()));
      expect(err.code).toBe('ServiceUnavailable');
      expect(err.serviceCode).toBe('ServiceUnavailableException');
    } finally {
      await gone.close();
    }
  });

  it('gives up at the caller deadline with InferenceTimeout', async () => {
    server.delayMs = 2_000;
    try {
      const started = Date.now();
      const err = await rejection(backend.invokeModel('amazon.titan-text-express-v1', json(titan), ctx(100)));
      expect(err.code).toBe('InferenceTimeout');
      expect(err.message).toContain('did not answer within the inference timeout');
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      server.delayMs = 0;
    }
  });

  it('reports its own model time limit as ModelTimeoutException', async () => {
    server.delayMs = 2_000;
    const limited = createOpenAiBedrockBackend({ baseUrl: server.url, modelTimeoutMs: 100 });
    try {
      const err = await rejection(limited.invokeModel('amazon.titan-text-express-v1', json(titan), ctx(5_000)));
      expect([err.code, err.serviceCode]).toEqual(['InferenceTimeout', 'ModelTimeoutException']);
    } finally {
      server.delayMs = 0;
      await limited.close();
    }
  });

  it('stops waiting when the statement is cancelled', async () => {
    server.delayMs = 2_000;
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const err = await rejection(
        backend.invokeModel('amazon.titan-text-express-v1', json(titan), ctx(5_000, controller.signal)),
      );
      expect(err.code).toBe('QueryCanceled');
    } finally {
      server.delayMs = 0;
    }
  });

  it('refuses a server answer without choices as InvalidResponse', async () => {
    server.failure = { status: 200, body: '{"object":"chat.completion"}' };
    try {
      const err = await rejection(backend.invokeModel('amazon.titan-text-express-v1', json(titan), ctx()));
      expect([err.code, err.serviceCode]).toEqual(['InvalidResponse', 'ModelErrorException']);
    } finally {
      server.failure = undefined;
    }
  });
});
