/**
 * When one of the emulator's own statements fails, the upstream session is
 * not in the state the loop needs. Some failures are about the client's own
 * session (an XA transaction in the wrong state, a read-only transaction, a
 * deadlock): the client gets the server's error as it is, the one its
 * statement would have got. Others are the emulator's business and become
 * a catalog error naming the statement's failure.
 */
import { EmulatorError } from '../../errors.ts';
import { ResponseHeader } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { parseErr } from '../../wire/mysql/messages.ts';

/** Server errors caused by the client's session state, not by the emulator's statement. */
const CLIENT_STATE_ERRNOS: ReadonlySet<number> = new Set([
  1100, // ER_TABLE_NOT_LOCKED: LOCK TABLES is in force
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
  1399, // ER_XAER_RMFAIL: the XA transaction is IDLE or PREPARED
  1792, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
]);

/** ER_SP_DOES_NOT_EXIST for a savepoint: something ended the transaction the savepoint belonged to. */
export const SAVEPOINT_DOES_NOT_EXIST = 1305;

/** The server's own ERR for the client, sent unchanged. */
export class ServerRefusal extends Error {
  override readonly name = 'ServerRefusal';
  constructor(readonly payload: Buffer) {
    super(parseErr(payload).message);
  }
}

/** Whether the packet is an ERR (its header byte). */
export const isErr = (p: Packet | undefined) => p?.payload[0] === ResponseHeader.ERR;

/** The errno of an answer that is an ERR, or null. */
export function errnoOf(answer: readonly Packet[]): number | null {
  const first = answer[0];
  return first !== undefined && isErr(first) ? parseErr(first.payload).errno : null;
}

/** Throws when an emulator statement failed. */
export function check(answers: readonly Packet[][]): void {
  for (const answer of answers) {
    const first = answer[0];
    if (first === undefined || !isErr(first)) continue;
    const err = parseErr(first.payload);
    if (CLIENT_STATE_ERRNOS.has(err.errno)) throw new ServerRefusal(first.payload);
    if (err.errno === SAVEPOINT_DOES_NOT_EXIST) throw implicitCommit();
    throw new EmulatorError('Internal', `emulator statement failed: ${err.message}`);
  }
}

/** The statement committed the transaction the emulator's runs depend on (DDL, LOCK TABLES, START TRANSACTION...). */
export function implicitCommit(): EmulatorError {
  return new EmulatorError(
    'UnsafeMlStatement',
    'aurora-ml-emulator cannot run ML calls in a statement that commits the transaction implicitly: its runs could not be undone',
    { hint: 'Run the ML calls in a statement of their own (for example INSERT ... SELECT into a table created first)' },
  );
}
