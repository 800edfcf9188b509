import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BuiltinBedrockBackend } from '../src/backends/bedrock/builtin.ts';
import { cosineSimilarity } from '../src/backends/bedrock/embeddings.ts';
import { ContainerBackend } from '../src/backends/sagemaker/container.ts';
import { parseCsvRecords } from '../src/backends/sagemaker/csv.ts';
import { BuiltinModelBackend } from '../src/backends/sagemaker/demo-endpoints.ts';
import { ModuleBackend } from '../src/backends/sagemaker/module.ts';
import { SageMakerRouter } from '../src/backends/sagemaker/router.ts';
import type { CallContext, InvokeRequest } from '../src/backends/types.ts';
import { EmulatorError } from '../src/errors.ts';
import { InferenceContainer } from './helpers/inference-container.ts';
import { rejection } from './helpers/rejection.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

function ctx(timeoutMs = 5_000, signal: AbortSignal = new AbortController().signal): CallContext {
  return { deadline: Date.now() + timeoutMs, signal };
}

function csv(text: string, accept = 'text/csv'): InvokeRequest {
  return { body: Buffer.from(text), contentType: 'text/csv', accept };
}

function json(value: unknown, contentType = 'application/json'): InvokeRequest {
  return { body: Buffer.from(JSON.stringify(value)), contentType, accept: 'application/json' };
}

