/**
 * Issue 11, finding 3: messages pipelined behind an ML statement drained in
 * quadratic time on one turn of the event loop. An ML query followed by
 * 200,000 Syncs froze every client for 22 s; on MySQL, 200,000 COM_PINGs
 * for 31 s. Now each session handles a bounded number of messages per turn
 * and stops reading while its backlog is long, so another client's
 * `SELECT 1` stays fast during the flood, and every flooded message is still
 * answered, in order.
 *
 * The flooding client counts answers by reading message headers in place:
 * the emulator runs in this process, and a client allocating an object per
 * answer would measure its own garbage collection instead.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.ts';
import { mysqlConnectionOptions, startMysqlEmulator, startTestEmulatorWithMl, type TestEmulator } from './helpers/emulator.ts';
import { queryCommand, RawMySql } from './helpers/mysql-raw.ts';
import { RawPgConnection, wire } from './helpers/pg-raw.ts';

const FLOOD = 200_000;
const P99_LIMIT_MS = 50;

/** Samples `SELECT 1` latency on `query` every 5 ms until `done()`; returns the sorted samples. */
async function sampleLatency(query: () => Promise<unknown>, done: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  while (!done()) {
    const start = performance.now();
    await query();
    samples.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return samples.sort((a, b) => a - b);
}

const p99 = (sorted: readonly number[]) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;

/** Counts the messages of a stream by their headers (`headerSize` bytes, length at `lengthAt`), in place. */
class MessageCounter {
  count = 0;
  /** Each message's first byte, when asked for (PostgreSQL's type codes). */
  readonly codes: number[] = [];
  private header = Buffer.alloc(0);
  private bodyLeft = 0;

  constructor(
    private readonly headerSize: number,
    private readonly lengthOf: (header: Buffer) => number,
    private readonly keepCodes = false,
  ) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        continue;
      }
      const take = Math.min(this.headerSize - this.header.length, chunk.length - i);
      this.header = Buffer.concat([this.header, chunk.subarray(i, i + take)]);
      i += take;
      if (this.header.length < this.headerSize) continue;
      this.count++;
      if (this.keepCodes) this.codes.push(this.header[0] ?? 0);
      this.bodyLeft = this.lengthOf(this.header);
      this.header = Buffer.alloc(0);
    }
  }
}

describe('PostgreSQL front: an ML query followed by 200,000 Syncs', () => {
  let env: TestEmulator;

  beforeAll(async () => {
    env = await startTestEmulatorWithMl();
  });

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
  });

  it(`leaves another client's SELECT 1 under ${P99_LIMIT_MS} ms at p99, and answers every Sync`, async () => {
    const other = await env.client();
    const conn = await RawPgConnection.open(Number(new URL(env.url).port));
    conn.send(wire.startup({ user: 'postgres', database: env.database }));
    await conn.waitForReady(1);
    conn.socket.removeAllListeners('data');
    // Type byte + length word; the length counts itself.
    const counter = new MessageCounter(5, (h) => h.readInt32BE(1) - 4, true);
    conn.socket.on('data', (chunk: Buffer) => counter.push(chunk));
    const syncs = Buffer.alloc(FLOOD * 5);
    for (let i = 0; i < FLOOD; i++) {
      syncs[i * 5] = 0x53;
      syncs.writeInt32BE(4, i * 5 + 1);
    }
    const started = performance.now();
    conn.send(Buffer.concat([wire.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment`), syncs]));
    const readies = () => counter.codes.filter((c) => c === 0x5a).length;
    let finished = false;
    const flood = (async () => {
      while (counter.codes.length < 4 || readies() < FLOOD + 1) await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    })();
    const samples = await sampleLatency(
      () => other.query('SELECT 1'),
      () => finished || performance.now() - started > 120_000,
    );
    await flood;
    // The query's answer (RowDescription, DataRow, CommandComplete, ReadyForQuery), then one ReadyForQuery per Sync.
    expect(String.fromCharCode(...counter.codes.slice(0, 4))).toBe('TDCZ');
    expect(readies()).toBe(FLOOD + 1);
    expect(counter.count).toBe(FLOOD + 4);
    expect(samples.length).toBeGreaterThan(5);
    if (process.env.SHOW_LATENCY) console.log(`p99 ${p99(samples).toFixed(1)} ms over ${samples.length} samples`);
    expect(p99(samples), `p99 of ${samples.length} samples: ${p99(samples).toFixed(1)} ms`).toBeLessThan(P99_LIMIT_MS);
    conn.close();
    const after = await other.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS s`);
    expect(after.rows).toEqual([{ s: 'POSITIVE' }]);
  }, 180_000);
});

