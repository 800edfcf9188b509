/**
 * Case generators for the MySQL front: byte streams for the handshake phase
 * (after the server's greeting) and the command phase (after login). A
 * well-formed command case is pipelined commands ending with a sentinel query
 * whose answer must come back on an open connection.
 *
 * Commands that could reach beyond the test (COM_SHUTDOWN, COM_PROCESS_KILL,
 * COM_REFRESH, the replication commands) are rewritten to COM_QUERY wherever
 * a packet boundary puts them, mutations included: the MariaDB is shared.
 */
import type { Rng } from './budget.ts';
import { mutate, randomBytes } from './bytes.ts';
import { framePacket, handshakeResponse, LOGIN_CAPS } from './mysql-socket.ts';
import { MYSQL_ML_SQL, MYSQL_PLAIN_SQL, MYSQL_PREPARE_SQL } from './mysql-statements.ts';

export interface MySqlCase {
  readonly label: string;
  readonly phase: 'handshake' | 'command';
  readonly bytes: Buffer;
  /** Command cases: the text the sentinel query's answer carries, when the case is well-formed. */
  readonly sentinel: string | null;
}

/** COM_REFRESH, COM_SHUTDOWN, COM_PROCESS_KILL, COM_DEBUG, COM_BINLOG_DUMP, COM_TABLE_DUMP, COM_CONNECT_OUT, COM_REGISTER_SLAVE, COM_DAEMON, COM_BINLOG_DUMP_GTID. */
const UNSAFE_COMMANDS = new Set([0x07, 0x08, 0x0c, 0x0d, 0x12, 0x13, 0x14, 0x15, 0x1d, 0x1e]);

/** Rewrites the command byte of every packet that would be an unsafe command; `from` skips the handshake response. */
export function withoutUnsafeCommands(stream: Buffer, fromPacket = 0): Buffer {
  const out = Buffer.from(stream);
  let at = 0;
  for (let k = 0; out.length - at >= 4; k++) {
    const n = out.readUIntLE(at, 3);
    if (k >= fromPacket && n > 0 && at + 4 < out.length && UNSAFE_COMMANDS.has(out[at + 4] ?? 0)) out[at + 4] = 0x03;
    at += 4 + n;
  }
  return out;
}

const int4 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const int2 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n & 0xffff);
  return b;
};
const lenencString = (s: string) => {
  const v = Buffer.from(s, 'utf8');
  if (v.length < 0xfb) return Buffer.concat([Buffer.from([v.length]), v]);
  return Buffer.concat([Buffer.from([0xfc]), int2(v.length), v]);
};

const STATEMENT_IDS = [0, 1, 2, 0xffffffff, 0x7fffffff, 12345];
const PARAM_TEXTS = ['I love it', 'en', 'zz', '', 'demo-echo', 'é'.repeat(200), '\u0000x'];

/** A COM_STMT_EXECUTE with random ids, flags, parameter counts and types. */
function executePayload(rng: Rng): Buffer {
  const count = rng.int(0, 3);
  const parts = [Buffer.from([0x17]), int4(rng.pick(STATEMENT_IDS)), Buffer.from([rng.pick([0, 0, 1, 8])]), int4(1)];
  if (count > 0) {
    parts.push(Buffer.alloc(Math.floor((count + 7) / 8), rng.chance(0.2) ? 0xff : 0));
    parts.push(Buffer.from([rng.chance(0.8) ? 1 : 0]));
    const types = Array.from({ length: count }, () => rng.pick([0xfd, 0xfd, 0x08, 0x03, 0xfc, 0xf6, 0x0c, 0xff]));
    for (const t of types) parts.push(int2(t));
    for (const t of types) {
      if (t === 0x08) parts.push(Buffer.alloc(8, rng.int(0, 255)));
      else if (t === 0x03) parts.push(int4(rng.int(0, 2 ** 31)));
      else parts.push(lenencString(rng.pick(PARAM_TEXTS)));
    }
  }
  return Buffer.concat(parts);
}

function commandPayload(rng: Rng): Buffer {
  const kind = rng.weighted<string>([
    [6, 'query'],
    [1, 'ping'],
    [1, 'init-db'],
    [2, 'prepare'],
    [3, 'execute'],
    [1, 'close'],
    [1, 'reset'],
    [1, 'long-data'],
    [1, 'fetch'],
    [1, 'set-option'],
    [1, 'reset-connection'],
    [1, 'statistics'],
  ]);
  const sql = () => (rng.chance(0.6) ? rng.pick(MYSQL_ML_SQL) : rng.pick(MYSQL_PLAIN_SQL));
  switch (kind) {
    case 'query':
      return Buffer.concat([Buffer.from([0x03]), Buffer.from(sql())]);
    case 'ping':
      return Buffer.from([0x0e]);
    case 'init-db':
      return Buffer.concat([Buffer.from([0x02]), Buffer.from(rng.pick(['no_such_db_fuzz', '', 'x'.repeat(300)]))]);
    case 'prepare':
      return Buffer.concat([Buffer.from([0x16]), Buffer.from(rng.chance(0.7) ? rng.pick(MYSQL_PREPARE_SQL) : sql())]);
    case 'execute':
      return executePayload(rng);
    case 'close':
      return Buffer.concat([Buffer.from([0x19]), int4(rng.pick(STATEMENT_IDS))]);
    case 'reset':
      return Buffer.concat([Buffer.from([0x1a]), int4(rng.pick(STATEMENT_IDS))]);
    case 'long-data':
      return Buffer.concat([
        Buffer.from([0x18]),
        int4(rng.pick(STATEMENT_IDS)),
        int2(rng.int(0, 3)),
        randomBytes(rng, rng.int(0, 20)),
      ]);
    case 'fetch':
      return Buffer.concat([Buffer.from([0x1c]), int4(rng.pick(STATEMENT_IDS)), int4(rng.int(0, 10))]);
    case 'set-option':
      return Buffer.concat([Buffer.from([0x1b]), int2(rng.pick([0, 1, 7]))]);
    case 'reset-connection':
      return Buffer.from([0x1f]);
    default:
      return Buffer.from([0x09]);
  }
}

