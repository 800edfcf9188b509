/**
 * The middleware layers: latency distribution and timing, capacity waits and
 * throttles, fault rates and queues, Aurora's retries counted in MlStats, and
 * runtime changes through the controls. Real backends throughout (demo
 * endpoints, rules files); only the settings differ.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../src/aws-error.ts';
import { type ComposeConfig, composeBackends } from '../src/backends/compose.ts';
import { sampleLatency } from '../src/backends/middleware/latency.ts';
import { seededRandom } from '../src/backends/middleware/random.ts';
import type { BedrockBackend, SageMakerBackend } from '../src/backends/types.ts';
import { MlStats } from '../src/ml/stats.ts';
import { ctx, failure } from './helpers/backend-contract.ts';

const csv = (text = '1,a\n') => ({ body: Buffer.from(text), contentType: 'text/csv', accept: 'text/csv' });

function compose(config: ComposeConfig, stats = new MlStats()) {
  const composed = composeBackends({ seed: 5, ...config }, { stats, accountId: '123456789012', region: 'us-east-1' });
  return { ...composed, stats };
}

const echo = (sm: SageMakerBackend, c = ctx()) => sm.invokeEndpoint('demo-echo', csv(), c);

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

describe('latency model', () => {
  const spec = { kind: 'lognormal', p50Ms: 2, p99Ms: 8 } as const;

  it('lognormal: median and p99 of 1,000 sampled calls are within 10% of p50 and p99', () => {
    const random = seededRandom(5);
    const xs = Array.from({ length: 1000 }, () => sampleLatency(spec, 1, random)).sort((a, b) => a - b);
    expect(Math.abs(quantile(xs, 0.5) / 2 - 1)).toBeLessThan(0.1);
    expect(Math.abs(quantile(xs, 0.99) / 8 - 1)).toBeLessThan(0.1);
  });

  it("the fit is not one seed's luck: 20,000 samples over 20 seeds land within 3%", () => {
    const xs: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      for (let i = 0; i < 1000; i++) xs.push(sampleLatency(spec, 1, random));
    }
    xs.sort((a, b) => a - b);
    expect(Math.abs(quantile(xs, 0.5) / 2 - 1)).toBeLessThan(0.03);
    expect(Math.abs(quantile(xs, 0.99) / 8 - 1)).toBeLessThan(0.03);
  });

  it('fixed, uniform and the per-item cost', () => {
    const random = seededRandom(1);
    expect(sampleLatency({ kind: 'fixed', ms: 7, perItemMs: 2 }, 3, random)).toBe(13);
    const u = Array.from({ length: 1000 }, () => sampleLatency({ kind: 'uniform', minMs: 20, maxMs: 100 }, 1, random));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...u)).toBeLessThanOrEqual(100);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(60, -1);
    expect(sampleLatency(undefined, 10, random)).toBe(0);
  });

  it('is the same sequence for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 100; i++) expect(sampleLatency(spec, 1, a)).toBe(sampleLatency(spec, 1, b));
  });

  it('real timing: 1,000 calls, 50 at a time, observe the configured p50 and p99 within 10%', async () => {
    const { backends, close } = compose({ sagemaker: { latency: { kind: 'lognormal', p50Ms: 20, p99Ms: 60 } } });
    try {
      const took: number[] = [];
      for (let round = 0; round < 20; round++) {
        const batch = Array.from({ length: 50 }, async () => {
          const start = performance.now();
          await echo(backends.sagemaker);
          took.push(performance.now() - start);
        });
        await Promise.all(batch);
      }
      took.sort((a, b) => a - b);
      expect(Math.abs(quantile(took, 0.5) / 20 - 1)).toBeLessThan(0.1);
      expect(Math.abs(quantile(took, 0.99) / 60 - 1)).toBeLessThan(0.1);
    } finally {
      await close();
    }
  });

  it('a delay past the deadline ends at the deadline with the timeout', async () => {
    const { backends, close } = compose({ sagemaker: { latency: { kind: 'fixed', ms: 5_000 } } });
    try {
      const start = Date.now();
      const err = await failure(echo(backends.sagemaker, ctx(60)));
      expect(err.code).toBe('InferenceTimeout');
      expect(Date.now() - start).toBeGreaterThanOrEqual(55);
      expect(Date.now() - start).toBeLessThan(1_000);
    } finally {
      await close();
    }
  });

  it('a cancel ends the wait at once', async () => {
    const { backends, close } = compose({ sagemaker: { latency: { kind: 'fixed', ms: 5_000 } } });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 20);
      const start = Date.now();
      expect((await failure(echo(backends.sagemaker, ctx(10_000, controller.signal)))).code).toBe('QueryCanceled');
      expect(Date.now() - start).toBeLessThan(1_000);
    } finally {
      await close();
    }
  });
});

describe('capacity', () => {
  it('excess calls wait their turn, first come first served', async () => {
    const { backends, close } = compose({
      sagemaker: { latency: { kind: 'fixed', ms: 40 }, capacity: { maxConcurrent: 2, onExcess: 'wait' } },
    });
    try {
      const start = Date.now();
      const finished: number[] = [];
      await Promise.all([0, 1, 2, 3, 4].map(async (i) => echo(backends.sagemaker).then(() => finished.push(i))));
      // Three waves of 40 ms: two, two, one.
      expect(Date.now() - start).toBeGreaterThanOrEqual(115);
      expect(finished).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await close();
    }
  });

  it('a waiting call gives up at its deadline with the timeout', async () => {
    const { backends, close } = compose({
      sagemaker: { latency: { kind: 'fixed', ms: 300 }, capacity: { maxConcurrent: 1 } },
    });
    try {
      const first = echo(backends.sagemaker);
      const err = await failure(echo(backends.sagemaker, ctx(50)));
      expect(err.code).toBe('InferenceTimeout');
      await first;
    } finally {
      await close();
    }
  });

  it("excess calls fail at once with the service's ThrottlingException when so configured", async () => {
    const { backends, close, stats } = compose({
      retry: false,
      sagemaker: { latency: { kind: 'fixed', ms: 50 }, capacity: { maxConcurrent: 1, onExcess: 'throttle' } },
    });
    try {
      const first = echo(backends.sagemaker);
      const start = Date.now();
      const err = await failure(echo(backends.sagemaker));
      expect(Date.now() - start).toBeLessThan(30);
      expect(err.code).toBe('ServiceFailure');
      expect(err.serviceCode).toBe('ThrottlingException');
      await first;
      expect(stats.retries).toBe(0);
    } finally {
      await close();
    }
  });

  it('a throttled call is retried with backoff until a slot is free', async () => {
    const { backends, close, stats } = compose({
      sagemaker: { latency: { kind: 'fixed', ms: 30 }, capacity: { maxConcurrent: 1, onExcess: 'throttle' } },
    });
    try {
      await Promise.all([echo(backends.sagemaker), echo(backends.sagemaker)]);
      expect(stats.retries).toBeGreaterThanOrEqual(1);
    } finally {
      await close();
    }
  });
});

describe('faults', () => {
  it('rates: observed frequencies within four standard errors over 10,000 calls', async () => {
    const rates = { ThrottlingException: 0.1, ModelError: 0.05, ServiceUnavailable: 0.02 };
    const { backends, close } = compose({ retry: false, sagemaker: { faults: { rates } } });
    try {
      const n = 10_000;
      const counts: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        try {
          await echo(backends.sagemaker);
          counts.ok = (counts.ok ?? 0) + 1;
        } catch (err) {
          const key = (err as { serviceCode: string }).serviceCode;
          counts[key] = (counts[key] ?? 0) + 1;
        }
      }
      for (const [type, p] of Object.entries(rates)) {
        const se = Math.sqrt((p * (1 - p)) / n);
        expect(Math.abs((counts[type] ?? 0) / n - p)).toBeLessThan(4 * se);
      }
    } finally {
      await close();
    }
  });

  it('queue: the next outcomes come in order with the catalog codes, then calls succeed', async () => {
    const queue = [
      'ok',
      'ThrottlingException',
      'ModelError',
      'ServiceUnavailable',
      'ValidationError',
      'ModelNotReadyException',
    ] as const;
    const { backends, controls, close } = compose({ retry: false, sagemaker: { faults: { queue: [...queue] } } });
    try {
      const seen: string[] = [];
      for (let i = 0; i < queue.length + 1; i++) {
        try {
          await echo(backends.sagemaker);
          seen.push('ok');
        } catch (err) {
          const e = err as { code: string; serviceCode: string };
          seen.push(`${e.code}/${e.serviceCode}`);
        }
      }
      expect(seen).toEqual([
        'ok',
        'ServiceFailure/ThrottlingException',
        'ServiceFailure/ModelError',
        'ServiceUnavailable/ServiceUnavailable',
        'InvalidArgument/ValidationError',
        'ServiceFailure/ModelNotReadyException',
        'ok',
      ]);
      expect(controls.getControls().sagemaker.faults?.queue).toEqual([]);
    } finally {
      await close();
    }
  });

  it("down: one endpoint fails as unreachable while the service's others answer", async () => {
    const { backends, close } = compose({
      retry: false,
      sagemaker: { endpoints: {}, targets: { 'demo-score': { faults: { down: true } } } },
    });
    try {
      const err = await failure(backends.sagemaker.invokeEndpoint('demo-score', csv('1,2\n'), ctx()));
      expect(err.code).toBe('ServiceUnavailable');
      await echo(backends.sagemaker);
    } finally {
      await close();
    }
  });

  it('each service reports faults with its own codes', async () => {
    const { backends, close } = compose({
      retry: false,
      comprehend: { faults: { queue: ['ServiceUnavailable'] } },
      bedrock: { faults: { queue: ['ThrottlingException'] } },
    });
    try {
      const c = await failure(backends.comprehend.detect('DetectSentiment', ['hi'], 'en', ctx()));
      expect([c.code, c.serviceCode]).toEqual(['ServiceUnavailable', 'ServiceUnavailableException']);
      const body = Buffer.from(JSON.stringify({ inputText: 'hi' }));
      const b = await failure(
        backends.bedrock.invokeModel(
          'amazon.titan-text-express-v1',
          { body, contentType: 'application/json', accept: '*/*' },
          ctx(),
        ),
      );
      expect([b.code, b.serviceCode]).toEqual(['ServiceFailure', 'ThrottlingException']);
    } finally {
      await close();
    }
  });
});

