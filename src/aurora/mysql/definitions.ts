/**
 * Statements that define or show objects rather than run ML calls: they run
 * once (no evaluation loop, since DDL commits implicitly and no savepoint
 * survives it), with their calls pointed at the stubs where they have any.
 */
import { parseCreateFunctionAlias } from '../../sql/mysql/create-function-alias.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { upstreamDefinition, withAliasClause } from './alias-functions.ts';
import { syntaxErrorNear } from './syntax-error.ts';
import { answerRows, sendToClient } from './synthetic-result.ts';
import { isErr } from './upstream-errors.ts';

/**
 * The CREATE FUNCTION the upstream runs for a CREATE FUNCTION ... ALIAS ...: a
 * stored function whose body calls the service's stub; or the error Aurora
 * gives (a malformed clause, a definition it refuses).
 */
export function aliasDefinition(sql: string): string {
  const fn = parseCreateFunctionAlias(sql);
  if (fn === null) {
    const at = /\bALIAS\b/i.exec(sql)?.index ?? 0;
    throw syntaxErrorNear(
      sql,
      at,
      "ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'name' [MAX_BATCH_SIZE n] | ALIAS AWS_BEDROCK_INVOKE_MODEL MODEL ID 'id' [CONTENT_TYPE 'type'] [ACCEPT 'type'] [TIMEOUT_MS n]",
    );
  }
  return upstreamDefinition(fn);
}

/** The columns of SHOW CREATE FUNCTION on MySQL 8 and MariaDB alike. */
const SHOW_CREATE_COLUMNS = [
  'Function',
  'sql_mode',
  'Create Function',
  'character_set_client',
  'collation_connection',
  'Database Collation',
];

/** SHOW CREATE FUNCTION: an ALIAS function shows its ALIAS clause, as on Aurora. */
export async function showCreateFunction(sql: string, up: ControlledUpstream): Promise<void> {
  const answer = await up.query(sql);
  const rows = isErr(answer[0]) ? [] : textRows(answer, SHOW_CREATE_COLUMNS.length);
  const text = rows[0]?.[2];
  if (rows.length !== 1 || text == null || withAliasClause(text) === text) {
    sendToClient(up, answer);
    return;
  }
  const row = [...(rows[0] as (string | null)[])];
  row[2] = withAliasClause(text);
  await answerRows(up, SHOW_CREATE_COLUMNS, [row]);
}
