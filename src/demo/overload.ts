/**
 * overload: what a slow, overloaded endpoint does to an application that
 * calls it from SQL, and what the seed's mitigations change. An app with a
 * pool of N connections serves page views that run the recommendation query
 * against an endpoint of limited capacity (one request at a time, 100 ms
 * each: 10 requests a second), while other servers' calls to the same
 * endpoint rise. Three phases with the same app:
 *
 *   baseline          light load, no other callers: pages are quick
 *   overload          load rises: the endpoint's queue grows, statements wait
 *                     until aurora_ml_inference_timeout, every connection is
 *                     held by a waiting statement, page views and the health
 *                     check cannot get a connection
 *   with mitigations  the same load, with a 5 s statement_timeout and a
 *                     client-side circuit breaker that serves the page without
 *                     recommendations while the endpoint is failing
 *
 * Times are the demo's own (the seed's 60 s timeout stands as 10 s, so it
 * fits in two minutes), and all of them are multiplied by --scale.
 */
import { type AppTally, AppUnderLoad } from './app-under-load.ts';
import { type DemoContext, type DemoOutcome, scaled, sleep } from './context.ts';
import { openDemoSchema } from './demo-schema.ts';
import { Fleet } from './fleet.ts';
import { formatCount, formatMs } from './narrator.ts';
import { percentile, round2 } from './percentiles.ts';
import type { Chart, Tone } from './svg-chart.ts';

export interface OverloadOptions {
  /** Connections in the app's pool (default 10). */
  readonly poolSize?: number;
}

export type PhaseName = 'baseline' | 'overload' | 'mitigated';

export interface PhaseNumbers {
  readonly phase: PhaseName;
  readonly durationMs: number;
  readonly pageViews: number;
  /** Page views answered: with recommendations, or (circuit open) without. */
  readonly served: number;
  readonly withRecommendations: number;
  readonly fallbacks: number;
  readonly throughputPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Statements ended by aurora_ml_inference_timeout or statement_timeout. */
  readonly timeouts: number;
  readonly inferenceTimeouts: number;
  readonly statementTimeouts: number;
  /** Page views that got no connection within the pool's acquire timeout. */
  readonly poolTimeouts: number;
  readonly errors: number;
  /** timeouts + poolTimeouts + errors. */
  readonly failedPageViews: number;
  readonly healthChecks: number;
  readonly healthFailures: number;
  /** Most page views waiting for a connection at once. */
  readonly peakWaiting: number;
  /** Most other callers on the endpoint at once. */
  readonly peakOtherCallers: number;
  /** Times the circuit breaker opened (mitigated phase only). */
  readonly breakerOpened: number;
  /** Most connections the emulator saw waiting on ML at once (/_aurora-ml/connections; null: not served there). */
  readonly peakWaitingOnMl: number | null;
}

export interface OverloadNumbers {
  readonly poolSize: number;
  readonly endpoint: { readonly latencyMs: number; readonly maxConcurrent: number };
  readonly inferenceTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly phases: readonly [PhaseNumbers, PhaseNumbers, PhaseNumbers];
}

const SCHEMA = 'aurora_ml_demo_overload';
const ENDPOINT = 'aurora-ml-demo-overloaded';

/** The plan at scale 1 (milliseconds and rates per second). */
const PLAN = {
  latencyMs: 100,
  maxConcurrent: 1,
  inferenceTimeoutMs: 10_000,
  statementTimeoutMs: 5_000,
  acquireTimeoutMs: 5_000,
  healthEveryMs: 500,
  healthAcquireTimeoutMs: 1_000,
  breaker: { threshold: 3, openMs: 5_000 },
  otherCallersMax: 200,
  otherCallerGiveUpMs: 15_000,
  phases: [
    { phase: 'baseline', durationMs: 8_000, rate: [3, 3], rampShare: 1, otherCallers: 0 },
    { phase: 'overload', durationMs: 30_000, rate: [3, 6], rampShare: 0.4, otherCallers: 1 },
    { phase: 'mitigated', durationMs: 30_000, rate: [3, 6], rampShare: 0.4, otherCallers: 1 },
  ],
} as const;

