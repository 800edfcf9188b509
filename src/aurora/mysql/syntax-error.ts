/** MySQL's ER_PARSE_ERROR (1064), worded as the server words it, for statements the emulator parses. */
import { EmulatorError } from '../../errors.ts';

export function syntaxErrorNear(sql: string, at: number, hint: string): EmulatorError {
  return new EmulatorError(
    'SyntaxError',
    `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${sql.slice(at, at + 80)}'`,
    { hint },
  );
}
