/**
 * The MySQL wire front with real clients (mysql2, the mariadb CLI and a raw
 * socket) in front of the machine's MariaDB, for traffic that does not touch
 * ML: handshake and authentication relayed (right and wrong passwords), text
 * and prepared statements, multi-statements, 20 MB packets, KILL QUERY through
 * the emulator, COM_CHANGE_USER, COM_RESET_CONNECTION, LOCAL INFILE, garbage
 * and an unreachable upstream. Plus unit tests of the framer fed streams split
 * at every offset, and of the ERR serializer.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorError } from '../src/errors.ts';
import { MAX_PACKET_PAYLOAD } from '../src/wire/mysql/codes.ts';
import { type Packet, PacketReader, ProtocolViolation } from '../src/wire/mysql/framer.ts';
import { parseErr, parseHandshakeV10, withoutCapabilities } from '../src/wire/mysql/messages.ts';
import { packet, serialize } from '../src/wire/mysql/serializer.ts';
import { type MySqlFront, startMySqlFront } from '../src/wire/mysql/server.ts';
import { relayEverything, type StatementHandler } from '../src/wire/mysql/statement-handler.ts';
import { type CliResult, runMariadbCli } from './helpers/mariadb-cli.ts';
import { MYSQL_HOST, MYSQL_PORT, mysqlConnectionOptions } from './helpers/test-databases.ts';

const UPSTREAM = { host: MYSQL_HOST, port: MYSQL_PORT };
const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PW_USER = 'aurora_ml_pw_user';
const PASSWORD = 'pw-Secret1';

let front: MySqlFront;
let admin: mysql.Connection;
let originalMaxPacket = 0;

function connectThrough(options: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port: front.port, user: 'root', database: 'test', ...options });
}

async function errorOf(run: () => Promise<unknown>): Promise<Error & { errno?: number; sqlState?: string }> {
  try {
    await run();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`non-Error thrown: ${String(err)}`);
  }
  throw new Error('expected an error, got success');
}

function runMariadb(args: string[], stdin = ''): Promise<CliResult> {
  return runMariadbCli(front.port, args, stdin);
}

beforeAll(async () => {
  admin = await mysql.createConnection(mysqlConnectionOptions('test'));
  const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT @@global.max_allowed_packet AS m');
  originalMaxPacket = Number(rows[0]?.m);
  // The session value is read-only in MariaDB: new connections take the global one.
  await admin.query('SET GLOBAL max_allowed_packet = 67108864');
  await admin.query(`DROP USER IF EXISTS '${PW_USER}'@'127.0.0.1'`);
  await admin.query(`CREATE USER '${PW_USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
  await admin.query(`GRANT ALL ON test.* TO '${PW_USER}'@'127.0.0.1'`);
  front = await startMySqlFront({ host: '127.0.0.1', port: 0, upstream: UPSTREAM, handler: relayEverything, log: silent });
});

afterAll(async () => {
  await front?.close();
  if (admin !== undefined) {
    await admin.query(`DROP USER IF EXISTS '${PW_USER}'@'127.0.0.1'`);
    if (originalMaxPacket > 0) await admin.query(`SET GLOBAL max_allowed_packet = ${originalMaxPacket}`);
    await admin.end();
  }
});

describe('MySQL front with mysql2', () => {
  it('relays text queries and reports the upstream connection id', async () => {
    const c = await connectThrough();
    try {
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT 1 + 1 AS two, CONNECTION_ID() AS id, DATABASE() AS db');
      expect(rows).toEqual([{ two: 2, id: c.threadId, db: 'test' }]);
      expect(c.threadId).toBeGreaterThan(0);
      // The upstream sees the same thread id for this connection.
      const [list] = await admin.query<mysql.RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?', [
        c.threadId,
      ]);
      expect(list).toHaveLength(1);
    } finally {
      await c.end();
    }
  });

  it('relays prepared statements with parameters (COM_STMT_PREPARE/EXECUTE/CLOSE)', async () => {
    const c = await connectThrough();
    try {
      await c.query('CREATE TEMPORARY TABLE t_stmt (id INT PRIMARY KEY, name VARCHAR(20), score DOUBLE NULL)');
      for (const [id, name, score] of [
        [1, 'one', 1.5],
        [2, 'two', null],
        [3, 'three', 3.25],
      ] as const) {
        await c.execute('INSERT INTO t_stmt VALUES (?, ?, ?)', [id, name, score]);
      }
      const [rows] = await c.execute<mysql.RowDataPacket[]>('SELECT id, name, score FROM t_stmt WHERE id >= ? ORDER BY id', [2]);
      expect(rows).toEqual([
        { id: 2, name: 'two', score: null },
        { id: 3, name: 'three', score: 3.25 },
      ]);
      const [prepared] = await c.execute<mysql.RowDataPacket[]>('SELECT ? AS a, ? AS b', ['x', null]);
      expect(prepared).toEqual([{ a: 'x', b: null }]);
      const stmt = await c.prepare('SELECT COUNT(*) AS n FROM t_stmt WHERE score IS NOT NULL AND id <> ?');
      const [counted] = await stmt.execute([1]);
      expect(counted).toEqual([{ n: 1 }]);
      await stmt.close();
      await c.ping();
      expect((await c.query<mysql.RowDataPacket[]>('SELECT 5 AS five'))[0]).toEqual([{ five: 5 }]);
    } finally {
      await c.end();
    }
  });

  it('relays multi-statement queries (several result sets)', async () => {
    const c = await connectThrough({ multipleStatements: true });
    try {
      const [results] = await c.query<mysql.RowDataPacket[][]>(
        'SELECT 1 AS a; CREATE TEMPORARY TABLE t_multi (x INT); INSERT INTO t_multi VALUES (1), (2); SELECT SUM(x) AS s FROM t_multi',
      );
      expect(results).toHaveLength(4);
      expect(results[0]).toEqual([{ a: 1 }]);
      expect((results[2] as unknown as mysql.ResultSetHeader).affectedRows).toBe(2);
      expect(results[3]).toEqual([{ s: '3' }]);
    } finally {
      await c.end();
    }
  });

  it('round-trips a 20 MB blob (multi-packet payloads both ways)', async () => {
    const c = await connectThrough({ maxPreparedStatements: 4 });
    try {
      const [[limit]] = await c.query<mysql.RowDataPacket[]>('SELECT @@max_allowed_packet AS m');
      expect(Number(limit?.m)).toBeGreaterThanOrEqual(64 * 1024 * 1024);
      const blob = Buffer.alloc(20 * 1024 * 1024);
      for (let i = 0; i < blob.length; i += 4096) blob.writeUInt32LE((i * 2654435761) >>> 0, i);
      const digest = createHash('sha256').update(blob).digest('hex');
      await c.query('CREATE TEMPORARY TABLE t_blob (id INT, b LONGBLOB)');
      const started = performance.now();
      await c.execute('INSERT INTO t_blob VALUES (1, ?)', [blob]);
      await c.query('INSERT INTO t_blob VALUES (2, ?)', [blob]);
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id, b, SHA2(b, 256) AS h FROM t_blob ORDER BY id');
      const [binary] = await c.execute<mysql.RowDataPacket[]>('SELECT b FROM t_blob WHERE id = ?', [2]);
      const elapsed = performance.now() - started;
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row.h).toBe(digest);
        expect(Buffer.compare(row.b as Buffer, blob)).toBe(0);
      }
      expect(Buffer.compare(binary[0]?.b as Buffer, blob)).toBe(0);
      console.info(`[mysql-wire] 20 MB blob: 2 inserts + 2 selects through the emulator in ${elapsed.toFixed(0)} ms`);
    } finally {
      await c.end();
    }
  });

  it('KILL QUERY <connection id> from a second connection stops SELECT SLEEP(10) quickly', async () => {
    const victim = await connectThrough();
    const killer = await connectThrough();
    try {
      const started = performance.now();
      // Its outcome is taken at once: the interrupted query may fail before the KILL's own answer is read.
      // MariaDB answers an interrupted SLEEP with 1 (or error 1317 for other statements).
      const sleeping: Promise<{ value?: number; errno?: number }> = victim
        .query<mysql.RowDataPacket[]>('SELECT SLEEP(10) AS s')
        .then(
          ([rows]) => ({ value: rows[0]?.s as number }),
          (err: { errno?: number }) => ({ errno: err.errno }),
        );
      await new Promise((r) => setTimeout(r, 300));
      await killer.query(`KILL QUERY ${victim.threadId}`);
      const outcome = await sleeping;
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(3000);
      expect(outcome.value === 1 || outcome.errno === 1317).toBe(true);
      // The killed query's connection still works.
      expect((await victim.query<mysql.RowDataPacket[]>('SELECT 7 AS n'))[0]).toEqual([{ n: 7 }]);
    } finally {
      await victim.end();
      await killer.end();
    }
  });

  it('relays COM_CHANGE_USER and COM_RESET_CONNECTION', async () => {
    const c = await connectThrough();
    try {
      await c.query('SET @kept = 42');
      await c.changeUser({ user: PW_USER, password: PASSWORD, database: 'test' });
      const [[me]] = await c.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS u, @kept AS kept');
      expect(me).toEqual({ u: `${PW_USER}@127.0.0.1`, kept: null });
      await c.query('SET @again = 1');
      await c.reset();
      const [[after]] = await c.query<mysql.RowDataPacket[]>('SELECT @again AS again, CURRENT_USER() AS u');
      expect(after).toEqual({ again: null, u: `${PW_USER}@127.0.0.1` });
      const wrong = await errorOf(() => c.changeUser({ user: PW_USER, password: 'nope' }));
      expect(wrong.errno).toBe(1045);
    } finally {
      c.destroy();
    }
  });

  it('authenticates a password user through the emulator: right password works, wrong gives 1045', async () => {
    const ok = await connectThrough({ user: PW_USER, password: PASSWORD });
    try {
      const [[row]] = await ok.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS u');
      expect(row?.u).toBe(`${PW_USER}@127.0.0.1`);
    } finally {
      await ok.end();
    }
    const denied = await errorOf(() => connectThrough({ user: PW_USER, password: 'wrong' }));
    expect(denied.errno).toBe(1045);
    expect(denied.sqlState).toBe('28000');
    const noPassword = await errorOf(() => connectThrough({ user: PW_USER }));
    expect(noPassword.errno).toBe(1045);
  });

  it('relays LOAD DATA LOCAL INFILE exchanges', async () => {
    const c = await connectThrough({
      flags: ['+LOCAL_FILES'],
      infileStreamFactory: () => Readable.from([Buffer.from('1\talpha\n2\tbeta\n'), Buffer.from('3\tgamma\n')]),
    });
    try {
      await c.query('CREATE TEMPORARY TABLE t_infile (id INT, name VARCHAR(10))');
      const [result] = await c.query<mysql.ResultSetHeader>({ sql: "LOAD DATA LOCAL INFILE 'rows.tsv' INTO TABLE t_infile" });
      expect(result.affectedRows).toBe(3);
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT name FROM t_infile ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(['alpha', 'beta', 'gamma']);
    } finally {
      await c.end();
    }
  });
});

describe('MySQL front with the mariadb command-line client', () => {
  it("runs -e 'select 1'", async () => {
    const r = await runMariadb(['-N', '-e', 'select 1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('1');
  });

  it('runs a script from stdin against a database', async () => {
    const script = [
      'CREATE TEMPORARY TABLE t_cli (id INT, v VARCHAR(10));',
      "INSERT INTO t_cli VALUES (1, 'a'), (2, 'b');",
      'SELECT CONCAT(id, v) FROM t_cli ORDER BY id;',
      'SELECT DATABASE();',
    ].join('\n');
    const r = await runMariadb(['-N', 'test'], script);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['1a', '2b', 'test']);
  });

  it('reports a wrong password with errno 1045', async () => {
    const r = await runMariadb(['-u', PW_USER, `-pwrong`, '-e', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('1045');
  });
});

describe('MySQL front robustness', () => {
  /** Reads until the server closes the connection (or times out). */
  function rawExchange(port: number, send: (socket: net.Socket, greeting: Buffer) => void): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      let sent = false;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('the emulator did not close the connection'));
      }, 5000);
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        if (!sent) {
          sent = true;
          send(socket, d);
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
    });
  }

  it('clears CLIENT_SSL and CLIENT_COMPRESS in the relayed handshake', async () => {
    const got = await rawExchange(front.port, (socket) => socket.end());
    const reader = new PacketReader();
    const [greeting] = reader.push(got);
    expect(greeting?.sequenceId).toBe(0);
    const payload = greeting?.payload as Buffer;
    expect(payload[0]).toBe(10);
    const capOffset = payload.indexOf(0, 1) + 1 + 4 + 8 + 1;
    const lower = payload.readUInt16LE(capOffset);
    expect(lower & 0x800).toBe(0);
    expect(lower & 0x20).toBe(0);
  });

  it("clears the lower and upper halves' bits of a MySQL 8 greeting (query attributes, optional metadata)", () => {
    // protocol 10, version, thread id, scramble (8) + filler, lower caps, charset, status, upper caps, auth data length, reserved (10)
    const lower = 0xffff;
    const upper = 0x0fff; // bits 16..27: CLIENT_OPTIONAL_RESULTSET_METADATA (25), CLIENT_QUERY_ATTRIBUTES (27) among them
    const greeting = Buffer.concat([
      Buffer.from([10, ...Buffer.from('8.0.36'), 0, 7, 0, 0, 0, ...Buffer.alloc(8, 1), 0]),
      Buffer.from([lower & 0xff, lower >> 8, 255, 2, 0, upper & 0xff, upper >> 8, 21, ...Buffer.alloc(10)]),
      Buffer.alloc(13, 2),
      Buffer.from('caching_sha2_password\0'),
    ]);
    const handshake = parseHandshakeV10(greeting);
    expect(handshake.capabilities).toBe(((upper << 16) | lower) >>> 0);
    const removed = 0x800 | 0x20 | 0x2000000 | 0x8000000;
    const relayed = parseHandshakeV10(withoutCapabilities(greeting, handshake, removed));
    expect(relayed.capabilities).toBe((((upper << 16) | lower) & ~removed) >>> 0);
    expect(relayed.serverVersion).toBe('8.0.36');
    expect(relayed.mariadbCapabilities).toBe(0);
  });

  it('closes a connection sending garbage and keeps serving others', async () => {
    const garbage = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const answer = await rawExchange(front.port, (socket) => socket.write(garbage));
    const packets = new PacketReader().push(answer);
    expect(packets.length).toBeGreaterThanOrEqual(1);
    // A 50-byte client packet with a bad sequence id: "Bad handshake".
    const badSeq = Buffer.concat([Buffer.from([50, 0, 0, 7]), Buffer.alloc(50, 0xab)]);
    const answer2 = await rawExchange(front.port, (socket) => socket.write(badSeq));
    const [, err] = new PacketReader().push(answer2);
    expect(parseErr(err?.payload as Buffer)).toEqual({ errno: 1043, sqlState: '08S01', message: 'Bad handshake' });
    // A truncated handshake response with the right sequence id.
    const short = Buffer.concat([Buffer.from([5, 0, 0, 1]), Buffer.alloc(5, 0xff)]);
    const answer3 = await rawExchange(front.port, (socket) => socket.write(short));
    const [, err3] = new PacketReader().push(answer3);
    expect(parseErr(err3?.payload as Buffer).errno).toBe(1043);
    // An empty command after authentication closes the connection.
    const c = await connectThrough();
    c.on('error', () => {});
    // mysql2 keeps its socket on the callback-style connection it wraps.
    const stream = (c as unknown as { connection: { stream: net.Socket } }).connection.stream;
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    stream.write(Buffer.from([0, 0, 0, 0]));
    await closed;
    c.destroy();
    const again = await connectThrough();
    expect((await again.query<mysql.RowDataPacket[]>('SELECT 1 AS ok'))[0]).toEqual([{ ok: 1 }]);
    await again.end();
  });

  it('answers with an ERR packet (1815, HY000) when the upstream is unreachable, and survives', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const broken = await startMySqlFront({
      host: '127.0.0.1',
      port: 0,
      upstream: { host: '127.0.0.1', port: deadPort },
      handler: relayEverything,
      log: silent,
    });
    try {
      for (let i = 0; i < 2; i++) {
        const err = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port: broken.port, user: 'root' }));
        expect(err.errno).toBe(1815);
        expect(err.sqlState).toBe('HY000');
        expect(err.message).toContain(`could not reach the upstream database at 127.0.0.1:${deadPort}`);
      }
    } finally {
      await broken.close();
    }
  });
});

