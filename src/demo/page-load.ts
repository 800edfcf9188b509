/**
 * page-load: the seed's product recommendation query, once per page view.
 * Each page view runs the page's queries twice on one connection, as the app
 * would: once with the listing ordered by a stored column (no ML), once with
 * it ordered by a SageMaker score (`... ORDER BY score DESC LIMIT 10`) from an
 * endpoint at the seed's ~50 ms. The difference per page view is what the
 * synchronous ML call adds to every page.
 */
import pg from 'pg';
import { type DemoContext, type DemoOutcome, scaled } from './context.ts';
import { clientConfig, openDemoSchema } from './demo-schema.ts';
import { formatMs } from './narrator.ts';
import { elapsedMs, mean, percentile, round2 } from './percentiles.ts';

export interface PageLoadOptions {
  /** Page views measured (default 100). */
  readonly pages?: number;
  /** The endpoint's typical latency at scale 1 (default 50 ms, the seed's): requests take 0.7x to 1.3x of it. */
  readonly latencyMs?: number;
}

export interface PageTimes {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
}

export interface PageLoadNumbers {
  readonly pages: number;
  /** The endpoint's configured latency range (scaled). */
  readonly endpointLatency: { readonly minMs: number; readonly maxMs: number };
  /** The page without the ML call. */
  readonly plain: PageTimes;
  /** The same page with the recommendation query. */
  readonly ml: PageTimes;
  /** Per page view: ML page time minus plain page time. */
  readonly added: { readonly p50Ms: number; readonly p95Ms: number };
  /** What the call log saw of the endpoint during the measured pages. */
  readonly endpointRequests: number;
  readonly endpointP50Ms: number;
  /** At the seed's 10,000 page views an hour: extra seconds of database connection time per hour. */
  readonly extraConnectionSecondsPerHour: number;
}

const SCHEMA = 'aurora_ml_demo_page_load';
const ENDPOINT = 'aurora-ml-demo-recommendations';
const PRODUCTS = 400;
const CATEGORIES = ['electronics', 'books', 'garden', 'toys', 'kitchen', 'sports', 'music', 'outdoor'];
const WARM_UP_PAGES = 3;
const SEED_PAGE_VIEWS_PER_HOUR = 10_000;

const DETAIL_SQL = `SELECT product_name, price FROM ${SCHEMA}.products WHERE product_id = $1`;
const PLAIN_LISTING_SQL = `SELECT product_name, price FROM ${SCHEMA}.products
  WHERE category = 'electronics' ORDER BY popularity DESC LIMIT 10`;
/** The seed's query; md5 spreads user and product over the demo model's score range. */
const ML_LISTING_SQL = `SELECT product_name, price,
    aws_sagemaker.invoke_endpoint('${ENDPOINT}', NULL, md5('user-' || $1::int || ':product-' || product_id))::float AS score
  FROM ${SCHEMA}.products
  WHERE category = 'electronics'
  ORDER BY score DESC
  LIMIT 10`;

