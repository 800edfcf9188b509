/**
 * Seeing what happened: backend calls made by SQL through the real PostgreSQL
 * front show up in emulator.observer, on GET /_aurora-ml/calls and in the
 * Prometheus text on /metrics, and the recording changes no result.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinBedrockBackend } from '../src/backends/bedrock/builtin.ts';
import { BuiltinComprehendBackend } from '../src/backends/comprehend/builtin.ts';
import { SageMakerRouter } from '../src/backends/sagemaker/router.ts';
import { EmulatorError } from '../src/errors.ts';
import { type CallEntry, CallLog, Observer } from '../src/observe/index.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

const REVIEWS = Array.from({ length: 30 }, (_, i) =>
  i % 3 === 0 ? `I loved visit number ${i}` : i % 3 === 1 ? `Visit ${i} was awful and slow` : `Visit ${i} happened on a Tuesday`,
);

let env: TestEmulator;
let container: InferenceContainer;

beforeAll(async () => {
  container = await InferenceContainer.start({ handler: (lines) => lines.map((l) => String(Number(l) * 2)) });
  env = await startTestEmulator({
    sagemakerEndpoints: {
      'double-endpoint': { kind: 'container', url: container.url },
      'broken-endpoint': { kind: 'container', url: container.url },
    },
  });
  const setup = await env.client();
  await setup.query('CREATE EXTENSION aws_ml CASCADE');
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
  await container?.close();
});

/** One Prometheus sample's value, by metric name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((l) => [l[1] as string, l[2] as string]),
    );
    const keys = Object.keys(labels);
    if (Object.keys(found).length === keys.length && keys.every((k) => found[k] === labels[k])) return Number(m[3]);
  }
  return undefined;
}

describe('backend calls made by SQL', () => {
  it('30 distinct sentiment calls are two BatchDetectSentiment calls of 25 and 5, with unchanged results', async () => {
    const observer = env.emulator.observer;
    observer.clear();
    const client = await env.client();
    const pid = ((await client.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
    const { rows } = await client.query<{ i: number; sentiment: string; confidence: number }>(
      `SELECT i, (s).sentiment, (s).confidence
         FROM (SELECT i, aws_comprehend.detect_sentiment(t, 'en') AS s
                 FROM unnest($1::text[]) WITH ORDINALITY AS r(t, i)) q
        ORDER BY i`,
      [REVIEWS],
    );

    expect(rows).toHaveLength(30);
    const calls = observer.calls({ service: 'comprehend' });
    expect(calls.map((c) => [c.operation, c.target, c.batchSize, c.outcome])).toEqual([
      ['BatchDetectSentiment', 'en', 25, 'ok'],
      ['BatchDetectSentiment', 'en', 5, 'ok'],
    ]);
    for (const call of calls) {
      expect(Date.parse(call.startedAt)).not.toBeNaN();
      expect(call.durationMs).toBeGreaterThanOrEqual(0);
      expect(call.retries).toBe(0);
      // The fronts do not hand the caller to backends yet; when they do, it must be this session.
      if (call.origin) expect(call.origin).toEqual({ front: 'postgres', connectionId: pid });
    }

    // The recorded path answers exactly what the backend answers when called directly.
    const direct = await new BuiltinComprehendBackend().detect('DetectSentiment', REVIEWS, 'en', {
      deadline: Date.now() + 10_000,
      signal: new AbortController().signal,
    });
    expect(rows.map((r) => r.sentiment)).toEqual(direct.map((d) => d.sentiment));
    for (const [i, r] of rows.entries()) {
      const d = direct[i];
      const score =
        d &&
        { POSITIVE: d.scores.Positive, NEGATIVE: d.scores.Negative, NEUTRAL: d.scores.Neutral, MIXED: d.scores.Mixed }[
          d.sentiment
        ];
      expect(Number(r.confidence)).toBeCloseTo(score ?? Number.NaN, 5);
    }
  });

  it('a SageMaker endpoint answering 500 is an error entry with its codes, and the SQL error is unchanged', async () => {
    const observer = env.emulator.observer;
    observer.clear();
    const client = await env.client();
    const ok = await client.query(`SELECT aws_sagemaker.invoke_endpoint('double-endpoint', NULL, 21) AS out`);
    expect(ok.rows).toEqual([{ out: '42' }]);

    container.set({ status: 500, errorBody: 'model exploded' });
    try {
      const failure = await client.query(`SELECT aws_sagemaker.invoke_endpoint('broken-endpoint', NULL, 1) AS out`).then(
        () => undefined,
        (err: Error & { code?: string }) => err,
      );
      expect(failure?.code).toBe('38000');
      expect(failure?.message).toContain('Received server error (500) from primary with message "model exploded"');
    } finally {
      container.set({ status: undefined });
    }

    const calls = observer.calls({ service: 'sagemaker' });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ operation: 'InvokeEndpoint', target: 'double-endpoint', batchSize: 1, outcome: 'ok' });
    expect(calls[1]).toMatchObject({
      operation: 'InvokeEndpoint',
      target: 'broken-endpoint',
      outcome: 'error',
      error: { code: 'ServiceFailure', serviceCode: 'ModelError' },
    });
    expect(calls[1]?.error?.message).toContain('model exploded');
    expect(observer.calls({ outcome: 'ModelError' })).toEqual([calls[1]]);
    expect(observer.calls({ outcome: 'ok', service: 'sagemaker' })).toEqual([calls[0]]);
  });

  it('a batch of SageMaker rows counts its CSV lines', async () => {
    const observer = env.emulator.observer;
    observer.clear();
    const client = await env.client();
    const { rows } = await client.query(
      `SELECT g, aws_sagemaker.invoke_endpoint('double-endpoint', 4, g)::int AS d FROM generate_series(1, 10) g ORDER BY g`,
    );
    expect(rows.map((r) => r.d)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    const sizes = observer.calls({ target: 'double-endpoint' }).map((c) => c.batchSize);
    expect(sizes.sort()).toEqual([2, 4, 4]);
  });
});

describe('GET and DELETE /_aurora-ml/calls', () => {
  it('serves the calls as JSON, filtered, and clears them', async () => {
    const observer = env.emulator.observer;
    observer.clear();
    const client = await env.client();
    const before = new Date();
    await client.query(`SELECT aws_sagemaker.invoke_endpoint('double-endpoint', NULL, 5) AS a`);
    await client.query(`SELECT (aws_comprehend.detect_sentiment('What a great day', 'en')).sentiment`);
    const base = `${env.emulator.api.url}/_aurora-ml/calls`;

    const res = await fetch(`${base}?service=sagemaker&since=${encodeURIComponent(before.toISOString())}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { calls: CallEntry[] };
    expect(body.calls).toEqual(observer.calls({ service: 'sagemaker' }));
    expect(body.calls.map((c) => [c.service, c.target, c.outcome])).toEqual([['sagemaker', 'double-endpoint', 'ok']]);

    const all = (await (await fetch(base)).json()) as { calls: CallEntry[] };
    expect(all.calls.map((c) => c.service)).toEqual(['sagemaker', 'comprehend']);
    const last = (await (await fetch(`${base}?limit=1`)).json()) as { calls: CallEntry[] };
    expect(last.calls.map((c) => c.service)).toEqual(['comprehend']);
    const one = await fetch(`${base}/${all.calls[0]?.id}`);
    expect(await one.json()).toEqual(all.calls[0]);
    const future = (await (await fetch(`${base}?since=${Date.now() + 60_000}`)).json()) as { calls: CallEntry[] };
    expect(future.calls).toEqual([]);

    const bad = await fetch(`${base}?service=polly`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('InvalidParameterValue');
    expect((await fetch(`${base}?endpiont=x`)).status).toBe(400);
    expect((await fetch(base, { method: 'PUT' })).status).toBe(405);

    const cleared = await fetch(base, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ cleared: 2 });
    expect(((await (await fetch(base)).json()) as { calls: CallEntry[] }).calls).toEqual([]);
    expect(observer.calls()).toEqual([]);
  });

  it('leaves every other request to the Query API', async () => {
    const res = await fetch(`${env.emulator.api.url}/?Action=ListRoles&Version=2010-05-08`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<ListRolesResponse');
  });
});

describe('GET /metrics', () => {
  it('counts requests by service, target and outcome, and times every call', async () => {
    const observer = env.emulator.observer;
    observer.resetMetrics();
    observer.clear();
    const client = await env.client();
    await client.query(`SELECT aws_sagemaker.invoke_endpoint('double-endpoint', NULL, g) FROM generate_series(1, 3) g`);
    container.set({ status: 503 });
    await client.query(`SELECT aws_sagemaker.invoke_endpoint('broken-endpoint', NULL, 1)`).catch(() => undefined);
    container.set({ status: undefined });
    await client.query(`SELECT (aws_comprehend.detect_sentiment(t, 'en')).sentiment FROM unnest(ARRAY['good', 'bad']) t`);

    const res = await fetch(`${env.emulator.api.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toBe(await observer.metricsText());
    const requests = 'aurora_ml_backend_requests_total';
    expect(sample(text, requests, { service: 'sagemaker', target: 'double-endpoint', outcome: 'ok' })).toBe(1);
    expect(sample(text, requests, { service: 'sagemaker', target: 'broken-endpoint', outcome: 'error' })).toBe(1);
    expect(sample(text, requests, { service: 'comprehend', target: 'en', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'aurora_ml_backend_errors_total', { service: 'sagemaker', code: 'ServiceFailure' })).toBe(1);

    const calls = observer.calls();
    expect(calls).toHaveLength(3);
    const latencyCount = (service: string, target: string) =>
      sample(text, 'aurora_ml_backend_latency_seconds_count', { service, target });
    expect((latencyCount('sagemaker', 'double-endpoint') ?? 0) + (latencyCount('sagemaker', 'broken-endpoint') ?? 0)).toBe(
      calls.filter((c) => c.service === 'sagemaker').length,
    );
    expect(latencyCount('comprehend', 'en')).toBe(calls.filter((c) => c.service === 'comprehend').length);
    expect(sample(text, 'aurora_ml_backend_batch_size_sum', { service: 'sagemaker' })).toBe(4);
    expect(sample(text, 'aurora_ml_backend_batch_size_sum', { service: 'comprehend' })).toBe(2);
    // The Aurora_ml_* counters are read at scrape time.
    expect(text).toContain(`aurora_ml_actual_requests ${env.emulator.stats.actualRequests}\n`);
  });
});

describe('Observer', () => {
  it('waitForCalls resolves once enough matching calls arrive, and times out saying how many it saw', async () => {
    const observer = env.emulator.observer;
    observer.clear();
    const waiting = observer.waitForCalls(2, { service: 'comprehend' }, 10_000);
    const client = await env.client();
    await client.query(`SELECT aws_comprehend.detect_dominant_language('Bonjour tout le monde')`);
    await client.query(`SELECT aws_comprehend.detect_key_phrases('The quick brown fox', 'en')`);
    const calls = await waiting;
    expect(calls.map((c) => [c.operation, c.target])).toEqual([
      ['BatchDetectDominantLanguage', 'auto'],
      ['BatchDetectKeyPhrases', 'en'],
    ]);
    await expect(observer.waitForCalls(1, { service: 'bedrock' }, 50)).rejects.toThrow(/0 of 1 calls/);
  });

  it('logs each call at debug level with service, target, batch, ms and outcome', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    );
    const observer = new Observer({ logger });
    const backends = observer.wrap({
      comprehend: new BuiltinComprehendBackend(),
      sagemaker: new SageMakerRouter({}, { accountId: '123456789012', region: 'us-east-1' }),
      bedrock: new BuiltinBedrockBackend(),
    });
    const ctx = { deadline: Date.now() + 10_000, signal: new AbortController().signal };
    await backends.comprehend.detect('DetectEntities', ['Alice lives in Paris'], 'en', ctx);
    const missing = await backends.sagemaker
      .invokeEndpoint('no-such-endpoint', { body: Buffer.from('1\n2\n'), contentType: 'text/csv', accept: 'text/csv' }, ctx)
      .catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(EmulatorError);
    expect(lines.map((l) => [l.msg, l.service, l.target, l.batch, l.outcome, typeof l.ms])).toEqual([
      ['backend call', 'comprehend', 'en', 1, 'ok', 'number'],
      ['backend call', 'sagemaker', 'no-such-endpoint', 2, 'error', 'number'],
    ]);
    expect(lines[1]?.code).toBe((missing as EmulatorError).code);
    expect(lines.every((l) => l.level === 20)).toBe(true);
  });

  it('two observers in one process keep their metrics apart', async () => {
    const a = new Observer();
    const b = new Observer();
    a.record({
      startedAt: new Date().toISOString(),
      durationMs: 2,
      service: 'bedrock',
      operation: 'InvokeModel',
      target: 'm',
      batchSize: 1,
      outcome: 'ok',
    });
    expect(await a.metricsText()).toContain('aurora_ml_backend_requests_total{service="bedrock",target="m",outcome="ok"} 1');
    expect(await b.metricsText()).not.toContain('target="m"');
  });

  it('the call log keeps only the newest entries once full', () => {
    const log = new CallLog(3);
    for (let i = 0; i < 5; i++) {
      log.record({
        startedAt: new Date(1_000 * i).toISOString(),
        durationMs: 1,
        service: 'sagemaker',
        operation: 'InvokeEndpoint',
        target: `e${i}`,
        batchSize: 1,
        outcome: 'ok',
      });
    }
    expect(log.query().map((e) => [e.id, e.target])).toEqual([
      [3, 'e2'],
      [4, 'e3'],
      [5, 'e4'],
    ]);
    expect(log.query({ since: 3_000, until: new Date(3_000) }).map((e) => e.target)).toEqual(['e3']);
    expect(log.clear()).toBe(3);
    expect(log.query()).toEqual([]);
  });
});