describe('SageMaker container backend', () => {
  it('posts the CSV body with its content type and accept, and returns the lines', async () => {
    await using container = await InferenceContainer.start({ handler: (lines) => lines.map((l) => l.toUpperCase()) });
    const backend = new ContainerBackend(container.url);
    try {
      const res = await backend.invokeEndpoint('ep', csv('a,1\nb,2\n'), ctx());
      expect(res.body.toString()).toBe('A,1\nB,2');
      expect(res.contentType).toBe('text/csv');
      const [req] = container.invocations;
      expect(req?.method).toBe('POST');
      expect(req?.headers['content-type']).toBe('text/csv');
      expect(req?.headers.accept).toBe('text/csv');
      expect(req?.body.toString()).toBe('a,1\nb,2\n');
    } finally {
      await backend.close();
    }
  });

  it('keeps the connection alive across calls', async () => {
    await using container = await InferenceContainer.start();
    const backend = new ContainerBackend(container.url);
    try {
      for (let i = 0; i < 5; i++) {
        const res = await backend.invokeEndpoint('ep', csv(`${i}`), ctx());
        expect(res.body.toString()).toBe(`${i}`);
      }
      expect(container.invocations).toHaveLength(5);
      expect(container.connections).toBe(1);
    } finally {
      await backend.close();
    }
  });

  it('returns a wrong line count untouched, for the caller to reject', async () => {
    await using container = await InferenceContainer.start({ lineCountDelta: 1 });
    const backend = new ContainerBackend(container.url);
    try {
      const res = await backend.invokeEndpoint('ep', csv('1\n2\n'), ctx());
      expect(res.body.toString().split('\n')).toEqual(['1', '2', 'extra']);
    } finally {
      await backend.close();
    }
  });

  it('maps HTTP 500 to ModelError with SageMaker wording', async () => {
    await using container = await InferenceContainer.start({ status: 500, errorBody: 'boom: model exploded' });
    const backend = new ContainerBackend(container.url);
    try {
      const err = await rejection(backend.invokeEndpoint('fraud-endpoint', csv('1'), ctx()));
      expect(err.code).toBe('ServiceFailure');
      expect(err.serviceCode).toBe('ModelError');
      expect(err.message).toContain('Received server error (500) from primary with message "boom: model exploded"');
      expect(err.message).toContain('fraud-endpoint');
      expect(err.detail).toBe('The model answered HTTP status 500.');
      expect(err.entry.http).toBe(424);
    } finally {
      await backend.close();
    }
  });

  it('maps HTTP 4xx to a client ModelError', async () => {
    await using container = await InferenceContainer.start({ status: 415, errorBody: 'unsupported content type' });
    const backend = new ContainerBackend(container.url);
    try {
      const err = await rejection(backend.invokeEndpoint('ep', csv('1'), ctx()));
      expect(err.serviceCode).toBe('ModelError');
      expect(err.message).toContain('Received client error (415) from primary with message "unsupported content type"');
    } finally {
      await backend.close();
    }
  });

  it('maps connection refused to ServiceUnavailable naming the endpoint and URL', async () => {
    const container = await InferenceContainer.start();
    const url = container.url;
    await container.close();
    const backend = new ContainerBackend(url);
    try {
      const err = await rejection(backend.invokeEndpoint('gone-endpoint', csv('1'), ctx()));
      expect(err.code).toBe('ServiceUnavailable');
      expect(err.serviceCode).toBe('ServiceUnavailable');
      expect(err.message).toContain('gone-endpoint');
      expect(err.message).toContain(`${url}/invocations`);
      expect(err.message).toContain('ECONNREFUSED');
    } finally {
      await backend.close();
    }
  });

  it('gives up at the caller deadline with InferenceTimeout', async () => {
    await using container = await InferenceContainer.start({ delayMs: 3_000 });
    const backend = new ContainerBackend(container.url);
    try {
      const started = Date.now();
      const err = await rejection(backend.invokeEndpoint('slow', csv('1'), ctx(150)));
      const elapsed = Date.now() - started;
      expect(err.code).toBe('InferenceTimeout');
      expect(err.serviceCode).toBeUndefined();
      expect(err.message).toContain('slow');
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1_000);
    } finally {
      await backend.close();
    }
  });

  it("caps the deadline at SageMaker's model limit, reported as ModelError", async () => {
    await using container = await InferenceContainer.start({ delayMs: 3_000 });
    const backend = new ContainerBackend(container.url, { modelTimeoutMs: 100 });
    try {
      const err = await rejection(backend.invokeEndpoint('slow', csv('1'), ctx(10_000)));
      expect(err.code).toBe('InferenceTimeout');
      expect(err.serviceCode).toBe('ModelError');
      expect(err.message).toContain('timed out while waiting for a response from container primary');
    } finally {
      await backend.close();
    }
  });

  it('stops at once when the statement is canceled', async () => {
    await using container = await InferenceContainer.start({ delayMs: 3_000 });
    const backend = new ContainerBackend(container.url);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const err = await rejection(backend.invokeEndpoint('ep', csv('1'), ctx(10_000, controller.signal)));
      expect(err.code).toBe('QueryCanceled');
      expect(err.message).toBe('canceling statement due to user request');
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await backend.close();
    }
  });

  it('sends nothing when already canceled', async () => {
    await using container = await InferenceContainer.start();
    const backend = new ContainerBackend(container.url);
    try {
      const err = await rejection(backend.invokeEndpoint('ep', csv('1'), ctx(5_000, AbortSignal.abort())));
      expect(err.code).toBe('QueryCanceled');
      expect(container.invocations).toHaveLength(0);
    } finally {
      await backend.close();
    }
  });

  it('rejects a body over 6,291,456 bytes before sending it, and accepts one at the limit', async () => {
    await using container = await InferenceContainer.start({ handler: () => ['ok'] });
    const backend = new ContainerBackend(container.url);
    try {
      const err = await rejection(backend.invokeEndpoint('ep', csv('x'.repeat(6_291_457)), ctx()));
      expect(err.code).toBe('PayloadTooLarge');
      expect(err.serviceCode).toBe('ValidationError');
      expect(err.message).toContain('6291456');
      expect(container.invocations).toHaveLength(0);
      const res = await backend.invokeEndpoint('ep', csv('x'.repeat(6_291_456)), ctx());
      expect(res.body.toString()).toBe('ok');
      expect(container.invocations[0]?.body.length).toBe(6_291_456);
    } finally {
      await backend.close();
    }
  });

  it('refuses a response over the limit as a ModelError', async () => {
    await using container = await InferenceContainer.start({ handler: () => ['y'.repeat(6_291_457)] });
    const backend = new ContainerBackend(container.url);
    try {
      const err = await rejection(backend.invokeEndpoint('ep', csv('1'), ctx()));
      expect(err.code).toBe('ServiceFailure');
      expect(err.serviceCode).toBe('ModelError');
      expect(err.message).toContain('exceeds the 6291456-byte');
    } finally {
      await backend.close();
    }
  });

  it('pings the container', async () => {
    await using container = await InferenceContainer.start();
    const backend = new ContainerBackend(container.url);
    try {
      expect(await backend.ping(ctx())).toBe(true);
      container.set({ pingStatus: 503 });
      expect(await backend.ping(ctx())).toBe(false);
      expect(container.requests.filter((r) => r.path === '/ping')).toHaveLength(2);
      await container.close();
      expect(await backend.ping(ctx())).toBe(false);
      expect((await rejection(backend.ping(ctx(5_000, AbortSignal.abort())))).code).toBe('QueryCanceled');
    } finally {
      await backend.close();
    }
  });

  it('rejects a URL that is not http', () => {
    expect(() => new ContainerBackend('ftp://example.com')).toThrow(EmulatorError);
    expect(() => new ContainerBackend('not a url')).toThrow(/Invalid inference container URL/);
  });
});

