/**
 * Aurora MySQL's machine learning on the MySQL wire front: which client
 * commands the emulator answers, and with what. Statements with ML calls run
 * through the loop in ./ml-loop.ts; Aurora's status counters and variables
 * are answered from the emulator's state; everything else is relayed.
 */
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import { limits } from '../../ml/limits.ts';
import { findMlCalls, mightTouchMl, referencesAny } from '../../sql/mysql/ml-calls.ts';
import { PREPARED_STATEMENT_HINT, parsePreparedStatementCommand } from '../../sql/mysql/prepare-statements.ts';
import { RESERVED_WORD_HINT, reservedWordUse } from '../../sql/mysql/reserved-words.ts';
import { classifyStatement, createTableQuery, type StatementKind } from '../../sql/mysql/statement-kind.ts';
import { withViewColumnNames } from '../../sql/mysql/view-columns.ts';
import type { AnswerKind } from '../../wire/mysql/answer-shape.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import { packet, serialize } from '../../wire/mysql/serializer.ts';
import type { ControlledUpstream, SessionInfo, StatementHandler } from '../../wire/mysql/statement-handler.ts';
import { withClientColumnNames } from './column-names.ts';
import { definedObject } from './defined-object.ts';
import { aliasDefinition, showCreateFunction } from './definitions.ts';
import { answerVariables, type RoleParameters, UNSET_ROLE_PARAMETERS, wantsVariables } from './emulated-variables.ts';
import { markBatched } from './explain.ts';
import { answerInvokePrivileges, type InvokePrivilegeContext, wantsInvokePrivileges } from './invoke-privileges.ts';
import { runToConvergence } from './ml-loop.ts';
import { executeRefusal, executionRuns, frameCommand, framePrepare, type PreparedMl, preparedStatement } from './prepared.ts';
import { rewriteToStubs, seedWarning } from './rewrite.ts';
import { type LoopSession, newLoopSession, prepareSessionTables, type SessionFacts, setUpSession } from './session-setup.ts';
import { refuseNonTransactionalTargets, refuseReservedWords } from './statement-guards.ts';
import {
  preparedCreateTableSelectRefusal,
  type Route,
  routeOf,
  triggerRefusal,
  VIEW_KINDS,
  WRITE_KINDS,
} from './statement-routes.ts';
import { STATUS_WORD, type StatusCommand, statusCommand, statusRows } from './status-variables.ts';
import { StubInstaller } from './stub-installer.ts';
import { CACHE_TABLE, MISS_COUNTER, MISS_TABLE, MODE_VARIABLE } from './stubs.ts';
import { answerRows, connectionIsUnicode, send, utf8Literal } from './synthetic-result.ts';
import { ServerRefusal } from './upstream-errors.ts';