/** Pipelined well-formed commands; the sentinel query last. */
function validCommands(rng: Rng, sentinel: string): Buffer {
  const payloads = Array.from({ length: rng.int(1, 5) }, () => commandPayload(rng));
  payloads.push(Buffer.concat([Buffer.from([0x03]), Buffer.from(`SELECT '${sentinel}'`)]));
  return Buffer.concat(payloads.map((p) => framePacket(p, 0)));
}

function commandCase(rng: Rng, index: number): MySqlCase {
  const family = rng.weighted<'valid' | 'mutated' | 'seq' | 'length' | 'type' | 'garbage'>([
    [5, 'valid'],
    [5, 'mutated'],
    [2, 'seq'],
    [2, 'length'],
    [2, 'type'],
    [1, 'garbage'],
  ]);
  const sentinel = `fuzz-sentinel-${index}`;
  const base = { phase: 'command' as const, sentinel: null };
  switch (family) {
    case 'valid':
      return { ...base, label: 'command-valid', bytes: withoutUnsafeCommands(validCommands(rng, sentinel)), sentinel };
    case 'mutated': {
      let bytes: Buffer = validCommands(rng, sentinel);
      const hows: string[] = [];
      for (let k = rng.int(1, 3); k > 0; k--) {
        const m = mutate(rng, bytes);
        bytes = m.bytes;
        hows.push(m.how);
      }
      return { ...base, label: `command-mutated:${hows.join(',')}`, bytes: withoutUnsafeCommands(bytes) };
    }
    case 'seq': {
      const seq = rng.pick([1, 2, 3, 255, rng.int(1, 254)]);
      return { ...base, label: `command-seq:${seq}`, bytes: withoutUnsafeCommands(framePacket(commandPayload(rng), seq)) };
    }
    case 'length': {
      const length = rng.pick([0, 1, 2, 0xffffff, 0xfffffe, 1 << 20, rng.int(0, 0xffffff)]);
      const head = Buffer.alloc(4);
      head.writeUIntLE(length, 0, 3);
      const bytes = Buffer.concat([head, commandPayload(rng), randomBytes(rng, rng.int(0, 16))]);
      return { ...base, label: `command-length:${length}`, bytes: withoutUnsafeCommands(bytes) };
    }
    case 'type': {
      const code = rng.int(0, 255);
      const bytes = framePacket(Buffer.concat([Buffer.from([code]), randomBytes(rng, rng.int(0, 24))]), 0);
      return { ...base, label: `command-type:${code}`, bytes: withoutUnsafeCommands(bytes) };
    }
    case 'garbage':
      return { ...base, label: 'command-garbage', bytes: withoutUnsafeCommands(randomBytes(rng, rng.int(1, 300))) };
  }
}

function handshakeCase(rng: Rng, database: string): MySqlCase {
  const family = rng.weighted<'mutated' | 'caps' | 'seq' | 'length' | 'odd' | 'garbage'>([
    [4, 'mutated'],
    [2, 'caps'],
    [1, 'seq'],
    [2, 'length'],
    [2, 'odd'],
    [1, 'garbage'],
  ]);
  const base = { phase: 'handshake' as const, sentinel: null };
  const valid = () => handshakeResponse({ database });
  switch (family) {
    case 'mutated': {
      const m = mutate(rng, framePacket(valid(), 1));
      return { ...base, label: `handshake-mutated:${m.how}`, bytes: withoutUnsafeCommands(m.bytes, 1) };
    }
    case 'caps': {
      // SSL (0x800), COMPRESS (0x20), no PROTOCOL_41, random bits.
      const caps = rng.pick([LOGIN_CAPS | 0x800, LOGIN_CAPS | 0x20, LOGIN_CAPS & ~0x200, rng.int(0, 2 ** 32 - 1)]);
      return { ...base, label: `handshake-caps:${caps >>> 0}`, bytes: framePacket(handshakeResponse({ caps, database }), 1) };
    }
    case 'seq': {
      const seq = rng.pick([0, 2, 7, 255]);
      return { ...base, label: `handshake-seq:${seq}`, bytes: framePacket(valid(), seq) };
    }
    case 'length': {
      const head = Buffer.alloc(4);
      const length = rng.pick([0, 1, 31, 0xffffff, 1 << 20, rng.int(0, 0xffffff)]);
      head.writeUIntLE(length, 0, 3);
      head[3] = 1;
      return { ...base, label: `handshake-length:${length}`, bytes: Buffer.concat([head, valid().subarray(0, rng.int(0, 60))]) };
    }
    case 'odd': {
      const user = rng.pick(['no_such_user_fuzz', '', 'u'.repeat(400), 'root']);
      const db = rng.pick(['no_such_db_fuzz', database, 'd'.repeat(300)]);
      const collation = rng.pick([0, 8, 45, 255, 63]);
      return {
        ...base,
        label: 'handshake-odd',
        bytes: framePacket(handshakeResponse({ user, database: db, collation }), 1),
      };
    }
    case 'garbage':
      return { ...base, label: 'handshake-garbage', bytes: withoutUnsafeCommands(randomBytes(rng, rng.int(1, 200)), 1) };
  }
}

export function mysqlCase(rng: Rng, database: string, index: number): MySqlCase {
  return rng.chance(0.35) ? handshakeCase(rng, database) : commandCase(rng, index);
}
