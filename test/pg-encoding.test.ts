/**
 * Issue 11, finding 8 (PostgreSQL front): statement text in the client's
 * encoding. Each statement is sent as raw bytes (node-postgres only speaks
 * UTF-8) through the emulator and the same bytes straight to PostgreSQL; the
 * stored bytes must be identical and the ML answers the ones a UTF-8 client
 * gets for the same text. Also: invalid UTF-8 reaches the server (its own
 * 22021), and the pg_extension rewrite never touches data.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { type BackendMessage, dataRow, errorFields, frontend, RawPgConnection, wire } from './helpers/pg-raw.ts';

let env: TestEmulator;
let admin: pg.Client;

const DISH = 'Crème brûlée';

beforeAll(async () => {
  env = await startTestEmulator();
  admin = await env.client();
  await admin.query('CREATE EXTENSION aws_ml CASCADE');
  await admin.query('CREATE TABLE t (label text PRIMARY KEY, v text, answer text)');
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

/** A raw session with `client_encoding`, through the emulator or straight to PostgreSQL. */
async function session(clientEncoding: string, direct = false): Promise<RawPgConnection> {
  const url = new URL(direct ? env.directUrl : env.url);
  const conn = await RawPgConnection.open(Number(url.port || 5432), url.hostname);
  conn.send(wire.startup({ user: 'postgres', database: env.database, client_encoding: clientEncoding }));
  await conn.waitForReady(1);
  conn.take();
  return conn;
}

/** A NUL-terminated field holding these exact bytes. */
const field = (bytes: Buffer) => Buffer.concat([bytes, Buffer.from([0])]);

function simple(sql: Buffer): Buffer[] {
  return [frontend('Q', field(sql))];
}

function extended(sql: Buffer): Buffer[] {
  return [
    frontend('P', Buffer.concat([field(Buffer.alloc(0)), field(sql), Buffer.from([0, 0])])),
    wire.bind('', '', []),
    wire.execute(''),
    wire.sync(),
  ];
}

/** Sends the messages and returns what came back up to the ReadyForQuery. */
async function run(conn: RawPgConnection, messages: Buffer[]): Promise<BackendMessage[]> {
  conn.send(Buffer.concat(messages));
  await conn.waitUntil(() => conn.messages().some((m) => m.code === 'Z'), 15_000);
  return conn.take();
}

const errorCode = (answer: BackendMessage[]) => {
  const error = answer.find((m) => m.code === 'E');
  return error === undefined ? undefined : errorFields(error.payload).get('C');
};

/** The stored row's text and answer as UTF-8 hex (the bytes PostgreSQL keeps, whatever the client's encoding). */
async function storedHex(label: string): Promise<{ v: string; answer: string | null }> {
  const r = await admin.query(
    `SELECT encode(convert_to(v, 'UTF8'), 'hex') AS v, encode(convert_to(answer, 'UTF8'), 'hex') AS answer FROM t WHERE label = $1`,
    [label],
  );
  expect(r.rows).toHaveLength(1);
  return r.rows[0];
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

/** Texts to store, in encodings the emulator can read: each with its bytes in that encoding. */
const CASES = [
  { encoding: 'UTF8', text: `${DISH} 日本語`, bytes: (s: string) => Buffer.from(s, 'utf8') },
  { encoding: 'LATIN1', text: DISH, bytes: (s: string) => Buffer.from(s, 'latin1') },
  // 'Привет' in windows-1251, by hand: П р и в е т.
  {
    encoding: 'WIN1251',
    text: 'Привет',
    bytes: (s: string) => Buffer.from(s.replaceAll('Привет', '\u00cf\u00f0\u00e8\u00e2\u00e5\u00f2'), 'latin1'),
  },
];

describe.each(['simple', 'extended'] as const)('%s protocol: stored bytes and ML answers in the client encoding', (protocol) => {
  const messages = protocol === 'simple' ? simple : extended;

  it.each(CASES)(
    '$encoding: the literal and the ML answer are stored as PostgreSQL stores them',
    async ({ encoding, text, bytes }) => {
      const label = `${protocol}-${encoding}`;
      const through = await session(encoding);
      const straight = await session(encoding, true);
      // demo-echo answers its input: any change to the text on the way shows in the answer.
      const ml = bytes(
        `INSERT INTO t VALUES ('${label}', '${text}', aws_sagemaker.invoke_endpoint('demo-echo', NULL, '${text}'))`,
      );
      const plain = bytes(`INSERT INTO t VALUES ('${label}-direct', '${text}', '${text}')`);
      expect(errorCode(await run(through, messages(ml)))).toBeUndefined();
      expect(errorCode(await run(straight, messages(plain)))).toBeUndefined();
      const emulated = await storedHex(label);
      const direct = await storedHex(`${label}-direct`);
      expect(emulated.v).toBe(direct.v);
      expect(emulated.v).toBe(hex(text));
      expect(emulated.answer).toBe(direct.answer);

      // The same text asked from a UTF-8 client gets the same answer (and rows come back in the client's encoding).
      const sentiment = bytes(`SELECT (aws_comprehend.detect_sentiment('${text}', 'en')).sentiment, '${text}'::text`);
      const rows = (await run(through, messages(sentiment))).filter((m) => m.code === 'D').map((m) => dataRow(m.payload, 'hex'));
      const expected = await admin.query(`SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment`, [text]);
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0]?.[0] ?? '', 'hex').toString('utf8')).toBe(expected.rows[0].sentiment);
      expect(rows[0]?.[1]).toBe(bytes(text).toString('hex'));
      through.socket.destroy();
      straight.socket.destroy();
    },
  );

  it('invalid UTF-8 reaches the server unchanged, which rejects it (22021), ML statement or not', async () => {
    const invalid = Buffer.concat([
      Buffer.from(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'a`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`b')`),
    ]);
    const through = await session('UTF8');
    const straight = await session('UTF8', true);
    expect(errorCode(await run(straight, messages(invalid)))).toBe('22021');
    expect(errorCode(await run(through, messages(invalid)))).toBe('22021');
    // The session goes on.
    expect(errorCode(await run(through, messages(Buffer.from('SELECT 1'))))).toBeUndefined();
    through.socket.destroy();
    straight.socket.destroy();
  });

  it('an encoding the emulator cannot encode: plain statements pass byte for byte, ML ones are refused with 0A000', async () => {
    const through = await session('EUC_JP');
    // 日本 in EUC-JP.
    const nihon = Buffer.from([0xc6, 0xfc, 0xcb, 0xdc]);
    const label = `${protocol}-EUC_JP`;
    const insert = Buffer.concat([Buffer.from(`INSERT INTO t VALUES ('${label}', '`), nihon, Buffer.from(`')`)]);
    expect(errorCode(await run(through, messages(insert)))).toBeUndefined();
    expect((await storedHex(label)).v).toBe(hex('日本'));
    const ml = Buffer.concat([
      Buffer.from(`SELECT (aws_comprehend.detect_sentiment('`),
      nihon,
      Buffer.from(`', 'ja')).sentiment`),
    ]);
    const answer = await run(through, messages(ml));
    expect(errorCode(answer)).toBe('0A000');
    expect(errorFields(answer.find((m) => m.code === 'E')?.payload ?? Buffer.alloc(0)).get('M')).toContain('EUC_JP');
    through.socket.destroy();
  });
});

