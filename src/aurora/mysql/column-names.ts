/**
 * The emulator qualifies the calls it rewrites (`aurora_ml.aws_...`), and a
 * MySQL server names an unaliased expression column after its text. This puts
 * back the name the client wrote by patching ColumnDefinition41 packets.
 */
import { Packet } from '../../wire/mysql/framer.ts';
import { PayloadReader } from '../../wire/mysql/messages.ts';
import { packet } from '../../wire/mysql/serializer.ts';
import { STUB_SCHEMA } from './stubs.ts';

const QUALIFIER = new RegExp(`\`?${STUB_SCHEMA}\`?\\.`, 'gi');

function lenencBytes(value: Buffer): Buffer {
  const n = value.length;
  let prefix: Buffer;
  if (n < 0xfb) prefix = Buffer.from([n]);
  else if (n <= 0xffff) prefix = Buffer.from([0xfc, n & 0xff, n >> 8]);
  else prefix = Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  return Buffer.concat([prefix, value]);
}

/** A column definition with the stub qualifier removed from its name, or null if it has none. */
export function restoreColumnName(p: Packet): Buffer | null {
  const r = new PayloadReader(p.payload);
  const fields: Buffer[] = [];
  try {
    for (let i = 0; i < 6; i++) fields.push(r.bytes(r.lenenc()));
  } catch {
    return null;
  }
  const name = (fields[4] as Buffer).toString('utf8');
  if (!QUALIFIER.test(name)) return null;
  QUALIFIER.lastIndex = 0;
  fields[4] = Buffer.from(name.replace(QUALIFIER, ''), 'utf8');
  return packet(Buffer.concat([...fields.map(lenencBytes), r.rest()]), p.sequenceId);
}

/** A result set with every column name restored (the definitions come right after the column count). */
export function withClientColumnNames(answer: readonly Packet[]): Packet[] {
  const head = answer[0];
  if (head === undefined || head.payload[0] === 0x00 || head.payload[0] === 0xff) return [...answer];
  const count = head.payload[0] ?? 0;
  return answer.map((p, i) => {
    if (i < 1 || i > count) return p;
    const patched = restoreColumnName(p);
    return patched === null ? p : new Packet(p.sequenceId, patched, p.payload);
  });
}
