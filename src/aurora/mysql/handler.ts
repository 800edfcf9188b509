/**
 * Aurora MySQL's machine learning on the MySQL wire front: which client
 * commands the emulator answers, and with what. Statements with ML calls run
 * through the loop in ./ml-loop.ts, definitions in ./defining.ts and
 * prepared statements in ./prepared-commands.ts; Aurora's status counters and
 * variables are answered from the emulator's state; everything else is relayed.
 */
import type { Logger } from 'pino';
import { toEmulatorError } from '../../errors.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import { limits } from '../../ml/limits.ts';
import { findMlCalls, mightTouchMl, referencesAny } from '../../sql/mysql/ml-calls.ts';
import { PREPARED_STATEMENT_HINT, parsePreparedStatementCommand } from '../../sql/mysql/prepare-statements.ts';
import { RESERVED_WORD_HINT, reservedWordUse } from '../../sql/mysql/reserved-words.ts';
import { classifyStatement } from '../../sql/mysql/statement-kind.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { packet, serialize } from '../../wire/mysql/serializer.ts';
import type { ControlledUpstream, SessionInfo, StatementHandler } from '../../wire/mysql/statement-handler.ts';
import { withClientColumnNames } from './column-names.ts';
import { type CommandContext, converge, type SessionState } from './command-context.ts';
import { createTableSelect, defining, runDefinition } from './defining.ts';
import { aliasDefinition, showCreateFunction } from './definitions.ts';
import { answerVariables, type RoleParameters, UNSET_ROLE_PARAMETERS, wantsVariables } from './emulated-variables.ts';
import { markBatched } from './explain.ts';
import { answerInvokePrivileges, type InvokePrivilegeContext, wantsInvokePrivileges } from './invoke-privileges.ts';
import { sealedLiteralCalls } from './literal-statement.ts';
import { checkedBy, prepareMysqlPrefetch } from './prefetch.ts';
import { frameCommand } from './prepared.ts';
import { answerExecute, answerPrepare, answerPrepareSql } from './prepared-commands.ts';
import { refuseWrongArgCounts, rewriteToStubs, seedWarning } from './rewrite.ts';
import { newLoopSession, pipelinedSetup, prepareSessionTables, StaleSetup, setUpSession } from './session-setup.ts';
import { refuseNonTransactionalTargets, refuseReservedWords } from './statement-guards.ts';
import { PREFETCH_KINDS, routeOf, triggerRefusal, WRITE_KINDS } from './statement-routes.ts';
import { STATUS_WORD, type StatusCommand, statusCommand, statusRows } from './status-variables.ts';
import { StubInstaller } from './stub-installer.ts';
import { answerRows, sendToClient } from './synthetic-result.ts';
import { isErr, ServerRefusal } from './upstream-errors.ts';

export interface MySqlAuroraOptions {
  readonly evaluator: MlEvaluator;
  /** Seed extensions (SQL real Aurora rejects, accepted here with a warning) become errors. */
  readonly strict: boolean;
  readonly log: Logger;
  /** The cluster's aws_default_*_role parameters in effect (the control plane's; unset by default). */
  readonly roleParameters?: () => RoleParameters;
  /** The control plane's view of this cluster's privileges (version 2 INVOKE privileges, version 3 roles). */
  readonly privileges?: InvokePrivilegeContext;
  /** The cluster's master user (the upstream URL's), whose privileges the gate does not check. */
  readonly masterUser?: string;
  /** The control plane's last refusal on a connection, for @@aurora_ml_last_denial. */
  readonly lastDenial?: (connectionId: number) => string | null;
}

const KILL = /^\s*KILL\s+(QUERY\s+|CONNECTION\s+)?(\d+)\s*;?\s*$/i;
/** Cheap pre-check for the definitions the emulator always answers (ALIAS functions, SHOW CREATE FUNCTION). */
const DEFINITION_HINT = /\b(alias|show)\b/i;
/** Cheap pre-check for statements that start (or make the default) a READ ONLY transaction. */
const READ_ONLY_HINT = /read[\s_]*only/i;

export class MySqlAuroraHandler implements StatementHandler {
  private readonly sessions = new Map<number, SessionState>();
  private readonly stubs: StubInstaller;

  constructor(private readonly options: MySqlAuroraOptions) {
    this.stubs = new StubInstaller(options.log, options.privileges?.model);
  }

