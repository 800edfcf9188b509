/**
 * The seed document's PostgreSQL examples, in their seed form (accepted with
 * a NOTICE, rejected in strict mode) and in their real Aurora form.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSentiment } from '../src/backends/comprehend/sentiment.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

/** The fraud model: reads the seed's JSON payload or CSV fields, flags large amounts abroad. */
function fraudScore(line: string): string {
  const unquoted = line.startsWith('"') ? line.slice(1, -1).replace(/""/g, '"') : line;
  const [amount, , location] = unquoted.startsWith('{')
    ? (() => {
        const o = JSON.parse(unquoted) as { amount: number; merchant: string; location: string };
        return [o.amount, o.merchant, o.location] as const;
      })()
    : (unquoted.split(',') as [string, string, string]);
  return Number(amount) > 1000 && location !== 'US' ? '0.97' : '0.03';
}

const TRANSACTIONS = [
  { id: 1, amount: 25.5, merchant: 'coffee', location: 'US', status: 'pending' },
  { id: 2, amount: 4999, merchant: 'jewels', location: 'FR', status: 'pending' },
  { id: 3, amount: 2000, merchant: 'laptops', location: 'US', status: 'pending' },
  { id: 4, amount: 9000, merchant: 'cars', location: 'DE', status: 'settled' },
];

let env: TestEmulator;
let strictEnv: TestEmulator;
let client: pg.Client;
let container: InferenceContainer;

beforeAll(async () => {
  container = await InferenceContainer.start({ handler: (lines) => lines.map(fraudScore) });
  const endpoints = {
    'fraud-endpoint': { kind: 'container', url: container.url },
    'my-endpoint': { kind: 'container', url: container.url },
  } as const;
  env = await startTestEmulator({ sagemakerEndpoints: endpoints });
  strictEnv = await startTestEmulator({ sagemakerEndpoints: endpoints, strict: true });
  client = await env.client();
  await client.query('CREATE EXTENSION aws_ml CASCADE');
  await client.query('CREATE TABLE transactions (transaction_id int, amount numeric, merchant text, location text, status text)');
  for (const t of TRANSACTIONS) {
    await client.query('INSERT INTO transactions VALUES ($1, $2, $3, $4, $5)', [
      t.id,
      t.amount,
      t.merchant,
      t.location,
      t.status,
    ]);
  }
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
  await strictEnv?.[Symbol.asyncDispose]();
  await container?.[Symbol.asyncDispose]();
});

const pendingScores = TRANSACTIONS.filter((t) => t.status === 'pending').map((t) => ({
  transaction_id: t.id,
  fraud_score: Number(fraudScore(`${t.amount},${t.merchant},${t.location}`)),
}));

describe('fraud scoring (seed scenario 2)', () => {
  it('seed form: two-argument invoke_endpoint with json_build_object(...)::text, with a NOTICE', async () => {
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    const { rows } = await client.query(
      `SELECT transaction_id,
       aws_sagemaker.invoke_endpoint('fraud-endpoint',
       json_build_object('amount', amount, 'merchant', merchant, 'location', location)::text) AS fraud_score
       FROM transactions
       WHERE status = 'pending' ORDER BY transaction_id`,
    );
    client.removeAllListeners('notice');
    expect(rows.map((r) => ({ transaction_id: r.transaction_id, fraud_score: Number(r.fraud_score) }))).toEqual(pendingScores);
    expect(notices.some((n) => n.includes('two-argument') && n.includes('real Aurora PostgreSQL rejects it'))).toBe(true);
    const sent = container.requests.at(-1)?.body.toString() ?? '';
    expect(sent).toContain('""amount""');
  });

  it('real Aurora form: invoke_endpoint(endpoint, NULL, VARIADIC inputs)::float in a wrapper function', async () => {
    await client.query(
      `CREATE FUNCTION fraud_score(amount numeric, merchant text, location text) RETURNS float
       LANGUAGE sql PARALLEL SAFE COST 5000
       AS $$ SELECT aws_sagemaker.invoke_endpoint('fraud-endpoint', NULL, amount, merchant, location)::float $$`,
    );
    const { rows } = await client.query(
      `SELECT transaction_id, fraud_score(amount, merchant, location) AS fraud_score
       FROM transactions WHERE status = 'pending' ORDER BY transaction_id`,
    );
    expect(rows).toEqual(pendingScores);
  });

  it('strict mode rejects the seed form with 0A000 and accepts the real form', async () => {
    const strict = await strictEnv.client();
    await strict.query('CREATE EXTENSION aws_ml CASCADE');
    await expect(strict.query(`SELECT aws_sagemaker.invoke_endpoint('fraud-endpoint', 'x')`)).rejects.toMatchObject({
      code: '0A000',
    });
    await expect(strict.query(`SELECT * FROM aws_comprehend.detect_entities('Jeff lives in Paris', 'en')`)).rejects.toMatchObject(
      {
        code: '0A000',
      },
    );
    const { rows } = await strict.query(
      `SELECT aws_sagemaker.invoke_endpoint('fraud-endpoint', NULL, 5000, 'x', 'FR')::float AS s`,
    );
    expect(rows[0].s).toBe(0.97);
  });

  it('SET aurora_ml.strict switches strict mode for one session only', async () => {
    const a = await env.client();
    const b = await env.client();
    await a.query('SET aurora_ml.strict = on');
    await expect(a.query(`SELECT aws_sagemaker.invoke_endpoint('fraud-endpoint', 'x')`)).rejects.toMatchObject({ code: '0A000' });
    const other = await b.query(`SELECT aws_sagemaker.invoke_endpoint('fraud-endpoint', 'x') AS s`);
    expect(other.rows[0].s).toBe('0.03');
    const shown = await a.query('SHOW aurora_ml.strict');
    expect(shown.rows[0]['aurora_ml.strict']).toBe('on');
    await a.query('RESET aurora_ml.strict');
    const back = await a.query(`SELECT aws_sagemaker.invoke_endpoint('fraud-endpoint', 'x') AS s`);
    expect(back.rows[0].s).toBe('0.03');
    await expect(a.query('SET aurora_ml.strict = maybe')).rejects.toMatchObject({ code: '22023' });
  });
});

