/**
 * Connecting through the PostgreSQL wire front: SSL negotiation (plain text
 * only), password authentication relayed to the upstream (md5,
 * SCRAM-SHA-256) with pg, postgres.js and psql, and an upstream that cannot
 * be reached.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/main.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/upstream/embedded/index.ts';
import { startTestEmulatorForSuite } from './helpers/emulator.ts';
import { RawPgConnection, runPsql, wire } from './helpers/pg-raw.ts';
import { backendKey, pgError, selectOne, sendCancel, sleep, sqlstate } from './helpers/pg-wire-clients.ts';

const silent = pino({ level: 'silent' });

describe('through the emulator (trust upstream)', () => {
  const env = startTestEmulatorForSuite();

  describe('SSL negotiation', () => {
    it('answers SSLRequest with N so psql sslmode=prefer connects in plain text', async () => {
      const r = await runPsql([
        `host=127.0.0.1 port=${env.port} user=postgres dbname=${env.database} sslmode=prefer`,
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
        `host=127.0.0.1 port=${env.port} user=postgres dbname=${env.database} sslmode=require`,
        '-c',
        'SELECT 1',
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/server does not support SSL/);
      const client = new pg.Client({ connectionString: env.url, ssl: true });
      const err = await pgError(() => client.connect());
      expect(err.message).toMatch(/does not support SSL/);
      const raw = await RawPgConnection.open(env.port);
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
});

// ---------------------------------------------------------------------------
// Password authentication relayed to a private upstream
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
// Upstream unreachable
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
