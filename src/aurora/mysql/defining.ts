/**
 * Statements that define something (CREATE VIEW / FUNCTION / PROCEDURE with
 * ML calls, DROP of one, other DDL naming one, CREATE TABLE ... SELECT): they
 * run once, since DDL commits implicitly and no savepoint survives it, and
 * the objects that reach ML are reread before the client hears the answer.
 */
import { EmulatorError } from '../../errors.ts';
import { findMlCalls } from '../../sql/mysql/ml-calls.ts';
import { createTableQuery, type StatementKind } from '../../sql/mysql/statement-kind.ts';
import { withViewColumnNames } from '../../sql/mysql/view-columns.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { type CommandContext, converge, type SessionState } from './command-context.ts';
import { definedObject } from './defined-object.ts';
import { rewriteToStubs } from './rewrite.ts';
import { CACHE_TABLE, MISS_COUNTER, MISS_TABLE, MODE_VARIABLE } from './session-objects.ts';
import type { SessionFacts } from './session-setup.ts';
import { VIEW_KINDS } from './statement-routes.ts';
import type { StubInstaller } from './stub-installer.ts';
import { withoutStubSchemaChange } from './stub-schema-change.ts';
import { connectionIsUnicode, sendToClient } from './synthetic-result.ts';
import { isErr } from './upstream-errors.ts';

/**
 * CREATE VIEW / FUNCTION / PROCEDURE with ML calls, DROP of one, and other
 * DDL naming one: run once, with its calls pointed at the stubs.
 */
export async function runDefinition(cmd: CommandContext, sql: string, kind: StatementKind): Promise<Packet[]> {
  const unicode = await beforeDefinition(kind, cmd.state, cmd.up);
  // A view's columns are named after its items' text: the client's, not the rewritten one.
  const named = kind === 'create_view' ? withViewColumnNames(sql, (item) => findMlCalls(item).length > 0) : sql;
  const rewritten = rewriteToStubs(named, { strict: cmd.strict(), unicode }) ?? named;
  return cmd.up.query(rewritten);
}

/**
 * The server refuses a view over a function that uses a temporary table
 * while one exists in the session (1352), so the session's cache and miss
 * tables go before a definition; answers whether the connection is Unicode.
 */
export async function beforeDefinition(kind: StatementKind, state: SessionState, up: ControlledUpstream): Promise<boolean> {
  if (!VIEW_KINDS.has(kind) || !state.tablesReady) return connectionIsUnicode(up);
  const [, , unicode] = await Promise.all([
    up.query(`DROP TEMPORARY TABLE IF EXISTS ${CACHE_TABLE}`),
    up.query(`DROP TEMPORARY TABLE IF EXISTS ${MISS_TABLE}`),
    connectionIsUnicode(up),
  ]);
  state.tablesReady = false;
  return unicode;
}

/** Registers what a definition defines, runs it, then rereads which objects depend on ML. */
export async function defining(
  stubs: StubInstaller,
  up: ControlledUpstream,
  sql: string,
  define: () => Promise<Packet[]>,
): Promise<void> {
  const defined = definedObject(sql);
  // Asked on the way (pipelined ahead of the definition): the server answers it first.
  const current = defined !== null && defined.schema === null ? up.query('SELECT DATABASE()') : null;
  current?.catch(() => {});
  try {
    const definition = define();
    // Awaited below, maybe after it settles: marked handled so a failure is not an unhandled rejection meanwhile.
    definition.catch(() => {});
    if (defined !== null) {
      // A connection gone before the answer: the schema the session last chose (COM_INIT_DB or the handshake).
      const schema =
        defined.schema ??
        (await current?.then(
          (rows) => textRows(rows, 1)[0]?.[0],
          () => up.session.database,
        ));
      if (schema != null) stubs.register(schema, defined);
    }
    // Its OK lists the change of database the stubs made when the server read them (./stub-schema-change.ts).
    const answer = withoutStubSchemaChange(await definition, 'result', up);
    // Before the client hears of it: its next statement, on any connection, may name what was defined.
    await stubs.refreshDependents(up);
    sendToClient(up, answer);
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
export async function createTableSelect(cmd: CommandContext, rewritten: string, facts: SessionFacts): Promise<void> {
  const { up } = cmd;
  const query = createTableQuery(rewritten);
  if (query === null) throw new EmulatorError('Internal', 'CREATE TABLE ... SELECT without a query');
  const discovered = await converge(cmd, facts, 'result', () => up.query(query), { sql: rewritten });
  if (isErr(discovered[0])) {
    sendToClient(up, discovered);
    return;
  }
  const [, answer, counter] = await Promise.all([
    up.query(`SET ${MODE_VARIABLE} = 1, ${MISS_COUNTER} = 0`),
    up.query(rewritten),
    up.query(`SELECT ${MISS_COUNTER}`),
    up.query(`SET ${MODE_VARIABLE} = NULL, ${MISS_COUNTER} = NULL`),
  ]);
  const missed = Number(textRows(counter ?? [], 1)[0]?.[0] ?? 0);
  if (missed > 0 && !isErr(answer?.[0])) {
    throw new EmulatorError(
      'DidNotConverge',
      'CREATE TABLE ... SELECT: the arguments of the ML calls changed between the query and the statement; the new table holds placeholders',
      { hint: 'Drop the table, then use CREATE TABLE followed by INSERT ... SELECT' },
    );
  }
  await cmd.stubs.refreshDependents(up);
  sendToClient(up, withoutStubSchemaChange(answer ?? [], 'result', up));
}
