/**
 * Reads one run of an ML statement as its answer arrives. A run that misses
 * is rolled back and run again, so its rows are worthless the moment the
 * first miss notice comes: they are dropped then, and the rest of that run
 * is only read for misses. A run that misses nothing is the real execution:
 * its messages wait in a FrameSpool (bounded memory) until the loop delivers
 * them. Nothing here holds more than the distinct misses.
 */
import type { MlCall } from '../../ml/calls.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseDataRow, parseNoticeFields } from '../../wire/pg/messages.ts';
import { FrameSpool } from './frame-spool.ts';
import { MISS_MARKER, readMiss } from './miss-channel.ts';
import { commandTag } from './own-statements.ts';
import { isResultFrame } from './pass-driver.ts';

/** The row count a command tag ends with, when it has one ('SELECT 60', 'INSERT 0 5'; not 'CREATE TABLE'). */
function rowsOfTag(tag: string | null): number | null {
  const count = tag === null ? undefined : /\s(\d+)$/.exec(tag)?.[1];
  return count === undefined ? null : Number(count);
}

export class PassCollector {
  /** The distinct calls this run missed that were not evaluated before. */
  private readonly fresh = new Map<string, MlCall>();
  /** Miss notices of this run (one per call evaluated by a stub). */
  total = 0;
  /** Miss notices without the statement's key: the client's SQL raised them, not a stub. */
  forged = 0;
  /** The run's first ErrorResponse. */
  error: Frame | null = null;
  /** Rows the run returned or changed, from its last CommandComplete tag ('SELECT 60', 'UPDATE 3'). */
  rows: number | null = null;
  /** What the client gets if this run turns out to be the final one. */
  readonly answer = new FrameSpool();

  constructor(
    private readonly known: ReadonlySet<string>,
    private readonly statementKey: string | null,
    /** The server sends notices in the client's encoding (its arguments are the client's data). */
    private readonly decodeText: (bytes: Buffer) => string,
    /** A prefetch query's run: its rows go here, not to the client. */
    private readonly onRow?: (values: (string | null)[]) => void,
  ) {}

  get misses(): MlCall[] {
    return [...this.fresh.values()];
  }

  /** True once the run has reported a miss: it will not be the final one. */
  get missed(): boolean {
    return this.total > 0 || this.forged > 0;
  }

  take(frame: Frame): void {
    if (frame.code === BackendCode.NoticeResponse && this.takeMiss(frame)) return;
    if (frame.code === BackendCode.ErrorResponse) this.error ??= frame;
    if (frame.code === BackendCode.CommandComplete) this.rows = rowsOfTag(commandTag([frame]));
    if (this.onRow !== undefined) {
      if (frame.code === BackendCode.DataRow && this.error === null) this.onRow(parseDataRow(frame.payload, this.decodeText));
      return;
    }
    if (this.missed || this.error !== null || !isResultFrame(frame)) return;
    this.answer.add(frame.raw);
  }

  /** Records a miss notice; false for any other notice (the client's own: part of the answer). */
  private takeMiss(frame: Frame): boolean {
    const notice = parseNoticeFields(frame.payload, this.decodeText);
    if (notice.message !== MISS_MARKER) return false;
    if (!this.missed) this.answer.clear();
    const call = readMiss(notice.detail, this.statementKey);
    if (call === 'forged') {
      this.forged++;
      return true;
    }
    this.total++;
    if (!this.known.has(call.key) && !this.fresh.has(call.key)) this.fresh.set(call.key, call);
    return true;
  }

  /** Releases what the run held (its answer was not delivered). */
  dispose(): void {
    this.answer.dispose();
  }
}