const TITLES: Readonly<Record<PhaseName, string>> = {
  baseline: 'baseline',
  overload: 'overload',
  mitigated: 'with mitigations',
};

function mlSql(): string {
  return `SELECT product_name, aws_sagemaker.invoke_endpoint('${ENDPOINT}', NULL, md5('user-' || $1::int || ':' || product_id))::float AS score
    FROM ${SCHEMA}.products ORDER BY score DESC LIMIT 10`;
}

function fallbackSql(): string {
  return `SELECT product_name, $1::int AS for_user FROM ${SCHEMA}.products ORDER BY popularity DESC LIMIT 10`;
}

interface PhasePeaks {
  readonly otherCallers: number;
  readonly waitingOnMl: number | null;
}

function phaseNumbers(phase: PhaseName, durationMs: number, t: AppTally, peaks: PhasePeaks, breakerOpened: number) {
  const timeouts = t.inferenceTimeouts + t.statementTimeouts;
  const served = t.withRecommendations + t.fallbacks;
  return {
    phase,
    durationMs: Math.round(durationMs),
    pageViews: t.pageViews,
    served,
    withRecommendations: t.withRecommendations,
    fallbacks: t.fallbacks,
    throughputPerSec: round2(served / (durationMs / 1000)),
    p50Ms: round2(percentile(t.pageMs, 50)),
    p99Ms: round2(percentile(t.pageMs, 99)),
    timeouts,
    inferenceTimeouts: t.inferenceTimeouts,
    statementTimeouts: t.statementTimeouts,
    poolTimeouts: t.poolTimeouts,
    errors: t.errors,
    failedPageViews: timeouts + t.poolTimeouts + t.errors,
    healthChecks: t.healthChecks,
    healthFailures: t.healthFailures,
    peakWaiting: t.peakWaiting,
    peakOtherCallers: peaks.otherCallers,
    breakerOpened,
    peakWaitingOnMl: peaks.waitingOnMl,
  } satisfies PhaseNumbers;
}

