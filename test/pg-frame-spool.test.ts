/**
 * The spool that holds an ML statement's final answer (src/aurora/pg/frame-spool.ts):
 * whatever the sizes of the messages, with blocks that grow from a few KB, and
 * past its memory budget in its file, it gives back every message whole and in
 * order. No database.
 */
import { describe, expect, it } from 'vitest';
import { FrameSpool, SPOOL_MEMORY_BYTES } from '../src/aurora/pg/frame-spool.ts';
import { Rng } from './helpers/pg-differential/prng.ts';

/** A DataRow-coded message of `bodyBytes` bytes of body, its bytes telling its index. */
function message(index: number, bodyBytes: number): Buffer {
  const raw = Buffer.alloc(5 + bodyBytes, index % 251);
  raw[0] = 0x44; // 'D'
  raw.writeInt32BE(4 + bodyBytes, 1);
  return raw;
}

function fill(sizes: readonly number[]): { spool: FrameSpool; sent: Buffer[] } {
  const spool = new FrameSpool();
  const sent = sizes.map((size, i) => message(i, size));
  for (const raw of sent) spool.add(raw);
  return { spool, sent };
}

describe('the answer spool', () => {
  it('gives back messages of every size whole and in order, across growing blocks', () => {
    const rng = new Rng(7);
    const sizes = Array.from({ length: 3000 }, () =>
      rng.weighted([
        [80, rng.int(0, 200)],
        [15, rng.int(1000, 9000)],
        [4, rng.int(60_000, 200_000)],
        [1, rng.int(256 * 1024 - 10, 300_000)],
      ]),
    );
    const { spool, sent } = fill(sizes);
    const back = spool.frames().map((f) => f.raw);
    expect(back).toHaveLength(sent.length);
    for (const [i, raw] of back.entries()) expect(raw.equals(sent[i] as Buffer), `message ${i}`).toBe(true);
  });

  it('delivers the same bytes in order, past its memory into its file', async () => {
    const count = Math.ceil((SPOOL_MEMORY_BYTES * 1.5) / 50_000);
    const { spool, sent } = fill(Array.from({ length: count }, (_v, i) => (i % 3 === 0 ? 17 : 50_000)));
    const written: Buffer[] = [];
    await spool.deliver(
      (bytes) => written.push(Buffer.from(bytes)),
      async () => {},
    );
    expect(Buffer.concat(written).equals(Buffer.concat(sent))).toBe(true);
    // Delivered, the spool is empty; a reused one starts over.
    expect(spool.frames()).toEqual([]);
    spool.add(message(1, 3));
    expect(spool.frames().map((f) => f.raw)).toEqual([message(1, 3)]);
  });

  it('holds a one-row answer in one small block, new or reused after a large answer', () => {
    // RowDescription, DataRow, CommandComplete sized: a typical ML statement's answer.
    const small = [60, 40, 13];
    const held = small.reduce((sum, size) => sum + 5 + size, 0);
    const { spool } = fill(small);
    expect(spool.allocatedBytes).toBeGreaterThanOrEqual(held);
    expect(spool.allocatedBytes).toBeLessThanOrEqual(4 * 1024);

    // Two MB more: the blocks have grown to their largest.
    for (let i = 0; i < 2000; i++) spool.add(message(i, 1000));
    expect(spool.allocatedBytes).toBeGreaterThanOrEqual(held + 2000 * 1005);
    spool.clear();
    expect(spool.allocatedBytes).toBe(0);
    for (const [i, size] of small.entries()) spool.add(message(i, size));
    expect(spool.allocatedBytes).toBeLessThanOrEqual(4 * 1024);
  });

  it('keeps the last CommandComplete', () => {
    const spool = new FrameSpool();
    const complete = Buffer.from([0x43, 0, 0, 0, 13, ...Buffer.from('SELECT 1\0')]);
    spool.add(message(0, 10));
    spool.add(complete);
    expect(spool.lastCommandComplete?.equals(complete)).toBe(true);
  });
});