describe('sentiment of reviews (seed scenario: SELECT ... FROM reviews)', () => {
  const reviews = ['Absolutely love it, five stars!', 'Broke after two days, want a refund.', 'It is a blue box.'];

  it('real Aurora form', async () => {
    await client.query('CREATE TABLE reviews (id serial, review_text text)');
    for (const r of reviews) await client.query('INSERT INTO reviews (review_text) VALUES ($1)', [r]);
    const { rows } = await client.query(
      `SELECT id, review_text, (aws_comprehend.detect_sentiment(review_text, 'en')).sentiment AS sentiment FROM reviews ORDER BY id`,
    );
    expect(rows.map((r) => r.sentiment)).toEqual(reviews.map((r) => analyzeSentiment(r, 'en').sentiment));
    expect(rows.map((r) => r.sentiment)).toEqual(['POSITIVE', 'NEGATIVE', 'NEUTRAL']);
  });

  it('seed form: aws_sagemaker.invoke_endpoint(my-endpoint, review_text) AS prediction', async () => {
    const { rows } = await client.query(
      `SELECT id, review_text, aws_sagemaker.invoke_endpoint('my-endpoint', review_text) AS prediction FROM reviews ORDER BY id`,
    );
    expect(rows.map((r) => r.prediction)).toEqual(reviews.map((r) => fraudScore(r.includes(',') ? `"${r}"` : r)));
  });
});

describe('the nightly UPDATE over 50,000 tickets (seed scenario 3)', () => {
  it('UPDATE tickets SET sentiment = ... WHERE sentiment IS NULL fills every row with the model answer', async () => {
    await client.query('CREATE TABLE tickets (id int PRIMARY KEY, message text, sentiment varchar)');
    await client.query(`INSERT INTO tickets (id, message)
      SELECT g, (ARRAY['Thanks, the fix works great', 'The app crashes when I log in', 'Please reset my password',
                       'I was charged twice and nobody answers', 'Love the new dashboard'])[1 + g % 5] || ' (ticket ' || g || ')'
      FROM generate_series(1, 50000) g`);
    const before = env.emulator.stats.actualRequests;
    const update = await client.query(
      `UPDATE tickets SET sentiment = (aws_comprehend.detect_sentiment(message, 'en')).sentiment WHERE sentiment IS NULL`,
    );
    expect(update.rowCount).toBe(50000);
    // 50,000 distinct texts in batches of at most 25.
    expect(env.emulator.stats.actualRequests - before).toBe(2000);
    const { rows } = await client.query(`SELECT count(*)::int AS n, count(sentiment)::int AS filled FROM tickets`);
    expect(rows[0]).toEqual({ n: 50000, filled: 50000 });
    const sample = await client.query('SELECT message, sentiment FROM tickets WHERE id % 997 = 0');
    for (const r of sample.rows) expect(r.sentiment).toBe(analyzeSentiment(r.message, 'en').sentiment);
    const again = await client.query(
      `UPDATE tickets SET sentiment = (aws_comprehend.detect_sentiment(message, 'en')).sentiment WHERE sentiment IS NULL`,
    );
    expect(again.rowCount).toBe(0);
  });
});
