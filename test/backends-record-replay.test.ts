/**
 * Record once, replay offline: the same SQL statement through the real
 * PostgreSQL front gives identical rows when replayed from the cassette with
 * the inference container stopped, and an unseen input fails with the
 * catalog's CassetteMiss naming the cassette.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComposeConfig } from '../src/backends/compose.ts';
import { startTestEmulator } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

const STATEMENT = `
  SELECT id,
         aws_sagemaker.invoke_endpoint('churn', NULL, id, body) AS score,
         (aws_comprehend.detect_sentiment(body, 'en')).sentiment AS sentiment
    FROM (VALUES (1, 'I love this product'), (2, 'The box arrived broken'), (3, 'It is a box')) AS t(id, body)
   ORDER BY id`;

describe('record and replay through the PostgreSQL front', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aurora-ml-cassette-'));
  const cassette = path.join(dir, 'ml.jsonl');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (url: string, mode: 'record' | 'replay'): ComposeConfig => ({
    record: { mode, cassette },
    sagemaker: { endpoints: { churn: { kind: 'container', url } } },
    comprehend: { kind: 'builtin' },
  });

  it('replays the recorded rows with the container stopped, and names the cassette on an unseen request', async () => {
    // Random scores: only a replay from the cassette can give the same ones twice.
    const container = await InferenceContainer.start({
      handler: (lines) => lines.map((l) => `${l.split(',')[0]}:${Math.random()}`),
    });
    const url = container.url;
    let recorded: unknown[];
    try {
      await using env = await startTestEmulator({ backends: config(url, 'record') });
      const c = await env.client();
      await c.query('CREATE EXTENSION aws_ml CASCADE');
      recorded = (await c.query(STATEMENT)).rows;
      expect(recorded).toHaveLength(3);
      expect(container.invocations.length).toBeGreaterThan(0);
    } finally {
      await container.close();
    }
    const lines = readFileSync(cassette, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { service: string }).service).sort()).toEqual(['comprehend', 'sagemaker']);

    await using env = await startTestEmulator({ backends: config(url, 'replay') });
    const c = await env.client();
    await c.query('CREATE EXTENSION aws_ml CASCADE');
    expect((await c.query(STATEMENT)).rows).toEqual(recorded);

    const unseen = c.query(`SELECT aws_sagemaker.invoke_endpoint('churn', NULL, 4, 'never recorded') AS score`);
    await expect(unseen).rejects.toMatchObject({ code: '38000', message: expect.stringContaining(cassette) });
    // The connection stays usable after the error.
    expect((await c.query(STATEMENT)).rows).toEqual(recorded);
  });
});