describe('SageMaker module backend', () => {
  it('calls a TypeScript module exporting invoke and uses its content type', async () => {
    const backend = new ModuleBackend(path.join(fixtures, 'sagemaker-model.ts'));
    const res = await backend.invokeEndpoint('double', csv('1,2\n3,4\n', 'text/csv'), ctx());
    expect(res.body.toString()).toBe('2,4\n6,8');
    expect(res.contentType).toBe('text/csv');
  });

  it('calls a default export, with a string body for text and a Buffer otherwise', async () => {
    const backend = new ModuleBackend('sagemaker-default-model.mjs', { baseDir: fixtures });
    const text = await backend.invokeEndpoint('d', csv('abc'), ctx());
    expect(text.body.toString()).toBe('string:text/csv:text/csv:3');
    expect(text.contentType).toBe('text/csv');
    const binary = await backend.invokeEndpoint(
      'd',
      { body: Buffer.from([1, 2, 3, 4]), contentType: 'application/octet-stream', accept: '*/*' },
      ctx(),
    );
    expect(binary.body.toString()).toBe('object:application/octet-stream:*/*:4');
    expect(binary.contentType).toBe('application/octet-stream');
  });

  it("maps the module's exception to ModelError with its message", async () => {
    const backend = new ModuleBackend(path.join(fixtures, 'sagemaker-model.ts'));
    const err = await rejection(backend.invokeEndpoint('double', csv('1\nfail\n'), ctx()));
    expect(err.code).toBe('ServiceFailure');
    expect(err.serviceCode).toBe('ModelError');
    expect(err.message).toContain('model rejected the input (content type text/csv)');
    expect(err.message).toContain('double');
  });

  it('reports a module without a model function, or a missing file, as ServiceUnavailable', async () => {
    const noInvoke = new ModuleBackend(path.join(fixtures, 'sagemaker-no-invoke.mjs'));
    const err = await rejection(noInvoke.invokeEndpoint('m', csv('1'), ctx()));
    expect(err.code).toBe('ServiceUnavailable');
    expect(err.message).toContain('exports no invoke function');
    const missing = new ModuleBackend(path.join(fixtures, 'does-not-exist.ts'));
    const err2 = await rejection(missing.invokeEndpoint('m', csv('1'), ctx()));
    expect(err2.code).toBe('ServiceUnavailable');
    expect(err2.message).toContain('does-not-exist.ts');
  });

  it('enforces the payload limit', async () => {
    const backend = new ModuleBackend(path.join(fixtures, 'sagemaker-model.ts'));
    const err = await rejection(backend.invokeEndpoint('double', csv('1'.repeat(6_291_457)), ctx()));
    expect(err.code).toBe('PayloadTooLarge');
  });
});