describe('MySQL front: an ML query followed by 200,000 COM_PINGs', () => {
  const DATABASE = `aurora_ml_flood_${process.pid}`;
  let root: mysql.Connection;
  let emu: Emulator;

  beforeAll(async () => {
    root = await mysql.createConnection(mysqlConnectionOptions());
    await root.query(`CREATE DATABASE ${DATABASE}`);
    emu = await startMysqlEmulator(DATABASE);
  });

  afterAll(async () => {
    await emu?.close();
    await root?.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await root?.end();
  });

  /** One flood on a fresh connection: every ping answered; the other client's SELECT 1 latencies meanwhile. */
  async function floodOnce(port: number, other: mysql.Connection): Promise<number[]> {
    const conn = await RawMySql.connect({ port, database: DATABASE });
    const socket = (conn as unknown as { socket: net.Socket }).socket;
    socket.removeAllListeners('data');
    // 3-byte little-endian payload length and a sequence id.
    const counter = new MessageCounter(4, (h) => h.readUIntLE(0, 3));
    socket.on('data', (chunk: Buffer) => counter.push(chunk));
    const pings = Buffer.alloc(FLOOD * 5);
    for (let i = 0; i < FLOOD; i++) {
      pings[i * 5] = 1;
      pings[i * 5 + 4] = 0x0e;
    }
    const started = performance.now();
    socket.write(
      Buffer.concat([conn.frame(queryCommand(`SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`)), pings]),
    );
    let finished = false;
    // The query's answer is 5 packets (column count, column, EOF, row, EOF); then one OK per ping.
    const flood = (async () => {
      while (counter.count < FLOOD + 5) await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    })();
    const samples = await sampleLatency(
      () => other.query('SELECT 1'),
      () => finished || performance.now() - started > 120_000,
    );
    await flood;
    expect(counter.count).toBe(FLOOD + 5);
    socket.destroy();
    return samples;
  }

  it(`leaves another client's SELECT 1 under ${P99_LIMIT_MS} ms at p99, and answers every ping`, async () => {
    const port = Number(new URL(emu.mysql?.url ?? '').port);
    const other = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', database: DATABASE });
    // The database's first ML statement installs the stored functions (DDL): done before the floods.
    await other.query(`SELECT aws_comprehend_detect_sentiment('warm up', 'en') AS s`);
    // A flood lasts about 1.5 s, about 150 samples: alone, its p99 would be the worst sample or
    // two, one garbage collection of this process (the emulator runs in it) decided. Three floods
    // give a p99 of about 500 samples.
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) samples.push(...(await floodOnce(port, other)));
    samples.sort((a, b) => a - b);
    expect(samples.length).toBeGreaterThan(15);
    if (process.env.SHOW_LATENCY) console.log(`p99 ${p99(samples).toFixed(1)} ms over ${samples.length} samples`);
    expect(p99(samples), `p99 of ${samples.length} samples: ${p99(samples).toFixed(1)} ms`).toBeLessThan(P99_LIMIT_MS);
    const [rows] = await other.query<mysql.RowDataPacket[]>(`SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`);
    expect(rows).toEqual([{ s: 'POSITIVE' }]);
    await other.end();
  }, 180_000);
});