describe('MySQL front with a statement handler that takes queries over', () => {
  /** Runs queries marked handled (a leading comment) itself and replays the upstream's answer; a fail mark raises a catalog error. */
  const handler: StatementHandler = {
    wantsQuery: (sql) => sql.startsWith('/*handled*/') || sql.startsWith('/*fail*/'),
    runQuery: async (sql, upstream) => {
      if (sql.startsWith('/*fail*/')) throw new EmulatorError('MlDisabled', 'aurora_ml is switched off');
      const packets = await upstream.query(sql.replace('/*handled*/', 'SELECT 100 AS extra;'));
      let seq = 1;
      for (const p of packets) {
        const bytes = packet(p.payload, seq);
        seq += Math.floor(p.payload.length / MAX_PACKET_PAYLOAD) + 1;
        upstream.toClient(bytes);
      }
      handled.push({ sql, connectionId: upstream.session.connectionId, user: upstream.session.user });
    },
  };
  const handled: { sql: string; connectionId: number; user: string }[] = [];
  let handlerFront: MySqlFront;

  beforeAll(async () => {
    handlerFront = await startMySqlFront({ host: '127.0.0.1', port: 0, upstream: UPSTREAM, handler, log: silent });
  });
  afterAll(async () => {
    await handlerFront?.close();
  });

  it('lets the handler drive the upstream (several result sets) and answers errors from the catalog', async () => {
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port: handlerFront.port,
      user: 'root',
      database: 'test',
      multipleStatements: true,
    });
    try {
      const [results] = await c.query<mysql.RowDataPacket[][]>("/*handled*/ SELECT 1 AS a; DO 1; SELECT REPEAT('x', 3) AS b");
      expect(results).toEqual([[{ extra: 100 }], [{ a: 1 }], expect.objectContaining({ affectedRows: 0 }), [{ b: 'xxx' }]]);
      expect(handled).toEqual([{ sql: expect.stringContaining('/*handled*/'), connectionId: c.threadId, user: 'root' }]);
      const err = await errorOf(() => c.query('/*fail*/ SELECT 1'));
      expect(err.errno).toBe(1815);
      expect(err.sqlState).toBe('HY000');
      expect(err.message).toBe('aurora_ml is switched off');
      // Relayed statements and prepared statements still work after the handler's turns.
      expect((await c.query<mysql.RowDataPacket[]>('SELECT 2 AS two'))[0]).toEqual([{ two: 2 }]);
      expect((await c.execute<mysql.RowDataPacket[]>('SELECT ? AS p', [3]))[0]).toEqual([{ p: 3 }]);
      const [[again]] = await c.query<mysql.RowDataPacket[][]>('/*handled*/ SELECT 4 AS four');
      expect(again).toEqual([{ extra: 100 }]);
    } finally {
      await c.end();
    }
  });

  it('reads result sets ended by OK packets too (CLIENT_DEPRECATE_EOF, as the mariadb connector agrees)', async () => {
    const c = await mariadb.createConnection({
      host: '127.0.0.1',
      port: handlerFront.port,
      user: 'root',
      database: 'test',
      multipleStatements: true,
    });
    try {
      const rows: unknown = await c.query('/*handled*/ SELECT 1 AS a; SELECT 2 AS b');
      expect(JSON.parse(JSON.stringify(rows))).toEqual([[{ extra: 100 }], [{ a: 1 }], [{ b: 2 }]]);
      expect(await c.query('SELECT 3 AS c')).toEqual([{ c: 3 }]);
    } finally {
      await c.end();
    }
  });
});

