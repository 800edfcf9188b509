/**
 * The emulator's own statements in the extended protocol. They use named
 * statements and portals only, and never a simple Query (which would drop the
 * client's unnamed prepared statement), so whatever the client prepared or
 * bound survives them.
 */
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseNoticeFields } from '../../wire/pg/messages.ts';
import { serialize } from '../../wire/pg/serializer.ts';

const OWN_STATEMENT = 'aurora_ml_own';
const OWN_PORTAL = 'aurora_ml_own_portal';

/** The messages that run one statement of the emulator's (without parameters). */
export function ownStatement(sql: string): Buffer[] {
  return [
    // Closed first too: a statement that failed never reached its own Close.
    serialize.close('P', OWN_PORTAL),
    serialize.close('S', OWN_STATEMENT),
    serialize.parse(OWN_STATEMENT, sql),
    serialize.bind(OWN_PORTAL, OWN_STATEMENT, [], [], []),
    serialize.execute(OWN_PORTAL),
    serialize.close('P', OWN_PORTAL),
    serialize.close('S', OWN_STATEMENT),
  ];
}

export function errorIn(frames: readonly Frame[]): Frame | undefined {
  return frames.find((f) => f.code === BackendCode.ErrorResponse);
}

/** The SQLSTATE of each notice among `frames`. */
export function noticeCodes(frames: readonly Frame[]): string[] {
  return frames.filter((f) => f.code === BackendCode.NoticeResponse).map((f) => parseNoticeFields(f.payload).code);
}

/** The tag of the CommandComplete among `frames`, if any. */
export function commandTag(frames: readonly Frame[]): string | null {
  const done = frames.find((f) => f.code === BackendCode.CommandComplete);
  return done === undefined ? null : done.payload.toString('utf8', 0, done.payload.length - 1);
}
