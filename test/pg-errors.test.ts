/**
 * Every service limit and failure (docs/aurora-behaviour.md) through the PostgreSQL front:
 * the client gets a PostgreSQL error with the catalog's SQLSTATE, the session
 * stays usable and the failed statement leaves no partial writes.
 */
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

let env: TestEmulator;
let client: pg.Client;
let container: InferenceContainer;

beforeAll(async () => {
  container = await InferenceContainer.start();
  env = await startTestEmulator({
    sagemakerEndpoints: {
      'ok-endpoint': { kind: 'container', url: container.url },
      'down-endpoint': { kind: 'container', url: 'http://127.0.0.1:9' },
    },
  });
  client = await env.client();
  await client.query('CREATE EXTENSION aws_ml CASCADE');
  await client.query(`CREATE TABLE notes (id int PRIMARY KEY, body text, s varchar)`);
  await client.query(`INSERT INTO notes VALUES (1, 'I love it', NULL), (2, repeat('long ', 1200), NULL), (3, 'fine', NULL)`);
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
  await container?.[Symbol.asyncDispose]();
});

beforeEach(() => {
  container.set({ status: undefined, delayMs: 0, lineCountDelta: 0 });
});

/** Runs sql, returns the error it raised (fails the test if none). */
async function errorOf(sql: string, c: pg.Client = client): Promise<pg.DatabaseError> {
  try {
    await c.query(sql);
  } catch (err) {
    expect(err).toBeInstanceOf(pg.DatabaseError);
    return err as pg.DatabaseError;
  }
  throw new Error(`expected ${sql} to fail`);
}

/** A fixed latency on every Comprehend request (null: none), through the emulator's API. */
async function comprehendLatency(ms: number | null): Promise<void> {
  const response = await fetch(`${env.emulator.api.url}/_aurora-ml/backends`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ comprehend: { latency: ms === null ? null : { kind: 'fixed', ms } } }),
  });
  expect(response.status).toBe(200);
}

async function stillUsable(c: pg.Client = client): Promise<void> {
  const { rows } = await c.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS s, 1 AS one`);
  expect(rows[0]).toEqual({ s: 'POSITIVE', one: 1 });
}

describe('Comprehend limits', () => {
  it('text over 5000 bytes: 54000 TextSizeLimitExceededException, no partial UPDATE', async () => {
    const err = await errorOf(`UPDATE notes SET s = (aws_comprehend.detect_sentiment(body, 'en')).sentiment`);
    expect(err.code).toBe('54000');
    expect(err.message).toContain('TextSizeLimitExceededException');
    expect(err.message).toContain('6000 bytes');
    const { rows } = await client.query('SELECT count(*)::int AS n FROM notes WHERE s IS NOT NULL');
    expect(rows[0].n).toBe(0);
    await stillUsable();
  });

  it('multi-byte text is measured in UTF-8 bytes', async () => {
    const err = await errorOf(`SELECT aws_comprehend.detect_sentiment(repeat('é', 2501), 'en')`);
    expect(err.code).toBe('54000');
    expect(err.message).toContain('5002 bytes');
  });

  it('unsupported language code: 22023 UnsupportedLanguageException', async () => {
    const err = await errorOf(`SELECT * FROM aws_comprehend.detect_sentiment('hola', 'xx')`);
    expect(err.code).toBe('22023');
    expect(err.message).toContain('UnsupportedLanguageException');
    await stillUsable();
  });

  it('max_rows_per_batch must be positive', async () => {
    const err = await errorOf(`SELECT * FROM aws_comprehend.detect_sentiment('hi', 'en', 0)`);
    expect(err.code).toBe('22023');
    await stillUsable();
  });

  it('inside an explicit transaction the failure aborts it, as a failing statement does', async () => {
    await client.query('BEGIN');
    await client.query(`UPDATE notes SET s = 'x' WHERE id = 1`);
    const err = await errorOf(`SELECT * FROM aws_comprehend.detect_sentiment('hola', 'xx')`);
    expect(err.code).toBe('22023');
    const aborted = await errorOf('SELECT 1');
    expect(aborted.code).toBe('25P02');
    await client.query('ROLLBACK');
    const { rows } = await client.query('SELECT s FROM notes WHERE id = 1');
    expect(rows[0].s).toBeNull();
    await stillUsable();
  });
});

describe('SageMaker failures', () => {
  it('unknown endpoint: 42704 with SageMaker ValidationError text', async () => {
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('no-such-endpoint', NULL, 1)`);
    expect(err.code).toBe('42704');
    expect(err.message).toContain('no-such-endpoint');
    await stillUsable();
  });

  it('endpoint down: 38000 naming the endpoint', async () => {
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('down-endpoint', NULL, 1)`);
    expect(err.code).toBe('38000');
    expect(err.message).toContain('down-endpoint');
    await stillUsable();
  });

  it('model error (HTTP 500): 38000 with the container message', async () => {
    container.set({ status: 500, errorBody: 'model exploded' });
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, 1)`);
    expect(err.code).toBe('38000');
    expect(err.message).toContain('model exploded');
    await stillUsable();
  });

  it('wrong number of response lines: 38000', async () => {
    container.set({ lineCountDelta: -1 });
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, g) FROM generate_series(1, 3) g`);
    expect(err.code).toBe('38000');
    expect(err.message).toMatch(/returned 2 lines for a batch of 3 rows/);
    await stillUsable();
  });

  it('request body over 6 MB: 54000', async () => {
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, repeat('x', 6300000))`);
    expect(err.code).toBe('54000');
    await stillUsable();
  });

  it('more than 100 arguments: 54023', async () => {
    const args = Array.from({ length: 99 }, (_, i) => String(i)).join(', ');
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, ${args})`);
    expect(err.code).toBe('54023');
    await stillUsable();
  });

  it('multi-dimensional arrays are rejected: 22023', async () => {
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, ARRAY[[1,2],[3,4]])`);
    expect(err.code).toBe('22023');
    await stillUsable();
  });
});

