/**
 * Where each answer of the server ends, read from the byte stream as it is
 * relayed (src/wire/mysql/answer-tracker.ts) and packet by packet
 * (src/wire/mysql/answer-shape.ts): every kind of answer, with and without
 * CLIENT_DEPRECATE_EOF and MariaDB's metadata cache, fed whole, split at
 * every offset and one byte at a time. The emulator takes the upstream over
 * for an ML command only once every relayed answer is out, so an answer's end
 * must be seen exactly at its last byte.
 */
import { describe, expect, it } from 'vitest';
import { type AnswerKind, AnswerShape, type ShapeOptions } from '../src/wire/mysql/answer-shape.ts';
import { AnswerTracker } from '../src/wire/mysql/answer-tracker.ts';
import { MAX_PACKET_PAYLOAD } from '../src/wire/mysql/codes.ts';
import { packet } from '../src/wire/mysql/serializer.ts';

const AUTOCOMMIT = 0x2;
const IN_TRANS = 0x1;
const MORE_RESULTS = 0x8;
const CURSOR_EXISTS = 0x40;

const u16 = (n: number) => [n & 0xff, n >> 8];
const ok = (status: number, affected = 0) => Buffer.from([0x00, affected, 0x00, ...u16(status), 0, 0]);
/** The OK that ends a result set under CLIENT_DEPRECATE_EOF. */
const okEnd = (status: number) => Buffer.from([0xfe, 0x00, 0x00, ...u16(status), 0, 0]);
const eof = (status: number) => Buffer.from([0xfe, 0, 0, ...u16(status)]);
const err = () => Buffer.from([0xff, ...u16(1146), ...Buffer.from("#42S02Table 'x' doesn't exist")]);
const column = (name: string) =>
  Buffer.concat([
    Buffer.from([3, ...Buffer.from('def'), 0, 0, 0, name.length, ...Buffer.from(name), 0]),
    Buffer.from([0x0c, 45, 0, 64, 0, 0, 0, 0xfd, 0, 0, 0, 0, 0]),
  ]);
const textRow = (...values: string[]) => Buffer.concat(values.map((v) => Buffer.from([v.length, ...Buffer.from(v)])));
const count = (n: number, metadata?: 0 | 1) => Buffer.from(metadata === undefined ? [n] : [n, metadata]);
const prepareOk = (id: number, columns: number, params: number) =>
  Buffer.from([0x00, ...u16(id & 0xffff), ...u16(id >> 16), ...u16(columns), ...u16(params), 0, 0, 0]);

interface Scenario {
  readonly kind: AnswerKind;
  readonly packets: readonly Buffer[];
  /** Status flags the answer leaves (unchanged by an ERR). */
  readonly status?: number;
  readonly statementId?: number | null;
}

const classic: ShapeOptions = { deprecateEof: false, cacheMetadata: false };
const mariadb: ShapeOptions = { deprecateEof: true, cacheMetadata: true };

const CLASSIC: readonly Scenario[] = [
  { kind: 'result', packets: [ok(AUTOCOMMIT, 3)], status: AUTOCOMMIT },
  {
    kind: 'result',
    packets: [count(2), column('a'), column('b'), eof(0), textRow('1', 'x'), textRow('2', 'y'), eof(IN_TRANS | 0x20)],
    status: IN_TRANS | 0x20,
  },
  {
    kind: 'result',
    packets: [count(1), column('a'), eof(0), textRow('1'), eof(MORE_RESULTS | IN_TRANS), ok(IN_TRANS)],
    status: IN_TRANS,
  },
  {
    kind: 'prepare',
    packets: [prepareOk(70_000, 1, 2), column('?'), column('?'), eof(0), column('a'), eof(AUTOCOMMIT)],
    statementId: 70_000,
  },
  { kind: 'prepare', packets: [err()], statementId: null },
  {
    kind: 'binary-result',
    packets: [count(1), column('a'), eof(0), Buffer.from([0, 0, 1]), eof(AUTOCOMMIT)],
    status: AUTOCOMMIT,
  },
  {
    kind: 'binary-result',
    packets: [count(1), column('a'), eof(AUTOCOMMIT | CURSOR_EXISTS)],
    status: AUTOCOMMIT | CURSOR_EXISTS,
  },
  { kind: 'rows', packets: [Buffer.from([0, 0, 1]), eof(AUTOCOMMIT | 0x80)], status: AUTOCOMMIT | 0x80 },
  { kind: 'result', packets: [Buffer.from([0xfb, ...Buffer.from('/tmp/f')]), ok(AUTOCOMMIT, 2)], status: AUTOCOMMIT },
  { kind: 'result', packets: [err()] },
  { kind: 'none', packets: [] },
  { kind: 'single', packets: [ok(AUTOCOMMIT)], status: AUTOCOMMIT },
  { kind: 'single', packets: [Buffer.from('Uptime: 5  Threads: 1')] },
  { kind: 'definitions', packets: [column('a'), column('b'), eof(AUTOCOMMIT)], status: AUTOCOMMIT },
  {
    kind: 'auth',
    packets: [Buffer.from([0xfe, ...Buffer.from('mysql_native_password\0')]), Buffer.from([0x01, 0x03]), ok(AUTOCOMMIT)],
    status: AUTOCOMMIT,
  },
];

