/**
 * A PostgreSQL client for answers too large to hold, run as a child process
 * so that its memory is not the emulator's (tests measure the emulator's
 * RSS in their own process). It sends one statement, simple or extended
 * protocol, and checks each DataRow as it arrives, keeping only counts:
 * rows are (id, sentiment, padding) and the sentiment must be the one the
 * id implies (`POSITIVE` when id % 3 = 0, else `NEGATIVE`).
 *
 * Usage: tsx row-checking-client.ts PORT DATABASE simple|extended SQL
 * Prints one JSON line: { rows, mismatches, firstMismatch, error, paddingBytes }.
 */
import net from 'node:net';
import { wire } from './pg-raw.ts';

const [port, database, mode, sql] = process.argv.slice(2);
if (port === undefined || database === undefined || sql === undefined || (mode !== 'simple' && mode !== 'extended')) {
  console.error('usage: row-checking-client.ts PORT DATABASE simple|extended SQL');
  process.exit(2);
}

const expected = (id: number) => (id % 3 === 0 ? 'POSITIVE' : 'NEGATIVE');

const result = { rows: 0, mismatches: 0, firstMismatch: null as string | null, error: null as string | null, paddingBytes: 0 };
let readies = 0;
let pending = Buffer.alloc(0);

function onMessage(code: number, body: Buffer): void {
  if (code === 0x44) {
    // DataRow: int16 count, then int32 length + bytes per column.
    let at = 2;
    const columns: (Buffer | null)[] = [];
    for (let i = body.readInt16BE(0); i > 0; i--) {
      const length = body.readInt32BE(at);
      at += 4;
      columns.push(length < 0 ? null : body.subarray(at, at + length));
      if (length > 0) at += length;
    }
    result.rows++;
    const id = Number(columns[0]?.toString());
    const sentiment = columns[1]?.toString() ?? null;
    result.paddingBytes += columns[2]?.length ?? 0;
    if (sentiment !== expected(id)) {
      result.mismatches++;
      result.firstMismatch ??= `id ${id}: ${sentiment}`;
    }
  } else if (code === 0x45) {
    result.error ??= body.toString('utf8').replace(/\0/g, ' ').trim();
  } else if (code === 0x5a) {
    readies++;
    if (readies === 2) {
      console.log(JSON.stringify(result));
      socket.end(wire.terminate());
    }
  }
}

const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
  socket.write(wire.startup({ user: 'postgres', database }));
});
socket.on('data', (chunk: Buffer) => {
  const bytes = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  let at = 0;
  while (bytes.length - at >= 5) {
    const length = bytes.readInt32BE(at + 1);
    if (bytes.length - at < length + 1) break;
    const code = bytes[at] ?? 0;
    onMessage(code, bytes.subarray(at + 5, at + 1 + length));
    at += length + 1;
    if (code === 0x5a && readies === 1) {
      // Authenticated: send the statement.
      socket.write(
        mode === 'simple'
          ? wire.query(sql)
          : Buffer.concat([wire.parse('', sql), wire.bind('', '', []), wire.execute(''), wire.sync()]),
      );
    }
  }
  pending = Buffer.from(bytes.subarray(at));
});
socket.on('error', (err) => {
  console.log(JSON.stringify({ ...result, error: String(err) }));
  process.exit(1);
});
