/**
 * Rewrites aws_sagemaker.invoke_endpoint calls for the emulator's stub.
 *
 * The real signature is invoke_endpoint(endpoint_name varchar,
 * max_rows_per_batch int, VARIADIC model_input "any"), which neither PL/pgSQL
 * nor SQL functions can declare. The stub takes `model_input json` instead,
 * and the proxy packs the inputs:
 *
 *   invoke_endpoint(E, B, a1, a2, ...)     -> invoke_endpoint(E, B, json_build_array(a1, a2, ...))
 *   invoke_endpoint(E, B, VARIADIC arr)    -> invoke_endpoint(E, B, array_to_json(arr))
 *   invoke_endpoint(E, payload)  (seed)    -> invoke_endpoint(E, NULL, json_build_array(payload))
 *   ... model_input => x                   -> ... model_input => json_build_array(x)
 *   ... VARIADIC model_input => arr        -> ... model_input => array_to_json(arr)
 *
 * The function name stays as written so result column names do not change.
 * Only text is inserted (never moved), and the inserted text holds no quotes
 * or backslashes, so calls inside single-quoted function bodies are rewritten
 * in place safely. Calls the server must reject are left alone so that it
 * does: one argument, (E, <integer literal or NULL>), VARIADIC not in the
 * input position, unknown or duplicate parameter names.
 */
import type { ErrorCode } from '../../errors.ts';
import type { MlCallArg } from './ml-call-args.ts';
import type { MlCall } from './ml-calls.ts';

/** FUNC_MAX_ARGS: what the server enforces on the call as the client wrote it. */
export const MAX_FUNCTION_ARGS = 100;

/** Replace [start, end) of the original text with `text` (start === end: insertion). */
export interface RewriteEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface RewriteError {
  /** Raise as the catalog entry TooManyArguments (SQLSTATE 54023). */
  readonly code: Extract<ErrorCode, 'TooManyArguments'>;
  readonly message: string;
  /** Offset of the offending call in the original text. */
  readonly position: number;
  readonly argCount: number;
}

export interface RewriteResult {
  readonly sql: string;
  /** Calls in the seed's two-argument form (a NOTICE each; an error in strict mode). */
  readonly seedTwoArgCalls: number;
  readonly errors: readonly RewriteError[];
  /** Shorthand for errors.length > 0: the statement must fail with 54023. */
  readonly tooManyArguments: boolean;
  /** The edits applied, sorted by offset: feed to mapRewrittenOffset for error positions. */
  readonly edits: readonly RewriteEdit[];
}

const INVOKE_ENDPOINT = 'aws_sagemaker.invoke_endpoint';
const PARAMS = ['endpoint_name', 'max_rows_per_batch', 'model_input'] as const;
const INTEGER_LITERAL = /^[+-]?(?:\d[\d_]*|0[xX][\dA-Fa-f_]+|0[oO][0-7_]+|0[bB][01_]+)$/;

/**
 * Rewrites every aws_sagemaker.invoke_endpoint call in `calls` (from
 * findMlCalls on the same text; other functions are ignored). Nested calls
 * are fine: edits never overlap and are applied in one pass.
 */
export function rewriteInvokeEndpoint(sql: string, calls: readonly MlCall[]): RewriteResult {
  const edits: RewriteEdit[] = [];
  const errors: RewriteError[] = [];
  let seedTwoArgCalls = 0;
  for (const call of calls) {
    if (call.fn !== INVOKE_ENDPOINT) continue;
    if (call.args.length > MAX_FUNCTION_ARGS) {
      errors.push(tooManyArguments(call));
      continue;
    }
    const plan = planCall(call.args);
    if (plan === undefined) continue;
    edits.push(...plan.edits);
    if (plan.seed) seedTwoArgCalls++;
  }
  const sorted = sortEdits(edits);
  return { sql: applyEdits(sql, sorted), seedTwoArgCalls, errors, tooManyArguments: errors.length > 0, edits: sorted };
}

function tooManyArguments(call: MlCall): RewriteError {
  return {
    code: 'TooManyArguments',
    message: `cannot pass more than ${MAX_FUNCTION_ARGS} arguments to a function`,
    position: call.start,
    argCount: call.args.length,
  };
}

