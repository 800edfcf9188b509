/**
 * Statements the emulator refuses before running them, with the error real
 * Aurora MySQL gives, or with a clear one where the emulator's runs could not
 * be undone.
 */
import { EmulatorError } from '../../errors.ts';
import { reservedWordUse } from '../../sql/mysql/reserved-words.ts';
import { writeTargets } from '../../sql/mysql/write-targets.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { syntaxErrorNear } from './syntax-error.ts';
import { utf8Literal } from './synthetic-result.ts';

/** Aurora MySQL 3.06+'s reserved words as unquoted identifiers: its syntax error. */
export function refuseReservedWords(sql: string): void {
  const use = reservedWordUse(sql);
  if (use === null) return;
  throw syntaxErrorNear(
    sql,
    use.at,
    `${use.word.toUpperCase()} is a reserved word in Aurora MySQL 3.06 and later: quote it as \`${use.word}\``,
  );
}

/**
 * A savepoint cannot undo a run's writes to a non-transactional table, so
 * an ML statement that writes to one is refused before it runs (Aurora MySQL
 * keeps user tables in InnoDB).
 */
export async function refuseNonTransactionalTargets(sql: string, up: ControlledUpstream): Promise<void> {
  const targets = writeTargets(sql);
  if (targets.length === 0) return;
  const pairs = targets.map((t) => `(${t.schema === undefined ? 'DATABASE()' : utf8Literal(t.schema)}, ${utf8Literal(t.name)})`);
  const answer = await up.query(
    `SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (${pairs.join(', ')}) AND ENGINE IS NOT NULL AND ENGINE NOT IN ('InnoDB')`,
  );
  const [table] = textRows(answer, 2);
  if (table === undefined) return;
  throw new EmulatorError(
    'UnsafeMlStatement',
    `aurora-ml-emulator cannot run ML calls in a statement that writes to \`${table[0]}\` (ENGINE=${table[1]}): a non-transactional table cannot be rolled back between the emulator's runs`,
    { hint: `ALTER TABLE \`${table[0]}\` ENGINE=InnoDB (Aurora MySQL keeps user tables in InnoDB)` },
  );
}
