/**
 * COPY through the PostgreSQL wire front, both ways: postgres.js streams,
 * psql's \copy, and every protocol shape of COPY FROM STDIN on a raw socket.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulatorForSuite } from './helpers/emulator.ts';
import { dataRow, RawPgConnection, runPsql, wire } from './helpers/pg-raw.ts';

describe('through the emulator (trust upstream)', () => {
  const env = startTestEmulatorForSuite();

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
      const target = `host=127.0.0.1 port=${env.port} user=postgres dbname=${env.database}`;
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
      const raw = await RawPgConnection.open(env.port);
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
});
