/**
 * Faults injected through the API port (PATCH /_aurora-ml/backends) reach
 * SQL on both fronts as the catalog's errors, Aurora's retries show in
 * Aurora_ml_retry_request_cnt, the call log names the connection, and the
 * connection stays usable.
 */
import { ComprehendClient, DetectSentimentCommand } from '@aws-sdk/client-comprehend';
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../src/errors.ts';
import { mysqlUrl, startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

let env: TestEmulator;
let pgClient: pg.Client;
let my: mysql.Connection;

async function patchControls(patch: unknown): Promise<Response> {
  return fetch(`${env.emulator.api.url}/_aurora-ml/backends`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
}

beforeAll(async () => {
  env = await startTestEmulator({ mysqlListen: '127.0.0.1:0', mysqlUpstream: mysqlUrl() });
  pgClient = await env.client();
  await pgClient.query('CREATE EXTENSION aws_ml CASCADE');
  my = await mysql.createConnection(env.emulator.mysql?.url ?? '');
});

afterAll(async () => {
  await my?.end();
  await env?.[Symbol.asyncDispose]();
});

describe('faults injected at the API', () => {
  it('three throttles in a row: two retries counted, then the catalog error on PostgreSQL; the next call works', async () => {
    const retriesBefore = env.emulator.stats.retries;
    const res = await patchControls({
      comprehend: { faults: { queue: ['ThrottlingException', 'ThrottlingException', 'ThrottlingException'] } },
    });
    expect(res.status).toBe(200);
    const err = await pgClient.query(`SELECT (aws_comprehend.detect_sentiment('first try', 'en')).sentiment`).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe(catalog.ServiceFailure.pg);
    expect(err?.message).toContain('ThrottlingException');
    expect(env.emulator.stats.retries - retriesBefore).toBe(2);
    const { rows } = await pgClient.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS s`);
    expect(rows).toEqual([{ s: 'POSITIVE' }]);
  });

  it('one throttle is retried away on MySQL, and Aurora_ml_retry_request_cnt shows it', async () => {
    const [before] = await my.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'Aurora_ml_retry_request_cnt'");
    await patchControls({ comprehend: { faults: { queue: ['ThrottlingException'] } } });
    const [rows] = await my.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('I hate it', 'en') AS s`);
    expect(rows).toEqual([{ s: 'NEGATIVE' }]);
    const [after] = await my.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'Aurora_ml_retry_request_cnt'");
    expect(Number(after[0]?.Value) - Number(before[0]?.Value)).toBe(1);
  });

  it('a SageMaker endpoint marked down fails on both fronts with the catalog error, and comes back', async () => {
    await patchControls({ sagemaker: { targets: { 'demo-echo': { faults: { down: true } } } } });
    const pgErr = await pgClient.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'a')`).then(
      () => null,
      (e: unknown) => e as { code?: string },
    );
    expect(pgErr?.code).toBe(catalog.ServiceUnavailable.pg);
    await expect(my.query(`SELECT aws_sagemaker_invoke_endpoint('demo-echo', 'a') AS x`)).rejects.toMatchObject({
      errno: catalog.ServiceUnavailable.mysqlErrno,
      sqlState: catalog.ServiceUnavailable.mysqlState,
    });
    const [ok] = await my.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
    expect(ok).toEqual([{ one: 1 }]);
    await patchControls({ sagemaker: { targets: { 'demo-echo': null } } });
    const { rows } = await pgClient.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'a', 1) AS out`);
    expect(rows).toEqual([{ out: 'a 1' }]);
  });

  it('GET shows the settings; a bad patch is refused and changes nothing', async () => {
    const bad = await patchControls({ comprehend: { latency: { kind: 'fixed', ms: -5 } } });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string } };
    expect(body.error.code).toBe('ValidationException');
    const current = (await (await fetch(`${env.emulator.api.url}/_aurora-ml/backends`)).json()) as {
      comprehend: { latency?: unknown };
    };
    expect(current.comprehend.latency).toBeUndefined();
  });

  it("the service APIs answer an injected throttle at once: the caller's SDK retries, Aurora's counters do not move", async () => {
    const retriesBefore = env.emulator.stats.retries;
    await patchControls({ comprehend: { faults: { queue: ['ThrottlingException'] } } });
    const comprehend = new ComprehendClient({
      endpoint: env.emulator.api.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await expect(comprehend.send(new DetectSentimentCommand({ Text: 'I love it', LanguageCode: 'en' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(env.emulator.stats.retries).toBe(retriesBefore);
    const ok = await comprehend.send(new DetectSentimentCommand({ Text: 'I love it', LanguageCode: 'en' }));
    expect(ok.Sentiment).toBe('POSITIVE');
    comprehend.destroy();
  });

  it('the call log names the connection a backend call served', async () => {
    const { rows } = await pgClient.query('SELECT pg_backend_pid() AS pid');
    env.emulator.observer.clear();
    await pgClient.query(`SELECT (aws_comprehend.detect_sentiment('logged call', 'en')).sentiment`);
    const calls = env.emulator.observer.calls({ service: 'comprehend' });
    expect(calls.length).toBe(1);
    expect(calls[0]?.origin).toEqual({ front: 'postgres', connectionId: Number(rows[0].pid) });
  });
});