describe('client_encoding changed with SET during the session', () => {
  it('an ML INSERT after SET client_encoding = LATIN1 stores the LATIN1 text as it is', async () => {
    const through = await session('UTF8');
    expect(errorCode(await run(through, simple(Buffer.from('SET client_encoding = LATIN1'))))).toBeUndefined();
    const ml = Buffer.from(
      `INSERT INTO t VALUES ('set-latin1', '${DISH}', aws_sagemaker.invoke_endpoint('demo-echo', NULL, '${DISH}'))`,
      'latin1',
    );
    expect(errorCode(await run(through, simple(ml)))).toBeUndefined();
    expect(await storedHex('set-latin1')).toEqual({ v: hex(DISH), answer: hex(DISH) });
    // RESET goes back to UTF8 (the server says so with ParameterStatus).
    expect(errorCode(await run(through, simple(Buffer.from('RESET client_encoding'))))).toBeUndefined();
    const utf8 = Buffer.from(
      `INSERT INTO t VALUES ('reset-utf8', '${DISH}', aws_sagemaker.invoke_endpoint('demo-echo', NULL, '${DISH}'))`,
    );
    expect(errorCode(await run(through, simple(utf8)))).toBeUndefined();
    expect(await storedHex('reset-utf8')).toEqual({ v: hex(DISH), answer: hex(DISH) });
    through.socket.destroy();
  });
});

describe('the pg_extension rewrite touches only the table name', () => {
  const DATA = ['query pg_extension', 'pg_catalog.pg_extension', 'SELECT * FROM pg_extension'];

  it.each(DATA)('%s in a string literal is stored as written', async (text) => {
    const label = `literal ${text}`;
    await admin.query(`INSERT INTO t (label, v) VALUES ('${label}', '${text}')`);
    expect((await admin.query('SELECT v FROM t WHERE label = $1', [label])).rows[0].v).toBe(text);
  });

  it('dollar quotes, E strings, comments and longer quoted identifiers keep the word', async () => {
    const r = await admin.query(
      `SELECT $$pg_extension$$ AS a, $q$from pg_catalog.pg_extension$q$ AS b, E'pg_extension\\n' AS c /* pg_extension */, 1 AS "my pg_extension" -- pg_extension`,
    );
    expect(r.rows[0]).toEqual({
      a: 'pg_extension',
      b: 'from pg_catalog.pg_extension',
      c: 'pg_extension\n',
      'my pg_extension': 1,
    });
    expect(r.fields.map((f) => f.name)).toEqual(['a', 'b', 'c', 'my pg_extension']);
  });

  it('queries naming the table still list aws_ml (bare, qualified, aliased, with columns qualified)', async () => {
    for (const sql of [
      `SELECT extname FROM pg_extension WHERE extname = 'aws_ml'`,
      `SELECT e.extname FROM pg_catalog.pg_extension e WHERE e.extname = 'aws_ml'`,
      `SELECT pg_extension.extname FROM pg_extension WHERE pg_extension.extname = 'aws_ml'`,
    ]) {
      expect((await admin.query(sql)).rows, sql).toEqual([{ extname: 'aws_ml' }]);
    }
  });
});
