/**
 * What the PostgreSQL wire front passes on outside a query's answer: NOTICEs,
 * LISTEN/NOTIFY between two clients, and CancelRequest (raw, with a wrong
 * key, and postgres.js's query.cancel()).
 */
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { startTestEmulatorForSuite } from './helpers/emulator.ts';
import { backendKey, pgError, sendCancel, sleep, sqlstate, withTimeout } from './helpers/pg-wire-clients.ts';

describe('through the emulator (trust upstream)', () => {
  const env = startTestEmulatorForSuite();

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
      await sendCancel(env.port, key.processId, key.secretKey);
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
      await sendCancel(env.port, key.processId, key.secretKey ^ 0x5a5a5a5a);
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
});