export interface MySqlAuroraOptions {
  readonly evaluator: MlEvaluator;
  /** Seed extensions become errors (reference §1). */
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

/** What the handler keeps per client connection. */
interface SessionState extends LoopSession {
  /** The user name the connection logged in with (what MariaDB compares to decide who may KILL it). */
  user: string;
  /** SET aurora_ml_strict; null follows the emulator's --strict. */
  strict: boolean | null;
  /** Prepared statements with ML calls, by the upstream's statement id. */
  readonly prepared: Map<number, PreparedMl>;
  /** SQL-level prepared statements (PREPARE name FROM ...) with ML calls, by lower-case name, with their seed warning. */
  readonly preparedNames: Map<string, string | null>;
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
    if (!this.stubs.installed) return true;
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
      !this.stubs.installed ||
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
      const state = this.session(up.session);
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
      try {
        await this.stubs.ensure(up);
      } catch (err) {
        if (this.wantsQuery(sql, up.session)) throw err;
        return send(up, await up.query(sql));
      }
      if (READ_ONLY_HINT.test(sql) && this.needsTablesBeforeReadOnly(sql, up.session)) {
        // Best effort: the client's statement runs whatever happens (an ML statement later reports the problem).
        await prepareSessionTables(up, state).catch((err: unknown) =>
          up.log.debug({ err }, 'no session tables before READ ONLY'),
        );
        if (!this.callsMl(sql)) return send(up, await up.query(sql));
      }
      // The first statements, wanted before the install: relayed if they turn out not to be ML.
      if (!this.wantsQuery(sql, up.session)) return send(up, await up.query(sql));
      refuseReservedWords(sql);
      const command = PREPARED_STATEMENT_HINT.test(sql) ? parsePreparedStatementCommand(sql) : null;
      if (command?.kind === 'prepare') return this.prepareSql(command.name, command.text ?? '', state, up);
      if (command?.kind === 'deallocate') {
        state.preparedNames.delete(command.name);
        return send(up, await up.query(sql));
      }
      const kind = classifyStatement(sql);
      if (kind === 'create_function_alias') return this.defining(up, sql, () => up.query(aliasDefinition(sql)));
      if (kind === 'show_create_function') return showCreateFunction(sql, up);
      if (kind === 'create_trigger') throw triggerRefusal();
      const route = routeOf(kind);
      if (route === 'definition') return this.defining(up, sql, () => this.runDefinition(sql, kind, state, up));
      if (route === 'once') return send(up, await up.query(sql));
      const facts = await setUpSession(up, state, this.checksPrivileges(up.session));
      const rewritten = rewriteToStubs(sql, { strict: this.strict(state), unicode: facts.unicode }) ?? sql;
      if (kind === 'create_table_select') return this.createTableSelect(rewritten, state, facts, up);
      if (WRITE_KINDS.has(kind)) await refuseNonTransactionalTargets(sql, up);
      const warning = command?.kind === 'execute' ? (state.preparedNames.get(command.name) ?? null) : seedWarning(sql);
      const answer = await this.converge(up, state, facts, 'result', () => up.query(rewritten), warning, sql);
      const plan = kind === 'explain' ? markBatched(answer) : null;
      if (plan !== null) return answerRows(up, plan.columns, plan.rows, plan.numeric);
      send(up, withClientColumnNames(answer, sql, 'result', up));
    });
  }

  /**
   * CREATE VIEW / FUNCTION / PROCEDURE with ML calls, DROP of one, and other
   * DDL naming one: run once, with its calls pointed at the stubs.
   */
  private async runDefinition(sql: string, kind: StatementKind, state: SessionState, up: ControlledUpstream): Promise<Packet[]> {
    const unicode = await this.beforeDefinition(kind, state, up);
    // A view's columns are named after its items' text: the client's, not the rewritten one.
    const named = kind === 'create_view' ? withViewColumnNames(sql, (item) => findMlCalls(item).length > 0) : sql;
    const rewritten = rewriteToStubs(named, { strict: this.strict(state), unicode }) ?? named;
    return up.query(rewritten);
  }

  /**
   * The server refuses a view over a function that uses a temporary table
   * while one exists in the session (1352), so the session's cache and miss
   * tables go before a definition; answers whether the connection is Unicode.
   */
  private async beforeDefinition(kind: StatementKind, state: SessionState, up: ControlledUpstream): Promise<boolean> {
    if (!VIEW_KINDS.has(kind) || !state.tablesReady) return connectionIsUnicode(up);
    const [, , unicode] = await Promise.all([
      up.query(`DROP TEMPORARY TABLE IF EXISTS ${CACHE_TABLE}`),
      up.query(`DROP TEMPORARY TABLE IF EXISTS ${MISS_TABLE}`),
      connectionIsUnicode(up),
    ]);
    state.tablesReady = false;
    return unicode;
  }

  /**
   * PREPARE name FROM 'text with ML calls': the server prepares the text with
   * its calls pointed at the stubs (passed through a user variable, so no
   * quoting depends on sql_mode); each EXECUTE name then runs through the loop.
   */
  private async prepareSql(name: string, text: string, state: SessionState, up: ControlledUpstream): Promise<void> {
    const unicode = await connectionIsUnicode(up);
    const rewritten = rewriteToStubs(text, { strict: this.strict(state), unicode }) ?? text;
    const [, answer] = await Promise.all([
      up.query(`SET @aurora_ml_prepare = ${utf8Literal(rewritten)}`),
      up.query(`PREPARE \`${name.replace(/`/g, '``')}\` FROM @aurora_ml_prepare`),
      up.query('SET @aurora_ml_prepare = NULL'),
    ]);
    if (answer?.[0]?.payload[0] === 0x00) state.preparedNames.set(name, seedWarning(text));
    send(up, answer ?? []);
  }

  /** Registers what a definition defines, runs it, then rereads which objects depend on ML. */
  private async defining(up: ControlledUpstream, sql: string, define: () => Promise<Packet[]>): Promise<void> {
    const defined = definedObject(sql);
    // Asked on the way (pipelined ahead of the definition): the server answers it first.
    const current = defined !== null && defined.schema === null ? up.query('SELECT DATABASE()') : null;
    current?.catch(() => {});
    try {
      const defining = define();
      // Awaited below, maybe after it settles: marked handled so a failure is not an unhandled rejection meanwhile.
      defining.catch(() => {});
      if (defined !== null) {
        // A connection gone before the answer: the schema the session last chose (COM_INIT_DB or the handshake).
        const schema =
          defined.schema ??
          (await current?.then(
            (rows) => textRows(rows, 1)[0]?.[0],
            () => up.session.database,
          ));
        if (schema != null) this.stubs.register(schema, defined);
      }
      const answer = await defining;
      // Before the client hears of it: its next statement, on any connection, may name what was defined.
      await this.stubs.refreshDependents(up);
      send(up, answer);
    } catch (err) {
      // The client hung up and its connection went with it: what it defined was registered on the way.
      if (up.signal.aborted) return;
      // A definition refused before it was sent: the schema's answer is still due, and must come in first.
      await current?.catch(() => {});
      throw err;
    }
  }

  /**
   * CREATE TABLE ... SELECT commits implicitly, so no savepoint can undo a
   * run with placeholders: the query alone runs through the loop until every
   * answer is cached, then the statement runs once and must miss nothing.
   */
  private async createTableSelect(
    rewritten: string,
    state: SessionState,
    facts: SessionFacts,
    up: ControlledUpstream,
  ): Promise<void> {
    const query = createTableQuery(rewritten);
    if (query === null) throw new EmulatorError('Internal', 'CREATE TABLE ... SELECT without a query');
    const discovered = await this.converge(up, state, facts, 'result', () => up.query(query), null, rewritten);
    if (discovered[0]?.payload[0] === 0xff) {
      send(up, discovered);
      return;
    }
    const [, answer, counter] = await Promise.all([
      up.query(`SET ${MODE_VARIABLE} = 1, ${MISS_COUNTER} = 0`),
      up.query(rewritten),
      up.query(`SELECT ${MISS_COUNTER}`),
      up.query(`SET ${MODE_VARIABLE} = NULL, ${MISS_COUNTER} = NULL`),
    ]);
    const missed = Number(textRows(counter ?? [], 1)[0]?.[0] ?? 0);
    if (missed > 0 && answer?.[0]?.payload[0] !== 0xff) {
      throw new EmulatorError(
        'DidNotConverge',
        'CREATE TABLE ... SELECT: the arguments of the ML calls changed between the query and the statement; the new table holds placeholders',
        { hint: 'Drop the table, then use CREATE TABLE followed by INSERT ... SELECT' },
      );
    }
    await this.stubs.refreshDependents(up);
    send(up, answer ?? []);
  }

  async runPrepare(sql: string, up: ControlledUpstream): Promise<void> {
    await this.answering(up, async () => {
      await this.stubs.ensure(up);
      refuseReservedWords(sql);
      const state = this.session(up.session);
      const kind = classifyStatement(sql);
      if (kind === 'create_function_alias') {
        // Prepared as the stored function that stands for it: each execution creates it.
        const answer = await up.command(framePrepare(up.encode(aliasDefinition(sql))), 'prepare');
        this.remember(state, answer, 'definition', sql, null);
        return send(up, answer);
      }
      if (!this.callsMl(sql)) return send(up, await up.command(framePrepare(up.encode(sql)), 'prepare'));
      if (kind === 'create_trigger') throw triggerRefusal();
      if (kind === 'create_table_select') throw preparedCreateTableSelectRefusal();
      const route = routeOf(kind);
      const unicode = await this.beforeDefinition(route === 'definition' ? kind : 'select', state, up);
      const rewritten = rewriteToStubs(sql, { strict: this.strict(state), unicode }) ?? sql;
      const answer = await up.command(framePrepare(up.encode(rewritten)), 'prepare');
      this.remember(state, answer, route, sql, seedWarning(sql));
      send(up, withClientColumnNames(answer, sql, 'prepare', up));
    });
  }

  private remember(state: SessionState, answer: readonly Packet[], run: Route, sql: string, warning: string | null): void {
    const statement = preparedStatement(answer);
    if (statement === null) return;
    const prepared: PreparedMl = { run, sql, warning, paramCount: statement.params, types: null, longData: [] };
    state.prepared.set(statement.id, prepared);
  }

  async runExecute(payload: Buffer, up: ControlledUpstream): Promise<void> {
    await this.answering(up, async () => {
      const state = this.session(up.session);
      const prepared = state.prepared.get(payload.readUInt32LE(1));
      if (prepared === undefined) throw new EmulatorError('Internal', 'unknown prepared statement');
      const refusal = executeRefusal(payload);
      if (refusal !== null) throw refusal;
      const { run, discover } = executionRuns(payload, prepared, up);
      if (prepared.run === 'definition') return this.defining(up, prepared.sql, run);
      if (prepared.run === 'once') return send(up, await run());
      const kind = classifyStatement(prepared.sql);
      if (WRITE_KINDS.has(kind)) await refuseNonTransactionalTargets(prepared.sql, up);
      const facts = await setUpSession(up, state, this.checksPrivileges(up.session));
      const answer = await runToConvergence({
        up,
        session: state,
        facts,
        evaluator: this.options.evaluator,
        run,
        answer: 'binary-result',
        warning: prepared.warning,
        sql: prepared.sql,
        ...(discover === undefined ? {} : { discover }),
      });
      send(up, withClientColumnNames(answer, prepared.sql, 'binary-result', up));
    });
  }

  /** Whether the gate checks this session's database privileges (everyone but the master user). */
  private checksPrivileges(session: SessionInfo): boolean {
    return this.options.privileges !== undefined && session.user !== this.options.masterUser;
  }

  private strict(state: SessionState): boolean {
    return state.strict ?? this.options.strict;
  }

  private converge(
    up: ControlledUpstream,
    session: SessionState,
    facts: SessionFacts,
    answer: AnswerKind,
    run: () => Promise<Packet[]>,
    warning: string | null = null,
    sql?: string,
  ) {
    return runToConvergence({
      up,
      session,
      facts,
      evaluator: this.options.evaluator,
      run,
      answer,
      warning,
      ...(sql === undefined ? {} : { sql }),
    });
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
      return send(up, await up.query('DO 0'));
    }
    const answer = await up.query(sql);
    if (work !== null && answer[0]?.payload[0] !== 0xff) work.abort();
    send(up, answer);
  }

  /** Aurora_ml_* rows come from the emulator's counters; FLUSH STATUS still reaches the server. */
  private async answerStatus(sql: string, status: StatusCommand, up: ControlledUpstream): Promise<void> {
    if (status.kind === 'show') {
      const rows = statusRows(this.options.evaluator.stats).filter(([name]) => status.pattern.test(name));
      return answerRows(up, ['Variable_name', 'Value'], rows);
    }
    const answer = await up.query(sql);
    if (answer[0] !== undefined && answer[0].payload[0] !== 0xff) this.options.evaluator.stats.reset();
    send(up, answer);
  }
}
