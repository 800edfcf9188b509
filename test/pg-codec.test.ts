/**
 * The PostgreSQL front's codec without a database: the framer
 * (FrameReader, ReadyForQueryTracker) fed handmade streams split at every
 * offset, impossible lengths and a large message in small chunks; and
 * UpstreamLink switching between relaying and the session's own exchanges,
 * over a loopback socket the test writes as the upstream.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { type Frame, FrameReader, ProtocolViolation, ReadyForQueryTracker } from '../src/wire/pg/framer.ts';
import { UpstreamLink } from '../src/wire/pg/upstream.ts';
import { framesOf, i32, msg, statusesOf } from './helpers/pg-frames.ts';
import { wire } from './helpers/pg-raw.ts';
import { sleep, withTimeout } from './helpers/pg-wire-clients.ts';

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