interface Plan {
  readonly edits: readonly RewriteEdit[];
  readonly seed: boolean;
}

function planCall(args: readonly MlCallArg[]): Plan | undefined {
  if (args.some((a) => a.name !== undefined)) return planNamed(args);
  const [, second] = args;
  if (second === undefined || args[0]?.variadic) return undefined;
  if (args.length === 2) return planTwoArgs(second);
  if (second.variadic) return undefined;
  return planInputs(args.slice(2));
}

/** invoke_endpoint(E, payload): the seed's form, unless the second argument is clearly a batch size. */
function planTwoArgs(second: MlCallArg): Plan | undefined {
  const lit = second.literal;
  if (second.variadic || lit?.kind === 'null' || (lit?.kind === 'number' && INTEGER_LITERAL.test(lit.text))) return undefined;
  return { edits: [insert(second.start, 'NULL, json_build_array('), insert(second.end, ')')], seed: true };
}

/** Positional inputs a1..an, or a single VARIADIC array. */
function planInputs(inputs: readonly MlCallArg[]): Plan | undefined {
  const first = inputs[0];
  const last = inputs[inputs.length - 1];
  if (first === undefined || last === undefined) return undefined;
  if (inputs.some((a) => a.variadic)) return inputs.length === 1 ? { edits: arrayEdits(first), seed: false } : undefined;
  return { edits: [insert(first.start, 'json_build_array('), insert(last.end, ')')], seed: false };
}

/**
 * Named or mixed notation. The server would only accept `VARIADIC model_input
 * => array`; a plain `model_input => x` is taken as the single input (lenient).
 */
function planNamed(args: readonly MlCallArg[]): Plan | undefined {
  const assigned = new Map<string, MlCallArg>();
  let seenNamed = false;
  for (const [i, a] of args.entries()) {
    const param = a.name ?? (seenNamed ? undefined : PARAMS[i]);
    if (a.name !== undefined) seenNamed = true;
    if (param === undefined || !isParam(param) || assigned.has(param)) return undefined;
    if (a.variadic && param !== 'model_input') return undefined;
    assigned.set(param, a);
  }
  const input = assigned.get('model_input');
  if (input === undefined) return undefined;
  if (input.variadic) return { edits: arrayEdits(input), seed: false };
  return { edits: [insert(input.valueStart, 'json_build_array('), insert(input.end, ')')], seed: false };
}

function isParam(name: string): boolean {
  return (PARAMS as readonly string[]).includes(name);
}

/** `VARIADIC [name =>] arr` -> `[name =>] array_to_json(arr)`. */
function arrayEdits(a: MlCallArg): RewriteEdit[] {
  const prefix = a.name === undefined ? '' : 'model_input => ';
  return [{ start: a.start, end: a.valueStart, text: `${prefix}array_to_json(` }, insert(a.end, ')')];
}

function insert(at: number, text: string): RewriteEdit {
  return { start: at, end: at, text };
}

function sortEdits(edits: readonly RewriteEdit[]): RewriteEdit[] {
  // Stable sort; then drop anything overlapping its predecessor (cannot happen for calls from findMlCalls).
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.start - b.e.start || a.i - b.i);
  const out: RewriteEdit[] = [];
  let lastEnd = 0;
  for (const { e } of sorted) {
    if (e.start < lastEnd) continue;
    out.push(e);
    lastEnd = e.end;
  }
  return out;
}

function applyEdits(sql: string, sorted: readonly RewriteEdit[]): string {
  if (sorted.length === 0) return sql;
  const parts: string[] = [];
  let at = 0;
  for (const e of sorted) {
    parts.push(sql.slice(at, e.start), e.text);
    at = e.end;
  }
  parts.push(sql.slice(at));
  return parts.join('');
}

/**
 * Maps an offset in the rewritten text back to the original (e.g. an error
 * position from the server; convert its 1-based character count first). An
 * offset inside inserted text maps to where the insertion was made.
 */
export function mapRewrittenOffset(edits: readonly RewriteEdit[], offset: number): number {
  let delta = 0;
  for (const e of edits) {
    const rewrittenStart = e.start + delta;
    if (offset < rewrittenStart) break;
    if (offset < rewrittenStart + e.text.length) return e.start;
    delta += e.text.length - (e.end - e.start);
  }
  return offset - delta;
}