describe('retry', () => {
  it('retries throttling and 5xx, counting each retry in MlStats.retries', async () => {
    const { backends, close, stats } = compose({
      sagemaker: { faults: { queue: ['ThrottlingException', 'ServiceUnavailable', 'ok'] } },
    });
    try {
      const res = await echo(backends.sagemaker);
      expect(res.body.length).toBeGreaterThan(0);
      expect(stats.retries).toBe(2);
    } finally {
      await close();
    }
  });

  it('gives up after 2 retries with the last error', async () => {
    const { backends, close, stats } = compose({
      sagemaker: { faults: { queue: ['ThrottlingException', 'ThrottlingException', 'InternalFailure', 'ok'] } },
    });
    try {
      const err = await failure(echo(backends.sagemaker));
      expect(err.serviceCode).toBe('InternalFailure');
      expect(stats.retries).toBe(2);
    } finally {
      await close();
    }
  });

  it('does not retry a model error or a validation error', async () => {
    const { backends, close, stats } = compose({ sagemaker: { faults: { queue: ['ModelError', 'ValidationError'] } } });
    try {
      expect((await failure(echo(backends.sagemaker))).serviceCode).toBe('ModelError');
      expect((await failure(echo(backends.sagemaker))).serviceCode).toBe('ValidationError');
      expect(stats.retries).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('runtime controls', () => {
  it('setControls changes latency, capacity and faults for the next calls', async () => {
    const { backends, controls, close } = compose({ retry: false });
    try {
      let start = Date.now();
      await echo(backends.sagemaker);
      expect(Date.now() - start).toBeLessThan(40);
      controls.setControls({ sagemaker: { latency: { kind: 'fixed', ms: 60 } } });
      start = Date.now();
      await echo(backends.sagemaker);
      expect(Date.now() - start).toBeGreaterThanOrEqual(55);
      controls.setControls({ sagemaker: { latency: null, faults: { down: true } } });
      expect((await failure(echo(backends.sagemaker))).code).toBe('ServiceUnavailable');
      controls.setControls({ sagemaker: { faults: null } });
      await echo(backends.sagemaker);
      expect(controls.getControls().sagemaker).toEqual({});
    } finally {
      await close();
    }
  });

  it('the realistic preset sets each service latency; none clears it', () => {
    const { controls } = compose({ preset: 'realistic' });
    expect(controls.getControls().sagemaker.latency).toEqual({ kind: 'uniform', minMs: 20, maxMs: 100 });
    expect(controls.getControls().comprehend.latency).toEqual({ kind: 'uniform', minMs: 10, maxMs: 50 });
    controls.setControls({ preset: 'none' });
    expect(controls.getControls().sagemaker.latency).toBeUndefined();
  });

  it('a bad patch fails with an AWS ValidationException naming the field, and changes nothing', () => {
    const { controls } = compose({ sagemaker: { latency: { kind: 'fixed', ms: 5 } } });
    const before = controls.getControls();
    for (const patch of [
      { sagemaker: { latency: { kind: 'lognormal', p50Ms: 10, p99Ms: 5 } } },
      { sagemaker: { capacity: { maxConcurrent: 0 } } },
      { bedrock: { faults: { rates: { ThrottlingException: 0.7, ModelError: 0.5 } } } },
      { comprehend: { faults: { queue: ['ok', 'Boom'] } } },
      { sagemaker: { latency: { kind: 'fixed', ms: 1 } }, lambda: {} },
    ]) {
      let caught: unknown;
      try {
        controls.setControls(patch);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AwsError);
      expect((caught as AwsError).code).toBe('ValidationException');
      expect((caught as AwsError).httpStatus).toBe(400);
    }
    expect(controls.getControls()).toEqual(before);
  });
});

describe('composition', () => {
  it('kinds built elsewhere come from deps.factories, and a missing one is a clear config error', async () => {
    const deps = { stats: new MlStats(), accountId: '123456789012', region: 'us-east-1' };
    expect(() => composeBackends({ bedrock: { kind: 'openai' } }, deps)).toThrow(/kind "openai" of bedrock is not available/);
    expect(() => composeBackends({ sagemaker: { endpoints: { m: { kind: 'model', path: 'x.json' } } } }, deps)).toThrow(
      /no factory for sagemaker.model/,
    );
    const fake: BedrockBackend = {
      kind: 'openai',
      invokeModel: async () => ({ body: Buffer.from('{"from":"factory"}'), contentType: 'application/json' }),
    };
    let seen: unknown;
    const composed = composeBackends(
      { bedrock: { kind: 'openai', baseUrl: 'http://127.0.0.1:1' } },
      {
        ...deps,
        factories: {
          'bedrock.openai': (config) => {
            seen = config;
            return fake;
          },
        },
      },
    );
    const body = Buffer.from('{}');
    const res = await composed.backends.bedrock.invokeModel('m', { body, contentType: 'application/json', accept: '*/*' }, ctx());
    expect(res.body.toString()).toBe('{"from":"factory"}');
    expect(seen).toEqual({ kind: 'openai', baseUrl: 'http://127.0.0.1:1' });
    await composed.close();
  });

  it('unknown kinds and bad settings fail at start with InvalidArgument', () => {
    const deps = { stats: new MlStats(), accountId: '123456789012', region: 'us-east-1' };
    expect(() => composeBackends({ comprehend: { kind: 'magic' as 'aws' } }, deps)).toThrow(/unknown comprehend kind "magic"/);
    expect(() => composeBackends({ sagemaker: { latency: { kind: 'fixed', ms: -1 } } }, deps)).toThrow(/sagemaker.latency.ms/);
  });

  it('rules files are re-read when they change, without a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aurora-ml-rules-'));
    const file = path.join(dir, 'rules.yaml');
    try {
      writeFileSync(file, 'sagemaker:\n  endpoints:\n    churn:\n      default: "0.1"\n');
      const { backends, close } = compose({ sagemaker: { endpoints: { churn: { kind: 'rules', file } } } });
      const ask = async () => (await backends.sagemaker.invokeEndpoint('churn', csv('7\n'), ctx())).body.toString();
      expect(await ask()).toBe('0.1');
      writeFileSync(file, 'sagemaker:\n  endpoints:\n    churn:\n      default: "0.9"\n');
      // Some file systems keep mtimes to the second: make the change visible regardless.
      utimesSync(file, new Date(), new Date(Date.now() + 2_000));
      expect(await ask()).toBe('0.9');
      await close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
