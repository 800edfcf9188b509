import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../src/upstream/embedded/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modulePath = path.join(repoRoot, 'src/upstream/embedded/index.ts');
const isRoot = process.getuid?.() === 0;

interface Captured {
  level: 'info' | 'warn' | 'debug';
  o: object;
  msg: string | undefined;
}
function captureLogger() {
  const lines: Captured[] = [];
  return {
    lines,
    info: (o: object, msg?: string) => lines.push({ level: 'info', o, msg }),
    warn: (o: object, msg?: string) => lines.push({ level: 'warn', o, msg }),
    debug: (o: object, msg?: string) => lines.push({ level: 'debug', o, msg }),
  };
}

async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Alive and not a zombie. */
function isAlive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** Runs a script in a separate Node process (with tsx), returning its output. */
function runNode(
  code: string,
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let pending = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      pending += c.toString();
      let i = pending.indexOf('\n');
      while (i >= 0) {
        onLine?.(pending.slice(0, i), child);
        pending = pending.slice(i + 1);
        i = pending.indexOf('\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('embedded PostgreSQL upstream', () => {
  let tmp: string;

  beforeAll(async () => {
    // mkdtemp makes a 0700 folder: as root this is the "unreachable for the
    // server user" case (like a clone under /root).
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aurora-emb-test-'));
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('initializes a cluster, serves queries, and keeps data across restarts', async () => {
    const dataDir = path.join(tmp, 'persist');
    const logger = captureLogger();
    const first = await startEmbeddedPostgres({ dataDir, port: 0, logger });
    try {
      expect(first.url).toBe(`postgres://postgres@127.0.0.1:${first.port}/postgres`);
      expect(first.dataDir).toBe(dataDir);
      await sql(first.url, 'CREATE TABLE kept (id int PRIMARY KEY, body text)');
      await sql(first.url, 'INSERT INTO kept VALUES ($1, $2), ($3, $4)', [1, 'héllo', 2, 'wörld']);
      const info = await sql<{ v: number; enc: string; ctype: string; maxconn: string; who: string }>(
        first.url,
        `SELECT current_setting('server_version_num')::int AS v,
                pg_encoding_to_char(encoding) AS enc, datctype AS ctype,
                current_setting('max_connections') AS maxconn, current_user AS who
           FROM pg_database WHERE datname = current_database()`,
      );
      expect(info[0]?.v).toBeGreaterThanOrEqual(160000);
      expect(info[0]?.v).toBeLessThan(170000);
      expect(info[0]?.enc).toBe('UTF8');
      expect(['C.UTF-8', 'C']).toContain(info[0]?.ctype);
      expect(Number(info[0]?.maxconn)).toBeGreaterThanOrEqual(100);
      expect(info[0]?.who).toBe('postgres');
    } finally {
      await first.stop();
    }
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(first.pid)).toBe(false);
    expect(logger.lines.some((l) => l.msg === 'embedded PostgreSQL ready')).toBe(true);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);

    const st = await stat(dataDir);
    expect(st.mode & 0o777).toBe(0o700);
    expect((await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).trim()).toBe('16');

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      const rows = await sql(second.url, 'SELECT id, body FROM kept ORDER BY id');
      expect(rows).toEqual([
        { id: 1, body: 'héllo' },
        { id: 2, body: 'wörld' },
      ]);
    } finally {
      await second.stop();
    }
  });

  it('runs PL/pgSQL and supports await using', async () => {
    let pid = 0;
    {
      await using server = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'plpgsql') });
      pid = server.pid;
      await sql(
        server.url,
        `CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $$
         BEGIN
           IF t IS NULL THEN RAISE EXCEPTION 'null input'; END IF;
           RETURN upper(t) || '!';
         END $$`,
      );
      expect(await sql(server.url, `SELECT shout('éa') AS s`)).toEqual([{ s: 'ÉA!' }]);
      await expect(sql(server.url, 'SELECT shout(NULL)')).rejects.toThrow(/null input/);
      // The server must survive a client error and keep serving.
      expect(await sql(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    }
    expect(isAlive(pid)).toBe(false);
  });

  it('refuses a second concurrent start on the same data directory in this process', async () => {
    const dataDir = path.join(tmp, 'twice');
    const results = await Promise.allSettled([startEmbeddedPostgres({ dataDir }), startEmbeddedPostgres({ dataDir })]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    const err = (failed[0] as PromiseRejectedResult).reason as EmbeddedPostgresError;
    expect(err).toBeInstanceOf(EmbeddedPostgresError);
    expect(err.code).toBe('DATA_DIR_IN_USE');
    expect(err.message).toContain(`data directory ${dataDir} is already in use`);
    const server = (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startEmbeddedPostgres>>>).value;
    await server.stop();
    // Once stopped, the folder is free again.
    const again = await startEmbeddedPostgres({ dataDir });
    await again.stop();
  });

  it('refuses a data directory held by a server of another process, with a clear message', async () => {
    const dataDir = path.join(tmp, 'other-process');
    await using server = await startEmbeddedPostgres({ dataDir });
    const result = await runNode(`
      const { startEmbeddedPostgres } = await import(${JSON.stringify(modulePath)});
      try {
        const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
        await s.stop();
        console.log('UNEXPECTED START');
      } catch (err) {
        console.log('CODE=' + err.code);
        console.log('MESSAGE=' + err.message);
      }
    `);
    expect(result.out).toContain('CODE=DATA_DIR_IN_USE');
    expect(result.out).toContain(`already in use by a running PostgreSQL server (PID ${server.pid}, port ${server.port})`);
    // The first server is untouched.
    expect(await sql(server.url, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });

  it('recovers after a crash that left postmaster.pid behind', async () => {
    const dataDir = path.join(tmp, 'crash');
    const logger = captureLogger();
    const first = await startEmbeddedPostgres({ dataDir, logger });
    await sql(first.url, 'CREATE TABLE survived AS SELECT 42 AS answer');
    // Keep a backend busy so the crash leaves orphans holding shared memory.
    const busy = new pg.Client({ connectionString: first.url });
    await busy.connect();
    busy.on('error', () => {});
    void busy.query('SELECT pg_sleep(2)').catch(() => {});
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg === 'embedded PostgreSQL exited unexpectedly')).toBe(true);
    const pidFile = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
    expect(pidFile.split('\n')[0]).toBe(String(first.pid));

    await using second = await startEmbeddedPostgres({ dataDir, logger });
    expect(await sql(second.url, 'SELECT answer FROM survived')).toEqual([{ answer: 42 }]);
    await busy.end().catch(() => {});
  });

  it('removes a postmaster.pid whose PID now belongs to an unrelated process', async () => {
    const dataDir = path.join(tmp, 'reused-pid');
    const first = await startEmbeddedPostgres({ dataDir });
    await first.stop();
    // After a container restart the recorded PID often belongs to something else.
    await writeFile(
      path.join(dataDir, 'postmaster.pid'),
      `${process.pid}\n${dataDir}\n1700000000\n5432\n\n127.0.0.1\n  1234567  7\nready   \n`,
    );
    await using second = await startEmbeddedPostgres({ dataDir });
    expect(await sql(second.url, 'SELECT 3 AS three')).toEqual([{ three: 3 }]);
  });

  it('refuses an existing non-empty folder that is not a cluster', async () => {
    const dataDir = path.join(tmp, 'not-a-cluster');
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'notes.txt'), 'mine');
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toMatchObject({
      code: 'DATA_DIR_INVALID',
      message: expect.stringContaining('is not empty and is not a PostgreSQL cluster'),
    });
    expect(await readFile(path.join(dataDir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('reports a fixed port that is already taken clearly', async () => {
    // Something else (not PostgreSQL) holds the port and never answers.
    const sockets = new Set<net.Socket>();
    const blocker = net.createServer((sock) => sockets.add(sock));
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startEmbeddedPostgres({ dataDir: path.join(tmp, 'port-taken'), port })).rejects.toMatchObject({
        code: 'START_FAILED',
        message: expect.stringContaining(`port ${port} on 127.0.0.1 is already in use`),
      });
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => blocker.close(r));
    }
  });

  it('takes the server down when the Node process exits without stop()', async () => {
    const dataDir = path.join(tmp, 'orphan-exit');
    let pid = 0;
    const result = await runNode(
      `
      const { startEmbeddedPostgres } = await import(${JSON.stringify(modulePath)});
      const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
      console.log('PID=' + s.pid);
      process.exit(0);
    `,
      (line) => {
        const m = /^PID=(\d+)$/.exec(line);
        if (m?.[1]) pid = Number(m[1]);
      },
    );
    expect(result.code).toBe(0);
    expect(pid).toBeGreaterThan(0);
    expect(await waitGone(pid, 10_000)).toBe(true);
  });

  it('takes the server down when the Node process is SIGKILLed (setpriv --pdeathsig)', async (ctx) => {
    const setprivOk = ['/usr/bin/setpriv', '/bin/setpriv'].some((p) => {
      try {
        readFileSync(p);
        return true;
      } catch {
        return false;
      }
    });
    if (!setprivOk) ctx.skip();
    const dataDir = path.join(tmp, 'orphan-kill');
    let pid = 0;
    await runNode(
      `
      const { startEmbeddedPostgres } = await import(${JSON.stringify(modulePath)});
      const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
      console.log('PID=' + s.pid);
      setInterval(() => {}, 1000);
    `,
      (line, child) => {
        const m = /^PID=(\d+)$/.exec(line);
        if (m?.[1]) {
          pid = Number(m[1]);
          child.kill('SIGKILL');
        }
      },
    );
    expect(pid).toBeGreaterThan(0);
    expect(await waitGone(pid, 10_000)).toBe(true);
    // It shut down cleanly (fast shutdown), so the next start needs no recovery.
    await using again = await startEmbeddedPostgres({ dataDir });
    expect(await sql(again.url, 'SELECT 4 AS four')).toEqual([{ four: 4 }]);
  });

  it.runIf(isRoot)('as root, runs as an unprivileged user and reaches unreachable folders via /proc/self/cwd', async () => {
    // tmp is 0700 root: the server user cannot traverse it.
    await using hidden = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'hidden') });
    const [h] = await sql<{ dir: string; uid: string }>(hidden.url, `SELECT current_setting('data_directory') AS dir`);
    expect(h?.dir).toBe('/proc/self/cwd');
    const owner = (await stat(path.join(tmp, 'hidden'))).uid;
    expect(owner).not.toBe(0);
    const status = readFileSync(`/proc/${hidden.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${owner}\\s`, 'm'));

    // A reachable folder gets its real path.
    const open = path.join(tmp, 'open');
    await mkdir(open);
    await chmod(tmp, 0o711);
    try {
      await using visible = await startEmbeddedPostgres({ dataDir: path.join(open, 'pg') });
      const [v] = await sql<{ dir: string }>(visible.url, `SELECT current_setting('data_directory') AS dir`);
      expect(v?.dir).toBe(path.join(open, 'pg'));
    } finally {
      await chmod(tmp, 0o700);
    }
  });
});