export async function runOverload(ctx: DemoContext, options: OverloadOptions = {}): Promise<DemoOutcome<OverloadNumbers>> {
  const { narrator, api } = ctx;
  const poolSize = options.poolSize ?? 10;
  const ms = (v: number) => scaled(ctx, v);
  const latencyMs = ms(PLAN.latencyMs);

  narrator.heading('overload: a slow endpoint, a pool of connections, and what the mitigations change');
  const schema = await openDemoSchema(ctx.pgUrl, SCHEMA);
  let removeEndpoint: (() => Promise<void>) | undefined;
  let restoreTuning: (() => Promise<void>) | undefined;
  try {
    await schema.client.query(`CREATE TABLE ${SCHEMA}.products AS
      SELECT g AS product_id, 'Product ' || g AS product_name, (g * 7919) % 1000 AS popularity FROM generate_series(1, 30) g`);
    removeEndpoint = await api.declareEndpoint(ENDPOINT, { kind: 'builtin', model: 'score' });
    restoreTuning = await api.tuneTargets('sagemaker', {
      [ENDPOINT]: {
        latency: { kind: 'fixed', ms: latencyMs },
        capacity: { maxConcurrent: PLAN.maxConcurrent, onExcess: 'wait' },
      },
    });
    narrator.line(
      `Endpoint ${ENDPOINT}: ${PLAN.maxConcurrent} request at a time, ${formatMs(latencyMs)} each ` +
        `(${round2((PLAN.maxConcurrent * 1000) / latencyMs)} requests/s at most).`,
    );
    narrator.line(
      `App: pg.Pool of ${poolSize} connections, aurora_ml_inference_timeout ${formatMs(ms(PLAN.inferenceTimeoutMs))}, ` +
        `health check SELECT 1 every ${formatMs(ms(PLAN.healthEveryMs))} (gives up after ${formatMs(ms(PLAN.healthAcquireTimeoutMs))} without a connection).`,
    );

    const results: PhaseNumbers[] = [];
    for (const plan of PLAN.phases) {
      const mitigated = plan.phase === 'mitigated';
      narrator.heading(`phase: ${TITLES[plan.phase]}`);
      if (plan.phase === 'overload') narrator.line('Other servers start calling the same endpoint, more and more of them.');
      if (mitigated) {
        narrator.line(
          `Same load; now statement_timeout = ${formatMs(ms(PLAN.statementTimeoutMs))} and a circuit breaker ` +
            `(opens after ${PLAN.breaker.threshold} failures in a row, retries after ${formatMs(ms(PLAN.breaker.openMs))}).`,
        );
      }
      const app = new AppUnderLoad({
        pgUrl: ctx.pgUrl,
        poolSize,
        acquireTimeoutMs: ms(PLAN.acquireTimeoutMs),
        inferenceTimeoutMs: ms(PLAN.inferenceTimeoutMs),
        healthAcquireTimeoutMs: ms(PLAN.healthAcquireTimeoutMs),
        mlSql: mlSql(),
        fallbackSql: fallbackSql(),
        ...(mitigated
          ? {
              statementTimeoutMs: ms(PLAN.statementTimeoutMs),
              breaker: { threshold: PLAN.breaker.threshold, openMs: ms(PLAN.breaker.openMs) },
            }
          : {}),
      });
      const fleet = new Fleet(api, ENDPOINT, ms(PLAN.otherCallerGiveUpMs));
      const duration = ms(plan.durationMs);
      let peakOtherCallers = 0;
      // What the emulator itself sees: connections waiting on ML, sampled without holding up the load.
      let peakWaitingOnMl: number | null = null;
      let sampling = false;
      const sampleEmulator = () => {
        if (sampling) return;
        sampling = true;
        api
          .waitingOnMl()
          .then((n) => {
            if (n !== undefined) peakWaitingOnMl = Math.max(peakWaitingOnMl ?? 0, n);
          })
          .catch(() => {})
          .finally(() => {
            sampling = false;
          });
      };
      const bar = narrator.progress(`  ${TITLES[plan.phase].padEnd(16)}`, duration, formatMs);
      const started = performance.now();
      let nextArrival = 0;
      let nextHealth = 0;
      let user = 0;
      const healthChecks: Promise<boolean>[] = [];
      let lastHealth = true;
      for (;;) {
        const t = performance.now() - started;
        if (t >= duration) break;
        const ramp = Math.min(1, t / (duration * plan.rampShare));
        fleet.setCallers(plan.otherCallers * PLAN.otherCallersMax * ramp);
        peakOtherCallers = Math.max(peakOtherCallers, fleet.callers);
        const rate = (plan.rate[0] + (plan.rate[1] - plan.rate[0]) * ramp) / ctx.scale;
        while (nextArrival <= t) {
          app.pageView(++user);
          nextArrival += 1000 / rate;
        }
        if (nextHealth <= t) {
          nextHealth += ms(PLAN.healthEveryMs);
          healthChecks.push(
            app.healthCheck().then((ok) => {
              lastHealth = ok;
              return ok;
            }),
          );
        }
        sampleEmulator();
        const tally = app.tally;
        bar.update(
          t,
          `${round2(rate * ctx.scale)} views/s · other callers ${fleet.callers} · pool ${app.inUse}/${poolSize}, ${app.waiting} waiting · ` +
            `timeouts ${tally.inferenceTimeouts + tally.statementTimeouts} · health ${lastHealth ? 'ok' : 'FAILING'} (${tally.healthFailures} failed)`,
        );
        await sleep(Math.max(1, Math.min(nextArrival - t, 20)));
      }
      const elapsed = performance.now() - started;
      await Promise.allSettled(healthChecks);
      // The other callers leave with the phase; the app's last page views finish against an idle endpoint.
      await fleet.stop();
      await app.close();
      const peaks = { otherCallers: peakOtherCallers, waitingOnMl: peakWaitingOnMl };
      const numbers = phaseNumbers(plan.phase, elapsed, app.tally, peaks, app.breaker?.opened ?? 0);
      results.push(numbers);
      bar.finish(
        `${formatCount(numbers.served)} of ${formatCount(numbers.pageViews)} page views served (${numbers.throughputPerSec}/s), ` +
          `p50 ${formatMs(numbers.p50Ms)}, p99 ${formatMs(numbers.p99Ms)}`,
      );
      const failing = `  timeouts ${numbers.timeouts}, no connection ${numbers.poolTimeouts}, health checks failed ${numbers.healthFailures} of ${numbers.healthChecks}`;
      if (numbers.failedPageViews + numbers.healthFailures > 0) narrator.warn(failing);
      else narrator.line(failing);
      if (numbers.peakWaitingOnMl !== null)
        narrator.line(`  the emulator saw up to ${numbers.peakWaitingOnMl} connections waiting on ML at once`);
      if (mitigated)
        narrator.line(
          `  circuit breaker opened ${numbers.breakerOpened} times; ${numbers.fallbacks} pages served without recommendations`,
        );
    }
    const [, overload, mitigated] = results as [PhaseNumbers, PhaseNumbers, PhaseNumbers];
    narrator.highlight(
      `Overloaded, the app failed ${overload.healthFailures} health checks and ${overload.failedPageViews} page views; ` +
        `with the mitigations ${mitigated.healthFailures} and ${mitigated.failedPageViews}.`,
    );
    const numbers: OverloadNumbers = {
      poolSize,
      endpoint: { latencyMs, maxConcurrent: PLAN.maxConcurrent },
      inferenceTimeoutMs: ms(PLAN.inferenceTimeoutMs),
      statementTimeoutMs: ms(PLAN.statementTimeoutMs),
      phases: results as unknown as OverloadNumbers['phases'],
    };
    return { numbers, chart: chartOf(numbers, ctx.scale) };
  } finally {
    await restoreTuning?.().catch(() => {});
    await removeEndpoint?.().catch(() => {});
    await schema.close(ctx.keep);
  }
}