  private session(info: SessionInfo): SessionState {
    let state = this.sessions.get(info.connectionId);
    if (state === undefined) {
      state = {
        ...newLoopSession(limits.defaultInferenceTimeoutMs),
        user: info.user,
        strict: null,
        prepared: new Map(),
        preparedNames: new Map(),
      };
      this.sessions.set(info.connectionId, state);
    }
    // The account may have changed (COM_CHANGE_USER) since the state was made.
    state.user = info.user;
    return state;
  }

  // ---- which commands the emulator answers ----

  wantsQuery(sql: string, session: SessionInfo): boolean {
    if (PREPARED_STATEMENT_HINT.test(sql)) return this.wantsPreparedStatementCommand(sql, session);
    if (STATUS_WORD.test(sql) && statusCommand(sql) !== null) return true;
    if (wantsVariables(sql)) return true;
    if (KILL.test(sql)) return true;
    if (wantsInvokePrivileges(sql, this.options.privileges)) return true;
    if (!this.stubs.installSettled) return true;
    if (RESERVED_WORD_HINT.test(sql) && reservedWordUse(sql) !== null) return true;
    if (DEFINITION_HINT.test(sql)) {
      const kind = classifyStatement(sql);
      if (kind === 'create_function_alias' || kind === 'show_create_function') return true;
    }
    if (READ_ONLY_HINT.test(sql) && this.needsTablesBeforeReadOnly(sql, session)) return true;
    return this.callsMl(sql);
  }

  wantsPrepare(sql: string, _session: SessionInfo): boolean {
    return (
      !this.stubs.installSettled ||
      this.callsMl(sql) ||
      (RESERVED_WORD_HINT.test(sql) && reservedWordUse(sql) !== null) ||
      (DEFINITION_HINT.test(sql) && classifyStatement(sql) === 'create_function_alias')
    );
  }

  /**
   * START TRANSACTION READ ONLY, SET [SESSION] TRANSACTION READ ONLY: inside
   * a read-only transaction the server refuses CREATE TEMPORARY TABLE, so a
   * session without its cache and miss tables gets them first.
   */
  private needsTablesBeforeReadOnly(sql: string, session: SessionInfo): boolean {
    if (this.sessions.get(session.connectionId)?.tablesReady) return false;
    const kind = classifyStatement(sql);
    return kind === 'transaction' || kind === 'set';
  }

  wantsExecute(statementId: number, session: SessionInfo): boolean {
    return this.sessions.get(session.connectionId)?.prepared.has(statementId) ?? false;
  }

  /** PREPARE of a text with ML calls, or EXECUTE / DEALLOCATE of a statement prepared so. */
  private wantsPreparedStatementCommand(sql: string, session: SessionInfo): boolean {
    const command = parsePreparedStatementCommand(sql);
    if (command === null) return false;
    if (command.kind === 'prepare') return command.text !== null && this.callsMl(command.text);
    return this.sessions.get(session.connectionId)?.preparedNames.has(command.name) ?? false;
  }

  /** Whether the statement calls an ML function, or names a view or routine that does. */
  private callsMl(sql: string): boolean {
    if (mightTouchMl(sql)) {
      try {
        if (rewriteToStubs(sql, { strict: false, unicode: true }) !== null) return true;
      } catch {
        return true; // running it answers with the error (e.g. strict mode)
      }
    }
    return referencesAny(sql, this.stubs.dependents);
  }

  // ---- session lifecycle ----

  onStatementClosed(statementId: number, session: SessionInfo): void {
    this.sessions.get(session.connectionId)?.prepared.delete(statementId);
  }

  keepsLongData(statementId: number, payload: Buffer, session: SessionInfo): boolean {
    const prepared = this.sessions.get(session.connectionId)?.prepared.get(statementId);
    if (prepared === undefined) return false;
    prepared.longData.push(frameCommand(payload));
    return true;
  }

  onStatementReset(statementId: number, session: SessionInfo): void {
    const prepared = this.sessions.get(session.connectionId)?.prepared.get(statementId);
    if (prepared) prepared.longData = [];
  }

  onSessionReset(session: SessionInfo): void {
    // The server drops temporary tables and prepared statements.
    this.sessions.delete(session.connectionId);
  }

  onSessionEnd(session: SessionInfo): void {
    this.sessions.delete(session.connectionId);
  }

  // ---- answers ----

