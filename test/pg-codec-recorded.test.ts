/**
 * The PostgreSQL front's framer fed what a real PostgreSQL sends (recorded
 * straight from the machine's server, not through the emulator), split at
 * every offset: the one codec test that needs a database.
 */
import { describe, expect, it } from 'vitest';
import { UPSTREAM } from './helpers/emulator.ts';
import { framesOf, statusesOf } from './helpers/pg-frames.ts';
import { RawPgConnection, wire } from './helpers/pg-raw.ts';

/** Records what a real PostgreSQL sends for a varied conversation (straight, not through the emulator). */
async function recordUpstreamStream(): Promise<Buffer> {
  const url = new URL(UPSTREAM);
  const raw = await RawPgConnection.open(Number(url.port || 5432), url.hostname);
  try {
    raw.send(
      wire.startup({ user: decodeURIComponent(url.username || 'postgres'), database: url.pathname.slice(1) || 'postgres' }),
    );
    await raw.waitForReady(1);
    raw.send(
      Buffer.concat([
        wire.query(
          "SELECT i, repeat('x', i * 9), CASE WHEN i % 3 = 0 THEN NULL ELSE i::text END FROM generate_series(1, 40) i; " +
            "DO $$ BEGIN RAISE NOTICE 'hello'; END $$; BEGIN; SELECT 1/0",
        ),
        wire.query('ROLLBACK'),
        wire.parse('', 'SELECT $1::int + 1, $2::text'),
        wire.bind('', '', ['41', null]),
        wire.describePortal(''),
        wire.execute(''),
        wire.sync(),
        wire.query('COPY (SELECT i FROM generate_series(1, 5) i) TO STDOUT'),
      ]),
    );
    await raw.waitForReady(5);
    raw.send(wire.terminate());
    return raw.bytes;
  } finally {
    raw.close();
  }
}

describe('framer: FrameReader and ReadyForQueryTracker', () => {
  it('reads a stream recorded from the real PostgreSQL split at every offset identically', async () => {
    const bytes = await recordUpstreamStream();
    const whole = framesOf([bytes]);
    const codes = whole.map((f) => String.fromCharCode(f.code)).join('');
    // Authentication ... ReadyForQuery, rows, a notice, an error, COPY out, the extended batch.
    expect(codes.startsWith('R')).toBe(true);
    for (const c of ['K', 'T', 'D', 'N', 'E', '1', '2', 'H', 'd', 'c']) expect(codes).toContain(c);
    expect(Buffer.concat(whole.map((f) => Buffer.from(f.raw, 'hex')))).toEqual(bytes);
    const statuses = statusesOf([bytes]);
    expect(statuses).toEqual(['I', 'E', 'I', 'I', 'I']);
    for (let k = 0; k <= bytes.length; k++) {
      const pieces = [bytes.subarray(0, k), bytes.subarray(k)];
      const got = framesOf(pieces);
      if (got.length !== whole.length || got.some((f, n) => f.raw !== whole[n]?.raw))
        expect({ k, got }).toEqual({ k, got: whole });
      const st = statusesOf(pieces);
      if (st.join('') !== statuses.join('')) expect({ k, st }).toEqual({ k, st: statuses });
    }
  });
});
