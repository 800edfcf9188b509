/**
 * Backends switched while the emulator runs, through PUT and DELETE under
 * /_aurora-ml/backends/: SQL (through the PostgreSQL front) and the service
 * APIs see the new backend at once; and the call log shows how many retries
 * each SQL call needed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComprehendClient, DetectSentimentCommand } from '@aws-sdk/client-comprehend';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeBackends } from '../src/backends/compose.ts';
import { catalog } from '../src/errors.ts';
import { MlStats } from '../src/ml/stats.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

let env: TestEmulator;
let sql: pg.Client;
let dir: string;
let rulesFile: string;

const RULES = `
comprehend:
  sentiment:
    rules:
      - { text: "I love it", sentiment: NEGATIVE, score: 0.9 }
bedrock:
  models:
    amazon.titan-text-express-v1:
      default: { response: { results: [{ outputText: "from the rules file" }] } }
`;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${env.emulator.api.url}/_aurora-ml/backends${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

async function sentiment(text: string): Promise<string> {
  const { rows } = await sql.query(`SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment AS s`, [text]);
  return rows[0].s as string;
}

async function invokeModel(modelId: string, body: unknown): Promise<Record<string, unknown>> {
  const { rows } = await sql.query(`SELECT aws_bedrock.invoke_model($1, 'application/json', 'application/json', $2) AS out`, [
    modelId,
    JSON.stringify(body),
  ]);
  return JSON.parse(rows[0].out as string) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aurora-ml-runtime-'));
  rulesFile = join(dir, 'rules.yaml');
  await writeFile(rulesFile, RULES);
  env = await startTestEmulator({ apiListen: '127.0.0.1:0' });
  sql = await env.client();
  await sql.query('CREATE EXTENSION aws_ml CASCADE');
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
  await rm(dir, { recursive: true, force: true });
});

describe('backends switched at run time', () => {
  it('Comprehend switched to rules answers from the file on SQL and the SDK, and back to builtin', async () => {
    expect(await sentiment('I love it')).toBe('POSITIVE');
    const put = await api('PUT', '/comprehend', { kind: 'rules', rulesFile });
    expect(put.status).toBe(200);
    expect(await sentiment('I love it')).toBe('NEGATIVE');
    const comprehend = new ComprehendClient({
      endpoint: env.emulator.api.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const out = await comprehend.send(new DetectSentimentCommand({ Text: 'I love it', LanguageCode: 'en' }));
      expect(out.Sentiment).toBe('NEGATIVE');
      expect((await api('GET', '/comprehend')).json).toEqual({ kind: 'rules', rulesFile });
      expect((await api('PUT', '/comprehend', { kind: 'builtin' })).status).toBe(200);
      expect(await sentiment('I love it')).toBe('POSITIVE');
      const back = await comprehend.send(new DetectSentimentCommand({ Text: 'I love it', LanguageCode: 'en' }));
      expect(back.Sentiment).toBe('POSITIVE');
    } finally {
      comprehend.destroy();
    }
  });

  it('a bad spec is refused with 400 and the backend in effect stays', async () => {
    const noFile = await api('PUT', '/comprehend', { kind: 'rules' });
    expect(noFile.status).toBe(400);
    expect(noFile.json).toMatchObject({ error: { code: 'ValidationException', message: expect.stringContaining('rulesFile') } });
    const unknown = await api('PUT', '/sagemaker/endpoints/bad_name!', { kind: 'container', url: 'http://127.0.0.1:1' });
    expect(unknown.status).toBe(400);
    const badKind = await api('PUT', '/bedrock/models/amazon.titan*', { kind: 'oracle' });
    expect(badKind.status).toBe(400);
    expect(await sentiment('I love it')).toBe('POSITIVE');
  });

  it('a SageMaker endpoint added at run time answers SQL; deleted, it is not found', async () => {
    await using container = await InferenceContainer.start({ handler: (lines) => lines.map((l) => `scored ${l}`) });
    const put = await api('PUT', '/sagemaker/endpoints/churn-live', { kind: 'container', url: container.url });
    expect(put.status).toBe(200);
    const { rows } = await sql.query(`SELECT aws_sagemaker.invoke_endpoint('churn-live', NULL, 'a', 1) AS out`);
    expect(rows[0].out).toBe('scored a,1');
    expect(container.invocations.length).toBe(1);
    expect((await api('DELETE', '/sagemaker/endpoints/churn-live')).status).toBe(200);
    const err = await sql.query(`SELECT aws_sagemaker.invoke_endpoint('churn-live', NULL, 'a', 1)`).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe(catalog.EndpointNotFound.pg);
    expect((await api('DELETE', '/sagemaker/endpoints/churn-live')).status).toBe(404);
    const { rows: ok } = await sql.query('SELECT 1 AS one');
    expect(ok).toEqual([{ one: 1 }]);
  });

  it('a call already running when its endpoint is switched finishes on the old backend', async () => {
    await using slow = await InferenceContainer.start({ handler: (lines) => lines.map(() => 'old'), delayMs: 300 });
    await using fresh = await InferenceContainer.start({ handler: (lines) => lines.map(() => 'new') });
    expect((await api('PUT', '/sagemaker/endpoints/swap-me', { kind: 'container', url: slow.url })).status).toBe(200);
    const other = await env.client();
    const running = other.query(`SELECT aws_sagemaker.invoke_endpoint('swap-me', NULL, 'x') AS out`);
    while (slow.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect((await api('PUT', '/sagemaker/endpoints/swap-me', { kind: 'container', url: fresh.url })).status).toBe(200);
    const { rows: now } = await sql.query(`SELECT aws_sagemaker.invoke_endpoint('swap-me', NULL, 'x') AS out`);
    expect(now).toEqual([{ out: 'new' }]);
    expect((await running).rows).toEqual([{ out: 'old' }]);
    await api('DELETE', '/sagemaker/endpoints/swap-me');
  });

  it('a Bedrock route per model prefix: Titan text from rules, Anthropic still builtin', async () => {
    const route = encodeURIComponent('amazon.titan-text*');
    expect((await api('PUT', `/bedrock/models/${route}`, { kind: 'rules', rulesFile })).status).toBe(200);
    const titan = await invokeModel('amazon.titan-text-express-v1', { inputText: 'hello' });
    expect(titan).toEqual({ results: [{ outputText: 'from the rules file' }] });
    const claude = await invokeModel('anthropic.claude-3-haiku-20240307-v1:0', {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(claude.type).toBe('message');
    expect((await api('GET', '/selection')).json).toMatchObject({
      bedrock: { default: {}, models: { 'amazon.titan-text*': { kind: 'rules', rulesFile } } },
    });
    expect((await api('DELETE', `/bedrock/models/${route}`)).status).toBe(200);
    const builtin = await invokeModel('amazon.titan-text-express-v1', { inputText: 'hello' });
    expect(builtin.results).toEqual([expect.objectContaining({ completionReason: expect.any(String) })]);
  });

  it('the programmatic API switches the same way', async () => {
    env.emulator.backends.setComprehend({ kind: 'rules', rulesFile });
    expect(await sentiment('I love it')).toBe('NEGATIVE');
    env.emulator.backends.setComprehend({ kind: 'builtin' });
    expect(await sentiment('I love it')).toBe('POSITIVE');
    expect(() => env.emulator.backends.setEndpoint('x', { kind: 'rules' } as never)).toThrow(/needs file/);
  });
});

describe('Bedrock per model in the config', () => {
  it('an exact id beats a pattern, the longest pattern beats a shorter one, the service kind serves the rest', async () => {
    const composed = composeBackends(
      {
        bedrock: {
          kind: 'builtin',
          models: {
            'amazon.*': { kind: 'rules', rulesFile: join(dir, 'missing.yaml') },
            'amazon.titan-text*': { kind: 'rules', rulesFile },
            'amazon.titan-text-lite-v1': { kind: 'builtin' },
          },
        },
      },
      { stats: new MlStats(), accountId: '123456789012', region: 'us-east-1' },
    );
    const ctx = { deadline: Date.now() + 10_000, signal: new AbortController().signal };
    const invoke = async (modelId: string, body: unknown = { inputText: 'hi' }) => {
      const request = { body: Buffer.from(JSON.stringify(body)), contentType: 'application/json', accept: 'application/json' };
      const out = await composed.backends.bedrock.invokeModel(modelId, request, ctx);
      return JSON.parse(out.body.toString('utf8')) as { results?: { outputText: string }[] };
    };
    try {
      expect((await invoke('amazon.titan-text-express-v1')).results?.[0]?.outputText).toBe('from the rules file');
      expect((await invoke('amazon.titan-text-lite-v1')).results?.[0]?.outputText).not.toBe('from the rules file');
      await expect(invoke('amazon.nova-lite-v1:0')).rejects.toThrow(/missing\.yaml/);
      expect((await invoke('meta.llama3-8b-instruct-v1:0', { prompt: 'hi' })) as unknown).toHaveProperty('generation');
    } finally {
      await composed.close();
    }
  });
});

describe('retries per call', () => {
  it('two throttles then success: the SQL call succeeds and its call-log entry shows 2 retries', async () => {
    const patch = await api('PATCH', '', {
      comprehend: { faults: { queue: ['ThrottlingException', 'ThrottlingException'] } },
    });
    expect(patch.status).toBe(200);
    env.emulator.observer.clear();
    expect(await sentiment('retried call')).toBeTypeOf('string');
    const calls = env.emulator.observer.calls({ service: 'comprehend' });
    expect(calls.map((c) => [c.outcome, c.retries])).toEqual([['ok', 2]]);
    const served = await sentiment('a call with no faults');
    expect(served).toBeTypeOf('string');
    expect(env.emulator.observer.calls({ service: 'comprehend' }).map((c) => c.retries)).toEqual([2, 0]);
  });
});
