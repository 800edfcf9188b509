/**
 * aws_comprehend.detect_pii_entities (PostgreSQL) and
 * aws_comprehend_detect_pii_entities (MySQL): an emulator extension, added
 * as the registry's demonstration (one registry entry, its evaluation, these
 * tests). Every row is checked against the built-in detector's own answer;
 * Comprehend has no BatchDetectPiiEntities, so each document is one request.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectPiiEntities } from '../src/backends/comprehend/pii.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';

const DOCS = [
  'Write to jane.doe@example.com or call (206) 555-0123 before 2026-01-15.',
  'My card 4111 1111 1111 1111 was charged from 192.168.1.20.',
  'Nothing personal here at all.',
  'Envíe la factura a carlos@ejemplo.es, por favor.',
];
const LANGUAGES = ['en', 'en', 'en', 'es'];

/** What the emulator must answer for document i: the detector's entities, in Comprehend's order. */
const expected = (i: number) => detectPiiEntities(DOCS[i] as string, LANGUAGES[i] as string);

describe('PostgreSQL: aws_comprehend.detect_pii_entities', () => {
  let env: TestEmulator;
  let client: pg.Client;
  let strict: TestEmulator;

  beforeAll(async () => {
    env = await startTestEmulator();
    strict = await startTestEmulator({ strict: true });
    client = await env.client();
    await client.query('CREATE EXTENSION aws_ml CASCADE');
    await client.query('CREATE TABLE docs (id int PRIMARY KEY, body text, lang text)');
    for (const [i, body] of DOCS.entries()) {
      await client.query('INSERT INTO docs VALUES ($1, $2, $3)', [i, body, LANGUAGES[i]]);
    }
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
    await strict?.[Symbol.asyncDispose]();
  });

  it('answers every document row by row, with a NOTICE that it is an extension, one request per document', async () => {
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    const before = env.emulator.stats.actualRequests;
    const { rows } = await client.query(
      `SELECT d.id, p.type, p.score, p.begin_offset, p.end_offset
         FROM docs d, aws_comprehend.detect_pii_entities(d.body, d.lang) p
        ORDER BY d.id, p.begin_offset`,
    );
    client.removeAllListeners('notice');
    const want = DOCS.flatMap((_d, id) =>
      expected(id).map((e) => ({
        id,
        type: e.type,
        // The column is real: float4, as PostgreSQL returns it.
        score: Math.fround(e.score),
        begin_offset: e.beginOffset,
        end_offset: e.endOffset,
      })),
    );
    expect(want.length).toBeGreaterThanOrEqual(6);
    expect(rows.map((r) => ({ ...r, score: Math.fround(r.score) }))).toEqual(want);
    expect(notices.some((n) => n.includes('detect_pii_entities') && n.includes('aurora-ml-emulator'))).toBe(true);
    expect(env.emulator.stats.actualRequests - before).toBe(DOCS.length);
  });

  it("checks the language as Comprehend's DetectPiiEntities does (English and Spanish only)", async () => {
    await expect(client.query(`SELECT * FROM aws_comprehend.detect_pii_entities('Bonjour', 'fr')`)).rejects.toThrow(
      /UnsupportedLanguageException/,
    );
    // The connection survives the error.
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM aws_comprehend.detect_pii_entities($1, 'en')`, [DOCS[0]]);
    expect(rows[0].n).toBe(expected(0).length);
  });

  it('is refused in strict mode, as real Aurora PostgreSQL has no such function', async () => {
    const c = await strict.client();
    await c.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    await expect(c.query(`SELECT * FROM aws_comprehend.detect_pii_entities('a@b.co', 'en')`)).rejects.toMatchObject({
      code: '0A000',
    });
  });
});

describe('MySQL: aws_comprehend_detect_pii_entities', () => {
  let env: MysqlTestEmulator;

  beforeAll(async () => {
    env = await startMysqlTestEmulator(
      {},
      {
        prepare: async (admin, database) => {
          await admin.query(
            `CREATE TABLE ${database}.docs (id INT PRIMARY KEY, body TEXT, lang VARCHAR(8)) CHARACTER SET utf8mb4`,
          );
          for (const [i, body] of DOCS.entries()) {
            await admin.query(`INSERT INTO ${database}.docs VALUES (?, ?, ?)`, [i, body, LANGUAGES[i]]);
          }
        },
      },
    );
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  it("returns Comprehend's JSON per row, with a warning that it is an extension", async () => {
    const conn = await env.client({ charset: 'utf8mb4' });
    const [rows] = await conn.query('SELECT id, aws_comprehend_detect_pii_entities(body, lang) AS p FROM docs ORDER BY id');
    const got = (rows as { id: number; p: string }[]).map((r) => ({ id: r.id, p: JSON.parse(r.p) as unknown }));
    expect(got).toEqual(
      DOCS.map((_d, id) => ({
        id,
        p: expected(id).map((e) => ({ Type: e.type, Score: e.score, BeginOffset: e.beginOffset, EndOffset: e.endOffset })),
      })),
    );
    const [warnings] = await conn.query('SHOW WARNINGS');
    expect(JSON.stringify(warnings)).toContain('aws_comprehend_detect_pii_entities() is an aurora-ml-emulator extension');
  });

  it('is refused once the session turns strict mode on', async () => {
    const conn = await env.client();
    await conn.query('SET aurora_ml_strict = ON');
    await expect(conn.query(`SELECT aws_comprehend_detect_pii_entities('a@b.co', 'en')`)).rejects.toMatchObject({
      message: expect.stringContaining('aws_comprehend_detect_pii_entities'),
    });
    const [ok] = await conn.query(`SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`);
    expect(ok).toEqual([{ s: 'POSITIVE' }]);
  });
});
