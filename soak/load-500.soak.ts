/**
 * Issue 11: 500 client connections held open at once on each front, every
 * one running ML statements with inputs of its own, three rounds, every
 * answer checked value by value: a positive and a negative text through
 * Comprehend's detect_sentiment, and demo-echo (SageMaker's deterministic
 * demo endpoint) echoing the connection's number back. The upstreams are
 * private servers with room for 500 sessions (the machine's allow 100 and 151).
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { UPSTREAM } from '../test/helpers/emulator.ts';
import { pgSessions } from '../test/helpers/fuzz/pg-probe.ts';
import { settlesTo } from '../test/helpers/fuzz/run.ts';
import { type PrivateMariadb, startPrivateMariadb } from '../test/helpers/private-mariadb.ts';
import { pool } from './memory.ts';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.ts';
import { recordFigure } from './summary.ts';

const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 500);
const ROUNDS = 3;
const silent = pino({ level: 'silent' });

const positive = (i: number, r: number) => `I love this, it is wonderful (client ${i}, round ${r})`;
const negative = (i: number, r: number) => `This is terrible and I hate it (client ${i}, round ${r})`;

interface LoadFigures {
  readonly answers: number;
  readonly wrong: string[];
  readonly ms: number;
}

/** Runs every connection's rounds at once; `ask` returns [expected, got] pairs. */
async function load(count: number, ask: (i: number, round: number) => Promise<[string, unknown][]>): Promise<LoadFigures> {
  const wrong: string[] = [];
  let answers = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      for (let r = 0; r < ROUNDS; r++) {
        try {
          for (const [expected, got] of await ask(i, r)) {
            answers++;
            if (got !== expected) wrong.push(`client ${i} round ${r}: expected ${expected}, got ${JSON.stringify(got)}`);
          }
        } catch (err) {
          wrong.push(`client ${i} round ${r}: ${(err as Error).message}`);
        }
      }
    }),
  );
  return { answers, wrong, ms: Math.round(performance.now() - started) };
}

describe(`PostgreSQL front: ${CONNECTIONS} concurrent connections running ML`, () => {
  let upstream: PrivatePostgres;
  let emu: Emulator;
  beforeAll(async () => {
    upstream = await startPrivatePostgres(CONNECTIONS + 200);
    emu = await startEmulator({ pgListen: '127.0.0.1:0', apiListen: '127.0.0.1:0', pgUpstream: upstream.url, logger: silent });
    const setup = new pg.Client({ connectionString: emu.postgres.url });
    await setup.connect();
    await setup.query('CREATE EXTENSION aws_ml CASCADE');
    await setup.end();
  });
  afterAll(async () => {
    await emu?.close();
    await upstream?.[Symbol.asyncDispose]();
  });

  it('answers every connection with its own values', async () => {
    const baseline = await settlesTo(() => pgSessions(upstream.url, 'postgres'), 0, 3000);
    const clients: pg.Client[] = [];
    const connectStart = performance.now();
    await pool(CONNECTIONS, 50, async () => {
      const c = new pg.Client({ connectionString: emu.postgres.url });
      await c.connect();
      clients.push(c);
    });
    const connectMs = Math.round(performance.now() - connectStart);
    const held = await pgSessions(upstream.url, 'postgres');
    const figures = await load(clients.length, async (i, r) => {
      const c = clients[i] as pg.Client;
      const { rows } = await c.query<{ p: string; n: string; e: string }>(
        `SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment AS p,
                (aws_comprehend.detect_sentiment($2, 'en')).sentiment AS n,
                aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'client', $3::text, $4::text) AS e`,
        [positive(i, r), negative(i, r), String(i), String(r)],
      );
      const row = rows[0];
      return [
        ['POSITIVE', row?.p],
        ['NEGATIVE', row?.n],
        [`client ${i} ${r}`, row?.e],
      ];
    });
    await Promise.all(clients.map((c) => c.end()));
    const after = await settlesTo(() => pgSessions(upstream.url, 'postgres'), baseline, 30_000);
    recordFigure(
      `load pg: ${clients.length} connections held at once (upstream sessions ${held}), connected in ${connectMs} ms; ` +
        `${figures.answers} answers checked in ${(figures.ms / 1000).toFixed(1)} s, ${figures.wrong.length} wrong; ` +
        `upstream sessions after close ${after} (baseline ${baseline})`,
    );
    expect(clients.length).toBe(CONNECTIONS);
    expect(held).toBeGreaterThanOrEqual(CONNECTIONS);
    expect(figures.wrong.slice(0, 10)).toEqual([]);
    expect(figures.answers).toBe(CONNECTIONS * ROUNDS * 3);
    expect(after).toBeLessThanOrEqual(baseline);
  });
});

describe(`MySQL front: ${CONNECTIONS} concurrent connections running ML`, () => {
  let upstream: PrivateMariadb;
  let emu: Emulator;
  let admin: mysql.Connection;
  const threads = async () => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = 'test' AND ID <> CONNECTION_ID()`,
    );
    return Number(rows[0]?.n ?? -1);
  };
  beforeAll(async () => {
    upstream = await startPrivateMariadb([`--max-connections=${CONNECTIONS + 300}`]);
    emu = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: UPSTREAM,
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: upstream.url,
      logger: silent,
    });
    admin = await mysql.createConnection({ host: '127.0.0.1', port: upstream.port, user: 'root' });
    const setup = await mysql.createConnection({ host: '127.0.0.1', port: emu.mysql?.port ?? 0, user: 'root', database: 'test' });
    await setup.query(
      `CREATE FUNCTION soak_echo(a VARCHAR(20), b INT, c INT) RETURNS VARCHAR(100)
         ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'demo-echo'`,
    );
    await setup.end();
  });
  afterAll(async () => {
    await admin?.end();
    await emu?.close();
    await upstream?.stop();
  });

  it('answers every connection with its own values', async () => {
    const baseline = await settlesTo(threads, 0, 3000);
    const port = emu.mysql?.port ?? 0;
    const clients: mysql.Connection[] = [];
    const connectStart = performance.now();
    await pool(CONNECTIONS, 50, async () => {
      clients.push(await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', database: 'test' }));
    });
    const connectMs = Math.round(performance.now() - connectStart);
    const held = await threads();
    const figures = await load(clients.length, async (i, r) => {
      const c = clients[i] as mysql.Connection;
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        `SELECT aws_comprehend_detect_sentiment(?, 'en') AS p, aws_comprehend_detect_sentiment(?, 'en') AS n,
                soak_echo('client', ?, ?) AS e`,
        [positive(i, r), negative(i, r), i, r],
      );
      const row = rows[0];
      return [
        ['POSITIVE', row?.p],
        ['NEGATIVE', row?.n],
        [`client ${i} ${r}`, row?.e],
      ];
    });
    await Promise.all(clients.map((c) => c.end()));
    const after = await settlesTo(threads, baseline, 30_000);
    recordFigure(
      `load mysql: ${clients.length} connections held at once (upstream threads ${held}), connected in ${connectMs} ms; ` +
        `${figures.answers} answers checked in ${(figures.ms / 1000).toFixed(1)} s, ${figures.wrong.length} wrong; ` +
        `upstream threads after close ${after} (baseline ${baseline})`,
    );
    expect(clients.length).toBe(CONNECTIONS);
    expect(held).toBeGreaterThanOrEqual(CONNECTIONS);
    expect(figures.wrong.slice(0, 10)).toEqual([]);
    expect(figures.answers).toBe(CONNECTIONS * ROUNDS * 3);
    expect(after).toBeLessThanOrEqual(baseline);
  });
});
