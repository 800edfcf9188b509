/**
 * Prepared statements with ML calls, both kinds: SQL-level PREPARE name FROM
 * '...' (each EXECUTE name then comes as a query) and the binary protocol's
 * COM_STMT_PREPARE and COM_STMT_EXECUTE / COM_STMT_BULK_EXECUTE
 * (./prepared.ts frames them). The server prepares the text with its calls
 * pointed at the stubs; each execution runs through the loop.
 */
import { EmulatorError } from '../../errors.ts';
import { classifyStatement } from '../../sql/mysql/statement-kind.ts';
import { ResponseHeader } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { withClientColumnNames } from './column-names.ts';
import type { CommandContext, SessionState } from './command-context.ts';
import { beforeDefinition, defining } from './defining.ts';
import { aliasDefinition } from './definitions.ts';
import { runToConvergence } from './ml-loop.ts';
import {
  executeRefusal,
  executionRuns,
  framePrepare,
  type PreparedMl,
  preparedStatement,
  withMissedDefinitions,
} from './prepared.ts';
import { rewriteToStubs, seedWarning } from './rewrite.ts';
import { setUpSession } from './session-setup.ts';
import { refuseNonTransactionalTargets } from './statement-guards.ts';
import { preparedCreateTableSelectRefusal, type Route, routeOf, triggerRefusal, WRITE_KINDS } from './statement-routes.ts';
import { flushStubSchemaChange, withoutStubSchemaChange } from './stub-schema-change.ts';
import { connectionIsUnicode, sendToClient, utf8Literal } from './synthetic-result.ts';

/**
 * PREPARE name FROM 'text with ML calls': the server prepares the text with
 * its calls pointed at the stubs (passed through a user variable, so no
 * quoting depends on sql_mode); each EXECUTE name then runs through the loop.
 */
export async function answerPrepareSql(cmd: CommandContext, name: string, text: string): Promise<void> {
  const { up } = cmd;
  const unicode = await connectionIsUnicode(up);
  const rewritten = rewriteToStubs(text, { strict: cmd.strict(), unicode }) ?? text;
  const [, answer] = await Promise.all([
    up.query(`SET @aurora_ml_prepare = ${utf8Literal(rewritten)}`),
    up.query(`PREPARE \`${name.replace(/`/g, '``')}\` FROM @aurora_ml_prepare`),
    up.query('SET @aurora_ml_prepare = NULL'),
  ]);
  if (answer?.[0]?.payload[0] === ResponseHeader.OK) cmd.state.preparedNames.set(name, seedWarning(text));
  // Preparing read the stubs, which the server lists in its OK as a change of database.
  sendToClient(up, withoutStubSchemaChange(answer ?? [], 'result', up));
}

/** COM_STMT_PREPARE of a statement that calls ML or defines an ALIAS function (its stubs installed, its words checked). */
export async function answerPrepare(cmd: CommandContext, sql: string): Promise<void> {
  const { up, state } = cmd;
  const kind = classifyStatement(sql);
  if (kind === 'create_function_alias') {
    // Prepared as the stored function that stands for it: each execution creates it.
    const answer = await up.command(framePrepare(up.encode(aliasDefinition(sql))), 'prepare');
    remember(state, answer, 'definition', sql, null);
    return sendToClient(up, answer);
  }
  if (!cmd.callsMl(sql)) return sendToClient(up, await up.command(framePrepare(up.encode(sql)), 'prepare'));
  if (kind === 'create_trigger') throw triggerRefusal();
  if (kind === 'create_table_select') throw preparedCreateTableSelectRefusal();
  const route = routeOf(kind);
  const unicode = await beforeDefinition(route === 'definition' ? kind : 'select', state, up);
  const rewritten = rewriteToStubs(sql, { strict: cmd.strict(), unicode }) ?? sql;
  const prepare = up.command(framePrepare(up.encode(rewritten)), 'prepare');
  // Preparing read the stubs: a change of database COM_STMT_PREPARE_OK cannot list, reported to the emulator instead.
  const [answer] = await Promise.all([prepare, flushStubSchemaChange(up)]);
  remember(state, answer, route, sql, seedWarning(sql));
  sendToClient(up, await withClientColumnNames(answer, sql, 'prepare', up));
}

function remember(state: SessionState, answer: readonly Packet[], run: Route, sql: string, warning: string | null): void {
  const statement = preparedStatement(answer);
  if (statement === null) return;
  const prepared: PreparedMl = {
    run,
    sql,
    warning,
    paramCount: statement.params,
    types: null,
    longData: [],
    missedDefinitions: null,
  };
  state.prepared.set(statement.id, prepared);
}

/** COM_STMT_EXECUTE or COM_STMT_BULK_EXECUTE of a statement prepared by answerPrepare. */
export async function answerExecute(cmd: CommandContext, payload: Buffer): Promise<void> {
  const { up, state } = cmd;
  const prepared = state.prepared.get(payload.readUInt32LE(1));
  if (prepared === undefined) throw new EmulatorError('Internal', 'unknown prepared statement');
  const refusal = executeRefusal(payload);
  if (refusal !== null) throw refusal;
  const { run, discover } = executionRuns(payload, prepared, up);
  if (prepared.run === 'definition') return defining(cmd.stubs, up, prepared.sql, run);
  if (prepared.run === 'once') return sendToClient(up, withMissedDefinitions(prepared, await run(), up));
  const kind = classifyStatement(prepared.sql);
  if (WRITE_KINDS.has(kind)) await refuseNonTransactionalTargets(prepared.sql, up);
  const facts = await setUpSession(up, state, cmd.checksPrivileges());
  const answer = await runToConvergence({
    up,
    session: state,
    facts,
    evaluator: cmd.evaluator,
    run,
    answer: 'binary-result',
    warning: prepared.warning,
    sql: prepared.sql,
    ...(discover === undefined ? {} : { discover }),
  });
  // The loop ran the statement more often than the client executed it: the client's answer carries the definitions it missed.
  const named = await withClientColumnNames(withMissedDefinitions(prepared, answer, up), prepared.sql, 'binary-result', up);
  sendToClient(up, named);
}
