/**
 * PostgreSQL parses the whole text of a simple Query before it runs any of
 * it: a syntax error in the third statement means the first two never run.
 * The emulator runs such a text statement by statement, so it asks the
 * server to parse the whole text first.
 *
 * A Parse message of several statements is refused with "cannot insert
 * multiple commands into a prepared statement", but only after the raw
 * parser has read the whole text: any other error is the syntax error the
 * Query itself would get, with the same message and position.
 */
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseNoticeFields } from '../../wire/pg/messages.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream } from '../../wire/pg/statement-handler.ts';

const CHECK_STATEMENT = 'aurora_ml_syntax_check';
const CHECK_SAVEPOINT = 'aurora_ml_syntax_check';
const SEVERAL_STATEMENTS = 'cannot insert multiple commands into a prepared statement';

/** The server's syntax error for the whole text of a Query, or null when it parses. */
export async function wholeTextSyntaxError(sql: string, up: ControlledUpstream): Promise<Frame | null> {
  const check = [serialize.parse(CHECK_STATEMENT, sql), serialize.close('S', CHECK_STATEMENT), serialize.sync()];
  // Even the refusal is an error: inside the client's block, under a savepoint.
  const inBlock = up.status === 'T';
  const frames = inBlock
    ? await up.send(
        [
          serialize.query(`SAVEPOINT ${CHECK_SAVEPOINT}`),
          ...check,
          serialize.query(`ROLLBACK TO SAVEPOINT ${CHECK_SAVEPOINT}; RELEASE SAVEPOINT ${CHECK_SAVEPOINT}`),
        ],
        3,
      )
    : await up.send(check, 1);
  const error = frames.find((f) => f.code === BackendCode.ErrorResponse);
  if (error === undefined || parseNoticeFields(error.payload).message === SEVERAL_STATEMENTS) return null;
  // A syntax error aborts the client's block, as the Query's own error would.
  if (inBlock) await up.send(check, 1);
  return error;
}
