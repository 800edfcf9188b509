/**
 * Case generators for the PostgreSQL front: byte streams for the startup
 * phase (before authentication) and the ready phase (after the first
 * ReadyForQuery). A case is `wellFormed` when every message is framed right;
 * then the front must answer each Query and Sync with a ReadyForQuery and
 * keep the connection, whatever the statements mean.
 */
import { frontend, wire } from '../pg-raw.ts';
import type { Rng } from './budget.ts';
import { mutate, ODD_LENGTHS, randomBytes } from './bytes.ts';
import { PG_ML_SQL, PG_PARAM_SQL, PG_PARAM_VALUES, PG_PLAIN_SQL } from './pg-statements.ts';

export interface PgCase {
  readonly label: string;
  readonly phase: 'startup' | 'ready';
  /** Written one after another (separate writes split the stream at odd places). */
  readonly writes: readonly Buffer[];
  readonly wellFormed: boolean;
  /** Well-formed ready cases: the ReadyForQuery messages owed (one per Query and per Sync). */
  readonly readyOwed: number;
  /** The answer starts with one byte (SSLRequest / GSSENCRequest answer). */
  readonly oneByteAnswer: boolean;
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0);
  return b;
};

function sql(rng: Rng): string {
  return rng.chance(0.55) ? rng.pick(PG_ML_SQL) : rng.pick(PG_PLAIN_SQL);
}

/** One extended-protocol group ending with Sync: in order, or shuffled, or naming things that do not exist. */
function extendedGroup(rng: Rng): Buffer[] {
  const [text, count] = rng.chance(0.6) ? rng.pick(PG_PARAM_SQL) : ([sql(rng), 0] as const);
  const name = rng.pick(['', 's1', 'fuzz_stmt']);
  const portal = rng.pick(['', 'p1']);
  const paramCount = rng.chance(0.8) ? count : rng.int(0, 4);
  const params = Array.from({ length: paramCount }, () => rng.pick(PG_PARAM_VALUES));
  const steps: Buffer[] = [
    wire.parse(name, text),
    rng.chance(0.3)
      ? wire.bindRaw(
          portal,
          name,
          [1],
          params.map((p) => (p === null ? null : Buffer.from(p))),
          [1],
        )
      : wire.bind(portal, name, params),
    rng.chance(0.5) ? wire.describePortal(portal) : wire.describeStatement(name),
    wire.execute(portal, rng.pick([0, 0, 1, 5])),
  ];
  if (rng.chance(0.3)) {
    // Out of order: shuffled, or a step dropped, or a step repeated.
    for (let i = steps.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [steps[i], steps[j]] = [steps[j] as Buffer, steps[i] as Buffer];
    }
  }
  if (rng.chance(0.2)) steps.splice(rng.int(0, steps.length - 1), 1);
  if (rng.chance(0.15)) steps.push(wire.flush());
  if (rng.chance(0.15)) steps.push(rng.pick([wire.close('S', name), wire.close('P', 'nope'), wire.describeStatement('nope')]));
  return [...steps, wire.sync()];
}

/** Messages a client may send outside COPY that the server ignores or answers: stray COPY messages, Flush. */
function strayGroup(rng: Rng): Buffer[] {
  return [rng.pick([wire.copyData('stray'), wire.copyDone(), wire.copyFail('stray'), wire.flush()])];
}

/** A well-formed ready-phase sequence, and how many ReadyForQuery it is owed. */
function validReady(rng: Rng): { writes: Buffer[]; owed: number } {
  const groups = rng.int(1, 5);
  const writes: Buffer[] = [];
  let owed = 0;
  for (let g = 0; g < groups; g++) {
    const kind = rng.weighted<'query' | 'extended' | 'sync' | 'stray'>([
      [4, 'query'],
      [4, 'extended'],
      [1, 'sync'],
      [1, 'stray'],
    ]);
    if (kind === 'query') {
      writes.push(wire.query(sql(rng)));
      owed++;
    } else if (kind === 'extended') {
      writes.push(...extendedGroup(rng));
      owed++;
    } else if (kind === 'sync') {
      writes.push(wire.sync());
      owed++;
    } else writes.push(...strayGroup(rng));
  }
  return { writes, owed };
}

const FRONTEND_TYPE_BYTES = 'PBDESHCQXdcfF';

