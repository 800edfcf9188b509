/**
 * The keys of a call on literals, computed by the emulator without asking
 * the database (src/aurora/pg/literal-keys.ts), against the database's own:
 * the stub's `json_build_array(...)::text` and its md5, run on the same
 * arguments. Generated texts cover every control character, quotes,
 * backslashes, non-ASCII and astral characters; the literals the emulator
 * must not read (casts, floats, strings for an int, named arguments) give no
 * keys at all.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundParams } from '../src/aurora/pg/bound-params.ts';
import { pgJsonArray, pgJsonString } from '../src/aurora/pg/literal-keys.ts';
import { preparePrefetch } from '../src/aurora/pg/prefetch.ts';
import { startTestEmulatorWithMl, type TestEmulator } from './helpers/emulator.ts';
import { Rng } from './helpers/pg-differential/prng.ts';

let env: TestEmulator;
let direct: pg.Client;

beforeAll(async () => {
  env = await startTestEmulatorWithMl();
  direct = new pg.Client({ connectionString: env.directUrl });
  await direct.connect();
});

afterAll(async () => {
  await direct?.end();
  await env?.[Symbol.asyncDispose]();
});

const PIECES = [
  ...Array.from({ length: 31 }, (_v, i) => String.fromCharCode(i + 1)),
  '"',
  "'",
  '\\',
  '/',
  ' ',
  'a',
  'Z',
  '0',
  'é',
  'ß',
  '中文',
  '😀',
  '\u2028',
  '\u007f',
  '\u0080',
  '\uffff',
  '{"k": [1]}',
  'I love it',
];

function texts(seed: number, count: number): string[] {
  const rng = new Rng(seed);
  const out = ['', ' ', "it''s", 'x'.repeat(5000)];
  while (out.length < count) {
    const length = rng.int(0, 11);
    out.push(Array.from({ length }, () => rng.pick(PIECES)).join(''));
  }
  return out;
}

const SEED = Number(process.env.LITERAL_KEYS_SEED ?? 20261207);

describe('PostgreSQL JSON text, as the emulator writes it', () => {
  it('equals json_build_array(...)::text for every generated string', async () => {
    const all = texts(SEED, 400);
    const { rows } = await direct.query<{ a: string }>(
      `SELECT aurora_ml_private.detect_sentiment_args(t, 'en', n) AS a
         FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS u(t, n, i) ORDER BY i`,
      [all, all.map((_t, i) => (i % 3 === 0 ? null : i - 200))],
    );
    expect(rows).toHaveLength(all.length);
    all.forEach((text, i) => {
      expect(pgJsonArray([text, 'en', i % 3 === 0 ? null : i - 200]), JSON.stringify(text)).toBe(rows[i]?.a);
    });
    expect(pgJsonString('tab\there')).toBe('"tab\\there"');
  });
});

/** The statement's literal form of `text`: quotes doubled (the sealed statements the keys are for have no backslash). */
const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;

describe('the keys of a statement on literals', () => {
  it('are the keys the prefetch query computes, for every generated literal without a backslash', async () => {
    const all = texts(SEED + 1, 300).filter((t) => !t.includes('\\'));
    for (const [i, text] of all.entries()) {
      const batch = i % 4 === 0 ? '' : i % 4 === 1 ? ', NULL' : `, ${i}`;
      const sql = `SELECT * FROM aws_comprehend.detect_sentiment(${quoted(text)}, 'en'${batch})`;
      const prefetch = preparePrefetch(sql, '2.0');
      const calls = prefetch?.literalCalls;
      expect(calls, sql).toBeTruthy();
      const { rows } = await direct.query<{ f: string; a: string; md5: string }>(prefetch?.query ?? '');
      expect(rows).toHaveLength(1);
      const ours = [...(calls?.values() ?? [])];
      expect(ours.map((c) => ({ f: c.call.fn, a: c.keyText, md5: c.call.key }))).toEqual(
        rows.map((r) => ({ f: r.f, a: r.a, md5: r.md5 })),
      );
      expect(ours[0]?.call.args).toEqual(JSON.parse(rows[0]?.a ?? 'null'));
    }
  });

  it('covers every site, a field of the answer and Bedrock, with each distinct call once', async () => {
    const sql = `SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS s,
        aws_comprehend.detect_sentiment('I love it', 'en') AS r,
        aws_bedrock.invoke_model('amazon.titan', 'application/json', 'application/json', '{"inputText": "hi"}') AS b`;
    const prefetch = preparePrefetch(sql, '2.0');
    expect(prefetch?.sealed).toBe(true);
    const ours = [...(prefetch?.literalCalls?.values() ?? [])].map((c) => [c.call.fn, c.keyText, c.call.key]);
    const { rows } = await direct.query<{ f: string; a: string; md5: string }>(prefetch?.query ?? '');
    expect(ours.sort()).toEqual(rows.map((r) => [r.f, r.a, r.md5]).sort());
    expect(ours).toHaveLength(2);
  });

  it('are not read from anything the database might read otherwise', () => {
    for (const sql of [
      `SELECT * FROM aws_comprehend.detect_sentiment('x'::text, 'en')`,
      `SELECT * FROM aws_comprehend.detect_sentiment('x', 'en', 2.5)`,
      `SELECT * FROM aws_comprehend.detect_sentiment('x', 'en', '25')`,
      `SELECT * FROM aws_comprehend.detect_sentiment('x', 'en', 1e3)`,
      `SELECT * FROM aws_comprehend.detect_sentiment('x', 'en', 2147483648)`,
      `SELECT * FROM aws_comprehend.detect_sentiment(input_text => 'x', language_code => 'en')`,
      `SELECT * FROM aws_comprehend.detect_sentiment(E'x', 'en')`,
      `SELECT * FROM aws_comprehend.detect_sentiment('a\\b', 'en')`,
      `SELECT * FROM aws_comprehend.detect_sentiment(1, 'en')`,
      `SELECT aws_sagemaker.invoke_endpoint('ep', NULL, '1')`,
    ]) {
      expect(preparePrefetch(sql, '2.0')?.literalCalls ?? null, sql).toBeNull();
    }
  });
});

