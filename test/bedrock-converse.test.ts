/**
 * Bedrock Runtime Converse and ConverseStream on the API port, driven by the
 * real SDKs (AWS SDK v3 for JavaScript, and boto3 in a python3 child): the
 * reply is the text InvokeModel gives for the same prompt on the same model,
 * the backend call lands in the call log, an injected fault and a bad body
 * come back as Bedrock's own exceptions.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  InvokeModelCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMMY } from './helpers/control-api.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

const run = promisify(execFile);

const TITAN = 'amazon.titan-text-express-v1';
const CLAUDE = 'anthropic.claude-3-haiku-20240307-v1:0';
const LLAMA = 'meta.llama3-8b-instruct-v1:0';
const PROMPT = 'Summarise the quarterly report for the board in two sentences please.';

/** The exception a call failed with: the SDK's name and the HTTP status. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode ?? 0, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** Runs a boto3 bedrock-runtime call in python3; the script prints one JSON line. */
async function boto3(api: string, script: string): Promise<Record<string, unknown>> {
  const program = [
    'import boto3, json, sys',
    'from botocore.config import Config',
    `client = boto3.client('bedrock-runtime', endpoint_url=${JSON.stringify(api)}, region_name='us-east-1',`,
    "    aws_access_key_id='x', aws_secret_access_key='y', config=Config(retries={'total_max_attempts': 1}))",
    script,
  ].join('\n');
  const { stdout } = await run('python3', ['-c', program], { timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

function textOf(out: ConverseCommandOutput): string {
  return out.output?.message?.content?.map((block) => block.text ?? '').join('') ?? '';
}

describe('Bedrock Converse on the API port', () => {
  let emu: TestEmulator;
  let api: string;
  let bedrock: BedrockRuntimeClient;

  const invokeJson = async (modelId: string, body: unknown): Promise<Record<string, unknown>> => {
    const out = await bedrock.send(
      new InvokeModelCommand({ modelId, contentType: 'application/json', body: JSON.stringify(body) }),
    );
    return JSON.parse(Buffer.from(out.body).toString('utf8')) as Record<string, unknown>;
  };
  const titanInvokeText = async (prompt: string): Promise<string> => {
    const out = (await invokeJson(TITAN, { inputText: prompt })) as { results: { outputText: string }[] };
    return out.results[0]?.outputText ?? '';
  };
  const patchControls = async (patch: unknown): Promise<void> => {
    const res = await fetch(`${api}/_aurora-ml/backends`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(patch),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    emu = await startTestEmulator();
    api = emu.emulator.api.url;
    bedrock = new BedrockRuntimeClient({ endpoint: api, region: 'us-east-1', credentials: DUMMY, maxAttempts: 1 });
  });

  afterAll(async () => {
    bedrock?.destroy();
    await emu?.[Symbol.asyncDispose]();
  });

  it('answers in the Converse shape with the text InvokeModel gives for the same prompt (Titan Text)', async () => {
    const out = await bedrock.send(
      new ConverseCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: PROMPT }] }] }),
    );
    expect(out.output?.message?.role).toBe('assistant');
    expect(out.output?.message?.content).toHaveLength(1);
    expect(textOf(out)).toBe(await titanInvokeText(PROMPT));
    expect(textOf(out)).toContain('Summarise the quarterly report');
    expect(out.stopReason).toBe('end_turn');
    const usage = out.usage;
    expect(usage?.inputTokens).toBeGreaterThan(0);
    expect(usage?.outputTokens).toBeGreaterThan(0);
    expect(usage?.totalTokens).toBe((usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0));
    expect(typeof out.metrics?.latencyMs).toBe('number');
  });

  it('carries system, maxTokens and stopSequences to the model as InvokeModel would (Claude, Llama)', async () => {
    const claude = await bedrock.send(
      new ConverseCommand({
        modelId: CLAUDE,
        system: [{ text: 'You are terse.' }],
        messages: [{ role: 'user', content: [{ text: PROMPT }] }],
        inferenceConfig: { maxTokens: 5, temperature: 0.2, topP: 0.9 },
      }),
    );
    const native = (await invokeJson(CLAUDE, {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 5,
      system: 'You are terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }],
    })) as { content: { text: string }[]; usage: { input_tokens: number; output_tokens: number } };
    expect(textOf(claude)).toBe(native.content[0]?.text);
    expect(claude.stopReason).toBe('max_tokens');
    expect(claude.usage).toMatchObject({ inputTokens: native.usage.input_tokens, outputTokens: 5 });

    const stopped = await bedrock.send(
      new ConverseCommand({
        modelId: CLAUDE,
        messages: [{ role: 'user', content: [{ text: PROMPT }] }],
        inferenceConfig: { stopSequences: ['quarterly'] },
      }),
    );
    expect(stopped.stopReason).toBe('stop_sequence');
    expect(textOf(stopped)).not.toContain('quarterly');

    const llama = await bedrock.send(
      new ConverseCommand({ modelId: LLAMA, messages: [{ role: 'user', content: [{ text: PROMPT }] }] }),
    );
    const llamaNative = (await invokeJson(LLAMA, { prompt: PROMPT })) as { generation: string };
    expect(textOf(llama)).toBe(llamaNative.generation);
  });

  it('a multi-turn conversation is answered from its last user message', async () => {
    const out = await bedrock.send(
      new ConverseCommand({
        modelId: CLAUDE,
        messages: [
          { role: 'user', content: [{ text: 'First question about apples.' }] },
          { role: 'assistant', content: [{ text: 'Apples are fruit.' }] },
          { role: 'user', content: [{ text: 'Second question about pears.' }] },
        ],
      }),
    );
    expect(textOf(out)).toContain('Second question about pears.');
    expect(textOf(out)).not.toContain('apples');
  });

  it('boto3 converse gets the same answer and shape', async () => {
    const out = await boto3(
      api,
      [
        `r = client.converse(modelId=${JSON.stringify(TITAN)}, messages=[{'role': 'user', 'content': [{'text': ${JSON.stringify(PROMPT)}}]}],`,
        "    inferenceConfig={'maxTokens': 200, 'temperature': 0.5})",
        "print(json.dumps({'role': r['output']['message']['role'], 'text': r['output']['message']['content'][0]['text'],",
        "    'stopReason': r['stopReason'], 'usage': r['usage'], 'latency': r['metrics']['latencyMs']}))",
      ].join('\n'),
    );
    expect(out.role).toBe('assistant');
    expect(out.text).toBe(await titanInvokeText(PROMPT));
    expect(out.stopReason).toBe('end_turn');
    const usage = out.usage as { inputTokens: number; outputTokens: number; totalTokens: number };
    expect(usage.totalTokens).toBe(usage.inputTokens + usage.outputTokens);
    expect(typeof out.latency).toBe('number');
  });

  it('ConverseStream streams the same text in Bedrock events, to the JavaScript SDK and to boto3', async () => {
    const whole = textOf(
      await bedrock.send(new ConverseCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: PROMPT }] }] })),
    );
    const out = await bedrock.send(
      new ConverseStreamCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: PROMPT }] }] }),
    );
    const kinds: string[] = [];
    let text = '';
    let stopReason: string | undefined;
    let totalTokens: number | undefined;
    for await (const event of out.stream ?? []) {
      const kind = Object.keys(event).find((k) => (event as unknown as Record<string, unknown>)[k] !== undefined) ?? '?';
      if (kinds.at(-1) !== kind) kinds.push(kind);
      text += event.contentBlockDelta?.delta?.text ?? '';
      stopReason = event.messageStop?.stopReason ?? stopReason;
      totalTokens = event.metadata?.usage?.totalTokens ?? totalTokens;
    }
    expect(kinds).toEqual(['messageStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    expect(text).toBe(whole);
    expect(stopReason).toBe('end_turn');
    expect(totalTokens).toBeGreaterThan(0);

    const py = await boto3(
      api,
      [
        `r = client.converse_stream(modelId=${JSON.stringify(TITAN)}, messages=[{'role': 'user', 'content': [{'text': ${JSON.stringify(PROMPT)}}]}])`,
        "text, kinds = '', []",
        "for event in r['stream']:",
        '    kinds.append(list(event.keys())[0])',
        "    text += event.get('contentBlockDelta', {}).get('delta', {}).get('text', '')",
        "print(json.dumps({'text': text, 'kinds': sorted(set(kinds))}))",
      ].join('\n'),
    );
    expect(py.text).toBe(whole);
    expect(py.kinds).toEqual(['contentBlockDelta', 'contentBlockStop', 'messageStart', 'messageStop', 'metadata']);
  });

  it('records the backend call in the call log', async () => {
    await fetch(`${api}/_aurora-ml/calls`, { method: 'DELETE' });
    await bedrock.send(new ConverseCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: PROMPT }] }] }));
    const res = await fetch(`${api}/_aurora-ml/calls?service=bedrock`);
    const { calls } = (await res.json()) as { calls: { target: string; outcome: string; batchSize: number }[] };
    expect(calls.map((c) => [c.target, c.outcome, c.batchSize])).toEqual([[TITAN, 'ok', 1]]);
  });

  it('an injected fault comes back as Bedrock ThrottlingException, to both SDKs', async () => {
    await patchControls({
      bedrock: {
        targets: { [TITAN]: { faults: { queue: ['ThrottlingException', 'ThrottlingException', 'ThrottlingException'] } } },
      },
    });
    try {
      const js = await failure(
        bedrock.send(new ConverseCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: PROMPT }] }] })),
      );
      expect(js).toMatchObject({ name: 'ThrottlingException', status: 429 });
      const stream = await failure(
        bedrock.send(new ConverseStreamCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: PROMPT }] }] })),
      );
      expect(stream).toMatchObject({ name: 'ThrottlingException', status: 429 });
      const py = await boto3(
        api,
        [
          'try:',
          `    client.converse(modelId=${JSON.stringify(TITAN)}, messages=[{'role': 'user', 'content': [{'text': 'hi'}]}])`,
          "    print(json.dumps({'code': None}))",
          'except client.exceptions.ThrottlingException as e:',
          "    print(json.dumps({'code': e.response['Error']['Code'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}))",
        ].join('\n'),
      );
      expect(py).toEqual({ code: 'ThrottlingException', status: 429 });
      // The queue is spent: the next call is answered.
      const ok = await bedrock.send(
        new ConverseCommand({ modelId: TITAN, messages: [{ role: 'user', content: [{ text: PROMPT }] }] }),
      );
      expect(textOf(ok)).toBe(await titanInvokeText(PROMPT));
    } finally {
      await patchControls({ bedrock: { targets: { [TITAN]: null } } });
    }
  });

  it('a malformed body is a ValidationException, an unknown model what InvokeModel says', async () => {
    const raw = await fetch(`${api}/model/${TITAN}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"messages": [',
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(((await raw.json()) as { message: string }).message).toMatch(/JSON/);

    const noOperation = await fetch(`${api}/model/${TITAN}/constructor`, { method: 'POST', body: '{}' });
    expect(noOperation.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');

    const notArray = await fetch(`${api}/model/${TITAN}/converse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: { role: 'user' } }),
    });
    expect(notArray.status).toBe(400);
    expect(notArray.headers.get('x-amzn-errortype')).toBe('ValidationException');

    const assistantFirst = await failure(
      bedrock.send(new ConverseCommand({ modelId: TITAN, messages: [{ role: 'assistant', content: [{ text: 'hello' }] }] })),
    );
    expect(assistantFirst).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(assistantFirst.message).toMatch(/start with a user message/);

    const badConfig = await failure(
      bedrock.send(
        new ConverseCommand({
          modelId: TITAN,
          messages: [{ role: 'user', content: [{ text: 'hi' }] }],
          inferenceConfig: { maxTokens: 0 },
        }),
      ),
    );
    expect(badConfig).toMatchObject({ name: 'ValidationException', status: 400 });

    const embedding = await failure(
      bedrock.send(
        new ConverseCommand({ modelId: 'amazon.titan-embed-text-v2:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
      ),
    );
    expect(embedding).toMatchObject({ name: 'ValidationException', status: 400 });

    const unknownModel = 'acme.nonexistent-v1';
    const converse = await failure(
      bedrock.send(new ConverseCommand({ modelId: unknownModel, messages: [{ role: 'user', content: [{ text: 'hi' }] }] })),
    );
    const invoke = await failure(
      bedrock.send(new InvokeModelCommand({ modelId: unknownModel, body: JSON.stringify({ inputText: 'hi' }) })),
    );
    expect(converse).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(converse.message).toBe(invoke.message);
  });
});