function readyCase(rng: Rng): PgCase {
  const family = rng.weighted<'valid' | 'mutated' | 'length' | 'type' | 'garbage' | 'split' | 'huge'>([
    [5, 'valid'],
    [5, 'mutated'],
    [2, 'length'],
    [2, 'type'],
    [1, 'garbage'],
    [2, 'split'],
    [1, 'huge'],
  ]);
  const base = { phase: 'ready' as const, oneByteAnswer: false };
  switch (family) {
    case 'valid': {
      const { writes, owed } = validReady(rng);
      return { ...base, label: `ready-valid:${writes.length}msgs`, writes, wellFormed: true, readyOwed: owed };
    }
    case 'split': {
      // Valid bytes, cut into arbitrary writes: framing must not depend on how TCP splits them.
      const { writes, owed } = validReady(rng);
      const all = Buffer.concat(writes);
      const cuts: Buffer[] = [];
      for (let at = 0; at < all.length; ) {
        const n = rng.int(1, Math.max(1, Math.min(64, all.length - at)));
        cuts.push(all.subarray(at, at + n));
        at += n;
      }
      return { ...base, label: `ready-split:${cuts.length}writes`, writes: cuts, wellFormed: true, readyOwed: owed };
    }
    case 'huge': {
      const size = rng.pick([1 << 20, 3 << 20]);
      const q = wire.query(`SELECT length('${'y'.repeat(size)}')`);
      return { ...base, label: `ready-huge:${size}`, writes: [q], wellFormed: true, readyOwed: 1 };
    }
    case 'mutated': {
      let bytes: Buffer = Buffer.concat(validReady(rng).writes);
      const hows: string[] = [];
      for (let k = rng.int(1, 3); k > 0; k--) {
        const m = mutate(rng, bytes);
        bytes = m.bytes;
        hows.push(m.how);
      }
      return { ...base, label: `ready-mutated:${hows.join(',')}`, writes: [bytes], wellFormed: false, readyOwed: 0 };
    }
    case 'length': {
      const type = rng.pick([...FRONTEND_TYPE_BYTES]);
      const length = rng.pick(ODD_LENGTHS);
      const bytes = Buffer.concat([Buffer.from(type, 'latin1'), int32(length), randomBytes(rng, rng.int(0, 32))]);
      return { ...base, label: `ready-length:${type}/${length}`, writes: [bytes], wellFormed: false, readyOwed: 0 };
    }
    case 'type': {
      const code = rng.int(0, 255);
      const body = randomBytes(rng, rng.int(0, 24));
      const bytes = Buffer.concat([frontend(String.fromCharCode(code), body), wire.sync()]);
      return { ...base, label: `ready-type:${code}`, writes: [bytes], wellFormed: false, readyOwed: 0 };
    }
    case 'garbage':
      return {
        ...base,
        label: 'ready-garbage',
        writes: [randomBytes(rng, rng.int(1, 300))],
        wellFormed: false,
        readyOwed: 0,
      };
  }
}

/** Startup parameters that are legal but odd; the upstream decides what to make of them. */
function oddParams(rng: Rng, database: string): Record<string, string> {
  const params: Record<string, string> = { user: 'postgres', database };
  const extra = rng.int(0, 3);
  for (let i = 0; i < extra; i++) {
    const [k, v] = rng.pick<readonly [string, string]>([
      ['application_name', 'fuzz-é-\u0001'],
      ['application_name', 'a'.repeat(5000)],
      ['client_encoding', rng.pick(['SQL_ASCII', 'LATIN1', 'SJIS', 'bogus', 'UTF8'])],
      ['options', '-c statement_timeout=5000'],
      ['options', '-c bogus_setting=1'],
      ['DateStyle', 'ISO, DMY'],
      ['database', rng.pick(['no_such_db_fuzz', '', database])],
      ['user', rng.pick(['no_such_user_fuzz', '', 'postgres'])],
      ['_pq_.fuzz', 'x'],
      ['replication', rng.pick(['false', 'bogus'])],
    ]);
    params[k] = v;
  }
  return params;
}

function startupCase(rng: Rng, database: string): PgCase {
  const family = rng.weighted<'odd-params' | 'ssl-then' | 'mutated' | 'version' | 'length' | 'cancel' | 'garbage'>([
    [3, 'odd-params'],
    [2, 'ssl-then'],
    [4, 'mutated'],
    [2, 'version'],
    [2, 'length'],
    [1, 'cancel'],
    [1, 'garbage'],
  ]);
  const base = { phase: 'startup' as const, readyOwed: 0, oneByteAnswer: false };
  switch (family) {
    case 'odd-params':
      return { ...base, label: 'startup-odd-params', writes: [wire.startup(oddParams(rng, database))], wellFormed: true };
    case 'ssl-then': {
      const request = rng.chance(0.5) ? wire.sslRequest() : Buffer.concat([int32(8), int32(80877104)]);
      const after = rng.chance(0.5) ? wire.startup({ user: 'postgres', database }) : randomBytes(rng, rng.int(1, 40));
      return { ...base, label: 'startup-ssl-then', writes: [request, after], wellFormed: false, oneByteAnswer: true };
    }
    case 'mutated': {
      const m = mutate(rng, wire.startup(oddParams(rng, database)));
      return { ...base, label: `startup-mutated:${m.how}`, writes: [m.bytes], wellFormed: false };
    }
    case 'version': {
      const version = rng.pick([0, 196607, 196609, 131072, 0x00030001, 0x00040000, 80877103 + 7, rng.int(0, 2 ** 31 - 1)]);
      return {
        ...base,
        label: `startup-version:${version}`,
        writes: [wire.startup({ user: 'postgres', database }, version)],
        wellFormed: false,
      };
    }
    case 'length': {
      const length = rng.pick(ODD_LENGTHS);
      const bytes = Buffer.concat([int32(length), int32(196608), randomBytes(rng, rng.int(0, 24))]);
      return { ...base, label: `startup-length:${length}`, writes: [bytes], wellFormed: false };
    }
    case 'cancel':
      return {
        ...base,
        label: 'startup-cancel',
        writes: [wire.cancelRequest(rng.int(1, 2 ** 31 - 1), rng.int(0, 2 ** 31 - 1))],
        wellFormed: false,
      };
    case 'garbage':
      return { ...base, label: 'startup-garbage', writes: [randomBytes(rng, rng.int(1, 200))], wellFormed: false };
  }
}

export function pgCase(rng: Rng, database: string): PgCase {
  return rng.chance(0.35) ? startupCase(rng, database) : readyCase(rng);
}
