/**
 * The PostgreSQL wire front with real clients (pg, postgres.js, the psql CLI
 * and a raw socket) for traffic that does not touch ML: authentication relayed
 * to the upstream (trust, md5, SCRAM-SHA-256), SSL negotiation, simple and
 * extended protocol, pipelining, COPY both ways, notices and notifications,
 * CancelRequest, malformed input and a lost upstream. Plus a unit test of the
 * framer fed recorded streams split at every offset.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/main.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/upstream/embedded/index.ts';
import { type Frame, FrameReader, ProtocolViolation, ReadyForQueryTracker } from '../src/wire/pg/framer.ts';
import { UpstreamLink } from '../src/wire/pg/upstream.ts';
import { startTestEmulator, type TestEmulator, UPSTREAM } from './helpers/emulator.ts';
import { dataRow, errorFields, RawPgConnection, runPsql, wire } from './helpers/pg-raw.ts';

const silent = pino({ level: 'silent' });

/** pg keeps the backend key on the client object without declaring it. */
function backendKey(client: pg.Client): { processId: number; secretKey: number } {
  const c = client as unknown as { processID: number | null; secretKey: number | null };
  if (c.processID === null || c.secretKey === null) throw new Error('pg client has no backend key yet');
  return { processId: c.processID, secretKey: c.secretKey };
}

/** Sends a CancelRequest on a fresh connection, as libpq does. */
async function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const raw = await RawPgConnection.open(port);
  raw.send(wire.cancelRequest(processId, secretKey));
  // The server closes the connection without answering.
  await raw.waitClosed(3000);
  raw.close();
}

