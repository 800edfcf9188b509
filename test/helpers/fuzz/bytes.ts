/**
 * Byte-level mutations of an encoded message stream: the damage a broken
 * client, a bad network or an attacker can do to otherwise valid frames.
 */
import type { Rng } from './budget.ts';

export function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

/** Lengths that sit on the edges parsers get wrong: negative, tiny, one off, huge. */
export const ODD_LENGTHS: readonly number[] = [-1, -2147483648, 0, 1, 3, 4, 5, 7, 8, 0x7fffffff, 0x40000000, 65_536, 1 << 24];

export type Mutation = 'truncate' | 'flip' | 'insert' | 'delete' | 'overwrite' | 'duplicate';

/** One random mutation of `bytes` (never the identity on non-empty input). */
export function mutate(rng: Rng, bytes: Buffer): { bytes: Buffer; how: string } {
  if (bytes.length === 0) return { bytes: randomBytes(rng, rng.int(1, 16)), how: 'random' };
  const at = rng.int(0, bytes.length - 1);
  const kind = rng.pick<Mutation>(['truncate', 'flip', 'insert', 'delete', 'overwrite', 'duplicate']);
  switch (kind) {
    case 'truncate':
      return { bytes: bytes.subarray(0, at), how: `truncate@${at}` };
    case 'flip': {
      const out = Buffer.from(bytes);
      out[at] = (out[at] ?? 0) ^ (1 << rng.int(0, 7));
      return { bytes: out, how: `flip@${at}` };
    }
    case 'insert':
      return {
        bytes: Buffer.concat([bytes.subarray(0, at), randomBytes(rng, rng.int(1, 8)), bytes.subarray(at)]),
        how: `insert@${at}`,
      };
    case 'delete':
      return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + rng.int(1, 4))]), how: `delete@${at}` };
    case 'overwrite': {
      const out = Buffer.from(bytes);
      out[at] = rng.int(0, 255);
      return { bytes: out, how: `overwrite@${at}` };
    }
    case 'duplicate': {
      const end = Math.min(bytes.length, at + rng.int(1, 32));
      return { bytes: Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]), how: `dup@${at}` };
    }
  }
}