describe('statements that cannot be evaluated', () => {
  it('a volatile argument never settles: 0A000 with a hint, nothing written', async () => {
    const err = await errorOf(
      `UPDATE notes SET s = (aws_comprehend.detect_sentiment(random()::text, 'en')).sentiment WHERE id = 1`,
    );
    expect(err.code).toBe('0A000');
    expect(err.hint).toContain('random()');
    const { rows } = await client.query('SELECT s FROM notes WHERE id = 1');
    expect(rows[0].s).toBeNull();
    await stillUsable();
  });

  it('an ML statement in an aborted transaction reports 25P02 like any statement', async () => {
    await client.query('BEGIN');
    await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    const err = await errorOf(`SELECT * FROM aws_comprehend.detect_sentiment('I love it', 'en')`);
    expect(err.code).toBe('25P02');
    await client.query('ROLLBACK');
    await stillUsable();
  });

  it('a user error raised by the statement itself comes through unchanged', async () => {
    const err = await errorOf(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment::int`);
    expect(err.code).toBe('22P02');
    expect(err.message).toContain('POSITIVE');
    await stillUsable();
  });
});

describe('timeouts and cancel', () => {
  it("the client's statement_timeout is honoured while waiting on a backend: 57014", async () => {
    container.set({ delayMs: 3000 });
    await client.query('SET statement_timeout = 300');
    const started = Date.now();
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, 1)`);
    expect(err.code).toBe('57014');
    expect(err.message).toContain('statement timeout');
    expect(Date.now() - started).toBeLessThan(2500);
    await client.query('RESET statement_timeout');
    await stillUsable();
  });

  it('aurora_ml_inference_timeout bounds each backend request: 57014', async () => {
    container.set({ delayMs: 3000 });
    await client.query('SET aurora_ml_inference_timeout = 200');
    const shown = await client.query('SHOW aurora_ml_inference_timeout');
    expect(shown.rows[0].aurora_ml_inference_timeout).toBe('200');
    const started = Date.now();
    const err = await errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, 1)`);
    expect(err.code).toBe('57014');
    expect(err.message).toContain('aurora_ml_inference_timeout');
    expect(Date.now() - started).toBeLessThan(2500);
    await client.query('RESET aurora_ml_inference_timeout');
    const reset = await client.query('SHOW aurora_ml_inference_timeout');
    expect(reset.rows[0].aurora_ml_inference_timeout).toBe('30000');
    const bad = await errorOf('SET aurora_ml_inference_timeout = -5');
    expect(bad.code).toBe('22023');
    await stillUsable();
  });

  it('a timeout lowered between two calls on literals bounds the second, on time (the probe answer kept is dropped)', async () => {
    const c = await env.client();
    try {
      const call = (i: number) => `SELECT * FROM aws_comprehend.detect_sentiment('lowered ${i}', 'en')`;
      // Two calls: the second goes with the probe of the settings the first read.
      for (let i = 0; i < 2; i++) expect((await c.query(call(i))).rows).toHaveLength(1);
      await comprehendLatency(3000);
      await c.query('SET aurora_ml_inference_timeout = 200');
      const started = Date.now();
      const err = await errorOf(call(2), c);
      expect(err.code).toBe('57014');
      expect(err.message).toContain('aurora_ml_inference_timeout (200 ms)');
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await comprehendLatency(null);
      await c.end();
    }
  });

  it('a timeout changed where the emulator cannot see it (inside a function) still bounds the next call on literals', async () => {
    const c = await env.client();
    await client.query(`CREATE OR REPLACE FUNCTION lower_inference_timeout() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_catalog.set_config('aurora_ml.inference_timeout', '200', false); END $$`);
    try {
      const call = (i: number) => `SELECT * FROM aws_comprehend.detect_sentiment('hidden ${i}', 'en')`;
      for (let i = 0; i < 2; i++) expect((await c.query(call(i))).rows).toHaveLength(1);
      await c.query('SELECT lower_inference_timeout()');
      await comprehendLatency(700);
      // The call evaluated under the settings the session had is not answered: the probe showed the new timeout.
      const err = await errorOf(call(2), c);
      expect(err.code).toBe('57014');
      expect(err.message).toContain('aurora_ml_inference_timeout (200 ms)');
      await comprehendLatency(null);
      await stillUsable(c);
    } finally {
      await comprehendLatency(null);
      await c.end();
      await client.query('DROP FUNCTION lower_inference_timeout()');
    }
  });

  it('a SET LOCAL timeout does not outlive its block: the next call outside is evaluated once, under the session timeout', async () => {
    const c = await env.client();
    try {
      const call = (i: number) => `SELECT * FROM aws_comprehend.detect_sentiment('after a block ${i}', 'en')`;
      for (let i = 0; i < 2; i++) expect((await c.query(call(i))).rows).toHaveLength(1);
      await c.query('BEGIN');
      await c.query('SET LOCAL aurora_ml_inference_timeout = 200');
      expect((await c.query(call(2))).rows).toHaveLength(1);
      await c.query('COMMIT');
      await comprehendLatency(500);
      env.emulator.observer.clear();
      expect((await c.query(call(3))).rows).toHaveLength(1);
      // Had the block's 200 ms been kept for the session, a first evaluation would have timed out before this one.
      expect(env.emulator.observer.calls({ service: 'comprehend' }).map((e) => e.outcome)).toEqual(['ok']);
    } finally {
      await comprehendLatency(null);
      await c.end();
    }
  });

  it('CancelRequest stops ML work in flight: 57014, and the session goes on', async () => {
    container.set({ delayMs: 5000 });
    const victim = await env.client();
    const processId = (victim as unknown as { processID: number }).processID;
    const secretKey = (victim as unknown as { secretKey: number }).secretKey;
    const started = Date.now();
    const pending = errorOf(`SELECT aws_sagemaker.invoke_endpoint('ok-endpoint', NULL, 1)`, victim);
    await new Promise((r) => setTimeout(r, 300));
    await sendCancel(env.emulator.postgres.port, processId, secretKey);
    const err = await pending;
    expect(err.code).toBe('57014');
    expect(Date.now() - started).toBeLessThan(2500);
    container.set({ delayMs: 0 });
    await stillUsable(victim);
  });
});

function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      const msg = Buffer.alloc(16);
      msg.writeInt32BE(16, 0);
      msg.writeInt32BE(80877102, 4);
      msg.writeInt32BE(processId, 8);
      msg.writeInt32BE(secretKey, 12);
      socket.end(msg);
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}