function sqlstate(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

async function pgError(run: () => Promise<unknown>): Promise<Error & { code?: string; severity?: string }> {
  try {
    await run();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`non-Error thrown: ${String(err)}`);
  }
  throw new Error('expected an error, got success');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

async function selectOne(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>('SELECT 1 AS n');
    return rows[0]?.n ?? -1;
  } finally {
    await c.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// 1. The framer, fed recorded streams split at every offset
// ---------------------------------------------------------------------------

function msg(code: string, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
}

function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** A backend conversation with every shape of message: empty bodies, NULLs, a large row, all three statuses. */
function handmadeStream(): { bytes: Buffer; codes: string[]; statuses: string[] } {
  const row = (cols: (string | null)[]) =>
    Buffer.concat([
      Buffer.from([0, cols.length]),
      ...cols.map((c) => (c === null ? i32(-1) : Buffer.concat([i32(Buffer.byteLength(c)), Buffer.from(c)]))),
    ]);
  const parts: [string, Buffer | string][] = [
    ['R', i32(0)],
    ['S', 'server_version\x0016.6\x00'],
    ['K', Buffer.concat([i32(4242), i32(0x1234abcd)])],
    ['Z', 'I'],
    ['1', ''],
    ['2', ''],
    [
      'T',
      Buffer.concat([
        Buffer.from([0, 1]),
        Buffer.from('n\0'),
        i32(0),
        Buffer.from([0, 0]),
        i32(23),
        Buffer.from([0, 4]),
        i32(-1),
        Buffer.from([0, 0]),
      ]),
    ],
    ['D', row(['1', null])],
    ['D', row(['x'.repeat(70), 'é☃'])],
    ['C', 'SELECT 2\0'],
    ['N', 'SNOTICE\0C00000\0Mhello\0\0'],
    ['Z', 'T'],
    ['E', 'SERROR\0C22012\0Mdivision by zero\0\0'],
    ['Z', 'E'],
    ['A', Buffer.concat([i32(77), Buffer.from('chan\0payload\0')])],
    ['H', Buffer.from([0, 0, 0])],
    ['d', '1\tone\n'],
    ['c', ''],
    ['Z', 'I'],
  ];
  return {
    bytes: Buffer.concat(parts.map(([c, b]) => msg(c, b))),
    codes: parts.map(([c]) => c),
    statuses: parts.filter(([c]) => c === 'Z').map(([, b]) => String(b)),
  };
}

interface FrameView {
  code: number;
  payload: string;
  raw: string;
}
const view = (frames: readonly Frame[]): FrameView[] =>
  frames.map((f) => ({ code: f.code, payload: f.payload.toString('hex'), raw: f.raw.toString('hex') }));

function framesOf(pieces: readonly Buffer[]): FrameView[] {
  const reader = new FrameReader();
  const out: Frame[] = [];
  for (const p of pieces) out.push(...reader.push(p));
  expect(reader.buffered).toBe(0);
  return view(out);
}

function statusesOf(pieces: readonly Buffer[]): string[] {
  const tracker = new ReadyForQueryTracker();
  const out: string[] = [];
  for (const p of pieces) tracker.scan(p, (s) => out.push(String.fromCharCode(s)));
  return out;
}

/** Records what a real PostgreSQL sends for a varied conversation (straight, not through the emulator). */
async function recordUpstreamStream(): Promise<Buffer> {
  const url = new URL(UPSTREAM);
  const raw = await RawPgConnection.open(Number(url.port || 5432), url.hostname);
  try {
    raw.send(
      wire.startup({ user: decodeURIComponent(url.username || 'postgres'), database: url.pathname.slice(1) || 'postgres' }),
    );
    await raw.waitForReady(1);
    raw.send(
      Buffer.concat([
        wire.query(
          "SELECT i, repeat('x', i * 9), CASE WHEN i % 3 = 0 THEN NULL ELSE i::text END FROM generate_series(1, 40) i; " +
            "DO $$ BEGIN RAISE NOTICE 'hello'; END $$; BEGIN; SELECT 1/0",
        ),
        wire.query('ROLLBACK'),
        wire.parse('', 'SELECT $1::int + 1, $2::text'),
        wire.bind('', '', ['41', null]),
        wire.describePortal(''),
        wire.execute(''),
        wire.sync(),
        wire.query('COPY (SELECT i FROM generate_series(1, 5) i) TO STDOUT'),
      ]),
    );
    await raw.waitForReady(5);
    raw.send(wire.terminate());
    return raw.bytes;
  } finally {
    raw.close();
  }
}

describe('framer: FrameReader and ReadyForQueryTracker', () => {
  it('reads a handmade stream split at every offset (two and three pieces, byte by byte) identically', () => {
    const { bytes, codes, statuses } = handmadeStream();
    const whole = framesOf([bytes]);
    expect(whole.map((f) => String.fromCharCode(f.code))).toEqual(codes);
    expect(Buffer.concat(whole.map((f) => Buffer.from(f.raw, 'hex')))).toEqual(bytes);
    expect(statusesOf([bytes])).toEqual(statuses);
    for (let k = 0; k <= bytes.length; k++) {
      const pieces = [bytes.subarray(0, k), bytes.subarray(k)];
      expect(framesOf(pieces)).toEqual(whole);
      expect(statusesOf(pieces)).toEqual(statuses);
    }
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i + 1; j < bytes.length; j++) {
        const pieces = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        const got = framesOf(pieces);
        if (got.length !== whole.length || got.some((f, n) => f.raw !== whole[n]?.raw)) {
          expect({ i, j, got }).toEqual({ i, j, got: whole });
        }
        const st = statusesOf(pieces);
        if (st.join('') !== statuses.join('')) expect({ i, j, st }).toEqual({ i, j, st: statuses });
      }
    }
    const bytewise = [...bytes].map((b) => Buffer.from([b]));
    expect(framesOf(bytewise)).toEqual(whole);
    expect(statusesOf(bytewise)).toEqual(statuses);
  });

  it('reads a stream recorded from the real PostgreSQL split at every offset identically', async () => {
    const bytes = await recordUpstreamStream();
    const whole = framesOf([bytes]);
    const codes = whole.map((f) => String.fromCharCode(f.code)).join('');
    // Authentication ... ReadyForQuery, rows, a notice, an error, COPY out, the extended batch.
    expect(codes.startsWith('R')).toBe(true);
    for (const c of ['K', 'T', 'D', 'N', 'E', '1', '2', 'H', 'd', 'c']) expect(codes).toContain(c);
    expect(Buffer.concat(whole.map((f) => Buffer.from(f.raw, 'hex')))).toEqual(bytes);
    const statuses = statusesOf([bytes]);
    expect(statuses).toEqual(['I', 'E', 'I', 'I', 'I']);
    for (let k = 0; k <= bytes.length; k++) {
      const pieces = [bytes.subarray(0, k), bytes.subarray(k)];
      const got = framesOf(pieces);
      if (got.length !== whole.length || got.some((f, n) => f.raw !== whole[n]?.raw))
        expect({ k, got }).toEqual({ k, got: whole });
      const st = statusesOf(pieces);
      if (st.join('') !== statuses.join('')) expect({ k, st }).toEqual({ k, st: statuses });
    }
  });

  it('reads the startup phase (SSLRequest, StartupMessage, then typed messages) split at every offset', () => {
    const client = Buffer.concat([
      wire.sslRequest(),
      wire.startup({ user: 'postgres', database: 'db', application_name: 'split' }),
      wire.query('SELECT 1'),
      wire.parse('s1', 'SELECT $1'),
      wire.bind('', 's1', ['x']),
      wire.execute(''),
      wire.sync(),
    ]);
    const run = (pieces: readonly Buffer[]) => {
      const reader = new FrameReader(false);
      const out: string[] = [];
      const take = (frames: Frame[]) => {
        for (const f of frames) {
          if (!reader.typed) {
            const code = f.raw.readInt32BE(4);
            out.push(`startup:${code}:${f.raw.length}`);
            // As the session does: after the StartupMessage the stream is typed,
            // and bytes already buffered must be read without waiting for more.
            if (code === 196608) {
              reader.typed = true;
              take(reader.push(Buffer.alloc(0)));
            } else take(reader.push(Buffer.alloc(0)));
          } else out.push(`${String.fromCharCode(f.code)}:${f.raw.toString('hex')}`);
        }
      };
      for (const p of pieces) take(reader.push(p));
      expect(reader.buffered).toBe(0);
      return out;
    };
    const whole = run([client]);
    expect(whole.map((s) => s.slice(0, s.indexOf(':')))).toEqual(['startup', 'startup', 'Q', 'P', 'B', 'E', 'S']);
    expect(whole[0]).toBe('startup:80877103:8');
    for (let k = 0; k <= client.length; k++) expect(run([client.subarray(0, k), client.subarray(k)])).toEqual(whole);
    expect(run([...client].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('rejects impossible lengths, whichever way the header arrives', () => {
    const bad = [
      { typed: true, bytes: Buffer.concat([Buffer.from('Q'), i32(3)]) },
      { typed: true, bytes: Buffer.concat([Buffer.from('Q'), i32(-5)]) },
      { typed: true, bytes: Buffer.concat([Buffer.from('Q'), i32(0x7fffffff)]) },
      // Startup packets: PostgreSQL accepts 8 .. 10000 bytes.
      { typed: false, bytes: i32(4) },
      { typed: false, bytes: i32(7) },
      { typed: false, bytes: i32(10_001) },
      { typed: false, bytes: Buffer.from('GET / HTTP/1.1\r\n') },
    ];
    for (const { typed, bytes } of bad) {
      for (let k = 0; k <= bytes.length; k++) {
        const reader = new FrameReader(typed);
        expect(
          () => {
            reader.push(bytes.subarray(0, k));
            reader.push(bytes.subarray(k));
          },
          `${bytes.toString('hex')} split at ${k}`,
        ).toThrow(ProtocolViolation);
      }
    }
    const tracker = new ReadyForQueryTracker();
    expect(() => tracker.scan(Buffer.concat([Buffer.from('Z'), i32(2)]), () => {})).toThrow(ProtocolViolation);
  });

  it('reassembles a large message arriving in many small chunks without losing or copying wrongly', () => {
    const body = Buffer.alloc(3_000_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const stream = Buffer.concat([msg('d', body), msg('Z', 'I')]);
    const reader = new FrameReader();
    const frames: Frame[] = [];
    const started = performance.now();
    for (let i = 0; i < stream.length; i += 1000) frames.push(...reader.push(stream.subarray(i, i + 1000)));
    const ms = performance.now() - started;
    expect(frames.map((f) => String.fromCharCode(f.code))).toEqual(['d', 'Z']);
    expect(frames[0]?.payload.equals(body)).toBe(true);
    // Linear, not quadratic: 3000 chunks of a 3 MB message.
    expect(ms).toBeLessThan(1000);
  });
});

describe('UpstreamLink: switching between relaying and exchanges of the session', () => {
  /** A link over a real loopback connection whose far end the test writes as "the upstream". */
  async function linkPair(): Promise<{ link: UpstreamLink; upstream: net.Socket; toClient: Buffer[]; close(): void }> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const socket = net.connect({ port: typeof address === 'object' && address !== null ? address.port : 0, host: '127.0.0.1' });
    socket.on('error', () => {});
    const upstream = await accepted;
    upstream.on('error', () => {});
    const toClient: Buffer[] = [];
    const link = new UpstreamLink(
      socket,
      (b) => toClient.push(Buffer.from(b)) > 0,
      () => {},
    );
    return {
      link,
      upstream,
      toClient,
      close: () => {
        socket.destroy();
        upstream.destroy();
        server.close();
      },
    };
  }

  const waitFor = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 2000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  };

  it('finishes relaying a message that is half through before decoding its own answer', async () => {
    const { link, upstream, toClient, close } = await linkPair();
    try {
      const greeting = Buffer.concat([msg('R', i32(0)), msg('Z', 'I')]);
      const notification = msg('A', Buffer.concat([i32(99), Buffer.from(`chan\0${'p'.repeat(3000)}\0`)]));
      upstream.write(Buffer.concat([greeting, notification.subarray(0, 1000)]));
      await waitFor(() => Buffer.concat(toClient).length === greeting.length + 1000, 'the first part');
      await link.whenIdle();
      const asked = new Promise<Buffer>((resolve) => upstream.once('data', resolve));
      const answer = link.send([msg('Q', 'SELECT 1\0')]);
      expect((await asked).subarray(0, 1).toString()).toBe('Q');
      upstream.write(Buffer.concat([notification.subarray(1000), msg('C', 'SELECT 1\0'), msg('Z', 'I')]));
      const frames = await withTimeout(answer, 2000, 'the exchange');
      expect(frames.map((f) => String.fromCharCode(f.code))).toEqual(['C', 'Z']);
      expect(Buffer.concat(toClient).equals(Buffer.concat([greeting, notification]))).toBe(true);
      link.release();
      // Relaying again: the next asynchronous message reaches the client whole.
      const second = msg('A', Buffer.concat([i32(100), Buffer.from('chan\0second\0')]));
      upstream.write(second);
      await waitFor(
        () => Buffer.concat(toClient).length === greeting.length + notification.length + second.length,
        'the second notification',
      );
      expect(Buffer.concat(toClient).subarray(-second.length).equals(second)).toBe(true);
    } finally {
      close();
    }
  });

  it('an impossible message length from the upstream closes the link instead of throwing', async () => {
    const { link, upstream, close } = await linkPair();
    try {
      upstream.write(Buffer.concat([msg('R', i32(0)), msg('Z', 'I'), Buffer.from([0x44, 0, 0, 0, 1])]));
      await waitFor(() => link.closed, 'the link to close');
      await expect(link.whenIdle()).rejects.toThrow(/invalid message length/);
    } finally {
      close();
    }
  });
});

// ---------------------------------------------------------------------------
// 2. Through the emulator in front of the machine's PostgreSQL (trust)
// ---------------------------------------------------------------------------

describe('through the emulator (trust upstream)', () => {
  let env: TestEmulator;
  let port: number;

  beforeAll(async () => {
    env = await startTestEmulator();
    port = env.emulator.postgres.port;
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  describe('SSL negotiation', () => {
    it('answers SSLRequest with N so psql sslmode=prefer connects in plain text', async () => {
      const r = await runPsql([
        `host=127.0.0.1 port=${port} user=postgres dbname=${env.database} sslmode=prefer`,
        '-At',
        '-c',
        'SELECT 40 + 2',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe('42');
    });

    it('psql sslmode=require and pg ssl:true get a clear "no SSL" error; the emulator survives', async () => {
      const r = await runPsql([
        `host=127.0.0.1 port=${port} user=postgres dbname=${env.database} sslmode=require`,
        '-c',
        'SELECT 1',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/server does not support SSL/);
      const client = new pg.Client({ connectionString: env.url, ssl: true });
      const err = await pgError(() => client.connect());
      expect(err.message).toMatch(/does not support SSL/);
      const raw = await RawPgConnection.open(port);
      raw.send(wire.sslRequest());
      await raw.waitUntil(() => raw.bytes.length >= 1);
      expect(raw.bytes.toString('latin1')).toBe('N');
      raw.send(wire.startup({ user: 'postgres', database: env.database }));
      const messages = await raw.waitForReady(1, 1);
      expect(messages.map((m) => m.code)).toContain('R');
      raw.close();
      expect(await selectOne(env.url)).toBe(1);
    });
  });

  describe('simple and extended protocol (pg)', () => {
    let client: pg.Client;
    beforeAll(async () => {
      client = await env.client();
    });

    it('simple protocol: multi-statement query, empty query, several result sets', async () => {
      const results = (await client.query('SELECT 1 AS a; SELECT $$two$$ AS b, NULL::int AS c')) as unknown as pg.QueryResult[];
      expect(results).toHaveLength(2);
      expect(results[0]?.rows).toEqual([{ a: 1 }]);
      expect(results[1]?.rows).toEqual([{ b: 'two', c: null }]);
      const empty = await client.query('');
      expect(empty.rows).toEqual([]);
    });

    it('extended protocol with parameters, NULL parameters and unicode', async () => {
      const { rows } = await client.query<{ a: number; isnull: boolean; b: string | null; t: string; arr: number[] }>(
        'SELECT $1::int + 1 AS a, $2::text IS NULL AS isnull, $2::text AS b, $3::text AS t, $4::int[] AS arr',
        [41, null, 'héllo ☃ ', [1, 2, 3]],
      );
      expect(rows).toEqual([{ a: 42, isnull: true, b: null, t: 'héllo ☃ ', arr: [1, 2, 3] }]);
    });

    it('binary result format: pg with binary: true, and every byte through a raw Bind', async () => {
      // pg asks for binary results with the client option `binary` (a runtime option that
      // @types/pg only declares on pg.defaults). pg decodes every DataRow field as UTF-8 before
      // its binary parsers run, so only values whose bytes are valid UTF-8 survive pg itself:
      // those are checked through pg, the rest byte for byte with a raw client.
      const raw = ((_oid: number, format?: string) => (value: unknown) => {
        expect(format).toBe('binary');
        return Buffer.isBuffer(value) ? value.toString('hex') : value;
      }) as unknown as typeof pg.types.getTypeParser;
      const config: pg.ClientConfig & { binary: boolean } = {
        connectionString: env.url,
        binary: true,
        types: { getTypeParser: raw },
      };
      const binary = new pg.Client(config);
      await binary.connect();
      const result = await binary
        .query("SELECT $1::int4 AS i, 'x'::text AS t, true AS b, NULL::int4 AS n, 2.0::float8 AS f", [7])
        .finally(() => binary.end());
      expect(result.fields.map((f) => f.format)).toEqual(Array(5).fill('binary'));
      expect(result.rows).toEqual([{ i: '00000007', t: '78', b: '01', n: null, f: '4000000000000000' }]);

      const sql = "SELECT 1.5::float8, 12345678901::int8, '\\x00ff80fe'::bytea, NULL::text, $1::text";
      const fetch = async (port: number): Promise<(string | null)[]> => {
        const conn = await RawPgConnection.open(port);
        try {
          conn.send(wire.startup({ user: 'postgres', database: env.database }));
          await conn.waitForReady(1);
          const start = conn.bytes.length;
          conn.send(Buffer.concat([wire.parse('', sql), wire.bind('', '', ['é'], [1]), wire.execute(''), wire.sync()]));
          const row = (await conn.waitForReady(1, start)).find((m) => m.code === 'D');
          if (row === undefined) throw new Error('no DataRow');
          return dataRow(row.payload, 'hex');
        } finally {
          conn.close();
        }
      };
      const expected = ['3ff8000000000000', '00000002dfdc1c35', '00ff80fe', null, 'c3a9'];
      expect(await fetch(Number(new URL(env.directUrl).port || 5432))).toEqual(expected);
      expect(await fetch(port)).toEqual(expected);
    });

    it('100k rows of generate_series, simple and extended', async () => {
      const simple = await client.query<{ i: number }>('SELECT i FROM generate_series(1, 100000) i');
      expect(simple.rows).toHaveLength(100_000);
      expect(simple.rows.reduce((s, r) => s + r.i, 0)).toBe(5_000_050_000);
      expect(simple.rows[99_999]?.i).toBe(100_000);
      const extended = await client.query<{ i: number; t: string }>(
        "SELECT i, 'row ' || i AS t FROM generate_series(1, $1::int) i",
        [100_000],
      );
      expect(extended.rows).toHaveLength(100_000);
      expect(extended.rows[54_320]).toEqual({ i: 54_321, t: 'row 54321' });
    });

    it('unnamed and named prepared statements, reused', async () => {
      for (const n of [1, 2, 3]) {
        const { rows } = await client.query<{ d: number }>({ name: 'double_it', text: 'SELECT $1::int * 2 AS d', values: [n] });
        expect(rows).toEqual([{ d: n * 2 }]);
      }
      const direct = await client.query<{ name: string; parameter_types: string[] }>(
        "SELECT name, parameter_types::text[] AS parameter_types FROM pg_prepared_statements WHERE name = 'double_it'",
      );
      expect(direct.rows).toEqual([{ name: 'double_it', parameter_types: ['integer'] }]);
      const err = await pgError(() => client.query({ name: 'bad_stmt', text: 'SELECT * FROM no_such_table_x', values: [] }));
      expect(sqlstate(err)).toBe('42P01');
      const again = await client.query<{ d: number }>({ name: 'double_it', text: 'SELECT $1::int * 2 AS d', values: [10] });
      expect(again.rows).toEqual([{ d: 20 }]);
    });

    it('a transaction with an error is aborted until ROLLBACK, and nothing is kept', async () => {
      await client.query('CREATE TABLE tx_t (id int)');
      await client.query('BEGIN');
      await client.query('INSERT INTO tx_t VALUES ($1)', [1]);
      const err = await pgError(() => client.query('SELECT 1/0'));
      expect(sqlstate(err)).toBe('22012');
      const aborted = await pgError(() => client.query('SELECT 1'));
      expect(sqlstate(aborted)).toBe('25P02');
      await client.query('ROLLBACK');
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM tx_t');
      expect(rows).toEqual([{ n: '0' }]);
      await client.query('BEGIN');
      await client.query('INSERT INTO tx_t VALUES (2)');
      await client.query('COMMIT');
      expect((await client.query<{ id: number }>('SELECT id FROM tx_t')).rows).toEqual([{ id: 2 }]);
    });

    it('many clients at once', async () => {
      const clients = await Promise.all(Array.from({ length: 12 }, () => env.client()));
      const answers = await Promise.all(
        clients.map((c, i) => c.query<{ v: number }>('SELECT $1::int * 10 AS v, pg_sleep(0.05)', [i])),
      );
      expect(answers.map((a) => a.rows[0]?.v)).toEqual(clients.map((_, i) => i * 10));
      await Promise.all(clients.map((c) => c.end()));
    });
  });

  describe('pipelining (postgres.js)', () => {
    let sql: postgres.Sql;
    beforeAll(() => {
      sql = postgres(env.url, { max: 1, onnotice: () => {}, idle_timeout: 5 });
    });
    afterAll(async () => {
      await sql?.end({ timeout: 1 });
    });

    it('Promise.all of many queries on one connection, with an error in the middle', async () => {
      const queries = Array.from({ length: 200 }, (_, i) =>
        i === 100 ? sql`SELECT 1/${0}::int AS v` : sql<{ v: number }[]>`SELECT ${i}::int AS v`,
      );
      const settled = await Promise.allSettled(queries);
      settled.forEach((s, i) => {
        if (i === 100) {
          expect(s.status).toBe('rejected');
          if (s.status === 'rejected') expect(sqlstate(s.reason)).toBe('22012');
        } else {
          expect(s.status).toBe('fulfilled');
          if (s.status === 'fulfilled') expect(s.value[0]?.v).toBe(i);
        }
      });
      const [after] = await sql<{ ok: boolean }[]>`SELECT true AS ok`;
      expect(after?.ok).toBe(true);
    });

    it('pg in pipeline mode: 300 queries in flight, one failing, the rest unaffected', async () => {
      const client = new pg.Client({ connectionString: env.url, pipeline: true });
      await client.connect();
      try {
        const queries = Array.from({ length: 300 }, (_, i) =>
          i === 150 ? client.query('SELECT 1/0 AS v') : client.query<{ v: number }>('SELECT $1::int AS v', [i]),
        );
        const settled = await Promise.allSettled(queries);
        expect(settled.map((s) => (s.status === 'fulfilled' ? s.value.rows[0]?.v : sqlstate(s.reason)))).toEqual(
          Array.from({ length: 300 }, (_, i) => (i === 150 ? '22012' : i)),
        );
      } finally {
        await client.end();
      }
    });

    it('sql.begin with several statements, and a failing transaction rolled back', async () => {
      await sql`CREATE TABLE pj_t (id int PRIMARY KEY, v text)`;
      const inserted = await sql.begin(async (tx) => {
        await tx`INSERT INTO pj_t ${tx([
          { id: 1, v: 'a' },
          { id: 2, v: 'b' },
        ])}`;
        const [row] = await tx<{ n: string }[]>`SELECT count(*)::text AS n FROM pj_t`;
        return row?.n;
      });
      expect(inserted).toBe('2');
      const err = await pgError(() =>
        sql.begin(async (tx) => {
          await tx`INSERT INTO pj_t VALUES (3, 'c')`;
          await tx`INSERT INTO pj_t VALUES (1, 'dup')`;
        }),
      );
      expect(sqlstate(err)).toBe('23505');
      const rows = await sql<{ id: number; v: string }[]>`SELECT id, v FROM pj_t ORDER BY id`;
      expect(rows.map((r) => [r.id, r.v])).toEqual([
        [1, 'a'],
        [2, 'b'],
      ]);
    });

    it('.simple() multi-statement queries and pipelined simple queries', async () => {
      const results = await sql`SELECT 1 AS a; SELECT 2 AS b`.simple();
      expect(JSON.stringify(results)).toBe(JSON.stringify([[{ a: 1 }], [{ b: 2 }]]));
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => sql.unsafe(`SELECT ${i} AS v`).simple()));
      expect(many.map((r) => (r[0] as { v: number } | undefined)?.v)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('a cursor (Execute with a row limit and Flush, PortalSuspended) over 20k rows', async () => {
      let total = 0;
      let batches = 0;
      for await (const rows of sql<{ i: number }[]>`SELECT i FROM generate_series(1, 20000) i`.cursor(1000)) {
        batches++;
        for (const r of rows) total += r.i;
      }
      expect(batches).toBe(20);
      expect(total).toBe(200_010_000);
    });

    it('plain queries pipelined with queries the ML layer looks at (pg_extension) keep their order', async () => {
      const queries = Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? sql<{ v: number }[]>`SELECT ${i}::int AS v, count(*) >= 1 AS has_ext FROM pg_extension`
          : sql<{ v: number }[]>`SELECT ${i}::int AS v`,
      );
      const results = await withTimeout(Promise.all(queries), 10_000, 'mixed pipeline');
      expect(results.map((r) => r[0]?.v)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });
  });

  describe('COPY', () => {
    let sql: postgres.Sql;
    beforeAll(async () => {
      sql = postgres(env.url, { max: 1, onnotice: () => {} });
      await sql`CREATE TABLE copy_t (id int PRIMARY KEY, name text, note text)`;
    });
    afterAll(async () => {
      await sql?.end({ timeout: 1 });
    });

    it('COPY FROM STDIN with postgres.js (.writable()), 20k rows with escapes and NULLs', async () => {
      const lines = function* () {
        for (let i = 1; i <= 20_000; i++) yield `${i}\tname ${i}\t${i % 10 === 0 ? '\\N' : `tab\\there ${'é'.repeat(i % 5)}`}\n`;
      };
      const writable = await sql`COPY copy_t (id, name, note) FROM STDIN`.writable();
      await pipeline(Readable.from(lines()), writable);
      const [stats] = await sql<{ n: number; s: string; nulls: number }[]>`
        SELECT count(*)::int AS n, sum(id)::text AS s, count(*) FILTER (WHERE note IS NULL)::int AS nulls FROM copy_t`;
      expect(stats).toEqual({ n: 20_000, s: '200010000', nulls: 2000 });
      const [row] = await sql<{ note: string }[]>`SELECT note FROM copy_t WHERE id = 7`;
      expect(row?.note).toBe('tab\there éé');
    });

    it('COPY (SELECT ...) TO STDOUT with postgres.js (.readable())', async () => {
      // Kept under postgres.js's 16 kB stream buffer: postgres.js 3.4.9 leaves its socket paused
      // after a larger COPY TO STDOUT and the next query hangs, straight against PostgreSQL too.
      const readable = await sql`COPY (SELECT id, name, note FROM copy_t WHERE id <= 300 ORDER BY id) TO STDOUT`.readable();
      const chunks: Buffer[] = [];
      for await (const chunk of readable) chunks.push(Buffer.from(chunk as Uint8Array));
      const lines = Buffer.concat(chunks).toString('utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(300);
      expect(lines[0]).toBe('1\tname 1\ttab\\there é');
      expect(lines[9]).toBe('10\tname 10\t\\N');
      expect(lines[299]).toBe('300\tname 300\t\\N');
      const [after] = await sql<{ one: number }[]>`SELECT 1 AS one`;
      expect(after?.one).toBe(1);
    });

    it('psql \\copy in both directions', async () => {
      await sql`CREATE TABLE psql_copy (id int, label text)`;
      const target = `host=127.0.0.1 port=${port} user=postgres dbname=${env.database}`;
      const input = Array.from({ length: 100_000 }, (_, i) => `${i + 1},"label, ${i + 1}"`).join('\n');
      const copyIn = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-c', '\\copy psql_copy FROM STDIN WITH (FORMAT csv)'], {
        input,
      });
      expect(copyIn.stderr).toBe('');
      expect(copyIn.code).toBe(0);
      expect(copyIn.stdout.trim()).toBe('COPY 100000');
      const copyOut = await runPsql([
        target,
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        '\\copy (SELECT id, label FROM psql_copy ORDER BY id) TO STDOUT WITH (FORMAT csv)',
      ]);
      expect(copyOut.stderr).toBe('');
      expect(copyOut.code).toBe(0);
      const out = copyOut.stdout.split('\n');
      expect(out.pop()).toBe('');
      expect(out).toHaveLength(100_000);
      expect(out.join('\n')).toBe(input);
    });

    it('COPY FROM STDIN in every protocol shape (extended with Sync before the data, pipelined, CopyFail, bad data) leaves the session usable', async () => {
      const raw = await RawPgConnection.open(port);
      raw.send(wire.startup({ user: 'postgres', database: env.database }));
      await raw.waitForReady(1);
      const extended = [wire.parse('', 'COPY copy_t (id, name) FROM STDIN'), wire.bind('', '', []), wire.execute('')];
      const data = (base: number) => [
        wire.copyData(`${base + 1}\tcopy ${base + 1}\n`),
        wire.copyData(`${base + 2}\tcopy ${base + 2}\n`),
      ];
      const bad = wire.copyData('not a number\tx\n');
      // Each: what to send before waiting for CopyInResponse (null: send all at once), the
      // rest, the messages expected back, and how many rows are kept. PostgreSQL ignores a
      // Sync that it reads in copy-in mode (tokio-postgres sends Parse/Bind/Execute/Sync
      // first, then the data, CopyDone and another Sync).
      const shapes: { name: string; first: Buffer[] | null; rest: Buffer[]; codes: string; rows: number }[] = [
        {
          name: 'extended, Sync before the data',
          first: [...extended, wire.sync()],
          rest: [...data(910_000), wire.copyDone(), wire.sync()],
          codes: '12GCZ',
          rows: 2,
        },
        {
          name: 'extended, all in one packet',
          first: null,
          rest: [...extended, ...data(920_000), wire.copyDone(), wire.sync()],
          codes: '12GCZ',
          rows: 2,
        },
        {
          name: 'extended, CopyFail',
          first: [...extended, wire.sync()],
          rest: [...data(930_000), wire.copyFail('changed my mind'), wire.sync()],
          codes: '12GEZ',
          rows: 0,
        },
        {
          name: 'extended, bad data',
          first: [...extended, wire.sync()],
          rest: [bad, wire.copyDone(), wire.sync()],
          codes: '12GEZ',
          rows: 0,
        },
        {
          name: 'simple',
          first: [wire.query('COPY copy_t (id, name) FROM STDIN')],
          rest: [...data(950_000), wire.copyDone()],
          codes: 'GCZ',
          rows: 2,
        },
        {
          name: 'simple, bad data',
          first: [wire.query('COPY copy_t (id, name) FROM STDIN')],
          rest: [bad, wire.copyDone()],
          codes: 'GEZ',
          rows: 0,
        },
      ];
      for (const [n, shape] of shapes.entries()) {
        const base = 910_000 + n * 10_000;
        const start = raw.bytes.length;
        if (shape.first !== null) {
          raw.send(Buffer.concat(shape.first));
          expect(await raw.waitUntil(() => raw.messages(start).some((m) => m.code === 'G')), shape.name).toBe(true);
        }
        raw.send(Buffer.concat(shape.rest));
        const answer = await raw.waitForReady(1, start);
        expect(answer.map((m) => m.code).join(''), shape.name).toBe(shape.codes);
        // A statement the ML layer looks at (pg_extension) is run by the emulator itself once
        // everything relayed has been answered: it must not wait for the ignored Syncs.
        const next = raw.bytes.length;
        raw.send(
          wire.query(
            `SELECT count(*) FROM copy_t WHERE id BETWEEN ${base} AND ${base + 9999} AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'plpgsql')`,
          ),
        );
        const counted = await raw.waitForReady(1, next, 5000).catch((e: unknown) => {
          throw new Error(`${shape.name}: ${String(e)}`);
        });
        const row = counted.find((m) => m.code === 'D');
        expect(row && dataRow(row.payload), shape.name).toEqual([String(shape.rows)]);
      }
      raw.close();
    });
  });

  describe('NOTICE and NOTIFY', () => {
    it('a RAISE NOTICE reaches the pg client', async () => {
      const client = await env.client();
      const notices: { message: string | undefined; severity: string | undefined }[] = [];
      client.on('notice', (n) => notices.push({ message: n.message, severity: n.severity }));
      await client.query("DO $$ BEGIN RAISE NOTICE 'hello'; RAISE WARNING 'careful'; END $$");
      expect(notices).toEqual([
        { message: 'hello', severity: 'NOTICE' },
        { message: 'careful', severity: 'WARNING' },
      ]);
    });

    it('LISTEN on one connection, NOTIFY from another, both through the emulator', async () => {
      const listener = await env.client();
      const notifier = await env.client();
      const received: { channel: string; payload: string | undefined; processId: number }[] = [];
      const arrived = new Promise<void>((resolve) => {
        listener.on('notification', (n) => {
          received.push({ channel: n.channel, payload: n.payload, processId: n.processId });
          if (received.length === 2) resolve();
        });
      });
      await listener.query('LISTEN wire_chan');
      await notifier.query("NOTIFY wire_chan, 'first payload'");
      await notifier.query("SELECT pg_notify('wire_chan', $1)", ['second ☃']);
      await withTimeout(arrived, 3000, 'notifications');
      const notifierPid = backendKey(notifier).processId;
      expect(received).toEqual([
        { channel: 'wire_chan', payload: 'first payload', processId: notifierPid },
        { channel: 'wire_chan', payload: 'second ☃', processId: notifierPid },
      ]);
    });
  });

  describe('CancelRequest', () => {
    it('cancels pg_sleep on a pg client with a raw CancelRequest; the connection works afterwards', async () => {
      const client = await env.client();
      const key = backendKey(client);
      const started = Date.now();
      const sleeping = pgError(() => client.query('SELECT pg_sleep(10)'));
      await sleep(300);
      await sendCancel(port, key.processId, key.secretKey);
      const err = await sleeping;
      expect(Date.now() - started).toBeLessThan(3000);
      expect(sqlstate(err)).toBe('57014');
      const { rows } = await client.query<{ ok: number }>('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
    });

    it('ignores a CancelRequest with the wrong secret key', async () => {
      const client = await env.client();
      const key = backendKey(client);
      const sleeping = client.query<{ done: boolean }>('SELECT pg_sleep(0.8) IS NOT NULL AS done');
      await sleep(200);
      await sendCancel(port, key.processId, key.secretKey ^ 0x5a5a5a5a);
      expect((await sleeping).rows).toEqual([{ done: true }]);
    });

    it('postgres.js query.cancel() stops a running query quickly', async () => {
      const sql = postgres(env.url, { max: 1, onnotice: () => {} });
      try {
        const started = Date.now();
        const q = sql`SELECT pg_sleep(10)`;
        const outcome = pgError(() => q);
        await sleep(300);
        q.cancel();
        const err = await outcome;
        expect(sqlstate(err)).toBe('57014');
        expect(Date.now() - started).toBeLessThan(3000);
        const [row] = await sql<{ v: number }[]>`SELECT 5 AS v`;
        expect(row?.v).toBe(5);
      } finally {
        await sql.end({ timeout: 1 });
      }
    });
  });

  describe('robustness', () => {
    async function expectFatal(bytes: Buffer, code: string): Promise<void> {
      const raw = await RawPgConnection.open(port);
      raw.send(bytes);
      expect(await raw.waitClosed(3000)).toBe(true);
      const messages = raw.messages();
      expect(messages.map((m) => m.code)).toEqual(['E']);
      const fields = errorFields(messages[0]?.payload ?? Buffer.alloc(0));
      expect(fields.get('S')).toBe('FATAL');
      expect(fields.get('C')).toBe(code);
    }

    it('garbage (an HTTP request) gets 08P01 and the connection closed', async () => {
      await expectFatal(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'), '08P01');
      expect(await selectOne(env.url)).toBe(1);
    });

    it('an invalid startup length gets 08P01 at once (too short, too long)', async () => {
      await expectFatal(Buffer.from([0, 0, 0, 2, 1, 2, 3, 4]), '08P01');
      // 1 MB announced: PostgreSQL refuses startup packets over 10000 bytes without waiting for them.
      await expectFatal(Buffer.concat([i32(1_000_000), i32(196608), Buffer.from('user\0')]), '08P01');
      expect(await selectOne(env.url)).toBe(1);
    });

    it('an unknown protocol version is refused with FATAL', async () => {
      await expectFatal(Buffer.concat([i32(8), i32(2 << 16)]), '0A000');
    });

    it('a truncated startup packet followed by EOF closes the connection', async () => {
      const raw = await RawPgConnection.open(port);
      raw.send(Buffer.concat([i32(60), i32(196608), Buffer.from('user\0post')]));
      raw.socket.end();
      expect(await raw.waitClosed(3000)).toBe(true);
      expect(await selectOne(env.url)).toBe(1);
    });

    it('a short CancelRequest does not crash the emulator', async () => {
      for (const bytes of [Buffer.concat([i32(8), i32(80877102)]), Buffer.concat([i32(12), i32(80877102), i32(1)])]) {
        const raw = await RawPgConnection.open(port);
        raw.send(bytes);
        expect(await raw.waitClosed(3000)).toBe(true);
      }
      expect(await selectOne(env.url)).toBe(1);
    });

    it('an invalid message length after startup gets 08P01 and the connection closed', async () => {
      for (const bad of [Buffer.concat([Buffer.from('Q'), i32(2)]), Buffer.concat([Buffer.from('Q'), i32(0x7ffffff0)])]) {
        const raw = await RawPgConnection.open(port);
        raw.send(wire.startup({ user: 'postgres', database: env.database }));
        await raw.waitForReady(1);
        const start = raw.bytes.length;
        raw.send(bad);
        expect(await raw.waitClosed(3000)).toBe(true);
        const messages = raw.messages(start);
        const error = messages.find((m) => m.code === 'E');
        expect(error && errorFields(error.payload).get('C')).toBe('08P01');
      }
      expect(await selectOne(env.url)).toBe(1);
    });

    it('a StartupMessage pipelined with a Query in one packet is answered', async () => {
      const raw = await RawPgConnection.open(port);
      raw.send(Buffer.concat([wire.startup({ user: 'postgres', database: env.database }), wire.query('SELECT 6 * 7')]));
      const messages = await raw.waitForReady(2);
      const row = messages.find((m) => m.code === 'D');
      expect(row && dataRow(row.payload)).toEqual(['42']);
      raw.close();
    });

    it('protocol 3.2 is negotiated down by the upstream (NegotiateProtocolVersion), not refused', async () => {
      const raw = await RawPgConnection.open(port);
      raw.send(wire.startup({ user: 'postgres', database: env.database, '_pq_.no_such_option': 'x' }, (3 << 16) | 2));
      const messages = await raw.waitForReady(1);
      const negotiate = messages.find((m) => m.code === 'v');
      expect(negotiate?.payload.readInt32BE(0)).toBe(3 << 16);
      raw.send(wire.query('SELECT 1'));
      await raw.waitForReady(2);
      raw.close();
    });

    it('clients that disconnect mid-query do not crash the emulator', async () => {
      for (const sql of ['SELECT pg_sleep(0.3)', 'SELECT i FROM generate_series(1, 300000) i']) {
        const raw = await RawPgConnection.open(port);
        raw.send(wire.startup({ user: 'postgres', database: env.database }));
        await raw.waitForReady(1);
        raw.send(wire.query(sql));
        await sleep(50);
        raw.close();
      }
      await sleep(100);
      expect(await selectOne(env.url)).toBe(1);
    });

    it('a client that vanishes while a big result streams does not leave the upstream query running', async () => {
      const app = `wire-vanish-${Math.random().toString(36).slice(2, 8)}`;
      const raw = await RawPgConnection.open(port);
      raw.send(wire.startup({ user: 'postgres', database: env.database, application_name: app }));
      await raw.waitForReady(1);
      raw.socket.pause(); // stop reading, so the emulator's buffers fill up
      raw.send(wire.query("SELECT i, repeat('x', 200) FROM generate_series(1, 20000000) i"));
      await sleep(700);
      raw.close();
      const admin = new pg.Client({ connectionString: env.directUrl });
      await admin.connect();
      try {
        let remaining = -1;
        const deadline = Date.now() + 4000;
        while (Date.now() < deadline) {
          const { rows } = await admin.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [app],
          );
          remaining = rows[0]?.n ?? -1;
          if (remaining === 0) break;
          await sleep(100);
        }
        expect(remaining).toBe(0);
      } finally {
        await admin.end();
      }
    });

    it('an upstream backend terminated mid-session reaches the client as 57P01; the emulator keeps serving', async () => {
      const victim = new pg.Client({ connectionString: env.url });
      const errors: unknown[] = [];
      victim.on('error', (e) => errors.push(e));
      await victim.connect();
      const pid = backendKey(victim).processId;
      const admin = new pg.Client({ connectionString: env.directUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
        expect(rows).toEqual([{ ok: true }]);
      } finally {
        await admin.end();
      }
      // Idle, pg reports the server's FATAL as an 'error' event.
      const deadline = Date.now() + 3000;
      while (!errors.some((e) => sqlstate(e) === '57P01') && Date.now() < deadline) await sleep(20);
      expect(errors.map(sqlstate)).toContain('57P01');
      await victim.end().catch(() => {});
      expect(await selectOne(env.url)).toBe(1);
    });
  });

  describe('psql CLI', () => {
    let target: string;
    beforeAll(async () => {
      target = `host=127.0.0.1 port=${port} user=postgres dbname=${env.database}`;
      const c = await env.client();
      await c.query('CREATE TABLE psql_meta (id int PRIMARY KEY, title text NOT NULL, created timestamptz DEFAULT now())');
      await c.query('CREATE INDEX psql_meta_title ON psql_meta (title)');
    });

    it('-c with one statement and with several', async () => {
      const one = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', 'select 1']);
      expect(one).toEqual({ code: 0, stdout: '1\n', stderr: '' });
      const two = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', 'select 1; select 2']);
      expect(two.code).toBe(0);
      expect(two.stdout.trim().split('\n')).toEqual(['1', '2']);
    });

    it('an error with ON_ERROR_STOP exits 1 with the server message', async () => {
      const r = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-c', 'select 1/0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/division by zero/);
    });

    it('\\d, \\dt, \\di and \\dx meta-commands', async () => {
      const d = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-c', '\\d psql_meta']);
      expect(d.code).toBe(0);
      expect(d.stdout).toMatch(/Table "public\.psql_meta"/);
      expect(d.stdout).toMatch(/title\s*\|\s*text/);
      expect(d.stdout).toMatch(/"psql_meta_pkey" PRIMARY KEY, btree \(id\)/);
      expect(d.stdout).toMatch(/"psql_meta_title" btree \(title\)/);
      const dt = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', '\\dt psql_meta']);
      expect(dt.stdout.trim()).toBe('public|psql_meta|table|postgres');
      const di = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', '\\di psql_meta*']);
      expect(di.stdout.trim().split('\n').sort()).toEqual([
        'public|psql_meta_pkey|index|postgres|psql_meta',
        'public|psql_meta_title|index|postgres|psql_meta',
      ]);
      const dx = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', '\\dx']);
      expect(dx.code).toBe(0);
      expect(dx.stdout).toMatch(/^plpgsql\|/m);
    });

    it('a script on stdin with a transaction, \\gset and \\echo', async () => {
      const script = [
        'BEGIN;',
        'CREATE TABLE psql_script (v int);',
        'INSERT INTO psql_script SELECT generate_series(1, 10);',
        'COMMIT;',
        'SELECT sum(v) AS total FROM psql_script \\gset',
        '\\echo total=:total',
      ].join('\n');
      const r = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-q'], { input: script });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe('total=55');
    });
  });
});

// ---------------------------------------------------------------------------
// 3. Password authentication relayed to a private upstream
// ---------------------------------------------------------------------------

describe('password authentication relayed to the upstream (md5, SCRAM-SHA-256)', () => {
  let dataDir: string;
  let upstream: EmbeddedPostgres;
  let emulator: Emulator;
  const url = (user: string, password: string, viaEmulator = true) =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${viaEmulator ? emulator.postgres.port : upstream.port}/postgres`;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'aurora-ml-wire-auth-'));
    upstream = await startEmbeddedPostgres({ dataDir, port: 0 });
    const admin = new pg.Client({ connectionString: upstream.url });
    await admin.connect();
    try {
      await admin.query("SET password_encryption = 'md5'");
      await admin.query("CREATE ROLE md5_user LOGIN PASSWORD 'md5-secret'");
      await admin.query("SET password_encryption = 'scram-sha-256'");
      await admin.query("CREATE ROLE scram_user LOGIN PASSWORD 'scram-secret'");
      const stored = await admin.query<{ rolname: string; kind: string }>(
        "SELECT rolname, split_part(rolpassword, '$', 1) AS kind FROM pg_authid WHERE rolname IN ('md5_user', 'scram_user') ORDER BY 1",
      );
      expect(stored.rows.map((r) => [r.rolname, r.kind.startsWith('md5') ? 'md5' : r.kind])).toEqual([
        ['md5_user', 'md5'],
        ['scram_user', 'SCRAM-SHA-256'],
      ]);
      const { rows } = await admin.query<{ hba_file: string }>('SHOW hba_file');
      const shown = rows[0]?.hba_file ?? '';
      // When the server reaches its data folder through /proc/self/cwd, the file is in dataDir.
      const hbaPath = shown.startsWith('/proc/self/cwd/')
        ? path.join(upstream.dataDir, shown.slice('/proc/self/cwd/'.length))
        : shown;
      const original = await readFile(hbaPath, 'utf8');
      // Writing over the existing file keeps its owner (the server's OS user) and mode.
      await writeFile(hbaPath, `host all md5_user 127.0.0.1/32 md5\nhost all scram_user 127.0.0.1/32 scram-sha-256\n${original}`);
      await admin.query('SELECT pg_reload_conf()');
      const bad = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_hba_file_rules WHERE error IS NOT NULL');
      expect(bad.rows).toEqual([{ n: 0 }]);
    } finally {
      await admin.end();
    }
    // The reload is asynchronous: wait until the upstream itself demands the password.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const c = new pg.Client({ connectionString: url('md5_user', 'wrong', false) });
      const code = await c.connect().then(
        async () => {
          await c.end();
          return 'connected';
        },
        (e: unknown) => sqlstate(e),
      );
      if (code === '28P01') break;
      if (Date.now() > deadline) throw new Error(`pg_hba.conf not in force (last outcome ${code})`);
      await sleep(100);
    }
    emulator = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: upstream.url,
      logger: silent,
    });
  });

  afterAll(async () => {
    await emulator?.close();
    await upstream?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  for (const [user, password, method] of [
    ['md5_user', 'md5-secret', 'md5'],
    ['scram_user', 'scram-secret', 'scram-sha-256'],
  ] as const) {
    describe(method, () => {
      it('the right password connects with pg, and the upstream used that method', async () => {
        const c = new pg.Client({ connectionString: url(user, password), connectionTimeoutMillis: 5000 });
        await c.connect();
        try {
          const { rows } = await c.query<{ u: string; how: string }>('SELECT current_user AS u, system_user AS how');
          expect(rows).toEqual([{ u: user, how: `${method}:${user}` }]);
        } finally {
          await c.end();
        }
      });

      it('the right password connects with postgres.js', async () => {
        const sql = postgres(url(user, password), { max: 1, onnotice: () => {}, connect_timeout: 5 });
        try {
          const [row] = await sql<{ how: string }[]>`SELECT system_user AS how`;
          expect(row?.how).toBe(`${method}:${user}`);
        } finally {
          await sql.end({ timeout: 1 });
        }
      });

      it('the right password connects with psql (PGPASSWORD)', async () => {
        const r = await runPsql(
          [`host=127.0.0.1 port=${emulator.postgres.port} user=${user} dbname=postgres`, '-At', '-c', 'SELECT system_user'],
          { env: { PGPASSWORD: password } },
        );
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout.trim()).toBe(`${method}:${user}`);
      });

      it('a wrong password gets 28P01 through the emulator (pg, postgres.js, psql); it keeps serving', async () => {
        const c = new pg.Client({ connectionString: url(user, 'not-the-password'), connectionTimeoutMillis: 5000 });
        const err = await pgError(() => c.connect());
        expect(sqlstate(err)).toBe('28P01');
        const sql = postgres(url(user, 'not-the-password'), { max: 1, onnotice: () => {}, connect_timeout: 5 });
        try {
          const err2 = await pgError(() => sql`SELECT 1`);
          expect(sqlstate(err2)).toBe('28P01');
        } finally {
          await sql.end({ timeout: 1 });
        }
        const r = await runPsql(
          [`host=127.0.0.1 port=${emulator.postgres.port} user=${user} dbname=postgres`, '-c', 'SELECT 1'],
          {
            env: { PGPASSWORD: 'not-the-password' },
          },
        );
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/password authentication failed for user "\w+"/);
        expect(await selectOne(url(user, password))).toBe(1);
      });
    });
  }

  it('trust still works for the superuser, and CancelRequest works for an md5 session', async () => {
    expect(await selectOne(emulator.postgres.url)).toBe(1);
    const c = new pg.Client({ connectionString: url('md5_user', 'md5-secret'), connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      const key = backendKey(c);
      const sleeping = pgError(() => c.query('SELECT pg_sleep(10)'));
      await sleep(300);
      await sendCancel(emulator.postgres.port, key.processId, key.secretKey);
      expect(sqlstate(await sleeping)).toBe('57014');
    } finally {
      await c.end();
    }
  });
});

// ---------------------------------------------------------------------------
// 4. Upstream unreachable
// ---------------------------------------------------------------------------

describe('upstream unreachable', () => {
  let emulator: Emulator;
  let closedPort: number;

  beforeAll(async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    closedPort = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    emulator = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: `postgres://postgres@127.0.0.1:${closedPort}/postgres`,
      logger: silent,
    });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('pg gets FATAL 08006 quickly, not a hang', async () => {
    const started = Date.now();
    const c = new pg.Client({ connectionString: emulator.postgres.url, connectionTimeoutMillis: 5000 });
    const err = await pgError(() => c.connect());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(sqlstate(err)).toBe('08006');
    expect(err.severity).toBe('FATAL');
    expect(err.message).toContain(`127.0.0.1:${closedPort}`);
  });

  it('an upstream that accepts and hangs up at once gives 08006 too', async () => {
    const slam = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => slam.listen(0, '127.0.0.1', resolve));
    const address = slam.address();
    const slamPort = typeof address === 'object' && address !== null ? address.port : 0;
    const emu = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: `postgres://postgres@127.0.0.1:${slamPort}/postgres`,
      logger: silent,
    });
    try {
      const c = new pg.Client({ connectionString: emu.postgres.url, connectionTimeoutMillis: 5000 });
      const err = await pgError(() => c.connect());
      expect(sqlstate(err)).toBe('08006');
      expect(err.message).toMatch(/closed the connection during startup/);
    } finally {
      await emu.close();
      slam.close();
    }
  });

  it('postgres.js and psql get the same error; the emulator keeps accepting', async () => {
    const sql = postgres(emulator.postgres.url, { max: 1, connect_timeout: 5, onnotice: () => {} });
    try {
      expect(sqlstate(await pgError(() => sql`SELECT 1`))).toBe('08006');
    } finally {
      await sql.end({ timeout: 1 });
    }
    const r = await runPsql([`host=127.0.0.1 port=${emulator.postgres.port} user=postgres dbname=postgres`, '-c', 'SELECT 1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/could not reach the upstream database/);
    const raw = await RawPgConnection.open(emulator.postgres.port);
    raw.send(wire.sslRequest());
    await raw.waitUntil(() => raw.bytes.length >= 1);
    expect(raw.bytes.toString('latin1', 0, 1)).toBe('N');
    raw.close();
  });
});