describe('SageMaker demo endpoints', () => {
  const echo = new BuiltinModelBackend('echo');
  const score = new BuiltinModelBackend('score');
  const fraud = new BuiltinModelBackend('fraud');
  const lines = async (backend: BuiltinModelBackend, body: string): Promise<string[]> =>
    (await backend.invokeEndpoint('demo', csv(body), ctx())).body.toString().split('\n');

  it('echo joins each line’s fields, one output line per input line', async () => {
    expect(await lines(echo, 'hello,world\n\n"a,b",c\n')).toEqual(['hello world', '', '"a,b c"']);
  });

  it('score is deterministic, in [0, 1], and rises with the numeric fields', async () => {
    const body = 'alice,1\nalice,5\nbob,1\n';
    const first = await lines(score, body);
    expect(await lines(score, body)).toEqual(first);
    const values = first.map(Number);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(values[1]).toBeGreaterThan(values[0] ?? 1);
    expect(values[2]).not.toBe(values[0]);
  });

  it('fraud reads the seed JSON payload and CSV fields alike', async () => {
    const payload = JSON.stringify({ amount: 25, merchant: 'Corner Cafe', location: 'Seattle' });
    const quoted = `"${payload.replaceAll('"', '""')}"`;
    const [fromJson, fromCsv] = await lines(fraud, `${quoted}\n25,Corner Cafe,Seattle\n`);
    expect(fromJson).toBe(fromCsv);
    const p = Number(fromJson);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.5);
  });

  it('fraud is deterministic and rises with amount and risky merchants', async () => {
    const body = '10,Shop,Paris\n10000,Shop,Paris\n10,Offshore Crypto Casino,Paris\n';
    const first = (await lines(fraud, body)).map(Number);
    expect((await lines(fraud, body)).map(Number)).toEqual(first);
    const [small, large, risky] = first;
    expect(large).toBeGreaterThan(small ?? 1);
    expect(risky).toBeGreaterThan(small ?? 1);
  });

  it('answers JSON input with JSON output', async () => {
    const res = await score.invokeEndpoint(
      'demo',
      json([
        ['x', 1],
        ['x', 2],
      ]),
      ctx(),
    );
    expect(res.contentType).toBe('application/json');
    const out = JSON.parse(res.body.toString()) as number[];
    expect(out).toHaveLength(2);
    expect(out[1]).toBeGreaterThan(out[0] ?? 1);
  });

  it('reports bad input as a ModelError, like a container would', async () => {
    const err = await rejection(fraud.invokeEndpoint('demo-fraud', csv('{"amount": oops}'), ctx()));
    expect(err.serviceCode).toBe('ModelError');
    expect(err.message).toContain('Received client error (400)');
    const err2 = await rejection(
      echo.invokeEndpoint('demo-echo', { body: Buffer.from('x'), contentType: 'image/png', accept: 'text/csv' }, ctx()),
    );
    expect(err2.message).toContain('Received client error (415)');
  });

  it('honours cancellation', async () => {
    const err = await rejection(echo.invokeEndpoint('demo-echo', csv('x'), ctx(5_000, AbortSignal.abort())));
    expect(err.code).toBe('QueryCanceled');
  });
});

