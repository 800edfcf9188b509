/**
 * How the evaluation loop talks to the upstream in each query protocol. The
 * loop itself (ml-loop.ts) is the same for a simple Query and for an
 * extended-protocol Execute; only the way statements are sent differs.
 */
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import type { BindMessage } from '../../wire/pg/messages.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream } from '../../wire/pg/statement-handler.ts';

/** A `COPY ... FROM STDIN` statement with the data to send it. */
export interface CopyIn {
  readonly sql: string;
  readonly data: Buffer;
}

export type ControlStatement = string | CopyIn;

export interface PassDriver {
  /** The client's statement each pass runs (shown by the dashboard). */
  readonly statement: string;
  /** Runs the emulator's own statements, in order, in one round trip. */
  control(statements: readonly ControlStatement[]): Promise<Frame[]>;
  /**
   * Runs `before` (the emulator's statements) and then the client's statement
   * once, pipelined in one round trip. Resolves with the answer to `before`
   * (up to its ReadyForQuery); the run's answer goes to `run` as it arrives,
   * so that a run of a million rows is never held whole. An empty `before`
   * sends nothing ahead of the run and resolves with no frames.
   */
  pass(
    before: readonly ControlStatement[],
    run: (frame: Frame, control: readonly Frame[]) => void,
    instead?: PassText,
  ): Promise<Frame[]>;
  /**
   * pass(), with `after` (the emulator's statements that close the client's
   * statement) pipelined behind the run in the same round trip. Resolves with
   * the answers to `before` and to `after`. Only for a run that cannot report
   * a miss (see sealed-statement.ts); absent where the protocol cannot do it.
   */
  passThenClose?(
    before: readonly ControlStatement[],
    run: (frame: Frame, control: readonly Frame[]) => void,
    instead: PassText | undefined,
    after: readonly string[],
  ): Promise<{ readonly control: Frame[]; readonly closing: Frame[] }>;
}

/** What a pass runs instead of the client's statement as written (with the same parameters). */
export interface PassText {
  readonly sql: string;
  /** Rows in text format whatever the client's Bind asked for: the emulator reads them. */
  readonly textResults?: boolean;
}

/**
 * Sends `ahead` (the control statements' messages, possibly none), then
 * `messages` (the run's, and with `closing` the closing statements'); splits
 * the answer at its ReadyForQuery messages.
 */
async function streamPass(
  up: ControlledUpstream,
  ahead: readonly Buffer[],
  messages: readonly Buffer[],
  run: (frame: Frame, control: readonly Frame[]) => void,
  closing: Frame[] | null = null,
): Promise<{ control: Frame[]; failed: boolean }> {
  const control: Frame[] = [];
  /** 0: the control statements' answer, 1: the run's, 2: the closing statements'. */
  let part = ahead.length === 0 ? 1 : 0;
  let failed = false;
  await up.stream([...ahead, ...messages], (closing === null ? 2 : 3) - part, (frame) => {
    if (frame.code === BackendCode.ErrorResponse && part < 2) failed = true;
    if (part === 0) control.push(frame);
    else if (part === 1) run(frame, control);
    else closing?.push(frame);
    if (frame.code === BackendCode.ReadyForQuery) part++;
  });
  return { control, failed };
}

/**
 * The messages of a pass's control statements. None for none: an empty Query
 * (simple protocol) or a lone Sync (extended) would cost the server work and
 * an answer for nothing.
 */
function aheadOf(
  before: readonly ControlStatement[],
  controlMessages: (statements: readonly ControlStatement[]) => Buffer[],
): Buffer[] {
  return before.length === 0 ? [] : controlMessages(before);
}

/** Simple protocol: everything as Query messages. */
export function simpleDriver(up: ControlledUpstream, statement: string): PassDriver {
  // One Query message; COPY data follows it and is read when COPY runs.
  const controlMessages = (statements: readonly ControlStatement[]) => [
    serialize.query(statements.map((s) => (typeof s === 'string' ? s : s.sql)).join(';\n')),
    ...statements.flatMap((s) => (typeof s === 'string' ? [] : [serialize.copyData(s.data), serialize.copyDone()])),
  ];
  return {
    statement,
    control: (statements) => up.send(controlMessages(statements)),
    pass: async (before, run, instead) =>
      (await streamPass(up, aheadOf(before, controlMessages), [serialize.query(instead?.sql ?? statement)], run)).control,
    passThenClose: async (before, run, instead, after) => {
      const closing: Frame[] = [];
      const messages = [serialize.query(instead?.sql ?? statement), ...controlMessages(after)];
      const { control } = await streamPass(up, aheadOf(before, controlMessages), messages, run, closing);
      return { control, closing };
    },
  };
}

