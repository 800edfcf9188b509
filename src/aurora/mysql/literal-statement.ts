/**
 * The light path for a statement that runs nothing but built-in calls on
 * string literals (`SELECT aws_comprehend_detect_sentiment('...', 'en') AS s`);
 * the MySQL form of ../pg/literal-statement.ts. Its calls' keys are computed
 * here from the literals, as the stub computes them (MD5 of the function's
 * name and MariaDB's JSON_ARRAY of the arguments), so the calls are
 * evaluated before anything else runs, and two round trips do the rest: the
 * session's facts (which the gate needs), then the whole statement in one
 * go: the loop's variables set and its cache emptied, the cache filled, the
 * run, its counters and, in autocommit mode, the closing COMMIT (no savepoint:
 * see lightOpeningStatements).
 *
 * The closing is sent before the run's answer is known, which is safe only
 * because the statement reads no table and calls no function of the user's:
 * a run that fails leaves nothing to undo but the session's own tables. A key
 * computed here that is not the stub's (a conversion this code does not
 * foresee) cannot give a wrong answer, since a key is the digest of the very
 * arguments it answers; it only misses. Then the run answered placeholders,
 * and the statement, which changed nothing, goes through the loop from the
 * start.
 */
import { createHash } from 'node:crypto';
import type { MlCall } from '../../ml/calls.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import type { StatementTrace } from '../../ml/statement-trace.ts';
import { tokenize } from '../../sql/mysql/lexer.ts';
import type { MlCall as SqlMlCall } from '../../sql/mysql/ml-calls.ts';
import { isKeyword, type Token } from '../../sql/mysql/tokens.ts';
import type { AnswerKind } from '../../wire/mysql/answer-shape.ts';
import { ServerStatus } from '../../wire/mysql/codes.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { cacheFillStatements, cacheRows } from './cache-fill.ts';
import { countStatementCalls, mysqlEvaluationContext } from './evaluation-context.ts';
import { finish } from './loop-end.ts';
import { lightOpeningStatements } from './loop-opening.ts';
import { withTransactionFlags } from './server-status.ts';
import { HIT_COUNTER, MISS_COUNTER } from './session-objects.ts';
import { ER_TABLE_NOT_LOCKED_FOR_WRITE, type LoopSession, type PipelinedSetup, StaleSetup } from './session-setup.ts';
import { stubbedFunction } from './stubs.ts';
import { check, errnoOf, isErr } from './upstream-errors.ts';

/** The stub's language_code parameter: VARCHAR(64), so a longer text would be cut. */
const LANGUAGE_CODE_LENGTH = 64;

/**
 * The calls of a statement that runs nothing else, keyed as the stubs key
 * them, or null when the statement is anything more: a SELECT without FROM
 * whose items are these calls (one or two arguments, each a plain string
 * literal or NULL), literals, and aliases.
 */
export function sealedLiteralCalls(sql: string, calls: readonly SqlMlCall[]): MlCall[] | null {
  const keyed: MlCall[] = [];
  for (const call of calls) {
    const fn = stubbedFunction(call.fn);
    if (fn === undefined || call.depth !== 0 || call.close < 0) return null;
    const values = literalValues(call);
    if (values === null || (values.length !== 1 && values.length !== 2)) return null;
    if ((values[1]?.length ?? 0) > LANGUAGE_CODE_LENGTH) return null;
    // [input_text, language_code, max_batch_size]: the two-argument form's third is NULL; the one-argument form has two.
    const json = `[${[...values, null].map(jsonValue).join(', ')}]`;
    keyed.push({ fn, key: createHash('md5').update(`${fn}${json}`, 'utf8').digest('hex'), args: [...values, null] });
  }
  if (keyed.length === 0 || !onlyCallsAndLiterals(sql, calls)) return null;
  return keyed;
}

/** Each argument's value, when every one is a string literal without introducer or NULL. */
function literalValues(call: SqlMlCall): (string | null)[] | null {
  const values: (string | null)[] = [];
  for (const arg of call.args) {
    const literal = arg.literal;
    if (literal?.kind === 'null') values.push(null);
    // A double-quoted "x" is an identifier under ANSI_QUOTES, and an introducer converts: not here.
    else if (literal?.kind === 'string' && arg.text.startsWith("'")) values.push(literal.value);
    else return null;
  }
  return values;
}

/** A value as MariaDB's JSON_ARRAY writes it: `"` and `\` escaped, control characters as \n ... or \u00XX. */
function jsonValue(value: string | null): string {
  if (value === null) return 'null';
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20) out += ch;
    else out += CONTROL_ESCAPES[code] ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `${out}"`;
}

