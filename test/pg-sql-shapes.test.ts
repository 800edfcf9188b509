/**
 * Every SQL position Aurora PostgreSQL allows for aws_ml functions, through
 * the emulator in front of the machine's real PostgreSQL, checked against
 * answers computed by calling the built-in Comprehend model directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/upstream/embedded/index.ts';
import { startTestEmulator, type TestEmulator, UPSTREAM } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';
import {
  BY_ID as byId,
  expected,
  REVIEWS,
  REVIEWS_DDL,
  runScenario,
  type ScenarioRunner,
  scenariosFor,
} from './scenarios/sentiment-positions.ts';

/**
 * Each shape runs three ways: simple protocol in autocommit, simple protocol
 * inside an explicit transaction, and the extended protocol (Parse/Bind/Execute).
 */
interface Mode {
  readonly name: string;
  readonly transaction: boolean;
  readonly extended: boolean;
}
const MODES: readonly Mode[] = [
  { name: 'simple, autocommit', transaction: false, extended: false },
  { name: 'simple, explicit transaction', transaction: true, extended: false },
  { name: 'extended protocol', transaction: false, extended: true },
];

/** The subset of pg.Client the shapes use, routed per mode. */
interface Runner {
  query(text: string): Promise<pg.QueryResult>;
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/** The same table runs in front of the machine's PostgreSQL and the embedded one. */
const UPSTREAMS = [
  { name: 'machine PostgreSQL', url: () => UPSTREAM },
  { name: 'embedded PostgreSQL 16', url: () => (embedded as EmbeddedPostgres).url },
];

let env: TestEmulator;
let container: InferenceContainer;
let embedded: EmbeddedPostgres | undefined;
const embeddedDir = mkdtempSync(join(tmpdir(), 'aurora-ml-shapes-'));

beforeAll(async () => {
  container = await InferenceContainer.start({
    // A "model" that answers the sum of the numeric fields of each line.
    handler: (lines) => lines.map((l) => String(l.split(',').reduce((s, f) => s + (Number(f) || 0), 0))),
  });
  embedded = await startEmbeddedPostgres({ dataDir: join(embeddedDir, 'pg'), port: 0 });
});

afterAll(async () => {
  await container?.[Symbol.asyncDispose]();
  await embedded?.stop();
  rmSync(embeddedDir, { recursive: true, force: true });
});

describe.each(UPSTREAMS)('$name', (upstream) => {
  beforeAll(async () => {
    env = await startTestEmulator(
      {
        sagemakerEndpoints: {
          'sum-endpoint': { kind: 'container', url: container.url },
          'double-endpoint': { kind: 'module', path: fileURLToPath(new URL('./fixtures/sagemaker-model.ts', import.meta.url)) },
        },
      },
      upstream.url(),
    );
    const setup = await env.client();
    await setup.query('CREATE EXTENSION aws_ml CASCADE');
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  describe.each(MODES)('$name', (mode) => {
    let client: Runner;
    let raw: pg.Client;
    let scenarioRunner: ScenarioRunner;

    beforeAll(async () => {
      raw = await env.client();
      const schema = `shapes_${mode.name.replace(/\W+/g, '_')}`;
      await raw.query(`CREATE SCHEMA ${schema}`);
      await raw.query(`SET search_path = ${schema}, public`);
      await raw.query(REVIEWS_DDL.pg);
      for (const [i, body] of REVIEWS.entries()) await raw.query('INSERT INTO reviews (id, body) VALUES ($1, $2)', [i + 1, body]);
      const run = async (config: pg.QueryConfig): Promise<pg.QueryResult> => {
        const query = mode.extended && !config.values ? { ...config, queryMode: 'extended' as const } : config;
        if (!mode.transaction) return raw.query(query);
        await raw.query('BEGIN');
        try {
          const result = await raw.query(query);
          await raw.query('COMMIT');
          return result;
        } catch (err) {
          await raw.query('ROLLBACK');
          throw err;
        }
      };
      client = { query: (q: string | pg.QueryConfig) => run(typeof q === 'string' ? { text: q } : q) } as Runner;
      scenarioRunner = {
        setup: async (sql) => {
          await raw.query(sql);
        },
        run: async (statement) => {
          const config: pg.QueryConfig = { text: statement.sql };
          if (statement.params) config.values = [...statement.params];
          if (statement.prepared) config.name = statement.prepared;
          const { rows, rowCount } = await run(config);
          return { rows, affectedRows: rowCount };
        },
        actualRequests: () => env.emulator.stats.actualRequests,
      };
    });

    describe('aws_comprehend.detect_sentiment in every SQL position (the table shared with the MySQL front)', () => {
      for (const { scenario, statements } of scenariosFor('pg')) {
        it(`${scenario.id}: ${scenario.name}`, () => runScenario(scenario, statements, scenarioRunner));
      }
    });

    describe('aws_comprehend.detect_sentiment in PostgreSQL-only positions', () => {
      it('SELECT * FROM f(...) with literals', async () => {
        const { rows, fields } = await client.query(
          `SELECT * FROM aws_comprehend.detect_sentiment('I love this product!', 'en')`,
        );
        expect(fields.map((f) => f.name)).toEqual(['sentiment', 'confidence']);
        expect(rows[0].sentiment).toBe(expected('I love this product!').sentiment);
        expect(rows[0].sentiment).toBe('POSITIVE');
        expect(rows[0].confidence).toBeCloseTo(expected('I love this product!').confidence, 5);
      });

      it('FROM t, f(t.c) s WHERE s.confidence > x', async () => {
        const { rows } = await client.query(
          `SELECT t.id, s.sentiment FROM reviews t, aws_comprehend.detect_sentiment(t.body, 'en') s WHERE s.confidence > 0.5 ORDER BY t.id`,
        );
        expect(rows.map((r) => r.id)).toEqual(byId.filter((r) => r.confidence > 0.5).map((r) => r.id));
      });

      it('LATERAL and (f).*', async () => {
        const lateral = await client.query(
          `SELECT t.id, s.* FROM reviews t CROSS JOIN LATERAL aws_comprehend.detect_sentiment(t.body, 'en') s ORDER BY t.id`,
        );
        expect(lateral.rows.map((r) => r.sentiment)).toEqual(byId.map((r) => r.sentiment));
        const star = await client.query(`SELECT (aws_comprehend.detect_sentiment(body, 'en')).* FROM reviews ORDER BY id`);
        expect(star.rows.map((r) => r.sentiment)).toEqual(byId.map((r) => r.sentiment));
      });

      it('materialized views and a LANGUAGE sql wrapper function', async () => {
        await raw.query(
          `CREATE FUNCTION sentiment_of(t text) RETURNS varchar LANGUAGE sql PARALLEL SAFE COST 5000
       AS $$ SELECT (aws_comprehend.detect_sentiment(t, 'en')).sentiment $$`,
        );
        const wrapper = await client.query('SELECT sentiment_of(body) AS s FROM reviews ORDER BY id');
        expect(wrapper.rows.map((r) => r.s)).toEqual(byId.map((r) => r.sentiment));
        await client.query('CREATE MATERIALIZED VIEW mv AS SELECT id, sentiment_of(body) AS s FROM reviews');
        await client.query('REFRESH MATERIALIZED VIEW mv');
        const mv = await client.query('SELECT s FROM mv ORDER BY id');
        expect(mv.rows.map((r) => r.s)).toEqual(byId.map((r) => r.sentiment));
      });

      it('named arguments', async () => {
        const { rows } = await client.query(
          `SELECT sentiment FROM aws_comprehend.detect_sentiment(language_code := 'en', input_text := 'I love this product!')`,
        );
        expect(rows[0].sentiment).toBe('POSITIVE');
      });
    });

    describe('aws_sagemaker.invoke_endpoint', () => {
      it('VARIADIC inputs become one CSV line per row, batched by max_rows_per_batch', async () => {
        container.requests.length = 0;
        const { rows } = await client.query(
          `SELECT g, aws_sagemaker.invoke_endpoint('sum-endpoint', 2, g, g * 10, NULL)::int AS total FROM generate_series(1, 5) g ORDER BY g`,
        );
        expect(rows.map((r) => r.total)).toEqual([11, 22, 33, 44, 55]);
        const invocations = container.requests.filter((r) => r.path === '/invocations');
        expect(invocations.length).toBe(3);
        expect(invocations[0]?.headers['content-type']).toBe('text/csv');
        expect(invocations.flatMap((r) => r.body.toString().trim().split('\n')).sort()).toEqual(
          ['1,10,', '2,20,', '3,30,', '4,40,', '5,50,'].sort(),
        );
      });

      it('a LANGUAGE sql wrapper with PARALLEL SAFE COST 5000 and a cast result', async () => {
        await raw.query(
          `CREATE FUNCTION add_two(a int, b int) RETURNS int LANGUAGE sql PARALLEL SAFE COST 5000
       AS $$ SELECT aws_sagemaker.invoke_endpoint('sum-endpoint', NULL, a, b)::int $$`,
        );
        const { rows } = await client.query('SELECT add_two(g, 100) AS v FROM generate_series(1, 3) g ORDER BY 1');
        expect(rows.map((r) => r.v)).toEqual([101, 102, 103]);
      });

      it('1-D arrays are flattened into CSV fields; VARIADIC ARRAY[...] works', async () => {
        const { rows } = await client.query(
          `SELECT aws_sagemaker.invoke_endpoint('sum-endpoint', NULL, ARRAY[1, 2, 3])::int AS a,
              aws_sagemaker.invoke_endpoint('sum-endpoint', NULL, VARIADIC ARRAY[4, 5])::int AS b`,
        );
        expect(rows[0]).toEqual({ a: 6, b: 9 });
      });

      it('an endpoint served by a local JS/TS module', async () => {
        const { rows } = await client.query(
          `SELECT g, aws_sagemaker.invoke_endpoint('double-endpoint', NULL, g)::int AS d FROM generate_series(1, 4) g ORDER BY g`,
        );
        expect(rows.map((r) => r.d)).toEqual([2, 4, 6, 8]);
      });

      it('the built-in demo endpoint works with no setup', async () => {
        const { rows } = await client.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'a', 1) AS out`);
        // demo-echo answers each line's fields joined by spaces (not the stubs' placeholder '0').
        expect(rows[0].out).toBe('a 1');
      });
    });
  });
});
