/**
 * A handled statement's rows served to the client's Executes of its portal,
 * as PostgreSQL serves them: all at once, or a row limit at a time with
 * PortalSuspended in between (pgjdbc's fetch size, a cursor-like read).
 */
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream } from '../../wire/pg/statement-handler.ts';
import type { HandledExecute, PortalResult } from './extended-state.ts';
import { commandTag } from './own-statements.ts';

/** A command tag with its row count replaced ("SELECT 5" -> "SELECT 2"; "INSERT 0 5" -> "INSERT 0 2"). */
export function withCount(tag: string, count: number): string {
  return /\d+$/.test(tag) ? tag.replace(/\d+$/, String(count)) : tag;
}

/** Keeps a statement's answer for its portal and serves its first Execute. */
export function deliverRows(
  up: ControlledUpstream,
  portals: Map<string, PortalResult>,
  step: HandledExecute,
  frames: readonly Frame[],
): void {
  const rows: Frame[] = [];
  const other: Buffer[] = [];
  let tag = '';
  for (const frame of frames) {
    if (frame.code === BackendCode.DataRow) rows.push(frame);
    else if (frame.code === BackendCode.CommandComplete) tag = commandTag([frame]) ?? '';
    else other.push(frame.raw);
  }
  if (other.length > 0) up.toClient(Buffer.concat(other));
  const result: PortalResult = { bindId: step.bindId, rows, offset: 0, tag, answered: false };
  // Kept even when complete: executing a finished portal again returns no rows, it does not rerun.
  portals.set(step.portal, result);
  serveRows(up, result, step.maxRows);
}

/** Sends the next rows of a portal, as PostgreSQL answers an Execute with a row limit. */
export function serveRows(up: ControlledUpstream, result: PortalResult, maxRows: number): void {
  const available = result.rows.length - result.offset;
  const count = maxRows > 0 ? Math.min(maxRows, available) : available;
  const out = result.rows.slice(result.offset, result.offset + count).map((f) => f.raw);
  result.offset += count;
  // Exactly maxRows rows: PostgreSQL cannot know the portal is at its end yet.
  if (maxRows > 0 && count === maxRows) out.push(serialize.portalSuspended());
  else out.push(serialize.commandComplete(result.answered ? withCount(result.tag, count) : result.tag));
  result.answered = true;
  up.toClient(Buffer.concat(out));
  if (result.offset >= result.rows.length) {
    result.rows = [];
    result.offset = 0;
  }
}
