/**
 * Points a statement's built-in ML calls at the stubs in the `aurora_ml`
 * database: unqualified calls resolve only in the current database, and
 * stored functions are neither variadic nor overloaded (design notes).
 *
 * The rewrite only inserts text: the qualifier `aurora_ml.` and a stub
 * suffix after the name as the client spelt it, and, for the seed's direct
 * aws_sagemaker_invoke_endpoint, `JSON_ARRAY(` and `)` around its inputs. A
 * server names an unaliased column after its expression's text, so
 * ./column-names.ts can take exactly those insertions out again and give the
 * client the name it wrote.
 */
import { EmulatorError } from '../../errors.ts';
import { wrongArgCountCall } from '../../sql/mysql/ml-call-counts.ts';
import { findMlCalls, type MlCall } from '../../sql/mysql/ml-calls.ts';
import { splitStatements } from '../../sql/mysql/statement-split.ts';
import { SEED_DIRECT_SAGEMAKER, SEED_FUNCTIONS, STUB_SCHEMA, stubFor } from './stubs.ts';

export interface RewriteOptions {
  /** Seed extensions (SQL real Aurora rejects, accepted here with a warning) are errors. */
  readonly strict: boolean;
  /** The connection's character set is a Unicode one (decides the stubs' result charset). */
  readonly unicode: boolean;
}

/** The statement with its built-in calls pointed at the stubs, or null when it has none to rewrite. */
export function rewriteToStubs(sql: string, options: RewriteOptions, found = findMlCalls(sql)): string | null {
  refuseWrongCounts(sql, found, options.strict);
  const calls = found.filter((c) => stubFor(c.fn, c.args.length, options.unicode) !== undefined);
  if (calls.length === 0) return null;
  if (splitStatements(sql).length !== 1) {
    throw new EmulatorError(
      'UnsafeMlStatement',
      'aurora-ml-emulator runs a statement that calls ML functions on its own: send the statements of this multi-statement text one at a time',
    );
  }
  const seed = calls.find((c) => SEED_FUNCTIONS.has(c.fn));
  if (options.strict && seed !== undefined) throw notInAurora(seed.fn);
  // Replacements of a call's name and insertions around the direct SageMaker call's inputs, by offset.
  const edits: Edit[] = [];
  for (const call of calls) {
    const stub = stubFor(call.fn, call.args.length, options.unicode) as string;
    const name = sql.slice(call.start, call.nameEnd);
    edits.push({ at: call.start, end: call.nameEnd, text: `${STUB_SCHEMA}.${name}${stub.slice(call.fn.length)}`, order: 1 });
    const inputs = call.args.slice(1);
    const first = inputs[0];
    const last = inputs.at(-1);
    if (call.fn === SEED_DIRECT_SAGEMAKER && first !== undefined && last !== undefined && call.close >= 0) {
      // A stored function cannot be variadic: the inputs travel as one JSON array.
      edits.push({ at: first.start, end: first.start, text: 'JSON_ARRAY(', order: 0 });
      edits.push({ at: last.end, end: last.end, text: ')', order: 2 });
    }
  }
  edits.sort((a, b) => a.at - b.at || a.order - b.order);
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += sql.slice(at, edit.at) + edit.text;
    at = edit.end;
  }
  return out + sql.slice(at);
}

/**
 * Aurora's parser refuses a built-in called with an argument count it does
 * not take, before the statement runs, naming the function as the statement
 * spells it (1582 Incorrect parameter count in the call to native function
 * 'aws_comprehend_detect_sentiment'); the whole text is refused, as the
 * emulator refuses a multi-statement text with ML calls. In strict mode a
 * seed extension is no built-in at all: its call is refused as one.
 */
export function refuseWrongArgCounts(sql: string, strict: boolean, found = findMlCalls(sql)): void {
  refuseWrongCounts(sql, found, strict);
}

function refuseWrongCounts(sql: string, calls: readonly MlCall[], strict: boolean): void {
  const call = wrongArgCountCall(calls);
  if (call === null) return;
  if (strict && SEED_FUNCTIONS.has(call.fn)) throw notInAurora(call.fn);
  throw new EmulatorError(
    'WrongParameterCount',
    `Incorrect parameter count in the call to native function '${sql.slice(call.start, call.nameEnd)}'`,
  );
}

/** Strict mode's refusal of a seed extension. */
function notInAurora(fn: string): EmulatorError {
  const direct = fn === SEED_DIRECT_SAGEMAKER;
  return new EmulatorError(
    'NotSupportedByAurora',
    `${fn}() is not supported by Aurora${direct ? ' as a direct call' : ''} (aurora-ml-emulator strict mode)`,
    {
      hint: direct
        ? 'Declare a function with CREATE FUNCTION ... ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME ...'
        : 'Aurora MySQL offers aws_comprehend_detect_sentiment and aws_comprehend_detect_sentiment_confidence only',
    },
  );
}

/** Text put in place of [at, end) (an insertion when they are equal); `order` sorts edits at one offset. */
interface Edit {
  readonly at: number;
  readonly end: number;
  readonly text: string;
  readonly order: number;
}

/**
 * The warning a statement using seed extensions gets (for SHOW WARNINGS), or null.
 * Its MySQL errno is the catalog's NotSupportedByAurora one.
 */
export function seedWarning(sql: string): string | null {
  const names = [
    ...new Set(
      findMlCalls(sql)
        .filter((c) => SEED_FUNCTIONS.has(c.fn))
        .map((c) => `${c.fn}()`),
    ),
  ];
  if (names.length === 0) return null;
  return names.length === 1
    ? `${names[0]} is an aurora-ml-emulator extension: real Aurora MySQL rejects it`
    : `${names.join(', ')} are aurora-ml-emulator extensions: real Aurora MySQL rejects them`;
}