async function createProducts(client: pg.Client): Promise<number> {
  await client.query(`CREATE TABLE ${SCHEMA}.products (
    product_id int PRIMARY KEY, product_name text NOT NULL, price numeric(8,2) NOT NULL,
    category text NOT NULL, popularity int NOT NULL)`);
  await client.query(
    `INSERT INTO ${SCHEMA}.products
     SELECT g, 'Product ' || g, round((5 + (g * 37 % 500))::numeric, 2), ($1::text[])[1 + g % $2], (g * 7919) % 1000
       FROM generate_series(1, $3) g`,
    [CATEGORIES, CATEGORIES.length, PRODUCTS],
  );
  const count = await client.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.products WHERE category = 'electronics'`);
  return (count.rows[0] as { n: number }).n;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return elapsedMs(start);
}

function summary(times: readonly number[]): PageTimes {
  return { p50Ms: round2(percentile(times, 50)), p95Ms: round2(percentile(times, 95)), meanMs: round2(mean(times)) };
}

export async function runPageLoad(ctx: DemoContext, options: PageLoadOptions = {}): Promise<DemoOutcome<PageLoadNumbers>> {
  const { narrator, api } = ctx;
  const pages = options.pages ?? 100;
  const typical = scaled(ctx, options.latencyMs ?? 50);
  const latency = { minMs: Math.max(1, Math.round(typical * 0.7)), maxMs: Math.round(typical * 1.3) };

  narrator.heading('page-load: what a synchronous ML call adds to every page view');
  const schema = await openDemoSchema(ctx.pgUrl, SCHEMA);
  const app = new pg.Client(clientConfig(ctx.pgUrl));
  let removeEndpoint: (() => Promise<void>) | undefined;
  let restoreTuning: (() => Promise<void>) | undefined;
  try {
    const candidates = await createProducts(schema.client);
    removeEndpoint = await api.declareEndpoint(ENDPOINT, { kind: 'builtin', model: 'score' });
    restoreTuning = await api.tuneTargets('sagemaker', {
      [ENDPOINT]: { latency: { kind: 'uniform', minMs: latency.minMs, maxMs: latency.maxMs } },
    });
    narrator.line(`${PRODUCTS} products (${candidates} in electronics); SageMaker endpoint ${ENDPOINT} answers in`);
    narrator.line(
      `${formatMs(latency.minMs)} to ${formatMs(latency.maxMs)} per request (the seed's ~50 ms, set through /_aurora-ml/backends).`,
    );
    narrator.line('Each page view: the product detail plus the electronics listing, once ordered by popularity,');
    narrator.line('once by the recommendation score: ... ORDER BY score DESC LIMIT 10.');

    await app.connect();
    app.on('error', () => {});
    const page = async (user: number, product: number, ml: boolean) =>
      timed(async () => {
        await app.query(DETAIL_SQL, [product]);
        await app.query(ml ? ML_LISTING_SQL : PLAIN_LISTING_SQL, ml ? [user] : []);
      });
    // Warm-up: the first statements of a connection pay for plans and the emulator's first look at the functions.
    for (let i = 0; i < WARM_UP_PAGES; i++) {
      await page(i + 1, 1, false);
      await page(i + 1, 1, true);
    }

    const since = new Date().toISOString();
    const plain: number[] = [];
    const ml: number[] = [];
    const added: number[] = [];
    const bar = narrator.progress('page views', pages);
    for (let i = 0; i < pages; i++) {
      const user = 1 + ((i * 7919) % 5000);
      const product = 1 + ((i * 104729) % PRODUCTS);
      // Alternate which one goes first, so neither always runs on a warmer cache.
      let plainMs: number;
      let mlMs: number;
      if (i % 2 === 0) {
        plainMs = await page(user, product, false);
        mlMs = await page(user, product, true);
      } else {
        mlMs = await page(user, product, true);
        plainMs = await page(user, product, false);
      }
      plain.push(plainMs);
      ml.push(mlMs);
      added.push(mlMs - plainMs);
      bar.update(i + 1, `plain ${formatMs(plainMs)}  with ML ${formatMs(mlMs)}`);
    }
    bar.finish(`${pages} measured`);

    const calls = await api.calls({ service: 'sagemaker', target: ENDPOINT, since });
    const numbers: PageLoadNumbers = {
      pages,
      endpointLatency: latency,
      plain: summary(plain),
      ml: summary(ml),
      added: { p50Ms: round2(percentile(added, 50)), p95Ms: round2(percentile(added, 95)) },
      endpointRequests: calls.length,
      endpointP50Ms: round2(
        percentile(
          calls.map((c) => c.durationMs),
          50,
        ),
      ),
      extraConnectionSecondsPerHour: round2((mean(added) * SEED_PAGE_VIEWS_PER_HOUR) / 1000),
    };
    narrator.line(`page without ML: p50 ${formatMs(numbers.plain.p50Ms)}, p95 ${formatMs(numbers.plain.p95Ms)}`);
    narrator.line(`page with ML:    p50 ${formatMs(numbers.ml.p50Ms)}, p95 ${formatMs(numbers.ml.p95Ms)}`);
    narrator.highlight(
      `Every page view waits for the model: +${formatMs(numbers.added.p50Ms)} at p50, +${formatMs(numbers.added.p95Ms)} at p95 ` +
        `(${numbers.endpointRequests} endpoint requests, p50 ${formatMs(numbers.endpointP50Ms)}).`,
    );
    narrator.note(
      `At the seed's 10,000 page views an hour, connections are held ${numbers.extraConnectionSecondsPerHour} s longer per hour.`,
    );
    return { numbers, chart: chartOf(numbers, ctx.scale) };
  } finally {
    await app.end().catch(() => {});
    await restoreTuning?.().catch(() => {});
    await removeEndpoint?.().catch(() => {});
    await schema.close(ctx.keep);
  }
}

function chartOf(n: PageLoadNumbers, scale: number) {
  const ms = (v: number) => formatMs(v);
  return {
    title: 'page-load: page time with and without the ML call',
    subtitle: `${n.pages} page views, endpoint latency ${ms(n.endpointLatency.minMs)}-${ms(n.endpointLatency.maxMs)}${scale === 1 ? '' : ` (time scale ${scale})`}`,
    panels: [
      {
        title: 'page time p50',
        bars: [
          { label: 'without ML', value: n.plain.p50Ms, text: ms(n.plain.p50Ms), tone: 'plain' as const },
          { label: 'with ML', value: n.ml.p50Ms, text: ms(n.ml.p50Ms), tone: 'ml' as const },
        ],
      },
      {
        title: 'page time p95',
        bars: [
          { label: 'without ML', value: n.plain.p95Ms, text: ms(n.plain.p95Ms), tone: 'plain' as const },
          { label: 'with ML', value: n.ml.p95Ms, text: ms(n.ml.p95Ms), tone: 'ml' as const },
        ],
      },
      {
        title: 'added per page view',
        bars: [
          { label: 'p50', value: Math.max(0, n.added.p50Ms), text: `+${ms(n.added.p50Ms)}`, tone: 'bad' as const },
          { label: 'p95', value: Math.max(0, n.added.p95Ms), text: `+${ms(n.added.p95Ms)}`, tone: 'bad' as const },
        ],
      },
    ],
    notes: [
      `Endpoint requests: ${n.endpointRequests}, p50 ${ms(n.endpointP50Ms)} (from /_aurora-ml/calls).`,
      `At 10,000 page views an hour: ${n.extraConnectionSecondsPerHour} s more connection time per hour.`,
    ],
  };
}
