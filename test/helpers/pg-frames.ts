/**
 * Backend frames built by hand and read back through the PostgreSQL front's
 * framer (FrameReader) and ReadyForQuery scanner, for the codec tests that
 * split streams at every offset.
 */
import { expect } from 'vitest';
import { type Frame, FrameReader, ReadyForQueryTracker } from '../../src/wire/pg/framer.ts';

/** A typed message: the code byte, the length, the body. */
export function msg(code: string, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
}

export function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** A frame with its bytes as hex, so that expectations compare and print readably. */
export interface FrameView {
  code: number;
  payload: string;
  raw: string;
}
const view = (frames: readonly Frame[]): FrameView[] =>
  frames.map((f) => ({ code: f.code, payload: f.payload.toString('hex'), raw: f.raw.toString('hex') }));

export function framesOf(pieces: readonly Buffer[]): FrameView[] {
  const reader = new FrameReader();
  const out: Frame[] = [];
  for (const p of pieces) out.push(...reader.push(p));
  expect(reader.buffered).toBe(0);
  return view(out);
}

export function statusesOf(pieces: readonly Buffer[]): string[] {
  const tracker = new ReadyForQueryTracker();
  const out: string[] = [];
  for (const p of pieces) tracker.scan(p, (s) => out.push(String.fromCharCode(s)));
  return out;
}