  async runQuery(sql: string, up: ControlledUpstream): Promise<void> {
    await this.answering(up, async () => {
      const status = STATUS_WORD.test(sql) ? statusCommand(sql) : null;
      if (status !== null) return this.answerStatus(sql, status, up);
      if (KILL.test(sql)) return this.kill(sql, up);
      const cmd = this.command(up);
      const { state } = cmd;
      if (wantsVariables(sql)) {
        return answerVariables(
          sql,
          {
            inferenceTimeoutMs: state.inferenceTimeoutMs,
            setInferenceTimeout: (ms) => {
              state.inferenceTimeoutMs = ms;
            },
            roles: this.options.roleParameters?.() ?? UNSET_ROLE_PARAMETERS,
            strict: this.strict(state),
            setStrict: (on) => {
              state.strict = on;
            },
            lastDenial: this.options.lastDenial?.(up.session.connectionId) ?? '',
          },
          up,
        );
      }
      const privileges = this.options.privileges;
      if (privileges !== undefined && wantsInvokePrivileges(sql, privileges)) {
        return answerInvokePrivileges(sql, privileges, up, this.strict(state));
      }
      // The statement's calls, found once for the checks, the rewrite and the prefetch below.
      const found = findMlCalls(sql);
      // Aurora's parser refuses these before anything runs, whatever the emulator's own set-up.
      refuseWrongArgCounts(sql, this.strict(state), found);
      try {
        await this.stubs.ensure(up);
      } catch (err) {
        if (this.wantsQuery(sql, up.session)) throw err;
        return sendToClient(up, await up.query(sql));
      }
      if (READ_ONLY_HINT.test(sql) && this.needsTablesBeforeReadOnly(sql, up.session)) {
        // Best effort: the client's statement runs whatever happens (an ML statement later reports the problem).
        await prepareSessionTables(up, state).catch((err: unknown) =>
          up.log.debug({ err }, 'no session tables before READ ONLY'),
        );
        if (!this.callsMl(sql)) return sendToClient(up, await up.query(sql));
      }
      // The first statements, wanted before the install: relayed if they turn out not to be ML.
      if (!this.wantsQuery(sql, up.session)) return sendToClient(up, await up.query(sql));
      refuseReservedWords(sql);
      const command = PREPARED_STATEMENT_HINT.test(sql) ? parsePreparedStatementCommand(sql) : null;
      if (command?.kind === 'prepare') return answerPrepareSql(cmd, command.name, command.text ?? '');
      if (command?.kind === 'deallocate') {
        state.preparedNames.delete(command.name);
        return sendToClient(up, await up.query(sql));
      }
      const kind = classifyStatement(sql);
      if (kind === 'create_function_alias') return defining(this.stubs, up, sql, () => up.query(aliasDefinition(sql)));
      if (kind === 'show_create_function') return showCreateFunction(sql, up);
      if (kind === 'create_trigger') throw triggerRefusal();
      const route = routeOf(kind);
      if (route === 'definition') return defining(this.stubs, up, sql, () => runDefinition(cmd, sql, kind));
      if (route === 'once') return sendToClient(up, await up.query(sql));
      const warning = command?.kind === 'execute' ? (state.preparedNames.get(command.name) ?? null) : seedWarning(sql);
      const rewrite = (unicode: boolean) => rewriteToStubs(sql, { strict: this.strict(state), unicode }, found) ?? sql;
      // A view or routine that calls ML would run its stubs in the prefetch query: such statements go without.
      const prefetch =
        command === null && PREFETCH_KINDS.has(kind) && !referencesAny(sql, this.stubs.dependents)
          ? prepareMysqlPrefetch(sql, found, kind)
          : null;
      // The setup's facts with the loop's first statements where they can go together (session-setup.ts).
      const pipelined = kind === 'create_table_select' ? null : pipelinedSetup(up, state, this.checksPrivileges(up.session));
      // Whichever setup follows: the check reads the target tables only.
      if (WRITE_KINDS.has(kind)) await refuseNonTransactionalTargets(sql, up);
      let answer: Packet[] | null = null;
      if (pipelined !== null) {
        const rewritten = rewrite(pipelined.unicode);
        // A SELECT of calls on literals alone: evaluated first, then two round trips (literal-statement.ts).
        const literalCalls = prefetch?.source === '' && warning === null ? sealedLiteralCalls(sql, found) : null;
        answer = await converge(cmd, pipelined, 'result', () => up.query(rewritten), {
          warning,
          sql,
          prefetch: checkedBy(prefetch, rewritten),
          literal: literalCalls === null ? null : { calls: literalCalls, statement: rewrite },
        }).catch((err: unknown) => {
          if (err instanceof StaleSetup) return null;
          throw err;
        });
      }
      if (answer === null) {
        const facts = await setUpSession(up, state, this.checksPrivileges(up.session));
        const rewritten = rewrite(facts.unicode);
        if (kind === 'create_table_select') return createTableSelect(cmd, rewritten, facts);
        answer = await converge(cmd, facts, 'result', () => up.query(rewritten), {
          warning,
          sql,
          prefetch: checkedBy(prefetch, rewritten),
        });
      }
      const plan = kind === 'explain' ? markBatched(answer) : null;
      if (plan !== null) return answerRows(up, plan.columns, plan.rows, plan.numeric);
      sendToClient(up, await withClientColumnNames(answer, sql, 'result', up));
    });
  }

