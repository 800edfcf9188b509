/**
 * Prepared statements (COM_STMT_PREPARE, then COM_STMT_EXECUTE or MariaDB's
 * COM_STMT_BULK_EXECUTE) that call ML functions or define something that
 * does. The statement is prepared upstream with its calls pointed at the
 * stubs (an ALIAS function: as the stored function that stands for it), under
 * the upstream's statement id, so COM_STMT_CLOSE, COM_STMT_RESET and binary
 * rows need nothing from the emulator. Each execution re-sends the client's
 * own packet, so parameters bound once (no types after the first execution)
 * and every row of a bulk execution reach the server as the client sent them.
 *
 * The loop executes the statement several times for one client execution,
 * and the client sees only the last answer. With MariaDB's metadata cache
 * (../../wire/mysql/result-metadata.ts) the server sends the result's column
 * definitions only in the first answer after they change (the first
 * execution that binds parameter types, or binds other ones), which is
 * rarely the last: the client would decode that answer's rows with the
 * definitions it kept (the prepare's, where a `?` column is a binary NULL
 * column), so `SELECT ..., ? AS p` with 5 read as bytes. Every answer's
 * definitions are noted here, and the client's answer gets the ones it missed.
 */
import { EmulatorError } from '../../errors.ts';
import { boundTypes, bulkRows, executePayload } from '../../wire/mysql/binary-params.ts';
import { Command, ResponseHeader } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { resultMetadata, withDefinitions } from '../../wire/mysql/result-metadata.ts';
import { packet } from '../../wire/mysql/serializer.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import type { Route } from './statement-routes.ts';
import { isErr } from './upstream-errors.ts';

/** What the handler keeps for one prepared statement. */
export interface PreparedMl {
  /** How each execution runs (./statement-routes.ts). */
  readonly run: Route;
  /** The client's text, for the column names. */
  readonly sql: string;
  /** The seed-extension warning each execution raises, or null. */
  readonly warning: string | null;
  readonly paramCount: number;
  /** The parameter types of the last execution that sent them (the server keeps them for the next ones). */
  types: Buffer | null;
  /**
   * COM_STMT_SEND_LONG_DATA packets for the next execution, framed. The
   * server forgets long data after each execution, and the loop executes
   * several times, so they are sent again before each run.
   */
  longData: Buffer[];
  /**
   * The column definitions the server last sent for this statement, while
   * the client has not had them (they came in a run before the loop's last,
   * or in an execution that then failed): the server skips them until they
   * change again, so the client's next answer must carry them. Null when the
   * client has the server's.
   */
  missedDefinitions: readonly Packet[] | null;
}

/** COM_STMT_EXECUTE flags asking for a cursor (CURSOR_TYPE_READ_ONLY and the rest). */
const CURSOR_FLAGS = 0x07;

export const framePrepare = (sql: Buffer) => packet(Buffer.concat([Buffer.from([Command.COM_STMT_PREPARE]), sql]), 0);
/** The client's COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE or COM_STMT_SEND_LONG_DATA, framed anew. */
export const frameCommand = (payload: Buffer) => packet(payload, 0);

/** Why the emulator cannot run this execution through its loop, or null. */
export function executeRefusal(payload: Buffer): EmulatorError | null {
  if (payload[0] === Command.COM_STMT_EXECUTE && ((payload[5] ?? 0) & CURSOR_FLAGS) !== 0) {
    return new EmulatorError(
      'NotSupportedByAurora',
      'aurora-ml-emulator cannot open a cursor (COM_STMT_EXECUTE with a cursor type) on a statement that calls ML functions',
      { hint: 'Execute it without a cursor (no fetch size / useCursorFetch)' },
    );
  }
  return null;
}

/** The statement id and parameter count a COM_STMT_PREPARE_OK gives, or null for an ERR. */
export function preparedStatement(answer: readonly { readonly payload: Buffer }[]): { id: number; params: number } | null {
  const ok = answer[0]?.payload;
  return ok !== undefined && ok[0] === ResponseHeader.OK && ok.length >= 9
    ? { id: ok.readUInt32LE(1), params: ok.readUInt16LE(7) }
    : null;
}

/** What the loop sends for one execution. */
export interface ExecutionRuns {
  /** The client's packet, after the long data it needs. */
  run(): Promise<Packet[]>;
  /**
   * For a bulk execution: each of its rows as a COM_STMT_EXECUTE, pipelined;
   * the first failed row's answer, else the last one (a failed row takes its
   * miss rows with it, which the loop must know).
   */
  readonly discover?: () => Promise<Packet[]>;
}

export function executionRuns(payload: Buffer, prepared: PreparedMl, up: ControlledUpstream): ExecutionRuns {
  // The server forgets long data after an execution: every run sends it again.
  const longData = prepared.longData;
  prepared.longData = [];
  const execute = (framed: Buffer) => up.command(framed, 'binary-result').then((answer) => noteDefinitions(prepared, answer, up));
  const run = () => {
    for (const part of longData) void up.command(part, 'none');
    return execute(frameCommand(payload));
  };
  const known = prepared.types;
  const own = boundTypes(payload, prepared.paramCount);
  if (own !== null) prepared.types = Buffer.from(own);
  if (payload[0] !== Command.COM_STMT_BULK_EXECUTE || prepared.paramCount === 0) return { run };
  const types = own ?? known;
  const rows = bulkRows(payload, prepared.paramCount, types);
  const id = payload.readUInt32LE(1);
  const executions = rows.map((row) => frameCommand(executePayload(id, types as Buffer, row)));
  const discover = async () => {
    const answers = await Promise.all(executions.map(execute));
    return answers.find((a) => isErr(a[0])) ?? answers.at(-1) ?? [];
  };
  return { run, discover };
}

/** Notes the definitions an execution's answer carries (each answer in the order the server sent it). */
function noteDefinitions(prepared: PreparedMl, answer: Packet[], up: ControlledUpstream): Packet[] {
  if (!up.cacheMetadata) return answer;
  const definitions = resultMetadata(answer, up)?.definitions;
  if (definitions != null) prepared.missedDefinitions = definitions;
  return answer;
}

/**
 * The answer the client gets, with the column definitions it missed when the
 * server skipped them; from then on the client has the server's.
 */
export function withMissedDefinitions(prepared: PreparedMl, answer: Packet[], up: ControlledUpstream): Packet[] {
  const missed = prepared.missedDefinitions;
  if (missed === null) return answer;
  const metadata = resultMetadata(answer, up);
  if (metadata === null) return answer; // an OK or ERR: the client still lacks them
  prepared.missedDefinitions = null;
  if (metadata.definitions !== null) return answer;
  if (missed.length !== metadata.count) {
    // Rows the client would decode with definitions of another shape: never send them.
    throw new EmulatorError('Internal', `the server skipped ${metadata.count} column definitions it never sent whole`);
  }
  return withDefinitions(answer, missed);
}