describe('SageMaker router', () => {
  const account = { accountId: '123456789012', region: 'us-east-1' };

  it('rejects an unknown endpoint the way SageMaker does', async () => {
    const router = new SageMakerRouter({}, account);
    const err = await rejection(router.invokeEndpoint('nope', csv('1'), ctx()));
    expect(err.code).toBe('EndpointNotFound');
    expect(err.serviceCode).toBe('ValidationError');
    expect(err.message).toBe('Endpoint nope of account 123456789012 not found.');
  });

  it('routes configured endpoints and the demo endpoints', async () => {
    await using container = await InferenceContainer.start({ handler: (ls) => ls.map(() => '0.5') });
    const router = new SageMakerRouter(
      {
        'my-container': { kind: 'container', url: container.url },
        'my-module': { kind: 'module', path: path.join(fixtures, 'sagemaker-model.ts') },
        'my-score': { kind: 'builtin', model: 'score' },
      },
      account,
    );
    try {
      expect((await router.invokeEndpoint('my-container', csv('a\nb'), ctx())).body.toString()).toBe('0.5\n0.5');
      expect((await router.invokeEndpoint('my-module', csv('21'), ctx())).body.toString()).toBe('42');
      const viaConfig = await router.invokeEndpoint('my-score', csv('x,1'), ctx());
      const viaDemo = await router.invokeEndpoint('demo-score', csv('x,1'), ctx());
      expect(viaConfig.body.toString()).toBe(viaDemo.body.toString());
      expect((await router.invokeEndpoint('demo-echo', csv('a,b'), ctx())).body.toString()).toBe('a b');
      expect(router.endpointNames).toEqual(expect.arrayContaining(['demo-echo', 'demo-score', 'demo-fraud', 'my-container']));
    } finally {
      await router.close();
    }
  });

  it('lets configuration replace or disable the demo endpoints', async () => {
    const replaced = new SageMakerRouter({ 'demo-echo': { kind: 'builtin', model: 'score' } }, account);
    const out = Number((await replaced.invokeEndpoint('demo-echo', csv('x,1'), ctx())).body.toString());
    expect(out).toBeGreaterThan(0);
    expect(out).toBeLessThan(1);
    const none = new SageMakerRouter({}, { ...account, demoEndpoints: false });
    expect(none.has('demo-echo')).toBe(false);
    expect((await rejection(none.invokeEndpoint('demo-echo', csv('x'), ctx()))).code).toBe('EndpointNotFound');
  });

  it('validates endpoint names and builds ARNs', () => {
    expect(() => new SageMakerRouter({ 'bad_name!': { kind: 'builtin', model: 'echo' } }, account)).toThrow(
      /Invalid SageMaker endpoint name/,
    );
    expect(
      () =>
        new SageMakerRouter(
          { Scorer: { kind: 'builtin', model: 'score' }, scorer: { kind: 'builtin', model: 'score' } },
          account,
        ),
    ).toThrow(/differ only in case/);
    const router = new SageMakerRouter({}, account);
    expect(router.endpointArn('My-Endpoint')).toBe('arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint');
  });
});

describe('CSV records', () => {
  it('parses quotes, escaped quotes, CRLF and empty lines', () => {
    expect(parseCsvRecords('a,"b,c","say ""hi"""\r\n\n1\n')).toEqual([['a', 'b,c', 'say "hi"'], [''], ['1']]);
    expect(parseCsvRecords('')).toEqual([['']]);
    expect(parseCsvRecords('"multi\nline",x')).toEqual([['multi\nline', 'x']]);
  });
});