function chartOf(n: OverloadNumbers, scale: number): Chart {
  const tone = (p: PhaseNumbers): Tone => (p.phase === 'baseline' ? 'plain' : p.phase === 'overload' ? 'bad' : 'good');
  const panel = (title: string, value: (p: PhaseNumbers) => number, text: (p: PhaseNumbers) => string) => ({
    title,
    bars: n.phases.map((p) => ({ label: TITLES[p.phase], value: value(p), text: text(p), tone: tone(p) })),
  });
  return {
    title: 'overload: pool exhaustion, and what the mitigations change',
    subtitle:
      `pool of ${n.poolSize}, endpoint ${n.endpoint.maxConcurrent} at a time × ${formatMs(n.endpoint.latencyMs)}, ` +
      `inference timeout ${formatMs(n.inferenceTimeoutMs)}, mitigations: statement_timeout ${formatMs(n.statementTimeoutMs)} + circuit breaker` +
      (scale === 1 ? '' : ` (time scale ${scale})`),
    panels: [
      panel(
        'pages served per second',
        (p) => p.throughputPerSec,
        (p) => String(p.throughputPerSec),
      ),
      panel(
        'page time p50 / p99',
        (p) => p.p99Ms,
        (p) => `${formatMs(p.p50Ms)} / ${formatMs(p.p99Ms)}`,
      ),
      panel(
        'timeouts (ML / no connection)',
        (p) => p.timeouts + p.poolTimeouts,
        (p) => `${p.timeouts} / ${p.poolTimeouts}`,
      ),
      panel(
        'health checks failed',
        (p) => p.healthFailures,
        (p) => `${p.healthFailures} of ${p.healthChecks}`,
      ),
    ],
    notes: n.phases.map(
      (p) =>
        `${TITLES[p.phase]}: ${p.pageViews} page views, ${p.withRecommendations} with recommendations, ${p.fallbacks} without, ` +
        `${p.inferenceTimeouts} inference timeouts, ${p.statementTimeouts} statement timeouts, ${p.poolTimeouts} without a connection, ` +
        `up to ${p.peakWaiting} waiting for a connection${p.peakWaitingOnMl === null ? '' : `, up to ${p.peakWaitingOnMl} waiting on ML`}, ${p.peakOtherCallers} other callers.`,
    ),
  };
}