const CONTROL_ESCAPES: Readonly<Record<number, string>> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/** SELECT item, ... [;] where an item is a planned call or a literal, with an optional alias. */
function onlyCallsAndLiterals(sql: string, calls: readonly SqlMlCall[]): boolean {
  const withComments = tokenize(sql, { comments: true });
  if (withComments.some((t) => t.kind === 'comment' && t.style === 'executable')) return false;
  const tokens = withComments.filter((t) => t.kind !== 'comment');
  if (!isKeyword(tokens[0], 'select')) return false;
  const callAt = new Map(calls.map((c) => [c.start, c.close]));
  let i = 1;
  for (;;) {
    const t = tokens[i];
    if (t === undefined) return false;
    const close = callAt.get(t.start);
    if (close !== undefined) {
      while (tokens[i] !== undefined && (tokens[i] as Token).start < close) i++;
      i++; // the call's ')'
    } else if (t.kind === 'string' || t.kind === 'number' || isKeyword(t, 'null')) i++;
    else return false;
    // An alias: AS name, or a bare name.
    if (isKeyword(tokens[i], 'as')) i++;
    const alias = tokens[i];
    if (alias?.kind === 'quoted_ident' || (alias?.kind === 'ident' && !isKeyword(alias, 'from'))) i++;
    else if (isKeyword(tokens[i - 1], 'as')) {
      if (alias?.kind !== 'string') return false;
      i++;
    }
    const next = tokens[i];
    if (next === undefined) return true;
    if (next.kind === 'semicolon') return i === tokens.length - 1;
    if (next.kind !== 'comma') return false;
    i++;
  }
}

export interface LiteralRequest {
  readonly up: ControlledUpstream;
  readonly session: LoopSession;
  readonly setup: PipelinedSetup;
  readonly evaluator: MlEvaluator;
  readonly calls: readonly MlCall[];
  /** The statement pointed at the stubs of the connection's charset. */
  readonly statement: (unicode: boolean) => string;
  readonly answer: AnswerKind;
  readonly trace: StatementTrace;
}

/**
 * The statement's answer, or null when the run missed a call (nothing
 * changed: the loop runs the statement from the start). Throws StaleSetup
 * when the charset changed since the session's last statement, and the
 * evaluation's error when the gate or the backend refused a call.
 */
export async function runLiteralStatement(req: LiteralRequest): Promise<Packet[] | null> {
  const { up, session, evaluator, trace } = req;
  const startedAt = Date.now();
  const facts = req.setup.read(await up.query(req.setup.query));
  if (facts.unicode !== req.setup.unicode) throw new StaleSetup();
  const own = !facts.inTransaction && facts.autocommit;
  const work = new AbortController();
  session.work = work;
  try {
    const distinct = [...new Map(req.calls.map((c) => [c.key, c])).values()];
    trace.phase('evaluate', distinct.length);
    const signal = AbortSignal.any([up.signal, work.signal]);
    const results = await evaluator.evaluate(distinct, mysqlEvaluationContext(up, session, facts, startedAt, signal, trace));
    trace.phase('run');
    const fills = cacheFillStatements(cacheRows(results, distinct, new Set()));
    const opening = [...lightOpeningStatements(own ? 'autocommit = 0, ' : ''), ...fills].map((s) => up.query(s));
    const run = up.query(req.statement(facts.unicode));
    const counter = up.query(`SELECT ${MISS_COUNTER}, ${HIT_COUNTER}`);
    // Awaited only once the opening went through: a lost connection must not leave them unhandled.
    for (const p of [run, counter]) p.catch(() => {});
    // Sent now, behind the run: the statement reads no table, so whatever it answers, this ends it.
    const closed = finish(up, own, 'succeeded', false);
    const opened = await Promise.all(opening);
    if (opened.some((a) => isErr(a[0]))) {
      await Promise.allSettled([run, counter, closed]);
      // LOCK TABLES after a stub read the session's tables (see session-setup.ts): the loop makes them anew.
      if (opened.some((a) => errnoOf(a) === ER_TABLE_NOT_LOCKED_FOR_WRITE)) return null;
      check(opened);
    }
    const answer = await run;
    const [counts] = textRows(await counter, 2);
    await closed;
    if (Number(counts?.[0] ?? 0) > 0) return null;
    if (isErr(answer[0]) || isErr(answer.at(-1))) return answer;
    countStatementCalls(evaluator.stats, Number(counts?.[1] ?? 0), distinct.length);
    return own ? withTransactionFlags(answer, req.answer, up, ServerStatus.SERVER_STATUS_AUTOCOMMIT) : answer;
  } finally {
    session.work = null;
  }
}