const MARIADB: readonly Scenario[] = [
  { kind: 'binary-result', packets: [count(1, 0), Buffer.from([0, 0, 1]), okEnd(AUTOCOMMIT)], status: AUTOCOMMIT },
  { kind: 'binary-result', packets: [count(1, 1), column('a'), Buffer.from([0, 0, 1]), okEnd(IN_TRANS)], status: IN_TRANS },
  { kind: 'binary-result', packets: [count(2, 0), okEnd(AUTOCOMMIT)], status: AUTOCOMMIT },
  { kind: 'result', packets: [count(1, 1), column('a'), textRow('x'), okEnd(AUTOCOMMIT | 0x4000)], status: AUTOCOMMIT | 0x4000 },
  {
    kind: 'result',
    packets: [count(1, 1), column('a'), okEnd(MORE_RESULTS | IN_TRANS), ok(IN_TRANS)],
    status: IN_TRANS,
  },
  { kind: 'prepare', packets: [prepareOk(9, 1, 1), column('?'), column('a')], statementId: 9 },
  { kind: 'prepare', packets: [prepareOk(10, 0, 0)], statementId: 10 },
  { kind: 'result', packets: [err()] },
];

/** The wire bytes of the scenarios, and the offset just after each answer's last byte. */
function wire(scenarios: readonly Scenario[]): { bytes: Buffer; ends: number[] } {
  const parts: Buffer[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const s of scenarios) {
    s.packets.forEach((p, i) => {
      const framed = packet(p, i + 1);
      parts.push(framed);
      at += framed.length;
    });
    ends.push(at);
  }
  return { bytes: Buffer.concat(parts), ends };
}

function tracker(options: ShapeOptions, scenarios: readonly Scenario[]): AnswerTracker {
  const t = new AnswerTracker();
  t.configure(options);
  for (const s of scenarios) t.expect(s.kind);
  return t;
}

/** How many answers with an answer at all end after `offset`. */
const dueAfter = (scenarios: readonly Scenario[], ends: readonly number[], offset: number) =>
  scenarios.filter((s, i) => s.kind !== 'none' && (ends[i] ?? 0) > offset).length;

function finalStatus(scenarios: readonly Scenario[]): number {
  return [...scenarios].reverse().find((s) => s.status !== undefined)?.status ?? 0;
}

describe('MySQL answer tracker (the bytes relayed to a client that pipelines)', () => {
  for (const [name, options, scenarios] of [
    ['EOF packets', classic, CLASSIC],
    ['DEPRECATE_EOF and the metadata cache', mariadb, MARIADB],
  ] as const) {
    const { bytes, ends } = wire(scenarios);

    it(`${name}: every answer ends at its last byte, split at every offset`, () => {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const t = tracker(options, scenarios);
        t.scan(bytes.subarray(0, cut));
        expect(t.outstanding, `cut at ${cut}`).toBe(dueAfter(scenarios, ends, cut));
        t.scan(bytes.subarray(cut));
        expect(t.idle).toBe(true);
        expect(t.status).toBe(finalStatus(scenarios));
      }
    });

    it(`${name}: one byte at a time, with the status flags and statement ids seen on the way`, () => {
      const t = tracker(options, scenarios);
      let answer = 0;
      for (let i = 0; i < bytes.length; i++) {
        t.scan(bytes.subarray(i, i + 1));
        expect(t.outstanding, `after byte ${i}`).toBe(dueAfter(scenarios, ends, i + 1));
        while (answer < scenarios.length && (ends[answer] ?? 0) <= i + 1) {
          const s = scenarios[answer] as Scenario;
          if (s.status !== undefined) expect(t.status).toBe(s.status);
          if (s.statementId !== undefined) expect(t.lastStatementId).toBe(s.statementId);
          answer++;
        }
      }
    });

    it(`${name}: the packet-by-packet reader agrees`, () => {
      for (const s of scenarios) {
        const shape = new AnswerShape(s.kind, options);
        s.packets.forEach((p, i) => {
          expect(shape.done, `${s.kind} packet ${i}`).toBe(false);
          shape.next(p, 0, p.length);
        });
        expect(shape.done).toBe(true);
        if (s.status !== undefined) expect(shape.status).toBe(s.status);
      }
    });
  }

  it('a row over 16 MB that starts with 0xFE is a row, not the end of the result set', () => {
    const t = new AnswerTracker();
    t.configure(mariadb);
    t.expect('result');
    // A text row whose first value's length takes 8 bytes (marker 0xFE): it is over 16 MB, so never an OK.
    const big = Buffer.alloc(MAX_PACKET_PAYLOAD + 10, 0x61);
    big[0] = 0xfe;
    const bytes = Buffer.concat([packet(count(1, 1), 1), packet(column('a'), 2), packet(big, 3), packet(okEnd(AUTOCOMMIT), 5)]);
    t.scan(bytes.subarray(0, bytes.length - 11));
    expect(t.idle).toBe(false);
    t.scan(bytes.subarray(bytes.length - 11));
    expect(t.idle).toBe(true);
    expect(t.status).toBe(AUTOCOMMIT);
  });

  it('whenIdle resolves once the last relayed answer is out, and reset releases waiters', async () => {
    const t = tracker(classic, [{ kind: 'single', packets: [] }]);
    let resolved = false;
    const waiting = t.whenIdle().then(() => {
      resolved = true;
    });
    await Promise.resolve();
    expect(resolved).toBe(false);
    t.scan(packet(ok(AUTOCOMMIT), 1));
    await waiting;
    expect(resolved).toBe(true);
    t.expect('result');
    const released = t.whenIdle();
    t.reset();
    await released;
    expect(t.idle).toBe(true);
  });
});