describe('MySQL framer', () => {
  const payloads = [
    Buffer.from([0x03, ...Buffer.from('SELECT 1')]),
    Buffer.alloc(0),
    Buffer.from([0x0e]),
    Buffer.alloc(300, 7),
    Buffer.from([0xff, 0x15, 0x04, ...Buffer.from('#28000denied')]),
  ];
  const stream = Buffer.concat(payloads.map((p, i) => packet(p, i)));

  function expectSame(packets: readonly Packet[]): void {
    expect(packets.map((p) => p.payload.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
    expect(packets.map((p) => p.sequenceId)).toEqual(payloads.map((_, i) => i));
    expect(Buffer.concat(packets.map((p) => p.raw)).equals(stream)).toBe(true);
  }

  it('reads a stream split at every offset into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new PacketReader();
      expectSame([...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))]);
      expect(reader.buffered).toBe(0);
    }
  });

  it('reads a stream arriving one byte at a time', () => {
    const reader = new PacketReader();
    const got: Packet[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...reader.push(stream.subarray(i, i + 1)));
    expectSame(got);
  });

  it('joins multi-packet payloads (0xFFFFFF chunks; an exact multiple ends with an empty packet)', () => {
    for (const size of [MAX_PACKET_PAYLOAD - 1, MAX_PACKET_PAYLOAD, MAX_PACKET_PAYLOAD + 5, 2 * MAX_PACKET_PAYLOAD]) {
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i += 997) payload[i] = i & 0xff;
      const wire = Buffer.concat([packet(payload, 0), packet(Buffer.from([0x0e]), 0)]);
      const wirePackets = Math.floor(size / MAX_PACKET_PAYLOAD) + 1;
      expect(wire.length).toBe(size + 4 * wirePackets + 5);
      const lastSeq = wire[wire.length - 5 - ((size % MAX_PACKET_PAYLOAD) + 4) + 3];
      expect(lastSeq).toBe(wirePackets - 1);
      const boundaries = [1, 3, 4, 5, MAX_PACKET_PAYLOAD + 3, MAX_PACKET_PAYLOAD + 4, MAX_PACKET_PAYLOAD + 6, wire.length - 5];
      for (const cut of boundaries.filter((b) => b < wire.length)) {
        const reader = new PacketReader();
        const got = [...reader.push(wire.subarray(0, cut)), ...reader.push(wire.subarray(cut))];
        expect(got).toHaveLength(2);
        expect(got[0]?.sequenceId).toBe(0);
        expect(got[0]?.payload.equals(payload)).toBe(true);
        expect(got[0]?.raw.length).toBe(size + 4 * wirePackets);
        expect(got[1]?.payload.equals(Buffer.from([0x0e]))).toBe(true);
      }
    }
  });

  it('refuses packets over the size limit', () => {
    const reader = new PacketReader(100);
    expect(() => reader.push(packet(Buffer.alloc(101), 0))).toThrow(ProtocolViolation);
  });
});

describe('MySQL ERR serializer', () => {
  it('writes errno, SQLSTATE marker and message from the error catalog', () => {
    const bytes = serialize.emulatorError(new EmulatorError('QueryCanceled', 'query canceled'), 1);
    const [p] = new PacketReader().push(bytes);
    expect(p?.sequenceId).toBe(1);
    expect(p?.payload[0]).toBe(0xff);
    expect(parseErr(p?.payload as Buffer)).toEqual({ errno: 1317, sqlState: '70100', message: 'query canceled' });
    expect(() => serialize.err({ errno: 1, sqlState: 'HY0', message: '' }, 0)).toThrow();
  });
});