const INTERNAL_STATEMENT = 'aurora_ml_internal';
const INTERNAL_PORTAL = 'aurora_ml_portal';
const PASS_STATEMENT = 'aurora_ml_pass';

/** The client's statement as the loop runs it: its text, parameter types and Bind. */
export interface ExtendedStatement {
  readonly sql: string;
  readonly paramTypes: readonly number[];
  readonly bind: BindMessage;
}

/**
 * Extended protocol: the client's unnamed statement and portal must survive,
 * so the emulator uses only named ones of its own and never a simple Query.
 * Each is closed once used, so none shows in pg_prepared_statements (after
 * an error, which skips the rest to the Sync, they are closed in a second
 * round trip).
 */
export function extendedDriver(
  up: ControlledUpstream,
  statement: ExtendedStatement,
  /**
   * With passThenClose, for the light path's guarded run (literal-statement.ts).
   * Not for the loop: its sealed runs close in a round trip of their own here.
   */
  options: { readonly closable?: boolean } = {},
): PassDriver {
  const controlMessages = (statements: readonly ControlStatement[]) => {
    const messages: Buffer[] = [];
    statements.forEach((control, i) => {
      const name = `${INTERNAL_STATEMENT}_${i}`;
      messages.push(
        // A failed earlier statement may have left the portal open.
        serialize.close('P', INTERNAL_PORTAL),
        serialize.close('S', name),
        serialize.parse(name, typeof control === 'string' ? control : control.sql),
        serialize.bind(INTERNAL_PORTAL, name, [], [], []),
        serialize.execute(INTERNAL_PORTAL),
      );
      if (typeof control !== 'string') messages.push(serialize.copyData(control.data), serialize.copyDone());
      messages.push(serialize.close('P', INTERNAL_PORTAL), serialize.close('S', name));
    });
    messages.push(serialize.sync());
    return messages;
  };
  // Parsed afresh by each pass (a loop makes one to three): it runs the text
  // as bound, whatever the client has parsed or closed under its name since.
  const { bind } = statement;
  const passMessages = (instead?: PassText) => [
    serialize.close('P', INTERNAL_PORTAL),
    serialize.close('S', PASS_STATEMENT),
    serialize.parse(PASS_STATEMENT, instead?.sql ?? statement.sql, statement.paramTypes),
    serialize.bind(
      INTERNAL_PORTAL,
      PASS_STATEMENT,
      bind.paramFormats,
      bind.params,
      instead?.textResults ? [] : bind.resultFormats,
    ),
    serialize.execute(INTERNAL_PORTAL),
    serialize.close('P', INTERNAL_PORTAL),
    serialize.close('S', PASS_STATEMENT),
    serialize.sync(),
  ];
  // After an error the server skipped the rest up to the Sync, Closes included:
  // close what may be left, so nothing of the emulator's stays in the session.
  const tidied = async <T>(answer: T, failed: boolean, controls: number): Promise<T> => {
    if (!failed) return answer;
    const names = Array.from({ length: controls }, (_v, i) => `${INTERNAL_STATEMENT}_${i}`);
    await up.send([
      serialize.close('P', INTERNAL_PORTAL),
      ...[...names, PASS_STATEMENT].map((name) => serialize.close('S', name)),
      serialize.sync(),
    ]);
    return answer;
  };
  const failedIn = (frames: readonly Frame[]) => frames.some((f) => f.code === BackendCode.ErrorResponse);
  return {
    statement: statement.sql,
    control: async (statements) => {
      const frames = await up.send(controlMessages(statements));
      return tidied(frames, failedIn(frames), statements.length);
    },
    pass: async (before, run, instead) => {
      const { control, failed } = await streamPass(up, aheadOf(before, controlMessages), passMessages(instead), run);
      return tidied(control, failed, before.length);
    },
    ...(options.closable
      ? {
          passThenClose: async (before, run, instead, after) => {
            const closing: Frame[] = [];
            const messages = [...passMessages(instead), ...controlMessages(after)];
            const { control, failed } = await streamPass(up, aheadOf(before, controlMessages), messages, run, closing);
            const closingFailed = failedIn(closing);
            return {
              control: await tidied(control, failed || closingFailed, Math.max(before.length, after.length)),
              closing,
            };
          },
        }
      : {}),
  };
}

/** Frames of a pass the client may see: results and the client's own notices. */
export function isResultFrame(frame: Frame): boolean {
  switch (frame.code) {
    case BackendCode.ReadyForQuery:
    case BackendCode.BindComplete:
    case BackendCode.CloseComplete:
    case BackendCode.ParseComplete:
      return false;
    default:
      return true;
  }
}
