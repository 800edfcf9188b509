/**
 * Transactions around ML statements: autocommit, BEGIN/COMMIT/ROLLBACK in
 * either protocol, BEGIN in the same pipeline as the first statement (JDBC
 * with autocommit off), savepoints, and errors that leave the transaction
 * aborted (status E) until ROLLBACK or ROLLBACK TO SAVEPOINT.
 */
import { bindOf, type CaseBuilder, parseOf } from '../case.ts';
import { CHECK_RESULTS } from '../dataset.ts';
import { type FrontendMsg, msg } from '../protocol.ts';
import type { Stmt } from '../statements.ts';

/** A statement without parameters through the extended protocol, as drivers send BEGIN and COMMIT. */
function extendedCommand(sql: string): FrontendMsg[] {
  return [msg.parse('', sql, true), msg.bind('', ''), msg.execute('')];
}

function extendedStmt(s: Stmt, formats: readonly number[]): FrontendMsg[] {
  return [parseOf('', s), bindOf('', '', s, formats), msg.describe('P', ''), msg.execute('')];
}

export function transactionCase(b: CaseBuilder): void {
  const start = b.rng.weighted([
    [2, 'autocommit'],
    [3, 'BEGIN'],
    [1, 'BEGIN ISOLATION LEVEL REPEATABLE READ'],
    [1, 'START TRANSACTION'],
    [3, 'BEGIN in the pipeline'],
  ] as const);
  b.title(start);
  const extended = { mode: 'extended', declareTypes: b.rng.chance(0.5) } as const;
  if (start === 'BEGIN in the pipeline') {
    const first = b.stmt({ failing: false, statementsOnly: true }, extended);
    b.title(first.template);
    b.round(...extendedCommand('BEGIN'), ...extendedStmt(first, b.resultFormats()), msg.sync());
  } else if (start !== 'autocommit') {
    b.round(msg.query(start));
  }
  let savepoint = false;
  const steps = b.rng.int(2, 5);
  for (let i = 0; i < steps; i++) {
    const step = b.rng.weighted([
      [4, 'simple'],
      [4, 'extended'],
      [2, 'savepoint'],
      [1, 'rollback to savepoint'],
      [1, 'release savepoint'],
      [2, 'failing'],
      [1, 'check'],
    ] as const);
    switch (step) {
      case 'simple':
        b.query(b.stmt({ failing: false, statementsOnly: true }, { mode: 'simple' }));
        break;
      case 'extended':
        b.round(...extendedStmt(b.stmt({ failing: false, statementsOnly: true }, extended), b.resultFormats()), msg.sync());
        break;
      case 'savepoint':
        savepoint = true;
        b.round(msg.query('SAVEPOINT sp1'));
        break;
      case 'rollback to savepoint':
        b.title('ROLLBACK TO SAVEPOINT');
        b.round(msg.query(savepoint || b.rng.chance(0.2) ? 'ROLLBACK TO SAVEPOINT sp1' : 'SAVEPOINT sp1'));
        savepoint = true;
        break;
      case 'release savepoint':
        b.round(msg.query('RELEASE SAVEPOINT sp1'));
        savepoint = false;
        break;
      case 'failing': {
        b.title('error in the transaction');
        if (b.rng.chance(0.5)) b.query(b.stmt({ failing: true, statementsOnly: true }, { mode: 'simple' }));
        else b.round(...extendedStmt(b.stmt({ failing: true, statementsOnly: true }, extended), []), msg.sync());
        break;
      }
      case 'check':
        b.round(msg.query(CHECK_RESULTS, [true]));
        break;
    }
  }
  const end = b.rng.weighted([
    [3, 'COMMIT'],
    [3, 'ROLLBACK'],
    [1, 'END'],
    [1, 'ROLLBACK TO SAVEPOINT sp1; COMMIT'],
    [1, 'COMMIT AND CHAIN'],
    [2, 'COMMIT in the pipeline'],
  ] as const);
  b.title(end);
  if (end === 'COMMIT in the pipeline') b.round(...extendedCommand('COMMIT'), msg.sync());
  else b.round(msg.query(end, [true, true]));
  if (end === 'COMMIT AND CHAIN') b.round(msg.query('SHOW transaction_isolation; ROLLBACK', [true, true]));
  b.round(msg.query(CHECK_RESULTS, [true]));
}