  async runPrepare(sql: string, up: ControlledUpstream): Promise<void> {
    await this.answering(up, async () => {
      // MySQL checks a built-in's argument count when it prepares the statement.
      refuseWrongArgCounts(sql, this.strict(this.session(up.session)));
      await this.stubs.ensure(up);
      refuseReservedWords(sql);
      await answerPrepare(this.command(up), sql);
    });
  }

  async runExecute(payload: Buffer, up: ControlledUpstream): Promise<void> {
    await this.answering(up, () => answerExecute(this.command(up), payload));
  }

  /** Whether the gate checks this session's database privileges (everyone but the master user). */
  private checksPrivileges(session: SessionInfo): boolean {
    return this.options.privileges !== undefined && session.user !== this.options.masterUser;
  }

  private strict(state: SessionState): boolean {
    return state.strict ?? this.options.strict;
  }

  /** The handler as one command of this connection sees it (./command-context.ts). */
  private command(up: ControlledUpstream): CommandContext {
    const state = this.session(up.session);
    return {
      up,
      state,
      stubs: this.stubs,
      evaluator: this.options.evaluator,
      strict: () => this.strict(state),
      checksPrivileges: () => this.checksPrivileges(up.session),
      callsMl: (sql) => this.callsMl(sql),
    };
  }

  /** Runs one answer; an error before anything reached the client becomes its ERR packet. */
  private async answering(up: ControlledUpstream, answer: () => Promise<void>): Promise<void> {
    try {
      await answer();
    } catch (err) {
      // The server's own refusal of the client's session state, as the server gave it.
      if (err instanceof ServerRefusal) return up.toClient(packet(err.payload, 1));
      const error = toEmulatorError(err);
      if (error.code === 'Internal') this.options.log.error({ err }, 'ML statement failed inside the emulator');
      up.toClient(serialize.emulatorError(error, 1));
    }
  }

  /**
   * KILL [QUERY | CONNECTION] id, with MariaDB's rule (sql_parse.cc,
   * kill_one_thread): a user may kill the threads of its own user name, and
   * others' only with CONNECTION ADMIN or SUPER (else 1095 You are not owner
   * of thread). A KILL QUERY of a same-named user's connection whose ML
   * statement is in flight stops that statement here (it ends with 1317 Query
   * execution was interrupted), without reaching the server: there it could
   * interrupt the emulator's own clean-up statements of that connection. Every
   * other KILL goes to the server, which applies the privilege rule itself
   * (roles included) to the same thread id, the upstream's; only once it has
   * agreed does the emulator stop the target's ML work too.
   */
  private async kill(sql: string, up: ControlledUpstream): Promise<void> {
    const [, kind, id] = KILL.exec(sql) ?? [];
    const target = this.sessions.get(Number(id));
    const work = target?.work ?? null;
    const ownQuery = work !== null && /^QUERY/i.test(kind ?? '') && target?.user === up.session.user;
    if (ownQuery) {
      work.abort();
      return sendToClient(up, await up.query('DO 0'));
    }
    const answer = await up.query(sql);
    if (work !== null && !isErr(answer[0])) work.abort();
    sendToClient(up, answer);
  }

  /** Aurora_ml_* rows come from the emulator's counters; FLUSH STATUS still reaches the server. */
  private async answerStatus(sql: string, status: StatusCommand, up: ControlledUpstream): Promise<void> {
    if (status.kind === 'show') {
      const rows = statusRows(this.options.evaluator.stats).filter(([name]) => status.pattern.test(name));
      return answerRows(up, ['Variable_name', 'Value'], rows);
    }
    const answer = await up.query(sql);
    if (answer[0] !== undefined && !isErr(answer[0])) this.options.evaluator.stats.reset();
    sendToClient(up, answer);
  }
}
