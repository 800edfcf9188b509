/**
 * Malformed and unlucky traffic on the PostgreSQL wire front: garbage, bad
 * startup and message lengths, unknown protocol versions, clients that vanish
 * mid-query, and an upstream backend terminated mid-session. The emulator
 * must answer with the right FATAL and keep serving.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startTestEmulatorForSuite } from './helpers/emulator.ts';
import { i32 } from './helpers/pg-frames.ts';
import { dataRow, errorFields, RawPgConnection, wire } from './helpers/pg-raw.ts';
import { backendKey, selectOne, sleep, sqlstate } from './helpers/pg-wire-clients.ts';

describe('through the emulator (trust upstream)', () => {
  const env = startTestEmulatorForSuite();

  describe('robustness', () => {
    async function expectFatal(bytes: Buffer, code: string): Promise<void> {
      const raw = await RawPgConnection.open(env.port);
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
      const raw = await RawPgConnection.open(env.port);
      raw.send(Buffer.concat([i32(60), i32(196608), Buffer.from('user\0post')]));
      raw.socket.end();
      expect(await raw.waitClosed(3000)).toBe(true);
      expect(await selectOne(env.url)).toBe(1);
    });

    it('a short CancelRequest does not crash the emulator', async () => {
      for (const bytes of [Buffer.concat([i32(8), i32(80877102)]), Buffer.concat([i32(12), i32(80877102), i32(1)])]) {
        const raw = await RawPgConnection.open(env.port);
        raw.send(bytes);
        expect(await raw.waitClosed(3000)).toBe(true);
      }
      expect(await selectOne(env.url)).toBe(1);
    });

    it('an invalid message length after startup gets 08P01 and the connection closed', async () => {
      for (const bad of [Buffer.concat([Buffer.from('Q'), i32(2)]), Buffer.concat([Buffer.from('Q'), i32(0x7ffffff0)])]) {
        const raw = await RawPgConnection.open(env.port);
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
      const raw = await RawPgConnection.open(env.port);
      raw.send(Buffer.concat([wire.startup({ user: 'postgres', database: env.database }), wire.query('SELECT 6 * 7')]));
      const messages = await raw.waitForReady(2);
      const row = messages.find((m) => m.code === 'D');
      expect(row && dataRow(row.payload)).toEqual(['42']);
      raw.close();
    });

    it('protocol 3.2 is negotiated down by the upstream (NegotiateProtocolVersion), not refused', async () => {
      const raw = await RawPgConnection.open(env.port);
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
        const raw = await RawPgConnection.open(env.port);
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
      const raw = await RawPgConnection.open(env.port);
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

    /** The backend message codes a session answers `writes` with, once `owed` ReadyForQuery are in. */
    async function answerCodes(port: number, writes: readonly Buffer[], owed: number): Promise<string> {
      const raw = await RawPgConnection.open(port);
      try {
        raw.send(wire.startup({ user: 'postgres', database: env.database }));
        await raw.waitForReady(1, 0, 10_000);
        const skip = raw.messages().length;
        for (const w of writes) raw.send(w);
        await raw.waitUntil(
          () =>
            raw
              .messages()
              .slice(skip)
              .filter((m) => m.code === 'Z').length >= owed,
          5000,
        );
        return raw
          .messages()
          .slice(skip)
          .map((m) => m.code)
          .join('');
      } finally {
        raw.close();
      }
    }

    // Found by the soak fuzz (seed 2051837422, cases 260 and 1632): a CopyDone outside COPY, which
    // PostgreSQL ignores, hid the extended messages behind it from the emulator's bookkeeping, and
    // the session waited for their answers for ever: the Query after the Sync was never answered.
    it('a stray CopyDone or CopyFail before an extended pipeline leaves every message answered as PostgreSQL answers it', async () => {
      const direct = Number(new URL(env.directUrl).port || 5432);
      const cases: Array<[Buffer[], number]> = [
        [
          [
            wire.query(';;'),
            wire.copyDone(),
            wire.parse('', 'SAVEPOINT s1'),
            wire.bind('p1', '', []),
            wire.describePortal('p1'),
            wire.execute('p1', 0),
            wire.flush(),
            wire.sync(),
            wire.query('COMMIT'),
          ],
          3,
        ],
        [
          [
            wire.query('SELECT 1'),
            wire.copyFail('stray'),
            wire.parse('', 'SELECT 1'),
            wire.bind('p1', '', []),
            wire.execute('p1', 0),
            wire.flush(),
            wire.sync(),
            wire.query('SELECT 2'),
          ],
          3,
        ],
        [
          [
            wire.copyDone(),
            wire.parse('s', 'SELECT 1'),
            wire.bind('', 's', []),
            wire.execute('', 0),
            wire.sync(),
            wire.query('SELECT 2'),
          ],
          2,
        ],
      ];
      for (const [writes, owed] of cases) {
        const expected = await answerCodes(direct, writes, owed);
        expect(expected.split('Z')).toHaveLength(owed + 1);
        expect(await answerCodes(env.port, writes, owed)).toBe(expected);
      }
      expect(await selectOne(env.url)).toBe(1);
    });
  });
});