describe('the keys of a statement on bound parameters', () => {
  const bind = (params: (Buffer | null)[], paramFormats: number[] = []) => ({
    portal: '',
    statement: '',
    paramFormats,
    params,
    resultFormats: [],
  });
  const decode = (bytes: Buffer) => bytes.toString('utf8');
  const int4 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const SQL = `SELECT * FROM aws_comprehend.detect_sentiment($1, $2, $3)`;

  it('are the keys the prefetch query computes with the same values bound, backslashes included', async () => {
    const prefetch = preparePrefetch(SQL, '2.0');
    expect(prefetch?.sealed).toBe(true);
    for (const [i, text] of texts(SEED + 2, 300).entries()) {
      const batch = i % 3 === 0 ? null : i - 150;
      const binary = i % 2 === 0;
      const params = [
        Buffer.from(text),
        Buffer.from('en'),
        batch === null ? null : binary ? int4(batch) : Buffer.from(String(batch)),
      ];
      const calls = prefetch?.callsWith(boundParams(bind(params, binary ? [1] : [0]), i % 5 === 0 ? [25, 1043, 23] : [], decode));
      expect(calls, JSON.stringify(text)).toBeTruthy();
      const { rows } = await direct.query<{ f: string; a: string; md5: string }>(prefetch?.query ?? '', [text, 'en', batch]);
      expect([...(calls?.values() ?? [])].map((c) => ({ f: c.call.fn, a: c.keyText, md5: c.call.key }))).toEqual(
        rows.map((r) => ({ f: r.f, a: r.a, md5: r.md5 })),
      );
    }
  });

  it('are not read from values the database might read otherwise', () => {
    const prefetch = preparePrefetch(SQL, '2.0');
    const text = Buffer.from('x');
    const en = Buffer.from('en');
    const none = (params: (Buffer | null)[], formats: number[], types: number[]) =>
      prefetch?.callsWith(boundParams(bind(params, formats), types, decode)) ?? null;
    // Types other than the parameter's own: bpchar, int2, int8, unknown, float8.
    expect(none([text, en, int4(5)], [0], [1042, 0, 0])).toBeNull();
    expect(none([text, en, Buffer.from('5')], [0], [0, 0, 21])).toBeNull();
    expect(none([text, en, Buffer.from('5')], [0], [0, 0, 20])).toBeNull();
    expect(none([text, en, Buffer.from('5')], [0], [705, 0, 0])).toBeNull();
    expect(none([text, en, Buffer.from('5')], [0], [0, 0, 701])).toBeNull();
    // int4 text the emulator does not parse as int4in would, out of range, a binary value of the wrong size.
    for (const n of [' 5', '5.0', '0x10', '1_000', '2147483648', ''])
      expect(none([text, en, Buffer.from(n)], [0], []), n).toBeNull();
    expect(none([text, en, Buffer.alloc(8)], [1], [])).toBeNull();
    // An unknown format code, a parameter the Bind does not have.
    expect(none([text, en, Buffer.from('5')], [2], [])).toBeNull();
    expect(none([text, en], [0], [])).toBeNull();
    // NULL is NULL whatever the type.
    expect(none([text, en, null], [1], [0, 0, 23])).not.toBeNull();
  });
});
