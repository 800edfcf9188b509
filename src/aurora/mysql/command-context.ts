/**
 * What the MySQL handler's commands share: the state kept per client
 * connection, and one command's view of the handler (its upstream, its
 * session, the stubs, and the settings that decide how it runs), so the
 * definitions (./defining.ts) and the prepared commands
 * (./prepared-commands.ts) run apart from the handler that routes them.
 */
import type { MlEvaluator } from '../../ml/evaluator.ts';
import type { AnswerKind } from '../../wire/mysql/answer-shape.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { type LiteralCalls, runToConvergence } from './ml-loop.ts';
import type { MysqlPrefetch } from './prefetch.ts';
import type { PreparedMl } from './prepared.ts';
import type { LoopSession, PipelinedSetup, SessionFacts } from './session-setup.ts';
import type { StubInstaller } from './stub-installer.ts';

/** What the handler keeps per client connection. */
export interface SessionState extends LoopSession {
  /** The user name the connection logged in with (what MariaDB compares to decide who may KILL it). */
  user: string;
  /** SET aurora_ml_strict; null follows the emulator's --strict. */
  strict: boolean | null;
  /** Prepared statements with ML calls, by the upstream's statement id. */
  readonly prepared: Map<number, PreparedMl>;
  /** SQL-level prepared statements (PREPARE name FROM ...) with ML calls, by lower-case name, with their seed warning. */
  readonly preparedNames: Map<string, string | null>;
}

/** One client command as the handler runs it. */
export interface CommandContext {
  readonly up: ControlledUpstream;
  readonly state: SessionState;
  readonly stubs: StubInstaller;
  readonly evaluator: MlEvaluator;
  /** Whether seed extensions are errors in this session (SET aurora_ml_strict, else --strict), read when asked. */
  strict(): boolean;
  /** Whether the gate checks this session's database privileges (everyone but the master user). */
  checksPrivileges(): boolean;
  /** Whether the statement calls an ML function, or names a view or routine that does. */
  callsMl(sql: string): boolean;
}

/** What a statement's run may bring besides the statement (see LoopRequest). */
export interface ConvergeOptions {
  readonly warning?: string | null;
  /** The client's statement, as the dashboard shows it. */
  readonly sql?: string;
  readonly prefetch?: MysqlPrefetch | null;
  readonly literal?: LiteralCalls | null;
}

/** Runs a statement through the ML loop until its answer holds no placeholder. */
export function converge(
  cmd: CommandContext,
  facts: SessionFacts | PipelinedSetup,
  answer: AnswerKind,
  run: () => Promise<Packet[]>,
  { warning = null, sql, prefetch = null, literal = null }: ConvergeOptions = {},
): Promise<Packet[]> {
  return runToConvergence({
    ...(prefetch === null ? {} : { prefetch }),
    ...(literal === null ? {} : { literal }),
    up: cmd.up,
    session: cmd.state,
    facts,
    evaluator: cmd.evaluator,
    run,
    answer,
    warning,
    ...(sql === undefined ? {} : { sql }),
  });
}
