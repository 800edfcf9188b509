/**
 * Issue 11, finding 12: an expression that fails on the placeholder a miss
 * returns (1 / 0 for a SageMaker answer of '0') stopped every run at its
 * first unanswered row, so each run found one call, and after 12 runs the
 * statement failed with a misleading "arguments kept changing" error. Misses
 * now answer with the statement's latest real answer for the same endpoint,
 * so the statement converges in three runs with the right result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

let env: TestEmulator;
const ROWS = 500;

beforeAll(async () => {
  env = await startTestEmulator();
  const admin = await env.client();
  await admin.query('CREATE EXTENSION aws_ml CASCADE');
  await admin.query(`CREATE TABLE t AS SELECT i AS a, 'row ' || i AS b FROM generate_series(1, ${ROWS}) AS i`);
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

/** SageMaker requests the emulator made so far (its call log). */
async function sagemakerRequests(): Promise<number> {
  const res = await fetch(`${env.emulator.api.url}/_aurora-ml/calls?limit=10000`);
  const body = (await res.json()) as { calls?: { service?: string }[] };
  return (body.calls ?? []).filter((c) => c.service === 'sagemaker').length;
}

describe('discovery through an expression that fails on a placeholder', () => {
  it('sum(1 / invoke_endpoint(...)) over 500 rows: the right sum, found in three runs', async () => {
    const client = await env.client();
    // Each row's answer, asked in a statement that cannot fail on a placeholder.
    const each = await client.query<{ out: string }>(
      `SELECT aws_sagemaker.invoke_endpoint('demo-score', NULL, a, b) AS out FROM t ORDER BY a`,
    );
    expect(each.rows).toHaveLength(ROWS);
    const expected = each.rows.reduce((sum, r) => sum + 1 / Number(r.out), 0);
    const before = await sagemakerRequests();
    const { rows } = await client.query<{ total: number }>(
      `SELECT sum(1 / aws_sagemaker.invoke_endpoint('demo-score', NULL, a, b)::float8) AS total FROM t`,
    );
    expect(rows[0]?.total).toBeCloseTo(expected, 6);
    // Answered from the model again (a new statement starts with an empty cache), in few requests.
    const requests = (await sagemakerRequests()) - before;
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThan(20);
  });

  it('through a LANGUAGE SQL wrapper (the AWS guide style): split_part(...)::float8 in the divisor', async () => {
    const client = await env.client();
    await client.query(`CREATE FUNCTION score_of(a int, b text) RETURNS float8 LANGUAGE SQL AS
      $$ SELECT split_part(aws_sagemaker.invoke_endpoint('demo-score', NULL, a, b), ',', 1)::float8 $$`);
    const each = await client.query<{ s: number }>(`SELECT score_of(a, b) AS s FROM t ORDER BY a`);
    const expected = each.rows.reduce((sum, r) => sum + 1 / r.s, 0);
    const { rows } = await client.query<{ total: number }>(`SELECT sum(1 / score_of(a, b)) AS total FROM t`);
    expect(rows[0]?.total).toBeCloseTo(expected, 6);
  });
});
