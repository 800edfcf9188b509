/**
 * The PostgreSQL wire front with real clients (pg, postgres.js) for traffic
 * that does not touch ML: the simple and extended protocol, binary results,
 * prepared statements, transactions, many clients, and pipelining.
 */
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulatorForSuite } from './helpers/emulator.ts';
import { dataRow, RawPgConnection, wire } from './helpers/pg-raw.ts';
import { pgError, sqlstate, withTimeout } from './helpers/pg-wire-clients.ts';

describe('through the emulator (trust upstream)', () => {
  const env = startTestEmulatorForSuite();

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
      expect(await fetch(env.port)).toEqual(expected);
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
});