describe('Bedrock built-in backend', () => {
  const bedrock = new BuiltinBedrockBackend();
  const invoke = async (modelId: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await bedrock.invokeModel(modelId, json(body), ctx());
    expect(res.contentType).toBe('application/json');
    return JSON.parse(res.body.toString()) as Record<string, unknown>;
  };
  const embedding = async (text: string): Promise<number[]> =>
    (await invoke('amazon.titan-embed-text-v2:0', { inputText: text })).embedding as number[];

  it('answers Titan Text', async () => {
    const out = await invoke('amazon.titan-text-express-v1', { inputText: 'Summarize: the cat sat on the mat.' });
    expect(out.inputTextTokenCount).toBe(9);
    const [result] = out.results as { tokenCount: number; outputText: string; completionReason: string }[];
    expect(result?.outputText).toContain('the cat sat on the mat');
    expect(result?.completionReason).toBe('FINISH');
    expect(result?.tokenCount).toBeGreaterThan(0);
    const short = await invoke('amazon.titan-text-lite-v1', { inputText: 'hello', textGenerationConfig: { maxTokenCount: 3 } });
    expect(short.results).toEqual([expect.objectContaining({ tokenCount: 3, completionReason: 'LENGTH' })]);
  });

  it('is deterministic: equal requests give byte-equal responses', async () => {
    const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, messages: [{ role: 'user', content: 'Hi there' }] };
    const a = await bedrock.invokeModel('anthropic.claude-3-haiku-20240307-v1:0', json(body), ctx());
    const b = await bedrock.invokeModel('anthropic.claude-3-haiku-20240307-v1:0', json(body), ctx());
    expect(a.body.equals(b.body)).toBe(true);
  });

  it('answers Titan embeddings v1 and v2 with their dimensions, unit length', async () => {
    const v1 = await invoke('amazon.titan-embed-text-v1', { inputText: 'hello world' });
    const e1 = v1.embedding as number[];
    expect(e1).toHaveLength(1536);
    expect(v1.inputTextTokenCount).toBe(2);
    expect(Math.hypot(...e1)).toBeCloseTo(1, 5);
    expect(await embedding('hello world')).toHaveLength(1024);
    const small = await invoke('amazon.titan-embed-text-v2:0', {
      inputText: 'hello',
      dimensions: 256,
      embeddingTypes: ['float', 'binary'],
    });
    expect(small.embedding).toHaveLength(256);
    expect((small.embeddingsByType as { binary: number[] }).binary.every((b) => b === 0 || b === 1)).toBe(true);
    const raw = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'hello hello hello', normalize: false });
    expect(Math.hypot(...(raw.embedding as number[]))).toBeGreaterThan(1.5);
  });

  it('gives similar texts a higher cosine similarity than unrelated ones', async () => {
    const base = await embedding('The customer was charged twice for the same order');
    const similar = await embedding('Customer charged twice for one order');
    const unrelated = await embedding('Quarterly weather report for the northern mountains');
    expect(cosineSimilarity(base, similar)).toBeGreaterThan(0.5);
    expect(cosineSimilarity(base, similar)).toBeGreaterThan(cosineSimilarity(base, unrelated) + 0.3);
    expect(await embedding('The customer was charged twice for the same order')).toEqual(base);
  });

  it('answers Cohere Embed with one 1024-value vector per text', async () => {
    const out = await invoke('cohere.embed-english-v3', { texts: ['one', 'two', 'three'], input_type: 'search_document' });
    const vectors = out.embeddings as number[][];
    expect(vectors).toHaveLength(3);
    expect(vectors.every((v) => v.length === 1024)).toBe(true);
    expect(out.response_type).toBe('embeddings_floats');
    const err = await rejection(bedrock.invokeModel('cohere.embed-multilingual-v3', json({ texts: ['x'] }), ctx()));
    expect(err.serviceCode).toBe('ValidationException');
    expect(err.message).toContain('required key [input_type] not found');
  });

  it('answers Anthropic Messages, also through inference profiles and ARNs', async () => {
    const body = {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 200,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is Aurora ML?' }] }],
    };
    const out = await invoke('anthropic.claude-3-5-sonnet-20240620-v1:0', body);
    expect(out).toMatchObject({
      type: 'message',
      role: 'assistant',
      stop_reason: 'end_turn',
      stop_sequence: null,
      model: 'claude-3-5-sonnet-20240620',
    });
    expect(String(out.id)).toMatch(/^msg_bdrk_[0-9a-f]{24}$/);
    const [block] = out.content as { type: string; text: string }[];
    expect(block?.type).toBe('text');
    expect(block?.text).toContain('What is Aurora ML?');
    expect(out.usage).toEqual({ input_tokens: 8, output_tokens: expect.any(Number) });
    const profile = await invoke('us.anthropic.claude-3-5-sonnet-20240620-v1:0', body);
    expect(profile.content).toEqual(out.content);
    const arn = await invoke('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0', body);
    expect(arn.content).toEqual(out.content);
    const limited = await invoke('anthropic.claude-3-haiku-20240307-v1:0', { ...body, max_tokens: 2 });
    expect(limited).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 2 } });
    const stopped = await invoke('anthropic.claude-3-haiku-20240307-v1:0', { ...body, stop_sequences: ['prompt'] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'prompt' });
  });

  it('requires the Messages fields with Bedrock wording', async () => {
    const err = await rejection(
      bedrock.invokeModel('anthropic.claude-3-haiku-20240307-v1:0', json({ max_tokens: 10, messages: [] }), ctx()),
    );
    expect(err.code).toBe('InvalidArgument');
    expect(err.serviceCode).toBe('ValidationException');
    expect(err.message).toBe(
      'Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.',
    );
  });

  it('answers Meta Llama', async () => {
    const out = await invoke('meta.llama3-8b-instruct-v1:0', {
      prompt: '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nName three colors<|eot_id|>',
      max_gen_len: 128,
    });
    expect(out.generation).toContain('"Name three colors"');
    expect(out.stop_reason).toBe('stop');
    expect(out.prompt_token_count).toBeGreaterThan(3);
    expect(out.generation_token_count).toBeGreaterThan(0);
  });

  it('answers Mistral text and chat', async () => {
    const out = await invoke('mistral.mistral-7b-instruct-v0:2', { prompt: '<s>[INST] Say hi [/INST]', max_tokens: 50 });
    const [first] = out.outputs as { text: string; stop_reason: string }[];
    expect(first?.text).toContain('"Say hi"');
    expect(first?.stop_reason).toBe('stop');
    const chat = await invoke('mistral.mistral-large-2407-v1:0', { messages: [{ role: 'user', content: 'Say hi' }] });
    expect(chat).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
    });
  });

  it('answers Cohere Command', async () => {
    const out = await invoke('cohere.command-text-v14', { prompt: 'Write a haiku', max_tokens: 5 });
    expect(out.generations).toEqual([expect.objectContaining({ finish_reason: 'MAX_TOKENS' })]);
    const chat = await invoke('cohere.command-r-v1:0', { message: 'Hello' });
    expect(chat).toMatchObject({
      finish_reason: 'COMPLETE',
      chat_history: [{ role: 'USER', message: 'Hello' }, { role: 'CHATBOT' }],
    });
  });

  it('rejects unknown models, bad JSON, bad content types and oversized bodies', async () => {
    const unknown = await rejection(bedrock.invokeModel('acme.super-model-v1', json({}), ctx()));
    expect(unknown.code).toBe('EndpointNotFound');
    expect(unknown.serviceCode).toBe('ResourceNotFoundException');
    expect(unknown.message).toContain('acme.super-model-v1');
    const bad = await rejection(
      bedrock.invokeModel(
        'amazon.titan-text-express-v1',
        { body: Buffer.from('{not json'), contentType: 'application/json', accept: 'application/json' },
        ctx(),
      ),
    );
    expect(bad.code).toBe('InvalidArgument');
    expect(bad.serviceCode).toBe('ValidationException');
    const notObject = await rejection(bedrock.invokeModel('amazon.titan-text-express-v1', json([1, 2]), ctx()));
    expect(notObject.serviceCode).toBe('ValidationException');
    const type = await rejection(
      bedrock.invokeModel('amazon.titan-text-express-v1', json({ inputText: 'x' }, 'text/plain'), ctx()),
    );
    expect(type.serviceCode).toBe('ValidationException');
    const dims = await rejection(
      bedrock.invokeModel('amazon.titan-embed-text-v2:0', json({ inputText: 'x', dimensions: 100 }), ctx()),
    );
    expect(dims.message).toContain('#/dimensions');
    const big = Buffer.alloc(25_000_001, 0x20);
    const large = await rejection(
      bedrock.invokeModel(
        'amazon.titan-text-express-v1',
        { body: big, contentType: 'application/json', accept: 'application/json' },
        ctx(),
      ),
    );
    expect(large.code).toBe('PayloadTooLarge');
    expect(large.serviceCode).toBe('ValidationException');
  });

  it('honours cancellation and the deadline', async () => {
    const canceled = await rejection(
      bedrock.invokeModel('meta.llama3-8b-instruct-v1:0', json({ prompt: 'x' }), ctx(5_000, AbortSignal.abort())),
    );
    expect(canceled.code).toBe('QueryCanceled');
    const late = await rejection(
      bedrock.invokeModel('meta.llama3-8b-instruct-v1:0', json({ prompt: 'x' }), {
        deadline: Date.now() - 1,
        signal: new AbortController().signal,
      }),
    );
    expect(late.code).toBe('InferenceTimeout');
  });
});
