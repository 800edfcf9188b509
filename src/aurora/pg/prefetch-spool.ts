/**
 * Bounded memory for a prefetch that finds very many distinct calls (an
 * UPDATE of a million distinct texts): the loop keeps at most
 * PREFETCH_CHUNK calls in memory while the prefetch query's rows stream in,
 * and hands each full set to a CallSpool, which writes it to an unlinked
 * temporary file. Once the query is done, the spooled calls are read back a
 * chunk at a time, evaluated, and their answers COPYed into the cache table,
 * each chunk in a round trip that leaves the loop's savepoint as it found it
 * (so a failure at any point unwinds as every other failure does). The
 * statement then runs as written, its stubs answering from the cache table:
 * answers this many are past what is written into a statement anyway.
 */
import { closeSync, readSync, writeSync } from 'node:fs';
import type { MlCall, MlFunction, MlResults } from '../../ml/calls.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { openSpillFile } from './frame-spool.ts';
import type { ControlStatement } from './pass-driver.ts';

/** Distinct calls held in memory at once; above it they go to the spool. */
export const PREFETCH_CHUNK = 10_000;

/** A call as the prefetch query's row gave it: its arguments still the stub's JSON array text. */
export interface SpooledCall {
  readonly fn: MlFunction;
  readonly key: string;
  readonly keyText: string;
}

/**
 * A JSON text on one line. The server's json_build_array escapes the line
 * breaks in strings, but an argument of type json would keep its own.
 */
const oneLine = (json: string) => (json.includes('\n') ? JSON.stringify(JSON.parse(json)) : json);

/**
 * One spooled call per line: the function, the key, and the arguments' JSON
 * text as the server sent it, separated by tabs (neither a function name nor
 * a key holds one). Writing the text as it came, rather than the parsed
 * arguments stringified again, saves a parse and a stringify of every call.
 */
export class CallSpool {
  private fd: number | null = null;
  private written = 0;
  /** Calls written so far. */
  count = 0;

  add(calls: Iterable<SpooledCall>): void {
    const lines: string[] = [];
    for (const call of calls) lines.push(`${call.fn}\t${call.key}\t${oneLine(call.keyText)}\n`);
    if (lines.length === 0) return;
    this.fd ??= openSpillFile('aurora-ml-calls-');
    const bytes = Buffer.from(lines.join(''), 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.written + done);
    this.written += bytes.length;
    this.count += lines.length;
  }

  /** The spooled calls, PREFETCH_CHUNK at a time, in the order they came; the spool is empty afterwards. */
  *chunks(): Generator<MlCall[]> {
    if (this.fd === null) return;
    const fd = this.fd;
    let position = 0;
    /** Bytes after the last whole line read so far. */
    let rest = Buffer.alloc(0);
    let chunk: MlCall[] = [];
    const block = Buffer.allocUnsafe(1024 * 1024);
    try {
      while (position < this.written) {
        const read = readSync(fd, block, 0, Math.min(block.length, this.written - position), position);
        position += read;
        const bytes = Buffer.concat([rest, block.subarray(0, read)]);
        // Lines are cut at their newline byte, so no character is split.
        let start = 0;
        for (let end = bytes.indexOf(10); end >= 0; end = bytes.indexOf(10, start)) {
          const afterFn = bytes.indexOf(9, start);
          const afterKey = bytes.indexOf(9, afterFn + 1);
          chunk.push({
            fn: bytes.toString('latin1', start, afterFn) as MlFunction,
            key: bytes.toString('latin1', afterFn + 1, afterKey),
            args: JSON.parse(bytes.toString('utf8', afterKey + 1, end)) as MlCall['args'],
          });
          start = end + 1;
          if (chunk.length === PREFETCH_CHUNK) {
            yield chunk;
            chunk = [];
          }
        }
        rest = Buffer.from(bytes.subarray(start));
      }
      if (chunk.length > 0) yield chunk;
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.written = 0;
    this.count = 0;
  }
}

export interface SpoolFill {
  evaluate(calls: readonly MlCall[]): Promise<MlResults>;
  /** The COPY of a chunk's answers, between the statements that step out of the loop's savepoint and back in. */
  fillStatements(results: MlResults, calls: readonly MlCall[]): ControlStatement[];
  control(statements: readonly ControlStatement[]): Promise<Frame[]>;
  /** The first ErrorResponse of a round trip's answer. */
  errorIn(frames: readonly Frame[]): Frame | undefined;
}

/** Evaluates and caches every spooled call, a chunk per round trip; the first failure ends it. */
export async function fillFromSpool(spool: CallSpool, fill: SpoolFill): Promise<Frame | undefined> {
  for (const calls of spool.chunks()) {
    const results = await fill.evaluate(calls);
    // Leaving the loop early ends the generator, whose finally releases the spool.
    const error = fill.errorIn(await fill.control(fill.fillStatements(results, calls)));
    if (error !== undefined) return error;
  }
  return undefined;
}
