/**
 * DECLARE ... CURSOR over a query with ML calls.
 *
 * A cursor runs its query lazily, at each FETCH (or, WITH HOLD, at commit),
 * outside any evaluation loop. So the emulator runs the query once through
 * the loop into a temporary table and declares the client's cursor, with the
 * client's own options, over that table in the query's row order. FETCH and
 * MOVE in every direction, SCROLL, BINARY and WITH HOLD then behave natively,
 * and the rows are the ones the query gave. The table lives as long as the
 * cursor can: ON COMMIT DROP without HOLD; until the session ends with HOLD.
 */
import { EmulatorError } from '../../errors.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import type { DeclareCommand } from '../../sql/pg/cursor-commands.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { type BindMessage, parseRowDescriptionNames } from '../../wire/pg/messages.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream } from '../../wire/pg/statement-handler.ts';
import type { AnsweredResult } from './extended-state.ts';
import { type LoopSessionState, runMlStatement } from './ml-loop.ts';
import { errorIn, ownStatement } from './own-statements.ts';
import { extendedDriver, simpleDriver } from './pass-driver.ts';

const QUERY_STATEMENT = 'aurora_ml_cursor_query';

export interface DeclareOptions {
  readonly declare: DeclareCommand;
  readonly up: ControlledUpstream;
  readonly evaluator: MlEvaluator;
  readonly state: LoopSessionState & { cursorTables: number };
  /** Extended protocol: the client's parameter types and Bind (the query may use $n). */
  readonly extended?: { readonly paramTypes: readonly number[]; readonly bind: BindMessage };
  /** The client has a transaction block of its own (not just the emulator's stand-in for an implicit one). */
  readonly inClientBlock: boolean;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function runDeclare(options: DeclareOptions): Promise<AnsweredResult> {
  const { declare, up, evaluator, state, extended } = options;
  if (!declare.hold && !options.inClientBlock) {
    // PostgreSQL's own refusal, before anything runs (the table would not outlive the statement).
    return {
      ok: false,
      error: serialize.errorResponse({
        severity: 'ERROR',
        code: '25P01',
        message: 'DECLARE CURSOR can only be used in transaction blocks',
      }),
    };
  }
  // The query's column names (and whether it parses at all), from the server itself.
  const described = await up.exchange([
    [
      serialize.close('S', QUERY_STATEMENT),
      serialize.parse(QUERY_STATEMENT, declare.query, extended?.paramTypes ?? []),
      serialize.describe('S', QUERY_STATEMENT),
      serialize.close('S', QUERY_STATEMENT),
    ],
  ]);
  const describeError = errorIn(described.groups[0] ?? []);
  if (describeError) return { ok: false, error: describeError.raw };
  const rowDescription = (described.groups[0] ?? []).find((f) => f.code === BackendCode.RowDescription);
  if (rowDescription === undefined) {
    return failure('the query of a cursor over ML calls must return rows (a SELECT, VALUES or TABLE query)');
  }
  const names = parseRowDescriptionNames(rowDescription.payload);
  if (names.length === 0) return failure('the query of a cursor over ML calls must return at least one column');
  const table = `pg_temp.aurora_ml_cursor_${++state.cursorTables}`;
  const columns = names.map((_, i) => `c${i + 1}`);
  // ORDER BY ctid below reads the rows back in the order the query produced them.
  const materialise = `CREATE TEMP TABLE ${table} (${columns.join(', ')}) ${declare.hold ? '' : 'ON COMMIT DROP '}AS ${declare.query}`;
  const ownsTransaction = extended === undefined && up.status === 'I';
  let driver: ReturnType<typeof simpleDriver>;
  if (extended === undefined) driver = simpleDriver(up, materialise);
  else driver = extendedDriver(up, { sql: materialise, paramTypes: extended.paramTypes, bind: extended.bind });
  const outcome = await runMlStatement({ driver, up, evaluator, ownsTransaction, state });
  if (!outcome.ok) {
    return {
      ok: false,
      error: outcome.error instanceof EmulatorError ? serialize.emulatorError(outcome.error) : outcome.error.raw,
    };
  }
  // The materialising CREATE TABLE AS answers with its tag and notices only: small.
  const notices = outcome.answer.frames().filter((f) => f.code === BackendCode.NoticeResponse);
  outcome.answer.dispose();
  const select = `SELECT ${columns.map((c, i) => `${c} AS ${quoteIdent(names[i] ?? c)}`).join(', ')} FROM ${table} ORDER BY ctid`;
  const declared = await up.exchange([ownStatement(`${declare.head} ${select}`)]);
  const frames = declared.groups[0] ?? [];
  const error = errorIn(frames);
  if (error) return { ok: false, error: error.raw };
  return { ok: true, frames: [...notices, ...frames.filter(isClientFrame)] };
}

function isClientFrame(frame: Frame): boolean {
  return frame.code === BackendCode.CommandComplete || frame.code === BackendCode.NoticeResponse;
}

function failure(message: string): AnsweredResult {
  return {
    ok: false,
    error: serialize.emulatorError(
      new EmulatorError('NotSupportedByAurora', message, {
        hint: 'Declare the cursor over a query that returns rows, or run the statement without a cursor.',
      }),
    ),
  };
}
